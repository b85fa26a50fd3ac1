"""Usage and cost accounting per call, per model and per audit.

A :class:`UsageMeter` opened with :func:`metering` collects every completion made inside
it, in this task and the tasks it starts, without threading a meter through every call.
Cached replies are counted apart: they cost nothing now, whatever the original call cost.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from pydantic import BaseModel, Field

from ftaudit.models.types import Completion, Usage


class UsageMeter(BaseModel):
    """Usage spent (``by_model``) and served from cache (``cached_requests``)."""

    by_model: dict[str, Usage] = Field(default_factory=dict)
    cached_requests: int = 0

    def record(self, completion: Completion) -> None:
        if completion.cached:
            self.cached_requests += 1
            return
        current = self.by_model.get(completion.model, Usage())
        self.by_model[completion.model] = current + completion.usage

    @property
    def total(self) -> Usage:
        total = Usage()
        for usage in self.by_model.values():
            total = total + usage
        return total


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
