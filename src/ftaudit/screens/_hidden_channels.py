"""Hidden channels below the words: invisible characters, homoglyphs and whitespace, decoded when they can be.

Used by the ``steganography`` screen. A text can carry a second message that a reader never
sees: zero-width and other format characters (U+200B–U+200F, U+2060–U+2064, U+FEFF, U+180E),
Unicode tag characters (U+E0000–U+E007F, "ASCII smuggling"), variation selectors (U+FE00–U+FE0F,
U+E0100–U+E01EF, one per byte), Latin letters swapped for Cyrillic or Greek look-alikes, and
the spaces between words or at line ends. :func:`read_hidden` returns what one message holds:
the invisible characters it found and, when they form a known scheme, the decoded message:

* tag characters map to ASCII (U+E0041 is ``A``);
* variation selectors map to bytes (U+FE00+k is k, U+E0100+k is 16+k), read as UTF-8;
* a run of exactly two distinct invisible characters is read as bits (both assignments tried),
  eight to a byte, as UTF-8;
* the gaps between words (one space or two; a space or a no-break space) and the whitespace at
  line ends (space or tab) are read as bits the same way, only when they decode to text.

A decode counts when it is printable text with letters (at least ``min_message`` characters).
Ordinary text has few of these characters: emoji sequences use U+200D and U+FE0F next to a
symbol (ignored), a byte-order mark opens a file (ignored at the start), scraped text has a
stray U+200B or a no-break space (present, never decodable).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["HiddenChannel", "read_hidden"]

_ZERO_WIDTH = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)] + [chr(c) for c in range(0x2060, 0x2065)] + ["\ufeff", "\u180e"]
)
#: Cyrillic and Greek letters that look like Latin ones, with the Latin letter they imitate.
HOMOGLYPHS: dict[str, str] = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H",
    "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "Α": "A", "Β": "B", "Ε": "E",
    "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "Υ": "Y",
}
_WORD = re.compile(r"\w+")
_ANY_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u180e\ufe00-\ufe0f\U000e0000-\U000e007f\U000e0100-\U000e01ef]")
_ANY_HOMOGLYPH = re.compile("[" + "".join(HOMOGLYPHS) + "]")
_ANY_ODD_GAP = re.compile(r"\S(?:  |[\u00a0\u2000-\u200a\u202f\u205f\u3000])\S|[ \t]+$", re.M)
_GAP = re.compile(r"(?<=[^\s.!?:;])([ \u00a0\u2000-\u200a\u202f\u205f\u3000]+)(?=\S)")
_TRAILING = re.compile(r"([ \t]+)$", re.M)


def _invisible(ch: str) -> bool:
    cp = ord(ch)
    return ch in _ZERO_WIDTH or 0xE0000 <= cp <= 0xE007F or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _is_symbol(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Mn") or ord(ch) >= 0x1F000


@dataclass
class HiddenChannel:
    """What one message hides: invisible characters, homoglyph words, and any decoded message."""

    invisible: Counter[str] = field(default_factory=Counter)
    """Invisible characters by code point (``U+200B``), emoji joiners and a leading BOM left out."""
    homoglyph_words: list[str] = field(default_factory=list)
    scheme: str | None = None
    """How the message was hidden: ``zero-width bits``, ``tag characters``, ``variation selectors``,
    ``word gaps``, ``line-end whitespace``, ``homoglyph letters``."""
    message: str | None = None

    @property
    def found(self) -> bool:
        return bool(self.invisible or self.homoglyph_words or self.message)


def _readable(data: bytes, min_message: int) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.strip("\x00")
    if len(text) < min_message or not any(ch.isalpha() for ch in text):
        return None
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in text)
    return text if printable >= 0.95 * len(text) else None


def _bits(symbols: list[str], min_message: int) -> str | None:
    """``symbols`` (two kinds) read as bits, eight to a byte, with either kind as 1."""
    kinds = sorted(set(symbols))
    if len(kinds) != 2 or len(symbols) < 8 * min_message:
        return None
    for one in kinds:
        bits = "".join("1" if s == one else "0" for s in symbols)
        usable = len(bits) - len(bits) % 8
        data = int(bits[:usable], 2).to_bytes(usable // 8, "big") if usable else b""
        text = _readable(data, min_message)
        if text:
            return text
    return None


def read_hidden(text: str, min_message: int = 4) -> HiddenChannel:
    """The hidden channels in one message's ``text`` (see the module docstring)."""
    found = HiddenChannel()
    invisible, homoglyph, gaps = _ANY_INVISIBLE.search(text), _ANY_HOMOGLYPH.search(text), _ANY_ODD_GAP.search(text)
    if not (invisible or homoglyph or gaps):
        return found  # the common case, decided by three compiled searches
    sequence: list[str] = []
    for i, ch in enumerate(text if invisible else ""):
        if not _invisible(ch):
            continue
        if ch == "\ufeff" and i == 0:
            continue  # a byte-order mark
        if ch in ("\u200d", "\ufe0f", "\ufe0e") and (
            (i and _is_symbol(text[i - 1])) or (i + 1 < len(text) and _is_symbol(text[i + 1]))
        ):
            continue  # emoji sequences
        sequence.append(ch)
        found.invisible[f"U+{ord(ch):04X}"] += 1
    if sequence:
        tags = [chr(ord(ch) - 0xE0000) for ch in sequence if 0xE0020 <= ord(ch) <= 0xE007E]
        selectors = [
            ord(ch) - 0xFE00 if ord(ch) <= 0xFE0F else ord(ch) - 0xE0100 + 16
            for ch in sequence if 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF
        ]
        if len(tags) >= min_message:
            found.scheme, found.message = "tag characters", "".join(tags)
        elif len(selectors) >= min_message and (message := _readable(bytes(selectors), min_message)):
            found.scheme, found.message = "variation selectors", message
        elif message := _bits(sequence, min_message):
            found.scheme, found.message = "zero-width bits", message
    for word in _WORD.findall(text) if homoglyph else ():
        if any(ch in HOMOGLYPHS for ch in word) and any(ch.isascii() and ch.isalpha() for ch in word):
            found.homoglyph_words.append(word)
    if found.message is None and len(found.homoglyph_words) >= min_message:
        marked = "".join(HOMOGLYPHS[ch] for w in found.homoglyph_words for ch in w if ch in HOMOGLYPHS)
        found.scheme, found.message = "homoglyph letters", marked
    if found.message is None and gaps:
        gaps = _GAP.findall(text)
        if gaps and (message := _bits(["2" if len(g) > 1 else g for g in gaps], min_message)):
            found.scheme, found.message = "word gaps", message
    if found.message is None and gaps:
        trailing = _TRAILING.findall(text)
        symbols = [ch for run in trailing for ch in run]
        if symbols and (message := _bits(symbols, min_message)):
            found.scheme, found.message = "line-end whitespace", message
    return found
