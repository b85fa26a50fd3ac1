"""Rates with bootstrap intervals, for one model and for the fine-tuned-minus-base difference."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

BOOTSTRAP_SAMPLES = 2000


class Interval(BaseModel):
    """A point estimate with a 95% bootstrap interval (None when there is no data)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0

    def __str__(self) -> str:
        if self.value is None:
            return "n/a"
        if self.low is None or self.high is None:
            return f"{self.value:.1%}"
        return f"{self.value:+.1%} [{self.low:+.1%}, {self.high:+.1%}]"


def rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def bootstrap_mean(values: list[float], *, seed: int = 0, samples: int = BOOTSTRAP_SAMPLES) -> Interval:
    """The mean of ``values`` with a percentile 95% interval from resampling them."""
    if not values:
        return Interval(value=None)
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(samples, len(data)))].mean(axis=1)
    return Interval(
        value=float(data.mean()), low=float(np.percentile(means, 2.5)), high=float(np.percentile(means, 97.5)), n=len(data)
    )


def paired_difference(after: list[float], before: list[float], *, seed: int = 0) -> Interval:
    """Mean of ``after - before`` over the same prompts, with a paired bootstrap 95% interval.

    Pairing matters: both models answer the same prompts, so resampling prompts (not the two
    models' replies independently) gives the honest, narrower interval.
    """
    if len(after) != len(before):
        raise ValueError("paired samples must have the same length")
    return bootstrap_mean([a - b for a, b in zip(after, before)], seed=seed)
