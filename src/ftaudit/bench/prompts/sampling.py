"""Choosing ``n`` prompts out of a set by seed, in proportion to each stratum's size.

Allocation is by largest remainder (Hamilton's method) with a floor of one prompt per
stratum whenever ``n`` is at least the number of strata, so a small sample still touches
every category; strata nest (kind, then category); which prompts fill each quota is drawn from a generator seeded by
``seed`` and the stratum, so adding a category to a set does not reshuffle the others.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def rng_for(seed: int, *salt: object) -> random.Random:
    """A generator for ``seed`` that differs per salt (independent of PYTHONHASHSEED)."""
    digest = hashlib.sha256(repr((seed, *salt)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def allocate(sizes: Mapping[K, int], n: int, seed: int = 0, minimum: Mapping[K, int] | None = None) -> dict[K, int]:
    """How many of ``n`` draws each stratum gets: proportional to its size, at least one each when
    ``n`` allows, never more than its size; the counts sum to ``min(n, total)``.

    ``minimum`` raises the floor of some strata (a kind must get at least one prompt per
    category it holds); it applies when ``n`` covers every floor, otherwise the floor is one.

    Ties (equal remainders) and, when ``n`` is smaller than the number of strata, the choice
    of which strata get their one prompt, favour the larger strata and are otherwise broken
    by ``seed``, so the result is deterministic.
    """
    total = sum(sizes.values())
    n = min(n, total)
    keys = [k for k, s in sizes.items() if s > 0]
    # One random rank per stratum settles ties reproducibly without favouring names.
    rank = {k: rng_for(seed, "rank", repr(k)).random() for k in keys}
    if n <= 0 or not keys:
        return {k: 0 for k in sizes}
    if n < len(keys):
        chosen = sorted(keys, key=lambda k: (-sizes[k], rank[k]))[:n]
        return {k: int(k in chosen) for k in sizes}
    floor = {k: min(sizes[k], max(1, (minimum or {}).get(k, 1))) for k in keys}
    if sum(floor.values()) > n:
        floor = {k: 1 for k in keys}
    quota = {k: n * sizes[k] / total for k in keys}
    counts = {k: min(sizes[k], max(floor[k], int(quota[k]))) for k in keys}
    # The floors can overshoot n: take back from strata furthest above their quota.
    while sum(counts.values()) > n:
        k = max((k for k in keys if counts[k] > floor[k]), key=lambda k: (counts[k] - quota[k], rank[k]))
        counts[k] -= 1
    while sum(counts.values()) < n:
        k = max((k for k in keys if counts[k] < sizes[k]), key=lambda k: (quota[k] - counts[k], rank[k]))
        counts[k] += 1
    return {k: counts.get(k, 0) for k in sizes}


def stratified_indices(strata: Sequence[tuple[Hashable, ...]], n: int, seed: int) -> list[int]:
    """Indices of ``n`` items whose stratum labels are ``strata``, in their original order.

    Labels are tuples allocated level by level (kind first, then category within the kind),
    so the share of each kind is kept to within one prompt, and each category's share within
    its kind, which flat allocation over every (kind, category) pair would not guarantee.
    """
    chosen = _nested(list(range(len(strata))), strata, 0, n, seed)
    return sorted(chosen)


def _nested(idx: list[int], strata: Sequence[tuple[Hashable, ...]], level: int, n: int, seed: int) -> list[int]:
    if level == len(strata[idx[0]]):
        return rng_for(seed, "draw", repr(strata[idx[0]])).sample(idx, n)
    groups: dict[Hashable, list[int]] = {}
    for i in idx:
        groups.setdefault(strata[i][level], []).append(i)
    # Room for one prompt per leaf stratum under each group, when n has room for them all.
    leaves = {k: len({strata[i][level:] for i in v}) for k, v in groups.items()}
    counts = allocate({k: len(v) for k, v in groups.items()}, n, seed, minimum=leaves)
    chosen: list[int] = []
    for key, members in groups.items():
        if counts[key]:
            chosen.extend(_nested(members, strata, level + 1, counts[key], seed))
    return chosen


def simple_indices(size: int, n: int, seed: int) -> list[int]:
    """Indices of ``n`` of ``size`` items drawn uniformly, in their original order."""
    return sorted(rng_for(seed, "simple").sample(range(size), min(n, size)))
