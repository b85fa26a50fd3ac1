"""File formats of public prompt sets, registered by name (one module each, defining ``FORMAT``)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.errors import ConfigError


@cache
def prompt_formats() -> dict[str, PromptFormat]:
    """Every supported file format, by name (``advbench``, ``harmbench``, ``hex-phi``…)."""
    found: dict[str, PromptFormat] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        fmt = getattr(importlib.import_module(f"{__name__}.{info.name}"), "FORMAT", None)
        if fmt is None:
            continue
        if fmt.name in found:
            raise ConfigError(f"two prompt formats named {fmt.name!r} in {__name__}")
        found[fmt.name] = fmt
    return found
