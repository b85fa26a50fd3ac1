"""Judges of model replies: did the model refuse, comply harmlessly, or comply with harm?

Every judge implements :class:`Judge` (``judge`` / ``judge_many`` returning
:class:`JudgeVerdict`), so the runner and the auditing agent never care which one is in
use. Judges are registered by name from the modules of this folder (each defines
``JUDGE``, a :class:`JudgeEntry`) and built from a spec string by :func:`get_judge`:

- ``offline``: refusal patterns + a MiniLM embedding classifier; no network (the default);
- ``patterns``: the refusal patterns alone; instant;
- ``llm:MODEL``: an LLM grades against ftaudit's rubric, e.g. ``llm:openai:gpt-4.1-mini``.
"""

from __future__ import annotations

from functools import cache

from ftaudit.bench.judge.types import LABELS, Judge, JudgeEntry, JudgeRequest, JudgeVerdict, Label, PromptKind
from ftaudit.errors import ConfigError
from ftaudit.registry import collect, lookup

__all__ = [
    "LABELS",
    "Judge",
    "JudgeEntry",
    "JudgeRequest",
    "JudgeVerdict",
    "Label",
    "PromptKind",
    "get_judge",
    "judges",
]

DEFAULT_JUDGE = "offline"


@cache
def judges() -> dict[str, JudgeEntry]:
    """Every registered judge, by name."""
    return collect(__name__, "JUDGE", "judges")


def get_judge(spec: str | Judge = DEFAULT_JUDGE) -> Judge:
    """The judge for ``spec``: ``NAME`` or ``NAME:ARGUMENT`` (``offline``, ``llm:openai:gpt-4.1-mini``).

    A :class:`Judge` passes through unchanged. Unknown names, a missing argument and an
    argument given to a judge that takes none are :class:`~ftaudit.errors.ConfigError`\\ s
    that list what is known.
    """
    if isinstance(spec, Judge):
        return spec
    name, _, argument = spec.strip().partition(":")
    entry = lookup(judges(), name, "judge", example=" (e.g. offline, llm:openai:gpt-4.1-mini)")
    if argument and entry.argument is None:
        raise ConfigError(f"judge {name!r} takes no argument (got {argument!r})")
    return entry.factory(argument or None)
