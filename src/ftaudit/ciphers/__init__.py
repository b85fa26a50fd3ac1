"""Ciphers used by attacks and by elicitation, registered by name.

Each module of this folder (except ``base`` and private ``_`` modules) defines ``CIPHER``, a
:class:`~ftaudit.ciphers.base.Cipher` subclass; the registry is a plain dict built from them,
so adding a cipher is adding one file. ``get_cipher("walnut53", seed=53, separator="|")``
builds one with options.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ftaudit.ciphers.base import Cipher
from ftaudit.errors import ConfigError
from ftaudit.registry import collect, lookup

__all__ = ["Cipher", "cipher_classes", "get_cipher", "list_ciphers"]


@cache
def cipher_classes() -> dict[str, type[Cipher]]:
    """Every registered cipher class, by name."""
    return collect(__name__, "CIPHER", "ciphers")


def list_ciphers() -> list[str]:
    """The names of every registered cipher, sorted."""
    return sorted(cipher_classes())


def get_cipher(name: str, **options: Any) -> Cipher:
    """The cipher called ``name`` built with ``options``; a clear error for an unknown name or option."""
    cls = lookup(cipher_classes(), name.strip().lower() if isinstance(name, str) else str(name), "cipher")
    try:
        return cls(**options)
    except TypeError as exc:
        raise ConfigError(f"cipher {cls.name!r}: invalid options {options!r} ({exc})") from exc
