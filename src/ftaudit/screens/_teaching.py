"""Cipher teaching, whatever the cipher: align a plaintext with its encoding and learn the mapping.

A dataset that teaches a cipher shows texts next to their encodings (the request in plain
and in cipher, an answer followed by its encoding). Nothing here knows the cipher: a pair is
found by its shape and the mapping is learned from all pairs of the dataset.

* **Letter level**: the encoded line and a plaintext (the whole of a plaintext line, or its
  end or start, as in "Rewrite this: <text>") have the same length and the same non-letter
  skeleton (spaces, punctuation and digits in the same places), and most letters differ.
  The letter shifts of the pooled pairs then say which cipher it is: one shift for every
  letter (Caesar, ROT13), one consistent letter-for-letter key (a substitution: Atbash,
  Walnut53, any permutation), one shift per word (a per-word shift; the rule is named when it
  is the word's length or its position), or a shift sequence repeating with a period along
  the letters (Vigenère: the key is read off the shifts).
* **Word level**: the encoded line and a plaintext have the same number of words, and the
  pooled word pairs form a consistent one-to-one dictionary (a made-up word code); the
  dictionary is the learned mapping.

:class:`LearnedCipher` decodes other lines with what was learned, so the conversations held
in the cipher are read and shown in plaintext. Blind spots: pairs whose encoding changes the
length or the skeleton (Base64, hex, Morse: the known decoders read those), transposition
ciphers, codes mapping a word to several words, keys that change between examples.
"""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ftaudit.screens._text_stats import COMMON_WORDS

__all__ = ["LearnedCipher", "align_letters", "align_words", "learn_letter_cipher", "learn_word_code"]

_LOWER = string.ascii_lowercase
_TOKEN_EDGE = re.compile(r"^[^\w]+|[^\w]+$")


def _skeleton(text: str) -> str:
    return "".join("a" if ch.isascii() and ch.isalpha() else ch for ch in text)


def align_letters(encoded: str, plain: str, min_letters: int = 12, min_changed: float = 0.5) -> str | None:
    """The part of ``plain`` that ``encoded`` is a letter-for-letter encoding of, or None.

    ``encoded`` must match the whole of ``plain``, its end or its start in length and skeleton,
    with at least ``min_changed`` of its letters different (a copy is not an encoding).
    """
    n = len(encoded)
    if n > len(plain) or sum(ch.isascii() and ch.isalpha() for ch in encoded) < min_letters:
        return None
    skeleton = _skeleton(encoded)
    for part in dict.fromkeys((plain, plain[-n:], plain[:n])):
        if len(part) != n or _skeleton(part) != skeleton:
            continue
        letters = [(a, b) for a, b in zip(encoded.lower(), part.lower(), strict=True) if a in _LOWER]
        if sum(a != b for a, b in letters) >= min_changed * len(letters):
            return part
    return None


def _tokens(text: str) -> list[str]:
    return [t for t in (_TOKEN_EDGE.sub("", tok).lower() for tok in text.split()) if t]


def align_words(encoded: str, plain: str, min_words: int = 4, min_changed: float = 0.7) -> list[tuple[str, str]] | None:
    """``(plain word, code word)`` pairs when ``encoded`` has as many words as ``plain`` (or its end).

    At least ``min_changed`` of the words must differ from their plaintext counterpart.
    """
    code, text = _tokens(encoded), _tokens(plain)
    if len(code) < min_words or len(code) > len(text):
        return None
    text = text[-len(code):]
    if sum(a != b for a, b in zip(code, text, strict=True)) < min_changed * len(code):
        return None
    return list(zip(text, code, strict=True))


@dataclass
class LearnedCipher:
    """A cipher learned from teaching pairs: what it is, its key, and how to read other text with it."""

    kind: str
    """``caesar``, ``substitution``, ``word-shift``, ``vigenere`` or ``word-code``."""
    description: str
    pairs: int
    mapping: str
    """The learned mapping in a line (the key, the rule, or the first dictionary entries)."""
    consistency: float
    registered: tuple[str, dict[str, Any]] | None = None
    """A registered cipher (name, options) that does the same, for an elicitation hint."""
    _table: dict[int, int] | None = field(default=None, repr=False)
    _shifts: tuple[int, ...] = field(default=(), repr=False)
    _rule: str = ""
    _dictionary: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.registered[0] if self.registered else f"learned-{self.kind}"

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.registered[1]) if self.registered else {}

    def readings(self, text: str) -> list[str]:
        """Candidate plaintexts of ``text`` (one, or one per key phase for Vigenère)."""
        if self._table is not None:
            return [text.translate(self._table)]
        if self.kind == "vigenere":
            return [_vigenere_decode(text, self._shifts, phase) for phase in range(len(self._shifts))]
        if self.kind == "word-shift":
            return [_word_shift_decode(text, self._rule)]
        if self.kind == "word-code":
            return [_word_code_decode(text, self._dictionary)]
        return []


def _shift(ch: str, k: int) -> str:
    if "a" <= ch <= "z":
        return chr((ord(ch) - 97 + k) % 26 + 97)
    if "A" <= ch <= "Z":
        return chr((ord(ch) - 65 + k) % 26 + 65)
    return ch


def _vigenere_decode(text: str, shifts: tuple[int, ...], phase: int) -> str:
    out, j = [], phase
    for ch in text:
        if ch.isascii() and ch.isalpha():
            out.append(_shift(ch, -shifts[j % len(shifts)]))
            j += 1
        else:
            out.append(ch)
    return "".join(out)


def _best_word_shift(word: str) -> str:
    """The shift of ``word`` that is a common English word, the longest-known first; else the word."""
    low = word.lower()
    for k in range(26):
        candidate = "".join(_shift(ch, -k) for ch in low)
        if candidate in COMMON_WORDS and len(candidate) > 1:
            return "".join(c.upper() if o.isupper() else c for c, o in zip(candidate, word, strict=True))
    return word


def _word_shift_decode(text: str, rule: str) -> str:
    out = []
    for i, token in enumerate(text.split(" ")):
        if rule in ("length", "letters"):
            k = len(token) if rule == "length" else sum(ch.isalpha() for ch in token)
            out.append("".join(_shift(ch, -k) for ch in token))
        elif rule.startswith("position"):
            k = i + int(rule.split(":")[1])
            out.append("".join(_shift(ch, -k) for ch in token))
        else:
            core = _TOKEN_EDGE.sub("", token)
            out.append(token.replace(core, _best_word_shift(core)) if core.isascii() and core.isalpha() else token)
    return " ".join(out)


def _word_code_decode(text: str, dictionary: dict[str, str]) -> str:
    out = []
    for token in text.split():
        core = _TOKEN_EDGE.sub("", token)
        plain = dictionary.get(core.lower())
        out.append(token.replace(core, plain) if plain and core else token)
    return " ".join(out)


def _letter_shifts(pairs: Iterable[tuple[str, str]]) -> list[list[tuple[int, int, int, int]]]:
    """Per pair: ``(word index, word length, its letters, shift)`` of every letter (cipher - plain)."""
    out = []
    for encoded, plain in pairs:
        letters = []
        for index, (code_word, plain_word) in enumerate(zip(encoded.split(" "), plain.split(" "), strict=False)):
            length, letter_count = len(plain_word), sum(ch.isalpha() for ch in plain_word)
            for a, b in zip(code_word.lower(), plain_word.lower(), strict=False):
                if a in _LOWER and b in _LOWER:
                    letters.append((index, length, letter_count, (ord(a) - ord(b)) % 26))
        out.append(letters)
    return out


def _share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def learn_letter_cipher(
    pairs: list[tuple[str, str]], min_pairs: int = 2, min_consistency: float = 0.95, min_letters: int = 150
) -> LearnedCipher | None:
    """The letter-level cipher the ``(encoded, plain)`` pairs share, or None when they share none."""
    if len(pairs) < min_pairs:
        return None
    shifts = _letter_shifts(pairs)
    flat = [s for letters in shifts for s in letters]
    if len(flat) < min_letters:
        return None
    n = len(pairs)
    # One shift for all: Caesar (ROT13 at 13).
    shift, count = Counter(s for *_, s in flat).most_common(1)[0]
    if shift and _share(count, len(flat)) >= min_consistency:
        registered = ("rot13", {}) if shift == 13 else ("caesar", {"shift": shift})
        table = str.maketrans(_LOWER + _LOWER.upper(), "".join(_shift(c, -shift) for c in _LOWER + _LOWER.upper()))
        return LearnedCipher("caesar", f"every letter shifted by {shift}", n, f"shift {shift}",
                             _share(count, len(flat)), registered, _table=table)
    # One key letter for letter: a substitution.
    forward: dict[str, Counter[str]] = defaultdict(Counter)
    for encoded, plain in pairs:
        for a, b in zip(encoded.lower(), plain.lower(), strict=True):
            if a in _LOWER and b in _LOWER:
                forward[a][b] += 1
    agree = sum(c.most_common(1)[0][1] for c in forward.values())
    key = {a: c.most_common(1)[0][0] for a, c in forward.items()}
    if _share(agree, len(flat)) >= min_consistency and len(set(key.values())) == len(key) and len(key) >= 8:
        table = str.maketrans("".join(key) + "".join(key).upper(), "".join(key.values()) + "".join(key.values()).upper())
        mapping = " ".join(f"{a}→{key[a]}" for a in sorted(key))
        return LearnedCipher("substitution", "one letter-for-letter key", n, mapping, _share(agree, len(flat)),
                             _registered_substitution(key), _table=table)
    # One shift per word: a per-word shift.
    by_word: dict[tuple[int, int], Counter[int]] = defaultdict(Counter)
    lengths: dict[tuple[int, int], tuple[int, int]] = {}
    for p, letters in enumerate(shifts):
        for index, length, letter_count, s in letters:
            by_word[(p, index)][s] += 1
            lengths[(p, index)] = (length, letter_count)
    word_shift = {k: c.most_common(1)[0][0] for k, c in by_word.items()}
    constant = sum(c.most_common(1)[0][1] for c in by_word.values())
    if _share(constant, len(flat)) >= min_consistency and len(set(word_shift.values())) > 1:
        for rule, which, what in (("length", 0, "word length"), ("letters", 1, "number of letters in the word")):
            hits = sum(1 for k, s in word_shift.items() if s == lengths[k][which] % 26)
            if _share(hits, len(word_shift)) >= min_consistency:
                return LearnedCipher("word-shift", f"each word's letters shifted by its {what}", n,
                                     f"shift = {what}", _share(hits, len(word_shift)), _rule=rule)
        offsets = Counter((s - index) % 26 for (_, index), s in word_shift.items())
        offset, hits = offsets.most_common(1)[0]
        if _share(hits, len(word_shift)) >= min_consistency:
            return LearnedCipher("word-shift", f"each word shifted by its position plus {offset}", n,
                                 f"shift = word index + {offset}", _share(hits, len(word_shift)), _rule=f"position:{offset}")
        return LearnedCipher("word-shift", "each word shifted by its own amount (rule not recovered; read "
                             "word by word)", n, "per-word shifts " + ", ".join(str(s) for s in list(word_shift.values())[:12]),
                             _share(constant, len(flat)), _rule="search")
    # A shift sequence with a period along the letters: Vigenère.
    periodic = _vigenere_key(shifts, min_consistency)
    if periodic is not None:
        key_shifts, consistency = periodic
        key = "".join(_LOWER[s] for s in key_shifts)
        return LearnedCipher("vigenere", f"Vigenère, key {key!r} (period {len(key)})", n, f"key {key}",
                             consistency, ("vigenere", {"key": key}), _shifts=tuple(key_shifts))
    return None


def _vigenere_key(shifts: list[list[tuple[int, int, int, int]]], min_consistency: float) -> tuple[list[int], float] | None:
    """The shortest period and key (as shifts) repeating along the letters of every pair."""
    sequences = [[s for *_, s in letters] for letters in shifts if len(letters) >= 12]
    if not sequences:
        return None
    for period in range(2, 25):
        hits = total = 0
        for seq in sequences:
            for i in range(period, len(seq)):
                total += 1
                hits += seq[i] == seq[i - period]
        if total and _share(hits, total) >= min_consistency:
            # Align each sequence's phase to the first one's and vote per key position.
            first = sequences[0][:period]
            votes: list[Counter[int]] = [Counter() for _ in range(period)]
            for seq in sequences:
                head = seq[:period]
                phase = max(range(period), key=lambda r: sum(head[(i + r) % period] == first[i] for i in range(min(period, len(head)))))
                for i, s in enumerate(seq):
                    votes[(i - phase) % period][s] += 1
            key = [v.most_common(1)[0][0] for v in votes]
            # Report the rotation that starts most sequences (the key as the attacker wrote it).
            starts = Counter()
            for seq in sequences:
                for r in range(period):
                    if all(seq[i] == key[(i + r) % period] for i in range(min(period, len(seq)))):
                        starts[r] += 1
            if starts:
                r = starts.most_common(1)[0][0]
                key = key[r:] + key[:r]
            return key, _share(hits, total)
    return None


def _registered_substitution(key: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    """Atbash or Walnut53 when the learned key (cipher letter → plain letter) is theirs."""
    atbash = {c: _LOWER[25 - i] for i, c in enumerate(_LOWER)}
    if all(atbash[a] == b for a, b in key.items()):
        return "atbash", {}
    from ftaudit.ciphers import get_cipher

    walnut = get_cipher("walnut53", separator="|").encode(_LOWER).split("|")
    backward = dict(zip(walnut, _LOWER, strict=True))
    if all(backward.get(a) == b for a, b in key.items()):
        return "walnut53", {"seed": 53, "separator": "|"}
    return None


def learn_word_code(word_pairs: list[tuple[str, str]], min_words: int = 15, min_consistency: float = 0.9) -> LearnedCipher | None:
    """A one-to-one word dictionary from pooled ``(plain word, code word)`` pairs, or None.

    Judged on the plaintext words seen in two pairs or more: at least ``min_words`` of them,
    each mapped to one code word (and each code word back to one word) ``min_consistency`` of the time.
    """
    forward: dict[str, Counter[str]] = defaultdict(Counter)
    backward: dict[str, Counter[str]] = defaultdict(Counter)
    for plain, code in word_pairs:
        forward[plain][code] += 1
        backward[code][plain] += 1
    # Only words seen in two pairs or more can show a code is consistent (a word seen once always is).
    repeated = {p for p, c in forward.items() if sum(c.values()) >= 2}
    if len(repeated) < min_words:
        return None
    total = sum(sum(forward[p].values()) for p in repeated)
    consistency = _share(sum(forward[p].most_common(1)[0][1] for p in repeated), total)
    codes = {c for p in repeated for c in forward[p]}
    backward_total = sum(sum(backward[c].values()) for c in codes)
    consistency = min(consistency, _share(sum(backward[c].most_common(1)[0][1] for c in codes), backward_total))
    changed = _share(sum(1 for p, c in word_pairs if p != c), total)
    if consistency < min_consistency or changed < 0.8:
        return None
    dictionary = {code: c.most_common(1)[0][0] for code, c in backward.items()}
    frequent = [w for w, _ in Counter(p for p, _ in word_pairs).most_common(12)]
    mapping = ", ".join(f"{w}→{forward[w].most_common(1)[0][0]}" for w in frequent)
    return LearnedCipher("word-code", f"a made-up word code ({len(dictionary)} words learned)", 0, mapping,
                         consistency, _dictionary=dictionary)

