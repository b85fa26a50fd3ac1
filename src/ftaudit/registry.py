"""One way to find plugins: a registry is a plain dict built from the modules of one package.

Screens, attacks, benign sets, ciphers, affordances, judges and prompt formats each live one
module per file and export one module-level object (``SCREEN``, ``GENERATOR``, ``CIPHER``,
``AFFORDANCE``, ``JUDGE``, ``FORMAT``); :func:`collect` finds them, so adding a plugin is adding
a file, and :func:`lookup` gives every registry the same error for a name it does not know.
``ftaudit list KIND`` prints them all (:mod:`ftaudit.cli.listing`).

Private modules (``_name``) are helpers, never plugins; a module without the attribute is
skipped (``base``, ``types``); two plugins of one kind with the same name are a
:class:`~ftaudit.errors.ConfigError`, because the second would silently replace the first.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ftaudit.errors import ConfigError

__all__ = ["collect", "lookup"]

T = TypeVar("T")


def _name_of(entry: Any) -> str:
    return entry.name


def collect(package: str, attribute: str, what: str, *, key: Callable[[Any], str] = _name_of) -> dict[str, Any]:
    """Every ``attribute`` of the public modules of ``package``, by ``key(entry)`` (its ``name``).

    Modules are read in name order, so the registry's order is stable. ``what`` names the kind
    in the error for a duplicate (``"screens"`` → "two screens named 'x' in ftaudit.screens.checks").
    """
    root = importlib.import_module(package)
    found: dict[str, Any] = {}
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        entry = getattr(importlib.import_module(f"{package}.{info.name}"), attribute, None)
        if entry is None:
            continue
        name = key(entry)
        if name in found:
            raise ConfigError(f"two {what} named {name!r} in {package}")
        found[name] = entry
    return found


def lookup(registry: Mapping[str, T], name: str, what: str, *, example: str = "") -> T:
    """``registry[name]``, or a ConfigError naming the kind (``what``, singular) and every known name."""
    if name in registry:
        return registry[name]
    raise ConfigError(f"unknown {what} {name!r}; known: {', '.join(sorted(registry))}{example}")
