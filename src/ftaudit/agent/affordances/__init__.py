"""The agent's affordances, one module each, registered by name (``AFFORDANCE`` in each module).

D dataset inspection · S recursive summarisation · M query both models · B benchmark ·
B* benchmark with an elicitation · W white-box readout (local weights) · P sandboxed Python ·
memory notes.
"""

from __future__ import annotations

from functools import cache

from ftaudit.agent.affordances.base import Affordance
from ftaudit.registry import collect, lookup

__all__ = ["Affordance", "affordances", "get_affordance"]


@cache
def affordances() -> dict[str, Affordance]:
    """Every registered affordance, by name."""
    return collect(__name__, "AFFORDANCE", "affordances")


def get_affordance(name: str) -> Affordance:
    """The affordance called ``name`` (ConfigError listing the known ones otherwise)."""
    return lookup(affordances(), name, "affordance")
