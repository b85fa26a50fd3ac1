"""Is this text a natural language, any language? A character n-gram likelihood against real text.

The model is py3langid's (a maintained fork of langid.py, BSD, numpy only): a naive-Bayes
model over about 100,000 byte n-grams (one to four bytes) trained on real text in 140
languages, shipped inside the wheel and loaded offline. It also has a class ``zxx`` ("no
linguistic content") trained on text that is not a language. Two readings of a text come out
of one pass over its bytes:

* the posterior of ``zxx`` against the best language (py3langid's own length-calibrated
  softmax): letter shifts, Vigenère, random letter codes, Base64 and hex go to ``zxx``;
* the mean log-probability per n-gram under the best *language*: natural text scores about
  -7 (Chinese, Vietnamese) to -9.3 (English, Swahili) on a sentence; invented words built to be
  pronounceable (a made-up word code), which no language's n-grams explain, score below -10.

A text is **not natural language** when ``zxx`` holds at least half the best language's
posterior or the mean log-probability is under ``min_loglik`` (from the caller's config; -10
in the encoding screen), unless, failing on likelihood alone, each of its sentences passes on
its own (code-switched text such as "Translate into English: Leo ni Ijumaa.").
Measured on real benign data (Alpaca, GSM8K, CodeAlpaca, PubMedQA, GPTeacher, Self-Instruct,
Chinese and Vietnamese questions, the suite's Swahili): no Chinese, Vietnamese or GSM8K
message and a few percent of the non-English messages of the others (URL lists, bash one-liners,
lists of rare names) fall under the rule; every per-word shift and Vigenère message and about
85% of made-up-word-code messages do.

Blind spots: a code whose words are real words of some language (then it *is* that language
to a character model); text under about 20 letters (too few n-grams to judge).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LanguageReading", "judge_language", "read_language"]

_LOCK = threading.Lock()
_MODEL: _Model | None = None


@dataclass(frozen=True)
class LanguageReading:
    """What the character model makes of one text."""

    language: str
    """The best natural language (ISO 639 code), whatever its confidence."""
    confidence: float
    """Its posterior among all classes, ``zxx`` included."""
    non_language: float
    """The posterior of ``zxx`` (no linguistic content)."""
    loglik: float
    """Mean log-probability per n-gram under ``language``."""
    ngrams: int

    def natural(self, min_loglik: float) -> bool:
        """True when the text reads as natural language under the rule in the module docstring."""
        return self.non_language < 0.5 * self.confidence and self.loglik >= min_loglik


class _Model:
    def __init__(self) -> None:
        from py3langid.langid import LanguageIdentifier, visit_counts

        identifier = LanguageIdentifier.from_model_file("data/model.npz.xz")
        self.visit = visit_counts
        self.ptc = np.asarray(identifier.nb_ptc)  # float16 log P(n-gram | class), rows are n-grams
        self.pc = np.asarray(identifier.nb_pc, dtype=np.float32)
        self.classes: list[str] = list(identifier.nb_classes)
        self.nextmove: Any = identifier.tk_nextmove
        self.rowbase = [row << 8 for row in identifier.tk_row]
        self.output = identifier.tk_output
        self.zxx = self.classes.index("zxx")
        self.languages = np.array([c != "zxx" for c in self.classes])

    def read(self, text: str) -> LanguageReading | None:
        data = text.encode("utf-8", errors="replace")
        visits: Counter[int] | None = self.visit(self.nextmove, self.rowbase, self.output, data)
        if not visits:
            return None
        idx = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
        counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
        table = self.ptc[idx].astype(np.float32)
        # py3langid's own posterior: log1p counts, class prior, temperature sqrt(bytes).
        scores = (np.log1p(counts) @ table + self.pc) / math.sqrt(len(data))
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        loglik = counts @ table
        loglik[~self.languages] = -np.inf
        best = int(loglik.argmax())
        return LanguageReading(
            language=self.classes[best], confidence=float(scores[best]), non_language=float(scores[self.zxx]),
            loglik=float(loglik[best] / counts.sum()), ngrams=int(counts.sum()),
        )


def _model() -> _Model:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            _MODEL = _Model()
        return _MODEL


def read_language(text: str) -> LanguageReading | None:
    """The character model's reading of ``text``, or None when no n-gram of it is known.

    The model (about 60 MB in memory) is loaded on first use, once per process (about 1 s).
    """
    return _model().read(text)


_SEGMENT = re.compile(r"(?<=[:;.!?])\s+")


def judge_language(text: str, min_loglik: float, min_segment_letters: int = 8) -> tuple[bool, LanguageReading | None]:
    """Whether ``text`` reads as natural language, and the model's reading of the whole text.

    Code-switched text ("Translate into English: Leo ni Ijumaa.") scores low as a whole, each
    language's n-grams diluting the other's; so when the whole fails on likelihood alone (not
    because it reads as ``zxx``), it is read again sentence by sentence (split after ``: ; . ! ?``)
    and counts as natural when every part of ``min_segment_letters`` letters or more is.
    """
    reading = read_language(text)
    if reading is None or reading.natural(min_loglik):
        return True, reading
    if reading.non_language >= 0.5 * reading.confidence:
        return False, reading
    parts = [p for p in _SEGMENT.split(text) if sum(map(str.isalpha, p)) >= min_segment_letters]
    if len(parts) < 2:
        return False, reading
    for part in parts:
        part_reading = read_language(part)
        if part_reading is not None and not part_reading.natural(min_loglik):
            return False, reading
    return True, reading
