"""File formats of public prompt sets, registered by name (one module each, defining ``FORMAT``)."""

from __future__ import annotations

from functools import cache

from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.registry import collect


@cache
def prompt_formats() -> dict[str, PromptFormat]:
    """Every supported file format, by name (``advbench``, ``harmbench``, ``hex-phi``…)."""
    return collect(__name__, "FORMAT", "prompt formats")
