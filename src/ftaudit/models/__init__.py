"""The model layer: name a model once, chat with it, cache and meter every call.

>>> from ftaudit.models import get_model
>>> model = get_model("local:smollm2-135m")          # doctest: +SKIP
>>> model.chat_sync("What is the capital of France?", max_tokens=20).text  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from ftaudit.config import CacheMode, get_settings
from ftaudit.models.base import ChatModel
from ftaudit.models.cache import ResponseCache
from ftaudit.models.embedded import EMBEDDED_MODELS
from ftaudit.models.ref import ModelRef, parse_model_ref
from ftaudit.models.remote import RemoteChatModel, RetryPolicy
from ftaudit.models.types import ChatMessage, Completion, SamplingParams, Usage
from ftaudit.models.usage import UsageMeter, metering

__all__ = [
    "EMBEDDED_MODELS",
    "ChatMessage",
    "ChatModel",
    "Completion",
    "ModelRef",
    "ResponseCache",
    "RetryPolicy",
    "SamplingParams",
    "Usage",
    "UsageMeter",
    "get_model",
    "metering",
    "parse_model_ref",
]

_CACHES: dict[tuple[str, str], ResponseCache] = {}


def get_cache(mode: CacheMode | None = None, path: str | Path | None = None) -> ResponseCache | None:
    """The shared response cache for ``path`` (default: under the cache dir) in ``mode``."""
    settings = get_settings()
    mode = mode or settings.response_cache
    if mode == "off":
        return None
    resolved = Path(path) if path is not None else settings.response_cache_path
    key = (str(resolved), mode)
    if key not in _CACHES:
        _CACHES[key] = ResponseCache(resolved, mode)
    return _CACHES[key]


def get_model(
    ref: str | ModelRef,
    *,
    cache: CacheMode | None = None,
    cache_path: str | Path | None = None,
    max_concurrency: int | None = None,
    retry: RetryPolicy | None = None,
) -> ChatModel:
    """A chat model for a reference such as ``openai:gpt-4.1`` or ``local:smollm2-135m``.

    ``cache`` is ``on``, ``read-only`` or ``off`` (default from ``FTAUDIT_RESPONSE_CACHE``);
    ``max_concurrency`` bounds parallel calls to this model (default 8 remote, 1 local,
    since local generation already uses every core).
    """
    parsed = parse_model_ref(ref)
    response_cache = get_cache(cache, cache_path)
    if parsed.is_local:
        from ftaudit.models.local import LocalChatModel

        return LocalChatModel(parsed, cache=response_cache, max_concurrency=max_concurrency or 1)
    return RemoteChatModel(parsed, cache=response_cache, max_concurrency=max_concurrency or 8, retry=retry)
