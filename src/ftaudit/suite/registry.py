"""The attack and benign-set registries: plain dicts built from the modules in each folder.

Adding an attack is adding one module to ``ftaudit/suite/attacks/`` that defines
``GENERATOR``, an instance of a :class:`~ftaudit.suite.base.DatasetGenerator`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

from ftaudit.errors import ConfigError
from ftaudit.suite.base import DatasetGenerator


def _collect(package: ModuleType) -> dict[str, DatasetGenerator]:
    found: dict[str, DatasetGenerator] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        generator = getattr(module, "GENERATOR", None)
        if generator is None:
            continue
        if generator.name in found:
            raise ConfigError(f"two generators named {generator.name!r} in {package.__name__}")
        found[generator.name] = generator
    return found


@cache
def attack_generators() -> dict[str, DatasetGenerator]:
    """Every registered attack, by name."""
    package = importlib.import_module("ftaudit.suite.attacks")

    return _collect(package)


@cache
def benign_generators() -> dict[str, DatasetGenerator]:
    """Every registered benign set, by name."""
    package = importlib.import_module("ftaudit.suite.benign")

    return _collect(package)


def get_generator(name: str) -> DatasetGenerator:
    """The attack or benign set called ``name``; a clear error listing the known names."""
    for registry in (attack_generators(), benign_generators()):
        if name in registry:
            return registry[name]
    known = ", ".join(sorted([*attack_generators(), *benign_generators()]))
    raise ConfigError(f"unknown attack or benign set {name!r}; known: {known}")
