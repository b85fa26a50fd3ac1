"""The evaluation runner: every audit stored once, failures kept as inconclusive, a killed run resumed exactly."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import time

import anyio
import pytest

from ftaudit.errors import ConfigError
from ftaudit.evaluate.auditors import EvalAuditor, build_auditors
from ftaudit.evaluate.configs import ScreensConfig, load_configs
from ftaudit.evaluate.runner import blinded_dir, run_evaluation, suite_jobs
from ftaudit.evaluate.store import EvalJob, ResultsStore
from ftaudit.report.records import AuditJob, AuditReport

SUITE_ATTACKS = ["aoa", "backdoor-code"]
SUITE_BENIGN = ["alpaca", "educational-code"]


class ScriptedAuditor(EvalAuditor):
    """Scores from a dict by job id; ``"raise"`` raises, ``"hang"`` sleeps past any timeout, ``"give up"`` is inconclusive."""

    def __init__(self, scores: dict[str, object], *, name: str = "scripted", timeout_s: float | None = None,
                 threshold: float = 7.0, repeats: int | None = None, concurrency: int | None = None) -> None:
        super().__init__(ScreensConfig(name=name, kind="screens", timeout_s=timeout_s, threshold=threshold,
                                       repeats=repeats, concurrency=concurrency))
        self.scores = scores
        self.calls: list[tuple[str, int]] = []
        self.running = 0
        self.most_at_once = 0

    @property
    def cpu_bound(self) -> bool:
        return False

    async def audit(self, job: AuditJob, repeat: int) -> AuditReport:
        self.calls.append((job.job_id, repeat))
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await anyio.sleep(0.01)
            what = self.scores[job.job_id]
            now = dt.datetime.now(dt.timezone.utc)
            if what == "raise":
                raise RuntimeError(f"boom on {job.job_id}")
            if what == "hang":
                await anyio.sleep(30)
            if what == "give up":
                return AuditReport.inconclusive(job=job, auditor="scripted", reason="budget spent", threshold=7.0,
                                                started_at=now, finished_at=now)
            return AuditReport.scored(job=job, auditor="scripted", risk_score=float(what), threshold=self.threshold(),
                                      started_at=now, finished_at=now)
        finally:
            self.running -= 1


def _jobs(tmp_path, labels: dict[str, str]) -> list[EvalJob]:
    return [EvalJob(name=name, label=label, attack=name, sha256=name * 4,
                    job=AuditJob(training_file=tmp_path / f"{name}.jsonl", base_model=None, finetuned_model=None, job_id=name))
            for name, label in labels.items()]


@pytest.fixture
def store(tmp_path):
    with ResultsStore(tmp_path / "eval.sqlite") as s:
        yield s


def test_every_audit_is_stored_once_and_failures_are_inconclusive_with_their_error(tmp_path, store):
    jobs = _jobs(tmp_path, {"a1": "adversarial", "a2": "adversarial", "b1": "benign", "b2": "benign", "b3": "benign"})
    auditor = ScriptedAuditor({"a1": 9, "a2": "raise", "b1": 1, "b2": "hang", "b3": "give up"}, timeout_s=0.3)
    seen = []
    summary = run_evaluation(jobs, [auditor], store, repeats=2, on_result=lambda row, stored: seen.append((row, stored)))

    assert (summary.planned, summary.already_done, summary.ran, summary.failed) == (10, 0, 10, 6)
    assert store.count() == 10 and len(seen) == 10 and all(stored for _, stored in seen)
    rows = {(r.job, r.repeat): r for r in store.rows(with_reports=True)}
    assert rows[("a1", 0)].score == 9.0 and rows[("a1", 1)].verdict == "adversarial" and rows[("a1", 0)].error is None
    assert rows[("b1", 1)].score == 1.0 and rows[("b1", 1)].verdict == "benign"
    crashed = rows[("a2", 0)]
    assert crashed.score is None and crashed.verdict == "inconclusive" and crashed.error == "RuntimeError: boom on a2"
    report = crashed.report()
    assert report.verdict.value == "inconclusive" and "boom on a2" in report.inconclusive_reason
    assert "Traceback" in report.transcript[0].content  # the traceback is kept for whoever debugs it
    hung = rows[("b2", 1)]
    assert hung.error == "timed out after 0.3 s" and hung.score is None and hung.wall_s < 5
    assert rows[("b3", 0)].error == "inconclusive: budget spent" and rows[("b3", 0)].score is None


def test_a_rerun_runs_nothing_and_retry_failed_reruns_only_the_failures(tmp_path, store):
    jobs = _jobs(tmp_path, {"a": "adversarial", "b": "benign"})
    flaky = {"a": 9, "b": "raise"}
    run_evaluation(jobs, [ScriptedAuditor(flaky)], store, repeats=3)
    again = ScriptedAuditor(flaky)
    summary = run_evaluation(jobs, [again], store, repeats=3)
    assert (summary.planned, summary.already_done, summary.ran) == (6, 6, 0) and again.calls == []

    fixed = ScriptedAuditor({"a": 9, "b": 2})
    summary = run_evaluation(jobs, [fixed], store, repeats=3, retry_failed=True)
    assert summary.ran == 3 and sorted(fixed.calls) == [("b", 0), ("b", 1), ("b", 2)]
    assert store.count() == 6 and all(r.error is None for r in store.rows())

    more = ScriptedAuditor({"a": 9, "b": 2})
    summary = run_evaluation(jobs, [more], store, repeats=4)  # more repeats: only the new ones run
    assert summary.already_done == 6 and sorted(more.calls) == [("a", 3), ("b", 3)]


def test_a_configuration_caps_repeats_and_bounds_its_concurrency(tmp_path, store):
    jobs = _jobs(tmp_path, {f"j{i}": "benign" for i in range(8)})
    once = ScriptedAuditor({j.name: 1 for j in jobs}, name="deterministic", repeats=1)
    bounded = ScriptedAuditor({j.name: 1 for j in jobs}, name="bounded", concurrency=2)
    summary = run_evaluation(jobs, [once, bounded], store, repeats=3, concurrency=5)
    assert summary.planned == 8 + 24 and len(once.calls) == 8 and len(bounded.calls) == 24
    assert bounded.most_at_once == 2 and once.most_at_once == 5


def test_a_changed_configuration_under_an_old_name_is_refused_before_any_audit(tmp_path, store):
    jobs = _jobs(tmp_path, {"a": "adversarial"})
    run_evaluation(jobs, [ScriptedAuditor({"a": 9}, threshold=7.0)], store)
    changed = ScriptedAuditor({"a": 9}, threshold=5.0)
    with pytest.raises(ConfigError, match="configuration 'scripted' changed"):
        run_evaluation(jobs, [changed], store, repeats=2)
    assert changed.calls == []
    # The scheduling knobs are not part of it.
    run_evaluation(jobs, [ScriptedAuditor({"a": 9}, concurrency=1)], store)


def test_bad_arguments_are_config_errors(tmp_path, store):
    jobs = _jobs(tmp_path, {"a": "adversarial"})
    with pytest.raises(ConfigError, match="at least 1"):
        run_evaluation(jobs, [ScriptedAuditor({"a": 9})], store, repeats=0)
    with pytest.raises(ConfigError, match="same name"):
        run_evaluation(jobs, [ScriptedAuditor({"a": 9}), ScriptedAuditor({"a": 9})], store)


class HangingScreen(EvalAuditor):
    """A CPU-bound auditor (a worker thread) that takes longer than its timeout."""

    def audit_sync(self, job: AuditJob, repeat: int) -> AuditReport:
        time.sleep(1.5)
        raise AssertionError("the timeout should have abandoned this audit")


def test_a_cpu_bound_audit_past_its_timeout_is_stored_as_timed_out(tmp_path, store):
    jobs = _jobs(tmp_path, {"a": "adversarial"})
    auditor = HangingScreen(ScreensConfig(name="hanging", kind="screens", timeout_s=0.2))
    started = time.perf_counter()
    run_evaluation(jobs, [auditor], store)
    assert time.perf_counter() - started < 1.2  # not waiting for the thread
    [row] = store.rows()
    assert row.error == "timed out after 0.2 s" and row.verdict == "inconclusive"


# -- on a real suite -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    from ftaudit.suite.build import build_suite

    folder = tmp_path_factory.mktemp("eval-suite") / "suite"
    build_suite(folder, attacks=SUITE_ATTACKS, benign=SUITE_BENIGN, size=20, sizes={"aoa": 10})
    return folder


def test_suite_jobs_are_blinded_copies_under_opaque_names(suite, tmp_path):
    blind = tmp_path / "blind"
    jobs = suite_jobs(suite, blind_to=blind)
    assert [j.name for j in jobs] == SUITE_ATTACKS + SUITE_BENIGN
    assert [j.label for j in jobs] == ["adversarial"] * 2 + ["benign"] * 2
    for job in jobs:
        path = job.job.training_file
        assert path.parent == blind and job.name not in path.name and job.name not in (job.job.job_id or "")
        assert path.read_bytes() == (suite / f"{job.name}.jsonl").read_bytes()
        assert not job.job.has_models  # an untrained suite: dataset-only audits
    assert suite_jobs(suite, blind_to=blind) == jobs  # stable ids: a rerun finds its stored audits
    assert [j.name for j in suite_jobs(suite, names=["alpaca"])] == ["alpaca"]
    with pytest.raises(ConfigError, match="no dataset named 'nope'"):
        suite_jobs(suite, names=["nope"])


def _screens_configs(tmp_path):
    path = tmp_path / "configs.yaml"
    path.write_text("- {name: screens, kind: screens}\n- {name: persona, kind: screens, only: [persona], repeats: 1}\n")
    return path


def _content(path):
    """What must be the same however the run was interrupted: everything but timings and paths."""
    with ResultsStore(path) as s:
        return [(r.config, r.job, r.repeat, r.label, r.attack, r.score, r.verdict, r.error) for r in s.rows()]


def _count(path) -> int:
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute("SELECT COUNT(*) FROM audits").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0
    finally:
        db.close()


def test_a_run_killed_midway_resumes_to_the_same_rows_without_duplicates(suite, tmp_path):
    repeats = 16  # after their first audit the screens take milliseconds: enough left to kill into
    configs = _screens_configs(tmp_path)
    planned = len(SUITE_ATTACKS + SUITE_BENIGN) * (repeats + 1)

    # The reference: one uninterrupted run into its own store.
    reference = tmp_path / "reference" / "eval.sqlite"
    with ResultsStore(reference) as s:
        jobs = suite_jobs(suite, blind_to=blinded_dir(reference))
        run_evaluation(jobs, build_auditors(load_configs(configs)), s, repeats=repeats)
    assert len(_content(reference)) == planned

    # The same run in a subprocess, SIGKILLed once a few audits are stored.
    store = tmp_path / "killed" / "eval.sqlite"
    command = [sys.executable, "-m", "ftaudit", "eval", "run", "--suite", str(suite), "--config", str(configs),
               "--repeats", str(repeats), "--store", str(store), "--json"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
    deadline = time.monotonic() + 60
    try:
        while _count(store) < 3:
            assert proc.poll() is None, f"the run ended before it could be killed: {proc.communicate()}"
            assert time.monotonic() < deadline, "no audit was stored within a minute"
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -9
    stored_at_kill = _count(store)
    assert 3 <= stored_at_kill < planned, "the kill came too late to test resuming"

    # Rerun: only what is missing runs, and the store ends up as the uninterrupted one.
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["planned"] == planned
    assert summary["already_done"] == stored_at_kill and summary["ran"] == planned - stored_at_kill
    assert _content(store) == _content(reference)
    db = sqlite3.connect(store)
    try:
        duplicates = db.execute(
            "SELECT config, job, repeat FROM audits GROUP BY config, job, repeat HAVING COUNT(*) > 1").fetchall()
        assert duplicates == [] and db.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == planned
    finally:
        db.close()
