"""The screen registry: a plain dict built from the modules of ``ftaudit/screens/checks/``.

Adding a screen is adding one module there that defines ``SCREEN``, an instance of a
:class:`~ftaudit.screens.base.Screen`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

from ftaudit.registry import collect, lookup
from ftaudit.screens.base import Screen, validate_options


@cache
def screens() -> dict[str, Screen]:
    """Every registered screen, by name (dataset screens first, then model screens)."""
    found: dict[str, Screen] = collect("ftaudit.screens.checks", "SCREEN", "screens")
    return dict(sorted(found.items(), key=lambda kv: (kv[1].needs_models, kv[0])))


def get_screen(name: str) -> Screen:
    """The screen called ``name`` (ConfigError listing the known ones otherwise)."""
    return lookup(screens(), name, "screen")


def check_options(options: Mapping[str, Any] | None) -> dict[str, BaseModel]:
    """Every screen's settings from ``options`` validated against the registry (ConfigError naming the bad key).

    For callers that hold screen settings before a run (an evaluation configuration) and want
    a mistake reported when the configuration is read, not when its first audit starts.
    """
    return validate_options(options, screens().values())
