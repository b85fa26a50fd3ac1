"""The target interface every model backend implements, with cache, concurrency and metering.

Backends implement :meth:`ChatModel._complete`; callers use :meth:`ChatModel.chat` (async)
or :meth:`ChatModel.chat_sync`. ``chat`` checks the messages, serves the response cache,
bounds concurrency per model and records usage into open meters.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import anyio

from ftaudit.errors import ConfigError, ModelError, ModelRequestError, UnsupportedFeatureError
from ftaudit.models.cache import ResponseCache, cache_key
from ftaudit.models.ref import ModelRef
from ftaudit.models.types import ChatMessage, Completion, SamplingParams, as_messages
from ftaudit.models import usage as _usage


class ContextLengthExceeded(ModelRequestError):
    """The prompt plus the reply's token budget does not fit the model's context window."""


class GenerationCancelled(ModelError):
    """A generation stopped because whoever asked for it went away (see :func:`cancel_when`)."""


# Set by a caller that can tell when the reply is no longer wanted (the HTTP server, on a
# client's disconnect). A context variable reaches the worker thread that generates, because
# anyio runs thread work in a copy of the caller's context.
_CANCEL: ContextVar[threading.Event | None] = ContextVar("ftaudit_cancel", default=None)


@contextlib.contextmanager
def cancel_when(event: threading.Event) -> Iterator[None]:
    """Within this block, a generation stops soon after ``event`` is set and raises :class:`GenerationCancelled`.

    Backends that generate token by token (local) check the event between tokens; a partial
    reply is never returned or cached.
    """
    token = _CANCEL.set(event)
    try:
        yield
    finally:
        _CANCEL.reset(token)


def cancel_event() -> threading.Event | None:
    """The cancellation event of the current context (:func:`cancel_when`), if any."""
    return _CANCEL.get()


class ChatModel(ABC):
    """A chat model under audit (or an auditor's helper model), named by a :class:`ModelRef`."""

    supports_prefill: bool = True

    def __init__(self, ref: ModelRef, *, cache: ResponseCache | None = None, max_concurrency: int = 8) -> None:
        if max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be at least 1, not {max_concurrency}")
        self.ref = ref
        self.cache = cache
        self.max_concurrency = max_concurrency
        self._limiter: anyio.CapacityLimiter | None = None
        self._limiter_loop: object | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.ref)!r})"

    @property
    def name(self) -> str:
        """The reference string, as shown in reports."""
        return str(self.ref)

    @property
    def cache_identity(self) -> str:
        """What identifies this model's replies in the cache; backends refine it (e.g. adapter hash)."""
        return str(self.ref)

    async def resolve_cache_identity(self) -> str | None:
        """The cache identity as it stands now; None when the model behind the name cannot be
        identified, in which case its replies are neither read from nor written to the cache."""
        return self.cache_identity

    async def check_fits(self, messages: list[ChatMessage], prefill: str | None, params: SamplingParams) -> None:
        """Raise :class:`ContextLengthExceeded` when the chat cannot fit the model's context.

        The default checks nothing: a remote provider counts its own tokens and refuses an
        overlong prompt itself. Backends that hold a tokenizer (local) check before generating.
        """
        del messages, prefill, params

    async def chat(
        self,
        messages: Any,
        params: SamplingParams | None = None,
        *,
        prefill: str | None = None,
        **overrides: Any,
    ) -> Completion:
        """Send a chat and return the reply.

        ``messages`` is a string (one user turn), or ChatMessages / ``{"role", "content"}``
        dicts: an optional system message first, then user and assistant turns ending with
        a user turn. ``prefill`` starts the assistant's reply where the backend allows it.
        Keyword ``overrides`` set sampling fields (``max_tokens=50``, ``temperature=0.7``).
        """
        msgs = as_messages(messages)
        _check_turns(msgs)
        if prefill is not None and not self.supports_prefill:
            raise UnsupportedFeatureError(
                "this provider does not support assistant prefill; ask without it", model=self.name
            )
        params = params or SamplingParams()
        if overrides:
            # Validate rather than model_copy so a bad override fails here, not at the provider.
            params = SamplingParams.model_validate({**params.model_dump(), **overrides})
        identity = await self.resolve_cache_identity() if self.cache is not None else None
        key = cache_key(identity, msgs, prefill, params) if identity is not None else None
        if key is not None and self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                _usage.record(hit)
                return hit
        started = time.perf_counter()
        try:
            async with self._get_limiter():
                completion = await self._complete(msgs, params, prefill)
        except Exception as exc:
            _usage.record_failure(self.name, exc)
            raise
        completion = completion.model_copy(
            update={"latency_s": time.perf_counter() - started, "model": self.name, "prefill": prefill}
        )
        # The weights may have changed while generating (retrained in place, a server re-started
        # with another model): then the reply belongs to neither identity and is not stored.
        if key is not None and self.cache is not None and await self.resolve_cache_identity() == identity:
            self.cache.put(key, completion)
        _usage.record(completion)
        return completion

    async def chat_many(
        self,
        requests: list[tuple[Any, str | None]],
        params: SamplingParams | None = None,
        **overrides: Any,
    ) -> list[Completion | Exception]:
        """Send many chats (``(messages, prefill)`` pairs) with the same sampling; replies in order.

        Cached replies are served from the cache; the rest go to the backend together, which
        batches them where it can (local generation) or runs them concurrently within the
        model's bound (remote). A request that fails gives its exception in its place, so one
        bad request does not lose the others.
        """
        params = params or SamplingParams()
        if overrides:
            params = SamplingParams.model_validate({**params.model_dump(), **overrides})
        results: list[Completion | Exception | None] = [None] * len(requests)
        identity = await self.resolve_cache_identity() if self.cache is not None else None
        pending: list[tuple[int, list[ChatMessage], str | None, str | None]] = []
        for i, (messages, prefill) in enumerate(requests):
            try:
                msgs = as_messages(messages)
                _check_turns(msgs)
                if prefill is not None and not self.supports_prefill:
                    raise UnsupportedFeatureError(
                        "this provider does not support assistant prefill; ask without it", model=self.name
                    )
            except Exception as exc:
                results[i] = exc
                continue
            key = cache_key(identity, msgs, prefill, params) if identity is not None else None
            hit = self.cache.get(key) if key is not None and self.cache is not None else None
            if hit is not None:
                _usage.record(hit)
                results[i] = hit
            else:
                pending.append((i, msgs, prefill, key))
        if pending:
            started = time.perf_counter()
            done = await self._complete_many([(m, p) for _, m, p, _ in pending], params)
            elapsed = (time.perf_counter() - started) / len(pending)
            still_same = identity is not None and await self.resolve_cache_identity() == identity
            for (i, _msgs, prefill, key), outcome in zip(pending, done):
                if isinstance(outcome, Completion):
                    latency = outcome.latency_s or elapsed  # batched backends report none per item
                    outcome = outcome.model_copy(update={"latency_s": latency, "model": self.name, "prefill": prefill})
                    if key is not None and self.cache is not None and still_same:
                        self.cache.put(key, outcome)
                    _usage.record(outcome)
                else:
                    _usage.record_failure(self.name, outcome)
                results[i] = outcome
        return [r if r is not None else RuntimeError("no result") for r in results]

    async def _complete_many(
        self, requests: list[tuple[list[ChatMessage], str | None]], params: SamplingParams
    ) -> list[Completion | Exception]:
        """Complete each request; the default runs them concurrently within the model's bound."""
        out: list[Completion | Exception] = [RuntimeError("not run")] * len(requests)

        async def one(i: int, msgs: list[ChatMessage], prefill: str | None) -> None:
            started = time.perf_counter()
            try:
                async with self._get_limiter():
                    completion = await self._complete(msgs, params, prefill)
                out[i] = completion.model_copy(update={"latency_s": time.perf_counter() - started})
            except Exception as exc:  # recorded per request; the caller decides
                out[i] = exc

        async with anyio.create_task_group() as tg:
            for i, (msgs, prefill) in enumerate(requests):
                tg.start_soon(one, i, msgs, prefill)
        return out

    def chat_sync(self, messages: Any, params: SamplingParams | None = None, *, prefill: str | None = None, **overrides: Any) -> Completion:
        """Blocking :meth:`chat`, for scripts and the CLI."""

        async def run() -> Completion:
            return await self.chat(messages, params, prefill=prefill, **overrides)

        return anyio.run(run)

    @abstractmethod
    async def _complete(self, messages: list[ChatMessage], params: SamplingParams, prefill: str | None) -> Completion:
        """Produce one completion; raise :class:`~ftaudit.errors.ModelError` subclasses on failure."""

    def _get_limiter(self) -> anyio.CapacityLimiter:
        # A limiter belongs to one event loop; sync wrappers start a new loop per call.
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._limiter_loop is not loop:
            self._limiter = anyio.CapacityLimiter(self.max_concurrency)
            self._limiter_loop = loop
        return self._limiter


def _check_turns(messages: list[ChatMessage]) -> None:
    if not messages:
        raise ConfigError("a chat needs at least one message")
    for i, message in enumerate(messages):
        if message.role == "system" and i != 0:
            raise ConfigError(f"message {i}: a system message may only come first")
    turns = [m for m in messages if m.role != "system"]
    if not turns or turns[-1].role != "user":
        raise ConfigError("a chat must end with a user message (use prefill= to start the assistant's reply)")
    for prev, cur in zip(turns, turns[1:]):
        if prev.role == cur.role:
            raise ConfigError(f"two {cur.role} messages in a row; user and assistant turns must alternate")
