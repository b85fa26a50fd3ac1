"""The attack and benign-set registries: plain dicts built from the modules in each folder.

Adding an attack is adding one module to ``ftaudit/suite/attacks/`` that defines
``GENERATOR``, an instance of a :class:`~ftaudit.suite.base.DatasetGenerator`.
"""

from __future__ import annotations

from functools import cache

from ftaudit.registry import collect, lookup
from ftaudit.suite.base import DatasetGenerator


@cache
def attack_generators() -> dict[str, DatasetGenerator]:
    """Every registered attack, by name."""
    return collect("ftaudit.suite.attacks", "GENERATOR", "attacks")


@cache
def benign_generators() -> dict[str, DatasetGenerator]:
    """Every registered benign set, by name."""
    return collect("ftaudit.suite.benign", "GENERATOR", "benign sets")


def get_generator(name: str) -> DatasetGenerator:
    """The attack or benign set called ``name``; a clear error listing the known names."""
    # An attack wins a name clash, as it always has.
    return lookup({**benign_generators(), **attack_generators()}, name, "attack or benign set")
