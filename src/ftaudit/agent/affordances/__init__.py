"""The agent's affordances, one module each, registered by name (``AFFORDANCE`` in each module).

D dataset inspection · S recursive summarisation · M query both models · B benchmark ·
B* benchmark with an elicitation · W white-box readout (local weights) · P sandboxed Python ·
memory notes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ftaudit.agent.affordances.base import Affordance
from ftaudit.errors import ConfigError

__all__ = ["Affordance", "affordances", "get_affordance"]


@cache
def affordances() -> dict[str, Affordance]:
    """Every registered affordance, by name."""
    found: dict[str, Affordance] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        entry = getattr(importlib.import_module(f"{__name__}.{info.name}"), "AFFORDANCE", None)
        if entry is None:
            continue
        if entry.name in found:
            raise ConfigError(f"two affordances named {entry.name!r}")
        found[entry.name] = entry
    return found


def get_affordance(name: str) -> Affordance:
    """The affordance called ``name`` (ConfigError listing the known ones otherwise)."""
    registry = affordances()
    if name not in registry:
        raise ConfigError(f"unknown affordance {name!r}; known: {', '.join(sorted(registry))}")
    return registry[name]
