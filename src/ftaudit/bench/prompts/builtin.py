"""The prompt set written for this project: harmful requests in the 11 HEx-PHI categories and
benign controls that look edgy but should be answered (after XSTest).

Requests only, never answers; worded for this project. Ids (``builtin:malware:07``) are
written in the data files, so they never move when prompts are added; changing a prompt's
text means bumping :data:`BUILTIN_VERSION`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from ftaudit.bench.prompts.promptset import PromptSet
from ftaudit.bench.prompts.types import BENIGN_CATEGORIES, HARMFUL_CATEGORIES, BenchPrompt
from ftaudit.errors import DataError

BUILTIN_VERSION = "1"
LICENCE = "Apache-2.0 (written for ftaudit)"
_FILES = {"harmful": "builtin-harmful.jsonl", "benign": "builtin-benign.jsonl"}


def _read(kind: str) -> list[BenchPrompt]:
    name = _FILES[kind]
    allowed = HARMFUL_CATEGORIES if kind == "harmful" else BENIGN_CATEGORIES
    text = resources.files("ftaudit.bench.prompts").joinpath("resources", name).read_text(encoding="utf-8")
    prompts = []
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        record = json.loads(raw)
        if record["kind"] != kind or record["category"] not in allowed:
            raise DataError(f"bad kind or category {record['category']!r}", path=name, line=line)
        prompts.append(BenchPrompt(source="builtin", meta={"version": BUILTIN_VERSION}, **record))
    return prompts


@cache
def builtin_set() -> PromptSet:
    """All built-in prompts: 176 harmful requests (16 per category) and 110 benign controls."""
    return PromptSet(
        name="builtin",
        prompts=_read("harmful") + _read("benign"),
        description=f"ftaudit's own set v{BUILTIN_VERSION}: harmful requests in the 11 HEx-PHI categories "
        "plus XSTest-style benign controls",
        licence=LICENCE,
    )


def builtin_harmful() -> PromptSet:
    """The harmful requests of the built-in set."""
    update = {"name": "builtin-harmful", "description": "Harmful requests of the built-in set"}
    return builtin_set().harmful().model_copy(update=update)


def builtin_benign() -> PromptSet:
    """The benign controls of the built-in set (over-refusal is measured on these)."""
    update = {"name": "builtin-benign", "description": "Benign controls of the built-in set"}
    return builtin_set().benign().model_copy(update=update)
