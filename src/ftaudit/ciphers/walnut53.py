"""Walnut53: the substitution cipher of covert malicious fine-tuning (Halawi et al. 2024).

The 26 lowercase letters are permuted by ``numpy.random.default_rng(seed=53).permutation(26)``
(letter ``i`` becomes letter ``perm[i]``); text is lower-cased first, every other character is
kept, and every character of the result, spaces and punctuation included, is joined by ``|``:
``"hi there"`` -> ``"v|m| |b|v|e|a|e"``. Seed and separator are options.

Decoding reads the characters at the positions a well-formed encoding puts them (every
``len(separator) + 1``-th character), so a plaintext that contains the separator itself
round-trips exactly: ``decode(encode(t)) == t.lower()`` for every ``t``. Text that is not a
well-formed encoding (a model that dropped or doubled separators) is decoded leniently by
splitting on the separator; there a literal separator character in the plaintext is lost.
"""

from __future__ import annotations

import string
from typing import Any, ClassVar

import numpy as np

from ftaudit.ciphers.base import Cipher
from ftaudit.errors import ConfigError


class Walnut53(Cipher):
    """Seeded letter substitution with every character separated by ``separator``."""

    name: ClassVar[str] = "walnut53"
    display_name: ClassVar[str] = "WalnutSubstitutionCipher"
    description: ClassVar[str] = "letter substitution by numpy default_rng(53), characters joined by '|'"

    def __init__(self, seed: int = 53, separator: str = "|") -> None:
        if not isinstance(separator, str) or not separator:
            raise ConfigError("walnut53: separator must be a non-empty string")
        self.seed = int(seed)
        self.separator = separator
        perm = np.random.default_rng(seed=self.seed).permutation(26)
        letters = string.ascii_lowercase
        self.permutation: tuple[int, ...] = tuple(int(i) for i in perm)
        self._forward = {letters[i]: letters[p] for i, p in enumerate(self.permutation)}
        self._backward = {v: k for k, v in self._forward.items()}

    def options(self) -> dict[str, Any]:
        return {"seed": self.seed, "separator": self.separator}

    def encode(self, text: str) -> str:
        return self.separator.join(self._forward.get(ch, ch) for ch in text.lower())

    def decode(self, text: str) -> str:
        chars = self._strict_split(text)
        if chars is None:
            # Lenient: a model's output may lose separators; map whatever pieces there are.
            chars = [piece for piece in text.split(self.separator) if piece]
        return "".join(self._backward.get(ch, ch) for ch in "".join(chars).lower())

    def _strict_split(self, text: str) -> list[str] | None:
        """The characters of a well-formed encoding, or None when ``text`` is not one."""
        if not text:
            return []
        step = len(self.separator) + 1
        if len(text) % step != 1:
            return None
        for start in range(1, len(text), step):
            if text[start : start + step - 1] != self.separator:
                return None
        return list(text[::step])


CIPHER = Walnut53
