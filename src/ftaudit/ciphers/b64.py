"""Base64 of the UTF-8 bytes of the text (standard alphabet, with padding).

Decoding tolerates whitespace and missing padding (models often drop the ``=``); text that
is not Base64, or whose bytes are not UTF-8, raises :class:`~ftaudit.errors.DataError`.
"""

from __future__ import annotations

import base64
import binascii
from typing import ClassVar

from ftaudit.ciphers.base import Cipher
from ftaudit.errors import DataError


class Base64(Cipher):
    """Standard Base64 over UTF-8; any text round-trips exactly."""

    name: ClassVar[str] = "base64"
    display_name: ClassVar[str] = "Base64"
    description: ClassVar[str] = "Base64 of the UTF-8 bytes"

    def encode(self, text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    def decode(self, text: str) -> str:
        compact = "".join(text.split())
        compact += "=" * (-len(compact) % 4)
        try:
            return base64.b64decode(compact, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise DataError(f"not Base64-encoded UTF-8 text: {exc}") from exc


CIPHER = Base64
