"""The screen registry: a plain dict built from the modules of ``ftaudit/screens/checks/``.

Adding a screen is adding one module there that defines ``SCREEN``, an instance of a
:class:`~ftaudit.screens.base.Screen`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ftaudit.errors import ConfigError
from ftaudit.screens.base import Screen


@cache
def screens() -> dict[str, Screen]:
    """Every registered screen, by name (dataset screens first, then model screens)."""
    package = importlib.import_module("ftaudit.screens.checks")
    found: dict[str, Screen] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        screen = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "SCREEN", None)
        if screen is None:
            continue
        if screen.name in found:
            raise ConfigError(f"two screens named {screen.name!r}")
        found[screen.name] = screen
    return dict(sorted(found.items(), key=lambda kv: (kv[1].needs_models, kv[0])))


def get_screen(name: str) -> Screen:
    registry = screens()
    if name not in registry:
        raise ConfigError(f"unknown screen {name!r}; known: {', '.join(registry)}")
    return registry[name]
