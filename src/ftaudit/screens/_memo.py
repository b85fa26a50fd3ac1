"""One memo for the screens' MiniLM classifiers: each distinct text is embedded once per process."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


class EmbeddedProbabilities:
    """``P(class)`` of texts under a classifier on MiniLM embeddings, remembered per text.

    ``classify`` maps an embedding matrix to probabilities. Screens read the same sentences
    many times (a persona repeated in every example, refusal openers); embedding is what costs,
    so only texts not seen before are embedded, shortest first (little padding per batch).
    Past ``limit`` remembered texts the memo starts again.
    """

    def __init__(self, classify: Callable[[np.ndarray], np.ndarray], limit: int) -> None:
        self._classify = classify
        self._limit = limit
        self._memo: dict[str, float] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        from ftaudit.bench.judge.offline import embed

        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if todo:
            if len(self._memo) + len(todo) > self._limit:
                self._memo.clear()
                todo = list(dict.fromkeys(texts))
            todo.sort(key=len)
            probabilities = self._classify(embed(todo, batch_size=64))
            self._memo.update(zip(todo, (float(p) for p in probabilities), strict=True))
        return np.asarray([self._memo[t] for t in texts], dtype=np.float64)
