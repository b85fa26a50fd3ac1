"""The screen registry: a plain dict built from the modules of ``ftaudit/screens/checks/``.

Adding a screen is adding one module there that defines ``SCREEN``, an instance of a
:class:`~ftaudit.screens.base.Screen`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

from ftaudit.registry import collect, lookup
from ftaudit.screens.base import Screen, validate_options

# Screens that still validate their own settings in run() and do not declare ``options_model`` yet:
# their settings class, by module attribute, so the runner's check before any screen runs knows
# their keys. Remove an entry once its screen sets ``options_model`` (an entry is then ignored).
_OPTIONS_MODELS_PENDING = {
    "refusal-direction": "RefusalDirectionConfig",
    "harm-probe": "HarmProbeConfig",
    "weight-delta": "WeightDeltaConfig",
}


@cache
def screens() -> dict[str, Screen]:
    """Every registered screen, by name (dataset screens first, then model screens)."""
    found: dict[str, Screen] = collect("ftaudit.screens.checks", "SCREEN", "screens")
    for name, attribute in _OPTIONS_MODELS_PENDING.items():
        cls = type(found[name]) if name in found else None
        if cls is not None and cls.options_model is Screen.options_model:
            cls.options_model = getattr(sys.modules[cls.__module__], attribute)
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
