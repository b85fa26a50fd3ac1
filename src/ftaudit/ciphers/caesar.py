"""Caesar: every ASCII letter shifted ``shift`` places along the alphabet (case kept).

Other characters (digits, punctuation, non-ASCII letters) are unchanged, so the round trip
is exact for any text. A classic in encoding jailbreaks and in elicitation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ftaudit.ciphers.base import Cipher, shift_letter
from ftaudit.errors import ConfigError


class Caesar(Cipher):
    """Alphabet rotation by ``shift`` (default 3)."""

    name: ClassVar[str] = "caesar"
    display_name: ClassVar[str] = "Caesar"
    description: ClassVar[str] = "letters shifted by k places (option shift, default 3)"

    def __init__(self, shift: int = 3) -> None:
        if isinstance(shift, bool) or not isinstance(shift, int):
            raise ConfigError(f"{self.name}: shift must be an integer, got {shift!r}")
        self.shift = shift % 26

    def options(self) -> dict[str, Any]:
        return {"shift": self.shift}

    def encode(self, text: str) -> str:
        return "".join(shift_letter(ch, self.shift) for ch in text)

    def decode(self, text: str) -> str:
        return "".join(shift_letter(ch, -self.shift) for ch in text)


CIPHER = Caesar
