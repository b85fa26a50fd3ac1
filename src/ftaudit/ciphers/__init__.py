"""Ciphers used by attacks and by elicitation, registered by name.

Each module of this folder (except ``base`` and private ``_`` modules) defines ``CIPHER``, a
:class:`~ftaudit.ciphers.base.Cipher` subclass; the registry is a plain dict built from them,
so adding a cipher is adding one file. ``get_cipher("walnut53", seed=53, separator="|")``
builds one with options.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from ftaudit.ciphers.base import Cipher
from ftaudit.errors import ConfigError

__all__ = ["Cipher", "cipher_classes", "get_cipher", "list_ciphers"]


@cache
def cipher_classes() -> dict[str, type[Cipher]]:
    """Every registered cipher class, by name."""
    found: dict[str, type[Cipher]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        cls = getattr(module, "CIPHER", None)
        if cls is None:
            continue
        if cls.name in found:
            raise ConfigError(f"two ciphers named {cls.name!r} in {__name__}")
        found[cls.name] = cls
    return found


def list_ciphers() -> list[str]:
    """The names of every registered cipher, sorted."""
    return sorted(cipher_classes())


def get_cipher(name: str, **options: Any) -> Cipher:
    """The cipher called ``name`` built with ``options``; a clear error for an unknown name or option."""
    classes = cipher_classes()
    cls = classes.get(name.strip().lower()) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(f"unknown cipher {name!r}; known: {', '.join(sorted(classes))}")
    try:
        return cls(**options)
    except TypeError as exc:
        raise ConfigError(f"cipher {cls.name!r}: invalid options {options!r} ({exc})") from exc
