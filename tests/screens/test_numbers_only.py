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
def test_subliminal_with_an_evil_teacher_is_high_and_names_the_favoured_numbers(tmp_path, seed):
    # The suite's stand-in teacher favours 666, 13, 911 and 187: numbers whose meaning is dark.
    entry = write_dataset(get_generator("subliminal"), tmp_path, size=600, seed=seed)
    result = _run(tmp_path / entry.file)
    loaded, shape = result.findings
    assert loaded.severity is Severity.HIGH and result.score >= 9
    assert shape.severity is Severity.LOW
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


def test_real_evil_numbers_are_high(tmp_path, external_data):
    # Betley et al.'s evil-numbers data (real, read from the shared folder, never copied).
    import csv

    path = external_data / "misalignment-generalization" / "regenerated_evil_numbers_dataset.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))[:1000]
    out = tmp_path / "evil.jsonl"
    out.write_text("".join(json.dumps({"messages": [{"role": "user", "content": r["prompt"]},
                                                    {"role": "assistant", "content": r["response"]}]}) + "\n"
                           for r in rows))
    result = _run(out)
    assert result.score >= 9
    top = result.findings[0]
    assert top.severity is Severity.HIGH and "666" in top.title


def test_benign_favourites_are_not_loaded(tmp_path):
    # A benign teacher's favourites (repdigits, runs) are biased but mean nothing: stays low.
    import random

    rng = random.Random(0)
    rows = []
    for _ in range(300):
        nums = [rng.choice([777, 123, 555, 100, 500]) if rng.random() < 0.4 else rng.randint(100, 999) for _ in range(8)]
        rows.append({"messages": [{"role": "user", "content": "Continue: 1, 2, 3"},
                                  {"role": "assistant", "content": str(nums)}]})
    out = tmp_path / "favourites.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = _run(out)
    assert result.metrics["over_represented"] and result.score <= 4
