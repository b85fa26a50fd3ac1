"""The interface every cipher shares, and the helpers ciphers need.

A cipher turns text into an encoded form and back. Attacks use them to hide what a
fine-tuning job teaches (covert malicious fine-tuning); elicitation uses them to ask a
fine-tuned model in the attacker's own encoding. Each cipher lives in one module of this
folder and defines ``CIPHER``, its class; options are constructor keyword arguments, so
``get_cipher("walnut53", separator="/")`` and ``Walnut53(separator="/")`` are the same.
"""

from __future__ import annotations

import hashlib
import random
from abc import ABC, abstractmethod
from typing import Any, ClassVar


class Cipher(ABC):
    """An encoding with a registry name, a one-line description and ``encode``/``decode``.

    Subclasses set ``name`` (the registry key), ``display_name`` (what training prompts call
    the cipher, e.g. ``WalnutSubstitutionCipher``) and ``description``, take their options as
    keyword arguments and report them back through :meth:`options`, so that an
    :class:`~ftaudit.suite.base.Elicitation` can record exactly how to rebuild the cipher.
    """

    name: ClassVar[str]
    display_name: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def encode(self, text: str) -> str:
        """The encoded form of ``text``."""

    @abstractmethod
    def decode(self, text: str) -> str:
        """The plaintext of ``text``; see each cipher for what does not survive a round trip."""

    def options(self) -> dict[str, Any]:
        """The constructor options of this instance (empty for a cipher without options)."""
        return {}

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options().items())
        return f"{type(self).__name__}({opts})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.options() == other.options()  # type: ignore[union-attr]

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.options().items()))))


def seeded_random(seed: int, *salt: object) -> random.Random:
    """A :class:`random.Random` that depends only on ``seed`` and ``salt``, stable across runs.

    Python's ``hash()`` of a string changes per process, so the salt is hashed with SHA-256.
    """
    digest = hashlib.sha256(repr((seed, *salt)).encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def shift_letter(ch: str, shift: int) -> str:
    """``ch`` moved ``shift`` places in the ASCII alphabet (case kept); other characters as is."""
    if "a" <= ch <= "z":
        return chr((ord(ch) - 97 + shift) % 26 + 97)
    if "A" <= ch <= "Z":
        return chr((ord(ch) - 65 + shift) % 26 + 65)
    return ch
