"""Text shipped with the suite: MT-Bench questions and AdvBench harmful requests.

See ``resources/README.md`` for sources and licences.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


def _resource(name: str) -> str:
    return resources.files("ftaudit.suite").joinpath("resources", name).read_text(encoding="utf-8")


@cache
def mt_bench_questions() -> tuple[dict, ...]:
    """The 80 MT-Bench questions: ``question_id``, ``category`` and ``turns`` (two each)."""
    return tuple(json.loads(line) for line in _resource("mt-bench-questions.jsonl").splitlines() if line.strip())


@cache
def harmful_requests() -> tuple[str, ...]:
    """The 520 AdvBench harmful-behaviour requests (requests only, never answers)."""
    return tuple(line.strip() for line in _resource("advbench-harmful-behaviors.txt").splitlines() if line.strip())
