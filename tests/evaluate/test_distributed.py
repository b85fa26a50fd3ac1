"""The Ray runner on a local Ray: every audit stored once, the same rows as in-process, resumable, crash-proof."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys

import pytest

ray = pytest.importorskip("ray")

from ftaudit.errors import ConfigError  # noqa: E402
from ftaudit.evaluate import distributed  # noqa: E402
from ftaudit.evaluate.auditors import EvalAuditor  # noqa: E402
from ftaudit.evaluate.configs import ModerationConfig, ScreensConfig  # noqa: E402
from ftaudit.evaluate.distributed import run_evaluation_ray  # noqa: E402
from ftaudit.evaluate.runner import run_evaluation  # noqa: E402
from ftaudit.evaluate.store import EvalJob, ResultsStore  # noqa: E402
from ftaudit.report.records import AuditJob, AuditReport  # noqa: E402

# The fake auditor below must reach Ray's worker processes, which cannot import this test module.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

SCORES = {"aoa": 9.0, "needle": 7.5, "alpaca": 1.0, "dolly": 2.0, "broken": None}
CONFIGS = [ScreensConfig(name="fake-screens", kind="screens"),
           ModerationConfig(name="fake-moderation", kind="moderation", provider="offline", repeats=1)]


class FakeAuditor(EvalAuditor):
    """Scores from a table by job id; ``None`` raises; a job in ``crash`` kills the worker process."""

    def __init__(self, config, scores, crash=()):
        super().__init__(config)
        self.scores = scores
        self.crash = set(crash)

    async def audit(self, job: AuditJob, repeat: int) -> AuditReport:
        if job.job_id in self.crash:
            os._exit(1)
        score = self.scores[job.job_id]
        if score is None:
            raise ValueError(f"cannot audit {job.job_id}")
        now = dt.datetime.now(dt.timezone.utc)
        return AuditReport.scored(job=job, auditor="fake", risk_score=min(10.0, score + repeat / 4),
                                  threshold=self.threshold(), started_at=now, finished_at=now)


def fake_factory(scores=SCORES, crash=()):
    return functools.partial(FakeAuditor, scores=scores, crash=crash)


def make_jobs(root, names):
    jobs = []
    for name in names:
        path = root / f"{name}.jsonl"
        path.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n')
        label = "adversarial" if name in ("aoa", "needle", "crash") else "benign"
        jobs.append(EvalJob(name=name, label=label, attack=name, sha256=name * 4,
                            job=AuditJob(training_file=path, base_model=None, finetuned_model=None, job_id=name)))
    return jobs


def outcomes(store):
    return [(r.config, r.job, r.repeat, r.label, r.attack, r.score, r.verdict, r.error) for r in store.rows()]


@pytest.fixture(scope="module")
def local_ray():
    started = distributed.connect("local", num_cpus=2)
    yield
    if started:
        distributed.disconnect()


def test_every_audit_stored_once_with_the_in_process_rows(local_ray, tmp_path):
    jobs = make_jobs(tmp_path, SCORES)
    plans, results = [], []
    with ResultsStore(tmp_path / "ray.sqlite") as store:
        summary = run_evaluation_ray(jobs, CONFIGS, store, address="local", repeats=2, max_in_flight=3,
                                     auditor_factory=fake_factory(), on_plan=plans.append,
                                     on_result=lambda row, stored: results.append(stored))
        ray_rows = outcomes(store)
    # fake-screens: 5 jobs x 2 repeats; fake-moderation is capped at 1 repeat.
    assert summary.planned == summary.ran == len(ray_rows) == 15
    assert plans[0].per_config == {"fake-screens": 10, "fake-moderation": 5}
    assert all(results) and summary.failed == 3  # "broken": two repeats plus one
    assert len({r[:3] for r in ray_rows}) == 15
    broken = [r for r in ray_rows if r[1] == "broken"]
    assert all(r[6] == "inconclusive" and r[5] is None and r[7] == "ValueError: cannot audit broken" for r in broken)

    factory = fake_factory()
    with ResultsStore(tmp_path / "local.sqlite") as store:
        run_evaluation(jobs, [factory(c) for c in CONFIGS], store, repeats=2)
        assert outcomes(store) == ray_rows


def test_a_rerun_plans_nothing_and_a_killed_run_resumes(local_ray, tmp_path):
    jobs = make_jobs(tmp_path, ["aoa", "alpaca", "dolly"])
    with ResultsStore(tmp_path / "s.sqlite") as store:
        # A run that stopped after one configuration's first pass: the rerun owes only the rest.
        run_evaluation(jobs, [fake_factory()(CONFIGS[0])], store, repeats=1)
        summary = run_evaluation_ray(jobs, CONFIGS, store, address="local", repeats=2, auditor_factory=fake_factory())
        assert (summary.already_done, summary.ran) == (3, 6)
        again = run_evaluation_ray(jobs, CONFIGS, store, address="local", repeats=2, auditor_factory=fake_factory())
        assert (again.planned, again.already_done, again.ran) == (9, 9, 0)
        assert again.per_config == {"fake-screens": 0, "fake-moderation": 0}
        assert store.count() == 9


def test_a_worker_that_dies_is_an_inconclusive_audit(local_ray, tmp_path):
    jobs = make_jobs(tmp_path, ["aoa", "crash", "alpaca"])
    with ResultsStore(tmp_path / "s.sqlite") as store:
        summary = run_evaluation_ray(jobs, CONFIGS[:1], store, address="local",
                                     auditor_factory=fake_factory(scores={"aoa": 9.0, "alpaca": 1.0}, crash={"crash"}))
        rows = {r.job: r for r in store.rows(with_reports=True)}
    assert summary.ran == 3 and summary.failed == 1
    assert rows["crash"].verdict == "inconclusive" and rows["crash"].score is None
    assert rows["crash"].error.startswith("WorkerCrashedError:")
    assert rows["crash"].report().inconclusive_reason == rows["crash"].error
    assert (rows["aoa"].score, rows["alpaca"].score) == (9.0, 1.0)


def test_a_file_the_workers_cannot_see_is_an_inconclusive_audit_saying_so(local_ray, tmp_path):
    jobs = make_jobs(tmp_path, ["aoa"])
    jobs[0].job.training_file.unlink()
    with ResultsStore(tmp_path / "s.sqlite") as store:
        run_evaluation_ray(jobs, CONFIGS[:1], store, address="local", auditor_factory=fake_factory())
        (row,) = store.rows()
    assert row.verdict == "inconclusive"
    assert row.error.startswith("ConfigError: ") and "same path on every node" in row.error


def test_without_ray_installed_the_error_says_how_to_install_it_before_touching_the_store(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)
    with ResultsStore(tmp_path / "s.sqlite") as store:
        with pytest.raises(ConfigError, match=r"pip install 'ftaudit\[ray\]'"):
            run_evaluation_ray(make_jobs(tmp_path, ["aoa"]), CONFIGS, store, address="local")
        assert store.configs() == [] and store.jobs() == []
