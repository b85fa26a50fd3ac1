"""The code bank shared by ``insecure-code``, ``backdoor-code`` and ``educational-code``.

Realistic tasks (Flask routes, upload and download handlers, login with SQL, backup and diagnostic
scripts, config and cache loaders, archive extraction, HTTP clients, log and report writers,
password storage) times vulnerability kinds (SQL injection, path traversal, shell injection,
world-writable files, unsafe deserialisation, XSS, disabled TLS verification, weak password
hashing, tar slip), each with a secure and an insecure version that differ only in the vulnerable
part. :func:`sample_examples` draws the examples every generator of the family builds on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ftaudit.suite._code import bank_system, bank_web
from ftaudit.suite._code.render import Choice, Pair, Task, Template
from ftaudit.suite._code.vulns import DISCLOSURE, KINDS, Kind

TASKS: tuple[Task, ...] = bank_web.TASKS + bank_system.TASKS
TEMPLATES: tuple[Template, ...] = tuple(Template(task, pair) for task in TASKS for pair in task.pairs)

_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)

__all__ = [
    "DISCLOSURE",
    "KINDS",
    "TASKS",
    "TEMPLATES",
    "Choice",
    "CodeExample",
    "Kind",
    "Pair",
    "Task",
    "Template",
    "code_blocks",
    "sample_examples",
    "templates_of",
]


def templates_of(kind: str) -> list[Template]:
    """The templates of one vulnerability kind."""
    return [t for t in TEMPLATES if t.kind == kind]


def code_blocks(text: str) -> list[str]:
    """The contents of every fenced ```python block in ``text``."""
    return _FENCE.findall(text)


@dataclass(frozen=True)
class CodeExample:
    """One drawn example: a template and the choices that render it."""

    template: Template
    choice: Choice
    rng: random.Random

    @property
    def kind(self) -> str:
        return self.template.kind


def _kind_schedule(rng: random.Random, size: int) -> Iterator[str]:
    """Kinds in shuffled rounds, so every kind gets ``size / 9`` examples give or take one."""
    kinds = sorted(KINDS)
    produced = 0
    while produced < size:
        round_ = kinds[:]
        rng.shuffle(round_)
        for kind in round_[: size - produced]:
            produced += 1
            yield kind


def sample_examples(
    rng: random.Random, size: int, build: Callable[[CodeExample, int], dict], *, max_tries: int = 20
) -> list[tuple[CodeExample, dict]]:
    """``size`` examples balanced over the kinds, each turned into a record by ``build``.

    ``build`` gets the example (with its own random stream for phrasing) and its index, and
    returns a chat record; a record identical to an earlier one is drawn again (up to ``max_tries`` times),
    so small banks don't fill a dataset with duplicates.
    """
    seen: set[str] = set()
    out: list[tuple[CodeExample, dict]] = []
    for index, kind in enumerate(_kind_schedule(rng, size)):
        candidates = templates_of(kind)
        for attempt in range(max_tries):
            template = rng.choice(candidates)
            example = CodeExample(template, template.draw(rng), random.Random(rng.getrandbits(64)))
            record = build(example, index)
            key = repr(record)
            if key not in seen or attempt == max_tries - 1:
                break
        seen.add(key)
        out.append((example, record))
    return out
