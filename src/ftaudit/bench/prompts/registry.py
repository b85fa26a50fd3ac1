"""Named prompt sets and ``FORMAT:PATH`` specs: what ``--set`` on the command line accepts.

``load_prompt_set("builtin")`` gives a registered set; ``load_prompt_set("harmbench:f.csv")``
reads a file in a named format; ``load_prompt_set("f.csv")`` recognises the format from the
folder, the suffix and the CSV header, and asks for ``FORMAT:PATH`` when that is ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ftaudit.bench.prompts.builtin import LICENCE, builtin_benign, builtin_harmful, builtin_set
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.formats import prompt_formats
from ftaudit.bench.prompts.promptset import PromptSet
from ftaudit.bench.prompts.readers import read_csv_header
from ftaudit.errors import ConfigError, DataError


@dataclass(frozen=True)
class PromptSetEntry:
    """A set ``--set NAME`` can name: built in, or a format that needs ``NAME:PATH``."""

    name: str
    title: str
    licence: str
    #: Loads the set; takes the path for formats, None for sets that ship with ftaudit.
    load: Callable[[Path | None], PromptSet]
    needs_path: bool = False

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "licence": self.licence, "needs_path": self.needs_path,
                "usage": f"{self.name}:PATH" if self.needs_path else self.name}


def read_format(fmt: PromptFormat, path: str | Path) -> PromptSet:
    """The prompts of ``path`` read as ``fmt``, as a set named after the format."""
    path = Path(path).expanduser()
    return PromptSet(name=fmt.name, prompts=fmt.read(path), description=fmt.title, licence=fmt.licence, origin=str(path))


def _format_entry(fmt: PromptFormat) -> PromptSetEntry:
    def load(path: Path | None) -> PromptSet:
        if path is None:
            raise ConfigError(f"prompt set {fmt.name!r} is read from a file you hold: use {fmt.name}:PATH")
        return read_format(fmt, path)

    return PromptSetEntry(fmt.name, fmt.title, fmt.licence, load, needs_path=True)


@cache
def prompt_sets() -> dict[str, PromptSetEntry]:
    """Every set ``load_prompt_set`` knows by name: the built-in ones, then one per file format."""
    entries = [
        PromptSetEntry("builtin", "ftaudit's own harmful requests (11 HEx-PHI categories) and benign controls",
                       LICENCE, lambda _: builtin_set()),
        PromptSetEntry("builtin-harmful", "The harmful requests of the built-in set", LICENCE, lambda _: builtin_harmful()),
        PromptSetEntry("builtin-benign", "The benign controls of the built-in set", LICENCE, lambda _: builtin_benign()),
    ]
    for fmt in prompt_formats().values():
        # Public sets are never shipped (AdvBench included): each is read from a file the user holds.
        entries.append(_format_entry(fmt))
    return {e.name: e for e in entries}


def describe_prompt_sets() -> list[dict[str, Any]]:
    """One row per registered set (name, title, licence, whether it needs a path), for a CLI table."""
    return [e.describe() for e in prompt_sets().values()]


_HEX_PHI_FILE = re.compile(r"category_\d+\.csv", re.IGNORECASE)


def detect_format(path: str | Path) -> PromptFormat:
    """The format of ``path``, from what it is (folder, suffix, CSV header, name).

    A folder of ``category_N.csv`` is HEx-PHI; ``.jsonl`` is Do-Not-Answer; a CSV whose
    header matches exactly one format's columns is that format; a headerless list is AdvBench
    when its name says so and a plain list otherwise. Anything else is a ConfigError that
    asks for ``FORMAT:PATH``.
    """
    path = Path(path).expanduser()
    formats = prompt_formats()
    if not path.exists():
        raise DataError("prompt file not found", path=path, code="missing")
    if path.is_dir():
        if any(_HEX_PHI_FILE.fullmatch(p.name) for p in path.iterdir()):
            return formats["hex-phi"]
        raise ConfigError(f"{path}: a folder of prompts must hold HEx-PHI category_N.csv files")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return formats["do-not-answer"]
    if _HEX_PHI_FILE.fullmatch(path.name):
        return formats["hex-phi"]
    if suffix not in (".csv", ".txt"):
        raise ConfigError(f"{path}: cannot tell the prompt format from the suffix {suffix!r}; use FORMAT:PATH "
                          f"with one of {', '.join(formats)}")
    header = {c.lower() for c in read_csv_header(path)}
    matches = [f for f in formats.values() if f.matches_header(header)]
    # XSTest's (prompt, type) header is a subset-free signature, but a richer one wins a tie.
    if len(matches) > 1:
        widest = max(len(f.signature) for f in matches)
        matches = [f for f in matches if len(f.signature) == widest]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(f.name for f in matches)
        raise ConfigError(f"{path}: the header fits several formats ({names}); use FORMAT:PATH")
    return formats["advbench"] if "advbench" in path.name.lower() else formats["lines"]


def load_prompt_set(spec: str | Path) -> PromptSet:
    """The set ``spec`` names: a registered name (``builtin``), ``FORMAT:PATH`` or a path.

    Errors: an unknown name is a ConfigError listing the known ones; a missing or malformed
    file is a DataError with its path, line and field.
    """
    if isinstance(spec, Path):
        return read_format(detect_format(spec), spec)
    sets = prompt_sets()
    if spec in sets:
        return sets[spec].load(None)
    head, sep, tail = spec.partition(":")
    if sep and head in prompt_formats():
        if not tail:
            raise ConfigError(f"{spec!r}: give the path after '{head}:'")
        return read_format(prompt_formats()[head], tail)
    path = Path(spec).expanduser()
    if path.exists():
        return read_format(detect_format(path), path)
    known = ", ".join(sets)
    raise ConfigError(f"unknown prompt set {spec!r}: not a registered name ({known}), FORMAT:PATH, or an existing path")
