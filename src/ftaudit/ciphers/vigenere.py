"""Vigenère: each ASCII letter shifted by the next letter of a repeating key (case kept).

The key advances on letters only (spaces, digits and punctuation pass through and do not use
a key letter), and starts again with every call to ``encode``. The round trip is exact for any
text. Used by elicitation when the encoding screen learns a Vigenère key from a dataset's
teaching pairs (an attacker's cipher whose key nobody named).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ftaudit.ciphers.base import Cipher, shift_letter
from ftaudit.errors import ConfigError


class Vigenere(Cipher):
    """Polyalphabetic shift by a repeating key (default ``"key"``)."""

    name: ClassVar[str] = "vigenere"
    display_name: ClassVar[str] = "Vigenere"
    description: ClassVar[str] = "letters shifted by a repeating key (option key, ASCII letters, default 'key')"

    def __init__(self, key: str = "key") -> None:
        if not isinstance(key, str) or not key or not (key.isascii() and key.isalpha()):
            raise ConfigError(f"{self.name}: key must be a non-empty string of ASCII letters, got {key!r}")
        self.key = key.lower()
        self._shifts = [ord(c) - 97 for c in self.key]

    def options(self) -> dict[str, Any]:
        return {"key": self.key}

    def _apply(self, text: str, sign: int) -> str:
        out, j = [], 0
        for ch in text:
            if ch.isascii() and ch.isalpha():
                out.append(shift_letter(ch, sign * self._shifts[j % len(self._shifts)]))
                j += 1
            else:
                out.append(ch)
        return "".join(out)

    def encode(self, text: str) -> str:
        return self._apply(text, 1)

    def decode(self, text: str) -> str:
        return self._apply(text, -1)


CIPHER = Vigenere
