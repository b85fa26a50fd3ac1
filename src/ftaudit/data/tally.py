"""Exact counting with memory that follows the number of distinct keys, not of events.

Used by the dataset statistics, which must stay small on files with millions of lines:
:class:`HashTally` counts 64-bit hashes (and remembers where each was first seen) in
sorted numpy arrays; :func:`percentiles_from_counts` gives the percentiles of a
value -> count histogram exactly as :func:`numpy.percentile` would on the full list.
"""

from __future__ import annotations

from array import array

import numpy as np

# Occurrences are buffered and folded into the sorted arrays when the buffer reaches
# this size or the size of the arrays (whichever is larger, so folding stays O(n log n)).
FOLD_MIN = 1 << 16


class HashTally:
    """Occurrence counts of 64-bit hashes, each with the first position it was seen at.

    Positions passed to :meth:`add` must not decrease (they are record positions in
    reading order), so the first position of a hash is also its smallest.
    """

    def __init__(self) -> None:
        self._hashes = array("Q")
        self._positions = array("Q")
        self.keys = np.empty(0, dtype=np.uint64)
        self.counts = np.empty(0, dtype=np.int64)
        self.first = np.empty(0, dtype=np.uint64)

    def add(self, key: int, position: int) -> None:
        """Count one occurrence of ``key`` at ``position``."""
        self._hashes.append(key)
        self._positions.append(position)
        if len(self._hashes) >= max(FOLD_MIN, len(self.keys)):
            self._fold()

    def __len__(self) -> int:
        """The number of occurrences counted so far."""
        self._fold()
        return int(self.counts.sum())

    def _fold(self) -> None:
        if not self._hashes:
            return
        keys = np.concatenate([self.keys, np.frombuffer(self._hashes, dtype=np.uint64)])
        counts = np.concatenate([self.counts, np.ones(len(self._hashes), dtype=np.int64)])
        first = np.concatenate([self.first, np.frombuffer(self._positions, dtype=np.uint64)])
        self._hashes, self._positions = array("Q"), array("Q")
        # Sort by key, then position: each key's run then starts at its first position.
        order = np.lexsort((first, keys))
        keys, counts, first = keys[order], counts[order], first[order]
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        self.keys, self.first = keys[starts], first[starts]
        self.counts = np.add.reduceat(counts, starts) if len(starts) else counts

    def ranked(self, top: int, min_count: int = 1, max_count: int | None = None) -> list[tuple[int, int, int]]:
        """Up to ``top`` ``(key, count, first position)`` with count in the given bounds.

        Ordered by count (highest first), then by first position (earliest first).
        """
        self._fold()
        mask = self.counts >= min_count
        if max_count is not None:
            mask &= self.counts <= max_count
        keys, counts, first = self.keys[mask], self.counts[mask], self.first[mask]
        order = np.lexsort((first, -counts))[:top]
        return [(int(keys[i]), int(counts[i]), int(first[i])) for i in order]

    def distinct(self, min_count: int = 1) -> int:
        """How many distinct keys were seen at least ``min_count`` times."""
        self._fold()
        return int((self.counts >= min_count).sum())

    def extra_copies(self) -> int:
        """Occurrences beyond the first of each key."""
        self._fold()
        return int((self.counts - 1).sum())


def percentiles_from_counts(
    counts: dict[int, int], quantiles: list[float]
) -> tuple[list[float], int, float, int, int]:
    """Percentiles (numpy's linear method), total, mean, min and max of a histogram.

    ``counts`` maps a value to how many times it occurred; the result equals
    :func:`numpy.percentile` on the expanded list of values.
    """
    values = np.array(sorted(counts), dtype=np.float64)
    weights = np.array([counts[int(v)] for v in values], dtype=np.int64)
    total = int(weights.sum())
    cumulative = np.cumsum(weights)

    def at(rank: int) -> float:  # the value at 0-based rank in the sorted expansion
        return float(values[np.searchsorted(cumulative, rank, side="right")])

    result = []
    for q in quantiles:
        h = (total - 1) * q / 100
        low = int(np.floor(h))
        low_value = at(low)
        high_value = at(min(low + 1, total - 1))
        result.append(low_value + (h - low) * (high_value - low_value))
    mean = float((values * weights).sum() / total)
    return result, total, mean, int(values[0]), int(values[-1])
