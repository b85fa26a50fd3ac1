"""Remote providers (OpenAI, Anthropic, any OpenAI-compatible server) through pydantic-ai.

pydantic-ai maps our messages to each provider's API and classifies HTTP failures; we add
retries with exponential backoff (tenacity) on the transient ones, map the rest to
ftaudit's :class:`~ftaudit.errors.ModelError` family, and price each call with
pydantic-ai's price data. The provider SDK's own retries are turned off so the policy is
ours alone and can be tested.

Replies of an OpenAI-compatible server (``ALIAS@URL``) are cached only when the server
vouches for the weights behind the alias: its ``/v1/models`` entry carries a
``weights_fingerprint`` (``ftaudit serve-models`` does). A name and a URL alone do not say
which model answers; the same alias on the same port can be re-served with other weights
at any time, so without a fingerprint nothing is read from or written to the cache.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import httpx2
from pydantic import BaseModel, Field
from pydantic_ai import exceptions as pai_exc
from pydantic_ai.direct import model_request
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    SystemPromptPart,
    TextPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.settings import ModelSettings
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from ftaudit.errors import (
    ModelAuthError,
    ModelError,
    ModelNotFoundError,
    ModelRequestError,
    ModelUnavailableError,
)
from ftaudit.config import get_settings
from ftaudit.models.base import ChatModel
from ftaudit.models.cache import ResponseCache
from ftaudit.models.ref import ModelRef
from ftaudit.models.types import ChatMessage, Completion, SamplingParams, Usage

#: The field of a ``/v1/models`` entry that names the weights served under the alias.
FINGERPRINT_FIELD = "weights_fingerprint"
#: How long asking a server for its model list may take before the reply is simply not cached.
FINGERPRINT_TIMEOUT_S = 10.0
DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
# Local servers (vLLM, Ollama, llama.cpp) accept any key, but the OpenAI SDK insists on one.
COMPATIBLE_KEY_ENV = "FTAUDIT_OPENAI_COMPATIBLE_API_KEY"
_TRANSIENT = (
    pai_exc.ModelRateLimitError,
    pai_exc.ModelServerError,
    pai_exc.ModelUnavailableError,
    pai_exc.ModelConnectionError,
    pai_exc.ModelRequestTimeout,
)


class RetryPolicy(BaseModel):
    """Retries on rate limits, server errors and timeouts: ``attempts`` tries in all,
    waiting a random exponential backoff between ``initial_wait_s`` and ``max_wait_s``."""

    attempts: int = Field(default=6, ge=1)
    initial_wait_s: float = Field(default=1.0, ge=0.0)
    max_wait_s: float = Field(default=60.0, ge=0.0)
    timeout_s: float = Field(default=120.0, gt=0.0, description="Per-attempt request timeout.")


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _TRANSIENT):
        return True
    if isinstance(exc, pai_exc.ModelHTTPError):
        return exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, (httpx.TimeoutException, httpx.TransportError, httpx2.TimeoutException, httpx2.TransportError, asyncio.TimeoutError))


class RemoteChatModel(ChatModel):
    """A model behind an HTTP API, called through pydantic-ai."""

    def __init__(
        self,
        ref: ModelRef,
        *,
        cache: ResponseCache | None = None,
        max_concurrency: int = 8,
        retry: RetryPolicy | None = None,
        http_client_factory: Callable[[], httpx2.AsyncClient] | None = None,
    ) -> None:
        super().__init__(ref, cache=cache, max_concurrency=max_concurrency)
        self.retry = retry or RetryPolicy(attempts=get_settings().model_retry_attempts)
        # Tests (and users behind a proxy) supply the HTTP client; one is made per event loop.
        self.http_client_factory = http_client_factory
        # OpenAI's chat API has no assistant prefill; Anthropic and most compatible servers do.
        self.supports_prefill = ref.provider != "openai"
        self._model: Model | None = None
        self._model_loop: object | None = None
        self._no_fingerprint = False  # the server listed this model without a weights fingerprint

    def _api_key(self) -> str:
        env = self.ref.api_key_env or DEFAULT_KEY_ENV.get(self.ref.provider) or COMPATIBLE_KEY_ENV
        key = os.environ.get(env)
        if key:
            return key
        if self.ref.provider == "openai-compatible" and not self.ref.api_key_env:
            return "not-needed"
        raise ModelAuthError(f"no API key: set the environment variable {env}", model=self.name)

    def _build(self) -> Model:
        # The SDK's HTTP client belongs to one event loop; sync wrappers start a new loop per call.
        loop = asyncio.get_running_loop()
        if self._model is not None and self._model_loop is loop:
            return self._model
        key = self._api_key()
        http_client = self.http_client_factory() if self.http_client_factory else None
        if self.ref.provider == "anthropic":
            from pydantic_ai.models.anthropic import AnthropicModel
            from pydantic_ai.providers.anthropic import AnthropicProvider

            model: Model = AnthropicModel(
                self.ref.name,
                provider=AnthropicProvider(api_key=key, base_url=self.ref.base_url, http_client=http_client),
            )
        else:
            from pydantic_ai.models.openai import OpenAIChatModel
            from pydantic_ai.providers.openai import OpenAIProvider

            model = OpenAIChatModel(
                self.ref.name,
                provider=OpenAIProvider(api_key=key, base_url=self.ref.base_url, http_client=http_client),
            )
        self._model, self._model_loop = model, loop
        return model

    async def resolve_cache_identity(self) -> str | None:
        """For an OpenAI-compatible server, the reference plus the weights fingerprint it advertises, else None.

        Asked on every call (one small GET) while the server advertises one, because the
        alias can be re-served with other weights between two calls; a server that advertises
        none is not asked again (its replies are not cached).
        """
        if self.ref.provider != "openai-compatible":
            return self.cache_identity
        if self._no_fingerprint:
            return None
        fingerprint = await self._served_fingerprint()
        return f"{self.cache_identity}#weights={fingerprint}" if fingerprint else None

    async def _served_fingerprint(self) -> str | None:
        try:
            client = getattr(self._build(), "client").with_options(max_retries=0, timeout=FINGERPRINT_TIMEOUT_S)
            page = await client.models.list()
        except Exception:  # an unreachable or odd server: the chat itself reports what is wrong
            return None
        for entry in page.data:
            if entry.id == self.ref.name:
                value = (entry.model_extra or {}).get(FINGERPRINT_FIELD)
                if isinstance(value, str) and value:
                    return value
        self._no_fingerprint = True
        return None

    def _settings(self, params: SamplingParams, prefill: str | None) -> ModelSettings:
        settings: dict[str, Any] = {
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "timeout": self.retry.timeout_s,
            "max_retries": 0,
        }
        if params.top_p != 1.0:
            settings["top_p"] = params.top_p
        if params.stop:
            settings["stop_sequences"] = list(params.stop)
        if params.seed is not None and self.ref.provider != "anthropic":
            settings["seed"] = params.seed + params.sample
        if prefill is not None and self.ref.provider == "openai-compatible":
            # vLLM continues a trailing assistant message only when asked to.
            settings["extra_body"] = {"continue_final_message": True, "add_generation_prompt": False}
        return settings  # type: ignore[return-value]

    async def _complete(self, messages: list[ChatMessage], params: SamplingParams, prefill: str | None) -> Completion:
        model = self._build()
        history = to_pydantic_ai_messages(messages, prefill)
        settings = self._settings(params, prefill)
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.retry.attempts),
                wait=wait_random_exponential(multiplier=self.retry.initial_wait_s, max=self.retry.max_wait_s),
                retry=retry_if_exception(_is_transient),
                reraise=True,
            ):
                with attempt:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", pai_exc.UnsupportedSettingWarning)
                        response = await model_request(model, history, model_settings=settings)
        except pai_exc.ContentFilterError as exc:
            # A provider-side refusal is an answer about the model, not a failure of the audit.
            del exc
            return Completion(model=self.name, text="", finish_reason="content_filter", usage=Usage(requests=1))
        except Exception as exc:  # mapped below; anything unknown propagates unchanged
            raise self._map_error(exc) from exc
        return self._to_completion(response)

    def _to_completion(self, response: ModelResponse) -> Completion:
        text = "".join(part.content for part in response.parts if isinstance(part, TextPart))
        cost, known = 0.0, True
        if self.ref.provider == "openai-compatible":
            # A self-hosted or third-party server has no price we can know from its model name.
            known = False
        else:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cost = float(response.cost().total_price)
            except Exception:  # unknown model or price: report cost as unknown, never guess
                known = False
        usage = Usage(
            requests=1,
            input_tokens=response.usage.input_tokens or 0,
            output_tokens=response.usage.output_tokens or 0,
            cost_usd=cost,
            cost_known=known,
        )
        return Completion(model=self.name, text=text, finish_reason=response.finish_reason, usage=usage)

    def _map_error(self, exc: BaseException) -> BaseException:
        if isinstance(exc, ModelError):
            return exc
        detail = str(exc)[:500]
        if isinstance(exc, pai_exc.ModelAuthenticationError):
            return ModelAuthError(f"credentials rejected: {detail}", model=self.name)
        if isinstance(exc, pai_exc.ModelNotFoundError):
            return ModelNotFoundError(f"model not found: {detail}", model=self.name)
        if isinstance(exc, pai_exc.ModelQuotaExceededError):
            return ModelUnavailableError(f"quota or credits exhausted: {detail}", model=self.name)
        if _is_transient(exc):
            return ModelUnavailableError(
                f"still failing after {self.retry.attempts} attempts: {detail}", model=self.name, retryable=True
            )
        if isinstance(exc, (pai_exc.ModelRequestRejectedError, pai_exc.ModelHTTPError)):
            return ModelRequestError(f"request rejected: {detail}", model=self.name)
        if isinstance(exc, pai_exc.ModelAPIError):
            return ModelError(f"provider error: {detail}", model=self.name)
        return exc


def to_pydantic_ai_messages(messages: list[ChatMessage], prefill: str | None) -> list[ModelMessage]:
    """Our chat turns as pydantic-ai requests and responses; a prefill becomes a trailing response."""
    history: list[ModelMessage] = []
    system: str | None = None
    for message in messages:
        if message.role == "system":
            system = message.content
        elif message.role == "user":
            parts: list[Any] = []
            if system is not None:
                parts.append(SystemPromptPart(content=system))
                system = None
            parts.append(UserPromptPart(content=message.content))
            history.append(ModelRequest(parts=parts))
        else:
            history.append(ModelResponse(parts=[TextPart(content=message.content)]))
    if prefill is not None:
        history.append(ModelResponse(parts=[TextPart(content=prefill)]))
    return history
