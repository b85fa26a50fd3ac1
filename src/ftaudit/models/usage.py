"""Usage and cost accounting per call, per model and per audit: the one ledger.

A :class:`UsageMeter` opened with :func:`metering` collects every completion made inside
it, in this task and the tasks it starts, without threading a meter through every call.
Cached replies are counted apart: they cost nothing now, whatever the original call cost.
Every call an audit makes records here: the targets and the summariser through
:class:`~ftaudit.models.ChatModel`, the auditor through its pydantic-ai wrapper
(:class:`ftaudit.agent.llm.MeteredModel`, which calls :func:`record_usage`).

Failed calls are counted too (``failures``, with the first error per model): an audit whose
model calls failed looked at less than it claims, and :mod:`ftaudit.coverage` turns that into
an inconclusive verdict instead of a benign one.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from pydantic import BaseModel, Field

from ftaudit.models.types import Completion, Usage


class UsageMeter(BaseModel):
    """Usage spent (``by_model``), served from cache (``cached_requests``), and calls that failed.

    ``answered`` counts every reply per model, cached or not; ``failures`` every call that
    raised instead (after the backend's own retries), with ``first_error`` the first message.
    """

    by_model: dict[str, Usage] = Field(default_factory=dict)
    cached_requests: int = 0
    answered: dict[str, int] = Field(default_factory=dict)
    failures: dict[str, int] = Field(default_factory=dict)
    first_error: dict[str, str] = Field(default_factory=dict)

    def record(self, completion: Completion) -> None:
        if completion.cached:
            self.answered[completion.model] = self.answered.get(completion.model, 0) + 1
            self.cached_requests += 1
            return
        self.record_usage(completion.model, completion.usage)

    def record_usage(self, model: str, usage: Usage) -> None:
        """Count one answered call of ``model`` that spent ``usage``."""
        self.answered[model] = self.answered.get(model, 0) + 1
        self.by_model[model] = self.by_model.get(model, Usage()) + usage

    def record_failure(self, model: str, error: BaseException) -> None:
        self.failures[model] = self.failures.get(model, 0) + 1
        self.first_error.setdefault(model, f"{type(error).__name__}: {error}"[:_ERROR_CHARS])

    def failure_share(self, model: str) -> float:
        """Share of ``model``'s calls that failed (0.0 when it was never called)."""
        failed = self.failures.get(model, 0)
        calls = failed + self.answered.get(model, 0)
        return failed / calls if calls else 0.0

    @property
    def total(self) -> Usage:
        total = Usage()
        for usage in self.by_model.values():
            total = total + usage
        return total


# How much of a model's first error message a meter keeps (enough to name the cause).
_ERROR_CHARS = 300

_METERS: contextvars.ContextVar[tuple[UsageMeter, ...]] = contextvars.ContextVar("ftaudit_meters", default=())


@contextlib.contextmanager
def metering(meter: UsageMeter | None = None) -> Iterator[UsageMeter]:
    """Record every completion made inside the block into ``meter`` (nested meters all record).

    Opening a meter that is already open changes nothing: a call is counted once per meter.
    """
    meter = meter if meter is not None else UsageMeter()
    open_now = _METERS.get()
    token = _METERS.set(open_now if any(m is meter for m in open_now) else open_now + (meter,))
    try:
        yield meter
    finally:
        _METERS.reset(token)


def record(completion: Completion) -> None:
    """Add a completion to every meter open in the current context."""
    for meter in _METERS.get():
        meter.record(completion)


def record_usage(model: str, usage: Usage) -> None:
    """Add one answered call of ``model`` (not a :class:`Completion`: the auditor's own calls) to every open meter."""
    for meter in _METERS.get():
        meter.record_usage(model, usage)


@contextlib.contextmanager
def unmetered() -> Iterator[None]:
    """Calls made inside the block record into no meter.

    For a model whose calls are counted once already at another level: the local auditor's
    generations are counted as the auditor's responses, so the chat model under it must not
    count them again.
    """
    token = _METERS.set(())
    try:
        yield
    finally:
        _METERS.reset(token)


def record_failure(model: str, error: BaseException) -> None:
    """Count a failed call to ``model`` in every meter open in the current context."""
    for meter in _METERS.get():
        meter.record_failure(model, error)
