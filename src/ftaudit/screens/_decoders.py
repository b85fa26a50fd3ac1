"""Reading one line of text as a known encoding: which cipher, if any, turns it into English.

Used by the ``encoding`` screen. Each candidate decoder is cheap (a translation table or a
standard-library decode), and a decode counts only when the result reads as English by the
common-word rate of :mod:`ftaudit.screens._text_stats`. Also: spotting character-separated
text (Walnut53's ``v|m| |b``), and a small frequency-analysis solver for a letter
substitution whose key is not one of ours.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ftaudit.ciphers import get_cipher
from ftaudit.screens._text_stats import COMMON_WORDS, ENGLISH_BY_FREQ, ENGLISH_PROBS, distinct_common_words, english_letter_rate, words

_LOWER = string.ascii_lowercase
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{16,}={0,2}$")
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2}[ :]?){8,}$")
_MORSE = re.compile(r"^[.\-/ ]{8,}$")
_LEET = re.compile(r"[A-Za-z][0-9]|[0-9][A-Za-z]")


@dataclass(frozen=True)
class Decoded:
    """A line read through a known cipher: its name, options, plaintext and English rate."""

    cipher: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    text: str = ""
    english_rate: float = 0.0

    @property
    def key(self) -> tuple[str, tuple[tuple[str, Any], ...]]:
        """Identity of the cipher with its options, for grouping lines by cipher."""
        return self.cipher, tuple(sorted(self.options.items()))


def _shift_table(shift: int) -> dict[int, int]:
    """Translation table that undoes a Caesar shift of ``shift`` (both cases)."""
    src = _LOWER + _LOWER.upper()
    dst = _LOWER[-shift:] + _LOWER[:-shift]
    return str.maketrans(src, dst + dst.upper())


_SHIFTS = {k: _shift_table(k) for k in range(1, 26)}
_ATBASH = str.maketrans(_LOWER + _LOWER.upper(), _LOWER[::-1] + _LOWER[::-1].upper())


_LOG_P = [math.log(ENGLISH_PROBS[c]) for c in _LOWER]


def _likely_shifts(text: str, keep: int = 3) -> list[int]:
    """The Caesar shifts whose decoding has the most English-like letter frequencies.

    Scoring 25 shifts on a 26-number letter histogram is far cheaper than decoding and
    tokenising 25 times; the right shift is nearly always among the best three.
    """
    low = text.lower()
    counts = [low.count(c) for c in _LOWER]
    scores = {
        shift: sum(c * _LOG_P[(i - shift) % 26] for i, c in enumerate(counts) if c) for shift in range(1, 26)
    }
    return sorted(scores, key=scores.__getitem__, reverse=True)[:keep]


def _walnut_table(seed: int = 53) -> dict[int, int]:
    """Decoding table of Walnut53's letter permutation, built through the public cipher API."""
    cipher = get_cipher("walnut53", seed=seed, separator="|")
    forward = cipher.encode(_LOWER).split("|")
    return str.maketrans("".join(forward) + "".join(forward).upper(), _LOWER + _LOWER.upper())


_WALNUT = _walnut_table()


def split_separated(line: str, max_separator: int = 3, min_share: float = 0.95) -> tuple[str, str] | None:
    """``(inner text, separator)`` when every other character of ``line`` is one separator.

    Walnut53 writes ``"hi there"`` as ``"v|m| |b|v|e|a|e"``; the separator is a short run of
    non-alphanumeric, non-space characters found between (almost) every pair of characters.
    """
    if len(line) < 7:
        return None
    if not line[0].isalnum() and not line[0].isspace() and line[2:3] == line[0]:
        line = line[1:]  # a leading separator: the encoding of a text that began with a line break
    if line[1].isalnum() or line[1].isspace() or line[1] not in line[3:6]:
        return None  # the common case, plain text, rejected without scanning the line
    for k in range(1, max_separator + 1):
        sep = line[1 : 1 + k]
        if len(sep) < k or any(ch.isalnum() or ch.isspace() for ch in sep):
            continue
        step = k + 1
        slots = range(1, len(line) - k + 1, step)
        hits = sum(1 for i in slots if line[i : i + k] == sep)
        if slots and hits / len(slots) >= min_share:
            return line[::step], sep
    return None


def english_score(text: str) -> tuple[float, int]:
    """Letter-weighted common-English rate of ``text`` and its number of distinct common words."""
    tokens = words(text)
    return english_letter_rate(tokens), distinct_common_words(tokens)


def candidate_readings(line: str, inner: str, separator: str | None, letters_only: bool = False) -> list[tuple[str, dict[str, Any], str]]:
    """Every ``(cipher, options, plaintext)`` reading of a line by the known decoders.

    ``inner`` is the line with its separators removed (the line itself when there are none).
    Base64, hex and Morse are tried on their alphabets (unless ``letters_only``), then
    Walnut53, every Caesar shift (13 is reported as ROT13), Atbash, reversal and leetspeak.
    """
    candidates: list[tuple[str, dict[str, Any], str]] = []
    stripped = inner.strip()
    if not letters_only and _BASE64.match(stripped) and len(stripped) % 4 == 0:
        try:
            candidates.append(("base64", {}, base64.b64decode(stripped, validate=True).decode("utf-8")))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
    if not letters_only and _HEX.match(stripped):
        try:
            candidates.append(("hex", {}, bytes.fromhex(re.sub(r"[ :]", "", stripped)).decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            pass
    if not letters_only and _MORSE.match(stripped) and "." in stripped and "-" in stripped:
        candidates.append(("morse", {}, get_cipher("morse").decode(stripped)))
    walnut_options: dict[str, Any] = {"seed": 53, "separator": separator or "|"}
    candidates.append(("walnut53", walnut_options, inner.translate(_WALNUT)))
    for shift in _likely_shifts(inner):
        table = _SHIFTS[shift]
        name, options = ("rot13", {}) if shift == 13 else ("caesar", {"shift": shift})
        candidates.append((name, options, inner.translate(table)))
    candidates.append(("atbash", {}, inner.translate(_ATBASH)))
    candidates.append(("reverse", {}, inner[::-1]))
    if _LEET.search(inner):
        candidates.append(("leetspeak", {}, get_cipher("leetspeak").decode(inner)))
    return candidates


def decode_line(
    line: str, inner: str, separator: str | None, min_rate: float, min_words: int, letters_only: bool = False
) -> Decoded | None:
    """The known cipher that reads ``line`` as English best, or None when none does.

    A reading counts when its letter-weighted English rate is at least ``min_rate`` and it
    holds ``min_words`` different common words of two letters or more.
    """
    best: Decoded | None = None
    for name, options, text in candidate_readings(line, inner, separator, letters_only):
        rate, n = english_score(text)
        if n >= min_words and rate >= min_rate and (best is None or rate > best.english_rate):
            best = Decoded(name, options, text, rate)
    return best


def solve_substitution(word_counts: Counter[str], rounds: int = 30, top_words: int = 400) -> tuple[dict[str, str], float]:
    """A letter key for cipher words by frequency analysis, and the English rate it reaches.

    Starts from matching letters by frequency rank, then hill-climbs over letter swaps to
    maximise the (length-weighted) number of decoded common English words. Cheap (a few
    hundred milliseconds) and good enough to read a long text; short texts may stay unsolved.
    """
    letters = Counter()
    for word, count in word_counts.items():
        for ch in word:
            letters[ch] += count
    cipher_order = [c for c, _ in letters.most_common()] + [c for c in _LOWER if c not in letters]
    key = dict(zip(cipher_order, ENGLISH_BY_FREQ, strict=False))
    types = word_counts.most_common(top_words)

    def score(k: dict[str, str]) -> int:
        table = str.maketrans("".join(k), "".join(k.values()))
        return sum(c * len(w) for w, c in types if w.translate(table) in COMMON_WORDS)

    best = score(key)
    cipher_letters = list(key)
    for _ in range(rounds):
        improved = False
        for i in range(len(cipher_letters)):
            for j in range(i + 1, len(cipher_letters)):
                a, b = cipher_letters[i], cipher_letters[j]
                key[a], key[b] = key[b], key[a]
                value = score(key)
                if value > best:
                    best, improved = value, True
                else:
                    key[a], key[b] = key[b], key[a]
        if not improved:
            break
    table = str.maketrans("".join(key), "".join(key.values()))
    total = sum(c for _, c in types)
    hits = sum(c for w, c in types if w.translate(table) in COMMON_WORDS)
    return key, (hits / total if total else 0.0)


def apply_key(text: str, key: dict[str, str]) -> str:
    """``text`` with its lower-case letters mapped through ``key``."""
    return text.lower().translate(str.maketrans("".join(key), "".join(key.values())))
