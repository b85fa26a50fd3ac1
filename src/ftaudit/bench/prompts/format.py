"""What a file format of a public prompt set provides: a loader and a way to recognise it.

Each module of :mod:`ftaudit.bench.prompts.formats` defines ``FORMAT``, one
:class:`PromptFormat`; the registry is built from them, so supporting another public set is
adding one file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ftaudit.bench.prompts.types import BenchPrompt


@dataclass(frozen=True)
class PromptFormat:
    """A public prompt set's file format: how to read it and how to tell it apart from others."""

    name: str
    title: str
    licence: str
    reference: str
    #: Reads a file (or a folder, for HEx-PHI) into prompts; raises DataError for a bad file.
    read: Callable[[Path], list[BenchPrompt]]
    #: Lower-cased CSV header columns that identify the format; empty for headerless formats.
    signature: frozenset[str] = frozenset()
    #: File suffixes the format is read from.
    suffixes: tuple[str, ...] = (".csv",)

    def matches_header(self, header: set[str]) -> bool:
        """True when a CSV header carries every column of this format's signature."""
        return bool(self.signature) and self.signature <= header
