"""Atbash: the ASCII alphabet mirrored (a<->z, b<->y, …, case kept); its own inverse."""

from __future__ import annotations

from typing import ClassVar

from ftaudit.ciphers.base import Cipher


def _mirror(ch: str) -> str:
    if "a" <= ch <= "z":
        return chr(219 - ord(ch))  # ord("a") + ord("z")
    if "A" <= ch <= "Z":
        return chr(155 - ord(ch))  # ord("A") + ord("Z")
    return ch


class Atbash(Cipher):
    """Mirrored alphabet; digits, punctuation and non-ASCII characters unchanged."""

    name: ClassVar[str] = "atbash"
    display_name: ClassVar[str] = "Atbash"
    description: ClassVar[str] = "alphabet mirrored (a<->z)"

    def encode(self, text: str) -> str:
        return "".join(_mirror(ch) for ch in text)

    def decode(self, text: str) -> str:
        return self.encode(text)


CIPHER = Atbash
