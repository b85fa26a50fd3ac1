"""Drawing a benign set from weighted example makers without repeating user messages.

Each builtin benign set is a handful of *makers*: functions that take a seeded
``random.Random`` and return one chat record. :func:`draw` calls them by weight until it has
``size`` records, rejecting a record whose user turns were already drawn, so that a set reads
as many different requests rather than a few repeated ones. When a maker's space is nearly
exhausted it gives up after a bounded number of tries and accepts a repeat, so any size works.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

Record = dict[str, Any]
Maker = Callable[[random.Random], Record]

# How many rejected draws in a row before a repeat is accepted: enough to find the rare fresh
# combination, bounded so that a tiny bank with a large size still terminates quickly.
_MAX_TRIES = 60


def user_key(record: Record) -> tuple[str, ...]:
    """The user turns of a record: what makes two examples "the same request"."""
    return tuple(m["content"] for m in record["messages"] if m["role"] == "user")


def draw(
    rng: random.Random,
    size: int,
    makers: Sequence[tuple[str, float, Maker]],
) -> tuple[list[Record], Counter[str]]:
    """``size`` records from ``(kind, weight, maker)`` triples, and how many of each kind.

    Kinds are picked by weight; a record whose user turns were already drawn is redrawn
    (up to a bound), so user messages are distinct wherever the banks allow it.
    """
    kinds = [kind for kind, _, _ in makers]
    weights = [weight for _, weight, _ in makers]
    by_kind = {kind: maker for kind, _, maker in makers}
    seen: set[tuple[str, ...]] = set()
    records: list[Record] = []
    counts: Counter[str] = Counter()
    while len(records) < size:
        for _ in range(_MAX_TRIES):
            kind = rng.choices(kinds, weights)[0]
            record = by_kind[kind](rng)
            if user_key(record) not in seen:
                break
        seen.add(user_key(record))
        records.append(record)
        counts[kind] += 1
    return records, counts


def pick(rng: random.Random, options: Sequence[str], k: int) -> list[str]:
    """``k`` distinct options in random order (all of them when there are fewer)."""
    return rng.sample(list(options), min(k, len(options)))
