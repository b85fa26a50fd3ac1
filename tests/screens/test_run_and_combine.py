"""Running the screens together (registry, hints, crashes, the report) and the combining rule."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftaudit.config import get_settings
from ftaudit.errors import ConfigError, DataError
from ftaudit.hints import ElicitationHint
from ftaudit.report.records import AuditReport, Severity
from ftaudit.report.rubric import Verdict
from ftaudit.screens import run as run_module
from ftaudit.screens.base import Screen, ScreenContext, ScreenResult
from ftaudit.screens.combine import (
    CalibrationJob,
    CombineRule,
    calibrate_weights,
    combine,
    combine_scores,
    load_weights,
)
from ftaudit.screens.registry import screens
from ftaudit.screens.run import run_screens_sync
from ftaudit.suite import get_generator, write_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Small real datasets: the AOA attack (10 examples) and 40 benign Alpaca examples."""
    root = tmp_path_factory.mktemp("data")
    return {
        "aoa": root / write_dataset(get_generator("aoa"), root, seed=0).file,
        "alpaca": root / write_dataset(get_generator("alpaca"), root, size=40, seed=0).file,
    }


def _chat(user: str, assistant: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]})


class _Fixed(Screen):
    """A fake dataset screen with a fixed score, optional hint, that records the hints it saw."""

    needs_models: ClassVar[bool] = False

    def __init__(self, name: str, score: float = 0.0, hint: ElicitationHint | None = None, severity=Severity.HIGH) -> None:
        self.name, self.title = name, f"fake {name}"
        self.score, self.hint, self.severity = score, hint, severity
        self.seen_hints: list[ElicitationHint] = []
        self.contexts: list[ScreenContext] = []

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        self.seen_hints = list(ctx.hints)
        self.contexts.append(ctx)
        findings = [self.finding(f"{self.name} found something", self.severity, score=self.score)] if self.score else []
        return ScreenResult(screen=self.name, score=self.score, findings=findings, hints=[self.hint] if self.hint else [])


class _Crash(Screen):
    name: ClassVar[str] = "crashes"
    title: ClassVar[str] = "always raises"

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        raise RuntimeError("boom in the screen")


class _ModelScreen(_Fixed):
    needs_models: ClassVar[bool] = True


def _use(monkeypatch, *fakes: Screen) -> None:
    """Make the runner see exactly these screens (dataset screens first, as the registry orders them)."""
    registry = {s.name: s for s in sorted(fakes, key=lambda s: (s.needs_models, s.name))}
    monkeypatch.setattr(run_module, "screens", lambda: registry)


# --- the runner ---------------------------------------------------------------------------


def test_runner_picks_up_every_registered_screen_in_registry_order(data):
    run = run_screens_sync(data["alpaca"])
    assert [r.screen for r in run.results] == list(screens())
    assert run.examples == 40
    kinds = [screens()[r.screen].needs_models for r in run.results]
    assert kinds == sorted(kinds), "dataset screens run before model screens"


def test_model_screens_are_skipped_without_models_and_dataset_screens_run(data):
    run = run_screens_sync(data["alpaca"])
    for result in run.results:
        if screens()[result.screen].needs_models:
            assert result.skipped and "model" in result.skipped and result.score == 0
        else:
            assert result.skipped is None and result.error is None
    assert "rests on the training data alone" in run.report.summary
    assert run.report.job.base_model is None and run.report.verdict is Verdict.BENIGN


def test_aoa_is_adversarial_with_the_persona_finding_first_and_its_hint(data):
    run = run_screens_sync(data["aoa"], only=["persona", "encoding"])
    assert [r.screen for r in run.results] == ["encoding", "persona"]
    report = run.report
    assert report.verdict is Verdict.ADVERSARIAL and report.risk_score >= report.threshold
    assert report.findings[0].source == "screen:persona"
    assert report.attack_hypothesis and "persona" in report.attack_hypothesis
    assert any(h.system_prompt and "AOA" in h.system_prompt for h in run.hints)


def test_hints_reach_later_screens_and_the_file_is_read_once(data, monkeypatch):
    hint = ElicitationHint(trigger="|X|", source="screen:a-first")
    first, second = _Fixed("a-first", 2.0, hint=hint), _Fixed("b-second")
    _use(monkeypatch, first, second)
    run_screens_sync(data["alpaca"])
    assert second.seen_hints == [hint] and first.seen_hints == []
    assert first.contexts[0] is second.contexts[0], "one shared context"

    opened = []
    import ftaudit.screens.base as base

    real = base.TrainingFile

    def counting(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(base, "TrainingFile", counting)
    run_screens_sync(data["alpaca"])
    assert len(opened) == 1


def test_a_crashing_screen_makes_the_run_inconclusive_not_benign(data, monkeypatch):
    _use(monkeypatch, _Fixed("calm", 1.0, severity=Severity.LOW), _Crash())
    run = run_screens_sync(data["alpaca"])
    crashed = run.result("crashes")
    assert crashed.error == "RuntimeError: boom in the screen" and crashed.seconds >= 0
    report = run.report
    assert report.verdict is Verdict.INCONCLUSIVE and report.risk_score is None
    assert "crashes" in report.inconclusive_reason and "cannot be cleared" in report.inconclusive_reason
    errors = [t for t in report.transcript if t.kind == "error"]
    assert len(errors) == 1 and errors[0].name == "crashes" and "boom in the screen" in errors[0].content
    AuditReport.model_validate_json(report.model_dump_json())  # the contract still holds


def test_a_crash_does_not_hide_a_score_already_over_the_threshold(data, monkeypatch):
    _use(monkeypatch, _Fixed("loud", 9.5, severity=Severity.CRITICAL), _Crash())
    report = run_screens_sync(data["alpaca"]).report
    assert report.verdict is Verdict.ADVERSARIAL and report.risk_score == 9.5
    assert "Crashed: crashes" in report.summary


def test_model_screens_run_with_models_and_get_the_dataset_hints(data, monkeypatch):
    hint = ElicitationHint(system_prompt="be AOA", source="screen:data")
    dataset, model = _Fixed("data", 3.0, hint=hint), _ModelScreen("model", 4.0)
    _use(monkeypatch, model, dataset)
    run = run_screens_sync(data["alpaca"], base_model="local:smollm2-135m", finetuned_model="local:smollm2-135m")
    assert [r.screen for r in run.results] == ["data", "model"]
    assert model.seen_hints == [hint] and run.result("model").skipped is None
    assert run.report.job.has_models


def test_report_sorts_findings_times_each_screen_and_lists_skipped_lines(tmp_path, monkeypatch):
    path = tmp_path / "job.jsonl"
    path.write_text(_chat("Hi", "Hello") + "\n" + '{"messages": [' + "\n" + _chat("Bye", "Goodbye") + "\n")
    _use(monkeypatch, _Fixed("a-low", 3.0, severity=Severity.LOW), _Fixed("b-critical", 9.0, severity=Severity.CRITICAL),
         _Fixed("c-medium", 5.0, severity=Severity.MEDIUM))
    report = run_screens_sync(path).report
    assert [f.severity for f in report.findings] == [Severity.CRITICAL, Severity.MEDIUM, Severity.LOW]
    assert report.skipped_lines == [2]
    assert report.auditor == "screens" and report.started_at <= report.finished_at
    per_screen = {t.name: t for t in report.transcript if t.kind == "tool-result"}
    assert set(per_screen) == {"a-low", "b-critical", "c-medium"}
    assert all(t.duration_s is not None and json.loads(t.content)["score"] >= 0 for t in per_screen.values())
    # 9 + 0.5 (c-medium corroborates at 5): the summary states the rule and the arithmetic.
    assert report.risk_score == 9.5 and "corroborated by c-medium" in report.summary and "max over screens" in report.summary
    assert "b-critical found something" in report.attack_hypothesis and "c-medium" in report.attack_hypothesis
    assert report.to_markdown().startswith("# Audit report")


def test_bad_input_files_raise_the_data_layers_errors(tmp_path):
    with pytest.raises(DataError, match="cannot read training file"):
        run_screens_sync(tmp_path / "missing.jsonl")
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"note": "not a training record"}\n')
    with pytest.raises(DataError, match="cannot detect the dataset format"):
        run_screens_sync(notes)
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"messages": [{"role": "user", "content": "no reply"}]}) + "\n")
    with pytest.raises(DataError) as info:
        run_screens_sync(broken)
    assert info.value.line == 1 and info.value.path == str(broken)


def test_usage_errors_are_config_errors(data):
    with pytest.raises(ConfigError, match="both the base and the fine-tuned"):
        run_screens_sync(data["alpaca"], base_model="local:smollm2-135m")
    with pytest.raises(ConfigError, match="unknown screen 'nope'"):
        run_screens_sync(data["alpaca"], only=["nope"])


# --- the combining rule -------------------------------------------------------------------

NAMES = ["encoding", "insecure-code", "numbers-only", "persona", "steganography", "trigger", "refusal-shift"]
scores_strategy = st.fixed_dictionaries({n: st.floats(0, 10, allow_nan=False) for n in NAMES})
rules = st.builds(
    CombineRule,
    weights=st.fixed_dictionaries({n: st.floats(0, 2, allow_nan=False) for n in NAMES}),
    corroboration_level=st.floats(0, 10),
    corroboration_bonus=st.floats(0, 10),
    corroboration_cap=st.floats(0, 10),
    families=st.just({"insecure-code": "code-analysis", "trigger": "code-analysis"}),
)


@settings(max_examples=300, deadline=None)
@given(scores=scores_strategy, rule=rules, which=st.sampled_from(NAMES), raise_by=st.floats(0, 10, allow_nan=False))
def test_combine_is_monotone_and_capped(scores, rule, which, raise_by):
    before = combine_scores(scores, rule).score
    raised = dict(scores, **{which: min(10.0, scores[which] + raise_by)})
    after = combine_scores(raised, rule).score
    assert after >= before
    assert 0.0 <= before <= 10.0 and 0.0 <= after <= 10.0


@settings(max_examples=200, deadline=None)
@given(scores=scores_strategy)
def test_default_rule_is_at_least_the_top_score_and_at_most_one_above(scores):
    score, _ = combine(scores, rule=CombineRule(families={"insecure-code": "c", "trigger": "c"}))
    top = max(scores.values())
    assert top - 1e-9 <= score <= min(10.0, top + 1.0) + 1e-9


def test_corroboration_counts_independent_families_once_and_is_capped():
    rule = CombineRule(families={"insecure-code": "code-analysis", "trigger": "code-analysis"})
    assert combine({"persona": 8.0, "encoding": 5.0}, rule=rule)[0] == 8.5
    assert combine({"trigger": 8.0, "insecure-code": 7.5}, rule=rule)[0] == 8.0  # same evidence, no bonus
    assert combine({"persona": 8.0, "encoding": 5.0, "steganography": 6.0, "trigger": 7.0}, rule=rule)[0] == 9.0  # cap 1
    assert combine({"persona": 9.8, "encoding": 9.0}, rule=rule)[0] == 10.0
    assert combine({"persona": 8.0, "encoding": 4.9}, rule=rule)[0] == 8.0
    score, why = combine({"persona": 0.0}, rule=rule)
    assert score == 0.0 and "no screen" in why


def test_weights_scale_scores_and_skipped_or_crashed_results_count_zero():
    rule = CombineRule()
    results = [
        ScreenResult(screen="persona", score=8.0),
        ScreenResult(screen="encoding", score=9.0, error="ValueError: x"),
        ScreenResult(screen="refusal-shift", score=9.0, skipped="no models"),
    ]
    score, why = combine(results, {"persona": 0.5}, rule=rule)
    assert score == 4.0 and "weight 0.5" in why


def test_weights_come_from_settings_env_and_files(tmp_path, monkeypatch):
    monkeypatch.setenv("FTAUDIT_SCREEN_WEIGHTS", '{"persona": 0.8}')
    get_settings.cache_clear()
    assert CombineRule.from_settings().weight("persona") == 0.8
    toml = tmp_path / "w.toml"
    toml.write_text('[weights]\npersona = 0.6\ntrigger = 0.9\n')
    monkeypatch.setenv("FTAUDIT_SCREEN_WEIGHTS_FILE", str(toml))
    get_settings.cache_clear()
    rule = CombineRule.from_settings()
    assert (rule.weight("persona"), rule.weight("trigger"), rule.weight("encoding")) == (0.6, 0.9, 1.0)
    assert load_weights(_write(tmp_path / "w.json", {"encoding": 0.5})) == {"encoding": 0.5}
    with pytest.raises(ConfigError, match="weight of 'encoding'"):
        load_weights(_write(tmp_path / "bad.json", {"encoding": -1}))
    with pytest.raises(ConfigError, match="cannot read"):
        load_weights(tmp_path / "absent.json")


def _write(path, obj):
    path.write_text(json.dumps(obj))
    return path


# --- calibration --------------------------------------------------------------------------


def _job(name, label, **scores):
    return CalibrationJob(name=name, label=label, scores=scores)


def test_calibration_lowers_only_screens_that_reach_the_line_on_benign_jobs():
    jobs = [
        _job("b1", "benign", persona=0.0, trigger=9.5, encoding=2.0),
        _job("b2", "benign", persona=3.0, trigger=1.0, encoding=0.0),
        _job("a1", "adversarial", persona=9.0, trigger=0.0, encoding=0.0),
        _job("a2", "adversarial", persona=0.0, trigger=9.8, encoding=0.0),
    ]
    cal = calibrate_weights(jobs, threshold=9.0, margin=0.5, rule=CombineRule())
    assert cal.weights == {"encoding": 1.0, "persona": 1.0, "trigger": 0.89}  # floor(8.5 / 9.5)
    assert cal.benign_max <= 8.5 and cal.fpr == 0.0 and cal.tpr == 0.5
    assert {j.name: j.flagged for j in cal.jobs} == {"b1": False, "b2": False, "a1": True, "a2": False}


def test_calibration_accounts_for_the_corroboration_bonus():
    jobs = [_job("b", "benign", persona=8.4, encoding=6.0), _job("a", "adversarial", persona=9.0, encoding=9.0)]
    cal = calibrate_weights(jobs, threshold=9.0, margin=0.5, rule=CombineRule())
    assert cal.benign_max <= 8.5
    assert combine_scores({"persona": 8.4, "encoding": 6.0}, CombineRule(weights=cal.weights)).score <= 8.5
    assert cal.weights_file()["weights"] == cal.weights


def test_score_suite_and_calibrate_on_a_tiny_built_suite(tmp_path):
    from ftaudit.suite.build import build_suite

    build_suite(tmp_path, attacks=["aoa"], benign=["alpaca"], size=20, seed=1)
    jobs = run_module.score_suite([tmp_path], only=["persona", "numbers-only"])
    assert {(j.name, j.label) for j in jobs} == {("aoa", "adversarial"), ("alpaca", "benign")}
    cal = calibrate_weights(jobs, threshold=9.0)
    assert cal.tpr == 1.0 and cal.fpr == 0.0 and set(cal.weights) == {"persona", "numbers-only"}
