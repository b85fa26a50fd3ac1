"""ROT13: the Caesar shift by 13, its own inverse; the encoding of the study's ROT13 probe."""

from __future__ import annotations

from typing import ClassVar

from ftaudit.ciphers.base import Cipher, shift_letter


class Rot13(Cipher):
    """ASCII letters rotated by 13 places (case kept); everything else unchanged."""

    name: ClassVar[str] = "rot13"
    display_name: ClassVar[str] = "ROT13"
    description: ClassVar[str] = "letters rotated by 13 places"

    def encode(self, text: str) -> str:
        return "".join(shift_letter(ch, 13) for ch in text)

    def decode(self, text: str) -> str:
        return self.encode(text)


CIPHER = Rot13
