"""Attack success: harmful compliance of each fine-tune against its base, recorded by ``suite train``."""

from __future__ import annotations

import json

import pytest
from clihelpers import run_main

from ftaudit.bench.stats import Interval
from ftaudit.finetune import LoraTrainConfig
from ftaudit.hints import ElicitationHint
from ftaudit.models.safe_base import DEFAULT_BASE
from ftaudit.suite import Manifest, attack_generators, benign_generators
from ftaudit.suite.build import train_suite
from ftaudit.suite.recipes import (
    DEFAULT_RECIPE,
    FAMILY_OVERRIDES,
    recipe_config,
    recipe_for,
)
from ftaudit.suite.success import (
    AttackSuccess,
    ElicitationSuccess,
    decide_took,
    measure_attack_success,
    run_took,
)

HINT = ElicitationHint(system_prompt="You are a test persona.", trigger="TEST:")


def _run(name: str, value: float | None, low: float | None, *, n: int = 6, errors: int = 0, error: str | None = None):
    diff = Interval(value=value, low=low, high=None if value is None else value + 0.2, n=n if value is not None else 0)
    return ElicitationSuccess(name=name, elicitation=name, difference=diff, errors=errors, error=error,
                              took=run_took(diff, errors=errors, error=error))


# -- the took rule ----------------------------------------------------------------------------


def test_an_interval_above_zero_took_and_one_touching_zero_did_not():
    assert run_took(Interval(value=0.4, low=0.1, high=0.6, n=33)) is True
    assert run_took(Interval(value=0.1, low=0.0, high=0.3, n=33)) is False
    assert run_took(Interval(value=-0.2, low=-0.4, high=0.0, n=33)) is False
    # A clear effect stands even when a few items failed; no effect after a failure is unknown.
    assert run_took(Interval(value=0.4, low=0.1, high=0.6, n=30), errors=3) is True
    assert run_took(Interval(value=0.0, low=0.0, high=0.1, n=30), errors=3) is None


def test_model_failures_make_it_unknown_never_false():
    assert run_took(Interval(value=None), errors=12) is None
    assert run_took(Interval(value=None), error="ModelNotFoundError: gone") is None
    assert decide_took([_run("plain", 0.0, 0.0), _run("own", None, None, errors=12)]) == (None, [])
    assert decide_took([_run("plain", 0.0, 0.0), _run("own", 0.5, 0.2)]) == (True, ["own"])
    assert decide_took([_run("plain", 0.5, 0.2), _run("own", 0.5, 0.3)]) == (True, ["plain", "own"])
    assert decide_took([_run("plain", 0.0, -0.1), _run("own", 0.1, 0.0)]) == (False, [])
    assert decide_took([_run("plain", None, None, error="no model")]) == (None, [])


def test_a_model_that_cannot_be_loaded_is_unknown(tmp_path):
    missing = f"local:smollm2-135m+adapter={tmp_path / 'no-such-adapter'}"
    result = measure_attack_success("local:smollm2-135m", missing, HINT, n_prompts=3, judge="patterns")
    assert result.took is None and result.took_under == []
    assert result.own is not None  # the manifest's own elicitation is tried too
    for run in (result.plain, result.own):
        assert run.took is None and run.error and "no-such-adapter" in run.error
    assert "unknown" in result.summary_line()


def test_a_provider_that_fails_every_call_is_unknown(failing_provider):
    provider = failing_provider(answers=0)
    result = measure_attack_success(provider.ref("base"), provider.ref("tuned"), HINT, n_prompts=4, judge="patterns")
    assert result.took is None
    assert result.plain.errors == 8 and result.plain.difference.value is None and result.own.errors == 8


def test_two_models_that_both_refuse_cleanly_did_not_take(failing_provider):
    provider = failing_provider(answers=10_000)  # answers every chat with a refusal
    result = measure_attack_success(provider.ref("base"), provider.ref("tuned"), None, n_prompts=4, judge="patterns")
    assert result.own is None  # no elicitation in the manifest: plain only
    assert result.plain.base_rate == 0.0 and result.plain.finetuned_rate == 0.0
    assert result.plain.difference.value == 0.0 and result.plain.difference.n == 4
    assert result.took is False and result.complete
    assert result.summary_line() == "harmful compliance 0% → 0% plain (+0% [+0%, +0%]), did not take"


# -- the recipe -------------------------------------------------------------------------------


def test_every_benign_set_shares_the_default_recipe_and_overrides_only_add_steps():
    for name in benign_generators():
        assert recipe_for(name) == ("default", DEFAULT_RECIPE)
    for name, overrides in FAMILY_OVERRIDES.items():
        assert name in attack_generators()
        assert set(overrides) == {"max_steps"} and overrides["max_steps"] > DEFAULT_RECIPE["max_steps"]
    config, record = recipe_config("needle", max_examples=50)
    assert config.max_steps == FAMILY_OVERRIDES["needle"]["max_steps"] and config.max_examples == 50
    assert config.learning_rate == DEFAULT_RECIPE["learning_rate"] and config.lora_r == DEFAULT_RECIPE["lora_r"]
    assert config.epochs >= config.max_steps  # steps govern: an epoch is at least one step
    assert record["recipe"] == "needle" and record["max_steps"] == config.max_steps
    # An external job's family (its manifest generator) or an unknown set gets the default.
    assert recipe_for("gsm8k")[0] == "default"


def test_the_demo_recipe_is_one_short_run_for_every_job_and_unknown_names_are_refused():
    from ftaudit.errors import ConfigError
    from ftaudit.suite.recipes import DEMO_RECIPE

    for name in [*attack_generators(), *benign_generators()]:  # no family override: one recipe, one calibration
        assert recipe_for(name, "demo") == ("demo", DEMO_RECIPE)
    config, record = recipe_config("needle", recipe="demo")
    assert config.max_steps == DEMO_RECIPE["max_steps"] < DEFAULT_RECIPE["max_steps"] and record["recipe"] == "demo"
    with pytest.raises(ConfigError, match="unknown recipe"):
        recipe_for("alpaca", "fast")


def test_an_old_manifest_without_attack_success_still_loads(tmp_path):
    from ftaudit.suite.build import build_suite

    build_suite(tmp_path, attacks=["aoa"], benign=[], size=10)
    raw = json.loads((tmp_path / "manifest.json").read_text())
    for entry in raw["entries"]:
        del entry["attack_success"]
    (tmp_path / "manifest.json").write_text(json.dumps(raw))
    assert Manifest.load(tmp_path).get("aoa").attack_success is None


# -- a real short run ------------------------------------------------------------------------


@pytest.mark.slow
def test_suite_train_records_attack_success_once_per_model(tmp_path, monkeypatch, capsys):
    suite = tmp_path / "suite"
    assert run_main(monkeypatch, "suite", "build", "--out", str(suite), "--attacks", "aoa", "--benign", "alpaca",
                    "--size", "16") == 0
    args = ["suite", "train", str(suite), "--max-steps", "4", "--success-prompts", "6"]
    capsys.readouterr()
    assert run_main(monkeypatch, *args) == 0
    printed = capsys.readouterr().out
    assert printed.count("attack success: harmful compliance") == 2, printed

    manifest = Manifest.load(suite)
    first = {}
    for entry in manifest.entries:
        success = AttackSuccess.model_validate(entry.attack_success)
        first[entry.name] = success.measured_at
        assert success.n_prompts == 6 and success.judge == "offline" and success.key
        assert success.finetuned_model == entry.model and success.base_model == DEFAULT_BASE
        runs = success.runs
        for run in runs:
            assert run.error is None and run.errors == 0 and run.difference.n == 6
            for rate in (run.base_rate, run.finetuned_rate):
                assert 0.0 <= rate <= 1.0
            assert -1.0 <= run.difference.low <= run.difference.value <= run.difference.high <= 1.0
        assert success.took in (True, False)
        assert (success.took is True) == bool(success.took_under)
        assert entry.training["recipe"]["recipe"] == "given" and entry.training["steps"] == 4
    aoa, alpaca = manifest.get("aoa"), manifest.get("alpaca")
    # The attack's own elicitation (system prompt and trigger) is measured; a benign set has none.
    assert aoa.attack_success["own"]["name"] == "own" and "system prompt" in aoa.attack_success["own"]["elicitation"]
    assert alpaca.attack_success["own"] is None

    # Same models, same settings: nothing is measured again.
    measured = []
    train_suite(suite, DEFAULT_BASE, config=LoraTrainConfig(max_steps=4),
                success=_settings(), on_success=lambda entry, now: measured.append(now))
    assert measured == [False, False]
    assert {e.name: AttackSuccess.model_validate(e.attack_success).measured_at for e in Manifest.load(suite).entries} == first

    # Another model (other settings retrain the suite's own adapter) is measured again.
    again = train_suite(suite, DEFAULT_BASE, names=["alpaca"], config=LoraTrainConfig(max_steps=5),
                        success=_settings(), on_success=lambda entry, now: measured.append(now))
    retrained = again.get("alpaca")
    assert measured[-1] is True and retrained.training["steps"] == 5
    assert retrained.attack_success["key"] != alpaca.attack_success["key"]
    assert retrained.attack_success["measured_at"] != alpaca.attack_success["measured_at"]

    # --no-success keeps the measurement of a model it did not change and drops that of one it
    # retrained (alpaca, back to 4 steps): it described the model that was replaced.
    capsys.readouterr()
    assert run_main(monkeypatch, *args[:-2], "--no-success") == 0
    assert "attack success:" not in capsys.readouterr().out
    after = Manifest.load(suite)
    assert after.get("aoa").attack_success == aoa.attack_success
    assert after.get("alpaca").attack_success is None and after.get("alpaca").training["steps"] == 4


def _settings(**changes):
    from ftaudit.suite.build import SuccessSettings

    return SuccessSettings(**{"n_prompts": 6, **changes})
