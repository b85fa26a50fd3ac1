"""The bounded counters behind the statistics agree with naive exact counting."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftaudit.data import tally
from ftaudit.data.tally import HashTally, percentiles_from_counts


@given(st.lists(st.integers(0, 12), max_size=300), st.integers(1, 40))
def test_hash_tally_counts_exactly_whatever_the_fold_size(keys, fold_min):
    original = tally.FOLD_MIN
    tally.FOLD_MIN = fold_min  # fold often, to exercise merging
    try:
        t = HashTally()
        for position, key in enumerate(keys):
            t.add(key * 0x9E3779B97F4A7C15 % 2**64, position)
    finally:
        tally.FOLD_MIN = original

    expected = Counter(keys)
    first_seen = {k: keys.index(k) for k in expected}
    assert len(t) == len(keys)
    assert t.distinct() == len(expected)
    assert t.distinct(min_count=2) == sum(1 for c in expected.values() if c >= 2)
    assert t.extra_copies() == len(keys) - len(expected)
    ranked = t.ranked(top=100)
    want = sorted(expected, key=lambda k: (-expected[k], first_seen[k]))
    assert [(c, p) for _, c, p in ranked] == [(expected[k], first_seen[k]) for k in want]
    bounded = t.ranked(top=3, min_count=2, max_count=4)
    assert all(2 <= c <= 4 for _, c, _ in bounded) and len(bounded) <= 3


@given(st.lists(st.integers(0, 50), min_size=1, max_size=200))
def test_percentiles_from_counts_match_numpy(values):
    (p50, p90, p99), total, mean, low, high = percentiles_from_counts(Counter(values), [50, 90, 99])
    assert [p50, p90, p99] == pytest.approx(list(np.percentile(values, [50, 90, 99])))
    assert (total, low, high) == (len(values), min(values), max(values))
    assert mean == pytest.approx(sum(values) / len(values))
