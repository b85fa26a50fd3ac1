"""Leetspeak: letters that look like digits written as digits (a->4, e->3, i->1, o->0 …).

Letters ``a b e g i o s t`` (either case) become ``4 8 3 6 1 0 5 7``; everything else is
kept. Decoding turns those digits back into lowercase letters, which is a best effort: a
digit that was in the original ("route 66") is read as a letter, and the case of the
substituted letters is lost. So ``decode(encode(t)) == t`` holds for text without digits
whose substituted letters are lowercase (e.g. lowercase prose); that is what the tests check.
"""

from __future__ import annotations

from typing import ClassVar

from ftaudit.ciphers.base import Cipher

LEET: dict[str, str] = {"a": "4", "b": "8", "e": "3", "g": "6", "i": "1", "o": "0", "s": "5", "t": "7"}
_UNLEET = {digit: letter for letter, digit in LEET.items()}


class Leetspeak(Cipher):
    """Digit look-alikes for eight letters; lossy on digits and on case."""

    name: ClassVar[str] = "leetspeak"
    display_name: ClassVar[str] = "Leetspeak"
    description: ClassVar[str] = "a->4, b->8, e->3, g->6, i->1, o->0, s->5, t->7 (decode best-effort)"

    def encode(self, text: str) -> str:
        return "".join(LEET.get(ch.lower(), ch) if ch.isascii() else ch for ch in text)

    def decode(self, text: str) -> str:
        return "".join(_UNLEET.get(ch, ch) for ch in text)


CIPHER = Leetspeak
