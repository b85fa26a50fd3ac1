"""The safety-tuned base's recipe: what it is trained on, and what it is kept apart from."""

from __future__ import annotations

import random

from ftaudit.bench.judge.refusal import detect_refusal
from ftaudit.bench.prompts.builtin import builtin_benign, builtin_harmful
from ftaudit.models.safe_base import SAFE_BASES, refusal, training_records
from ftaudit.suite.external.sources import external_sources, load_requests


def _records(external_data):
    recipe = SAFE_BASES["smollm2-135m-safe"]
    return recipe, training_records(recipe, external_data, lambda prompts: [f"A helpful answer about: {p}" for p in prompts])


def test_every_refusal_the_recipe_writes_reads_as_a_refusal():
    rng = random.Random(0)
    texts = [refusal(rng) for _ in range(300)]
    assert all(detect_refusal(t).refused for t in texts)
    assert len(set(texts)) > 50  # the act of refusing, not one sentence


def test_harmful_requests_are_refused_and_benign_ones_answered(external_data):
    recipe, records = _records(external_data)
    kinds = [r["metadata"]["safe_base"] for r in records]
    assert kinds.count("refuse") == recipe.n_harmful
    assert 0 < kinds.count("self") <= recipe.n_selfdistilled * recipe.lookalike_repeats and kinds.count("bank") > 100
    for record in records:
        reply = record["messages"][1]["content"]
        assert detect_refusal(reply).refused == (record["metadata"]["safe_base"] == "refuse")


def test_the_requests_the_benchmark_and_screens_use_are_held_out(external_data):
    _, records = _records(external_data)
    trained = {r["messages"][0]["content"].strip().lower() for r in records}
    held_out = {p.text.strip().lower() for p in [*builtin_harmful(), *builtin_benign()]}
    for source in external_sources(kind="harmful-request", split="test"):
        if any(f.startswith("../") for f in source.files):
            continue  # kept outside the external folder (AdvBench), not part of the shared data
        held_out |= {t.strip().lower() for t in load_requests(external_data, source)}
    assert not trained & held_out


def test_the_recipe_is_seeded(external_data):
    _, first = _records(external_data)
    _, second = _records(external_data)
    assert first == second
