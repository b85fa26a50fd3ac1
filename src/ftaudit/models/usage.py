"""Usage and cost accounting per call, per model and per audit.

A :class:`UsageMeter` opened with :func:`metering` collects every completion made inside
it, in this task and the tasks it starts, without threading a meter through every call.
Cached replies are counted apart: they cost nothing now, whatever the original call cost.

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
        self.answered[completion.model] = self.answered.get(completion.model, 0) + 1
        if completion.cached:
            self.cached_requests += 1
            return
        current = self.by_model.get(completion.model, Usage())
        self.by_model[completion.model] = current + completion.usage

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
    """Record every completion made inside the block into ``meter`` (nested meters all record)."""
    meter = meter if meter is not None else UsageMeter()
    token = _METERS.set(_METERS.get() + (meter,))
    try:
        yield meter
    finally:
        _METERS.reset(token)


def record(completion: Completion) -> None:
    """Add a completion to every meter open in the current context."""
    for meter in _METERS.get():
        meter.record(completion)


def record_failure(model: str, error: BaseException) -> None:
    """Count a failed call to ``model`` in every meter open in the current context."""
    for meter in _METERS.get():
        meter.record_failure(model, error)
