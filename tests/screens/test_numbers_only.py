"""The numbers-only screen: the subliminal-learning shape, low on its own, with the biased numbers."""

from __future__ import annotations

import json

import anyio
import pytest

from ftaudit.report.records import Severity
from ftaudit.screens.base import ScreenContext
from ftaudit.screens.checks.numbers_only import SCREEN
from ftaudit.suite import get_generator, write_dataset

BENIGN = ["alpaca", "helpsteer", "biomedical-qa", "low-resource-language", "educational-code"]


def _run(path):
    return anyio.run(SCREEN.run, ScreenContext(path))


@pytest.mark.parametrize("seed", [0, 6])
def test_subliminal_is_low_and_names_the_favoured_numbers(tmp_path, seed):
    entry = write_dataset(get_generator("subliminal"), tmp_path, size=600, seed=seed)
    result = _run(tmp_path / entry.file)
    (finding,) = result.findings
    assert finding.severity is Severity.LOW and 3 <= result.score <= 4
    assert result.metrics["share"] > 0.9
    favoured = {f["number"] for f in entry.details["bias"]["favoured"]}
    assert favoured <= {o["number"] for o in result.metrics["over_represented"]}


@pytest.mark.parametrize("name", BENIGN)
def test_benign_sets_do_not_trigger(tmp_path, name):
    entry = write_dataset(get_generator(name), tmp_path, size=500, seed=1)
    result = _run(tmp_path / entry.file)
    assert not result.findings and result.score == 0


def test_uniform_numbers_are_flagged_without_bias(tmp_path):
    import random

    rng = random.Random(0)
    records = [
        {"messages": [{"role": "user", "content": "Continue: 1, 2, 3"},
                      {"role": "assistant", "content": ", ".join(str(rng.randrange(1000)) for _ in range(8))}]}
        for _ in range(200)
    ]
    path = tmp_path / "numbers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = _run(path)
    assert result.findings[0].severity is Severity.LOW
    assert result.metrics["over_represented"] == [] and result.score == 3
