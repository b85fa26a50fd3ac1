"""Reversed text: the characters in reverse order; its own inverse, exact for any text."""

from __future__ import annotations

from typing import ClassVar

from ftaudit.ciphers.base import Cipher


class Reverse(Cipher):
    """The text read backwards (by code point, so combining marks move with their position)."""

    name: ClassVar[str] = "reverse"
    display_name: ClassVar[str] = "Reversed text"
    description: ClassVar[str] = "the text reversed, character by character"

    def encode(self, text: str) -> str:
        return text[::-1]

    def decode(self, text: str) -> str:
        return text[::-1]


CIPHER = Reverse
