"""Which benign reference a job is read against: its base and its adapter's recipe."""

from __future__ import annotations

import json

import pytest

from ftaudit.suite.recipes import DEFAULT_RECIPE, DEMO_RECIPE
from ftaudit.whitebox.calibration import (
    Calibration,
    adapter_recipe,
    calibrate,
    calibration_for,
    load_calibrations,
    merge_calibration,
    parse_calibrations,
)

BASE = "local:smollm2-135m-safe"


def _cal(recipe: dict, mean: float) -> Calibration:
    cal = calibrate(BASE, {"delta_alignment": [mean - 0.5, mean, mean + 0.5]}, jobs=["a", "b", "c"],
                    recipe={"recipe": "x", **recipe}, command="test")
    return cal


def _adapter(tmp_path, recipe: dict | None):
    adapter = tmp_path / "adapter"
    adapter.mkdir(parents=True)
    if recipe is not None:
        (adapter / "training.json").write_text(json.dumps({"config": {**recipe, "epochs": 3.0, "seed": 0}}))
    return f"{BASE}+adapter={adapter}"


def test_a_job_is_read_against_the_calibration_of_its_own_recipe(tmp_path):
    found = parse_calibrations({"calibrations": [
        _cal(DEFAULT_RECIPE, 3.0).model_dump(), _cal(DEMO_RECIPE, 1.0).model_dump()]})
    demo_job = found.for_job(BASE, adapter_recipe(_adapter(tmp_path, DEMO_RECIPE)))
    assert demo_job.recipe_match and demo_job.calibration.metric("delta_alignment").mean == pytest.approx(1.0)
    assert "same recipe" in demo_job.note


def test_an_unknown_recipe_falls_back_to_the_first_and_says_the_score_is_an_estimate(tmp_path):
    found = parse_calibrations({"calibrations": [
        _cal(DEFAULT_RECIPE, 3.0).model_dump(), _cal(DEMO_RECIPE, 1.0).model_dump()]})
    hotter = {**DEFAULT_RECIPE, "learning_rate": 3e-3}
    for recipe in (hotter, None):  # another learning rate; an adapter with no training record
        choice = found.for_job(BASE, adapter_recipe(_adapter(tmp_path / str(recipe is None), recipe)))
        assert not choice.recipe_match and choice.calibration.metric("delta_alignment").mean == pytest.approx(3.0)
        assert "estimate, not a false-positive rate" in choice.note
        assert choice.summary("delta_alignment")["recipe_match"] is False


def test_a_base_without_a_calibration_gets_none():
    found = parse_calibrations(_cal(DEFAULT_RECIPE, 3.0).model_dump())  # a lone calibration (the older file format)
    assert found.for_job("local:qwen2.5-coder-0.5b", DEFAULT_RECIPE) is None
    assert found.for_job(BASE, DEFAULT_RECIPE).recipe_match


def test_merging_replaces_the_same_base_and_recipe_and_keeps_the_others(tmp_path):
    path = tmp_path / "calibration.json"
    first = merge_calibration(path, _cal(DEFAULT_RECIPE, 3.0))
    path.write_text(first.model_dump_json())
    second = merge_calibration(path, _cal(DEMO_RECIPE, 1.0))
    path.write_text(second.model_dump_json())
    third = merge_calibration(path, _cal(DEFAULT_RECIPE, 4.0))
    means = sorted(c.metric("delta_alignment").mean for c in third.calibrations)
    assert means == pytest.approx([1.0, 4.0])


def test_the_packaged_calibrations_cover_the_default_base_for_both_recipes(tmp_path):
    found = load_calibrations()
    for recipe in (DEFAULT_RECIPE, DEMO_RECIPE):
        choice = found.for_job(BASE, recipe)
        assert choice is not None and choice.recipe_match, recipe
        for metric in ("refusal_collapse", "probe_flagged_share", "delta_alignment", "compliance_shift"):
            assert choice.calibration.metric(metric).n >= 5, metric
    assert calibration_for(BASE, _adapter(tmp_path, DEMO_RECIPE)).recipe_match
