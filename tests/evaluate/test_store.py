"""The results store: WAL mode, one row per (config, job, repeat), refusing changed configurations."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from ftaudit.errors import ConfigError
from ftaudit.evaluate.store import AuditRow, EvalJob, ResultsStore
from ftaudit.report.records import AuditJob, AuditReport


def _row(config: str = "screens", job: str = "aoa", repeat: int = 0, *, score: float | None = 9.0,
         error: str | None = None, label: str = "adversarial", report_json: str | None = None) -> AuditRow:
    return AuditRow(config=config, job=job, repeat=repeat, label=label, attack=job, score=score,
                    verdict="inconclusive" if score is None else ("adversarial" if score >= 7 else "benign"),
                    error=error, report_json=report_json)


def _job(tmp_path, name: str = "aoa", sha: str = "a" * 64) -> EvalJob:
    return EvalJob(name=name, label="adversarial", attack=name, sha256=sha,
                   job=AuditJob(training_file=tmp_path / f"{name}.jsonl", base_model=None, finetuned_model=None))


@pytest.fixture
def store(tmp_path):
    with ResultsStore(tmp_path / "eval.sqlite") as s:
        yield s


def test_store_is_in_wal_mode_and_visible_to_a_second_connection(store):
    store.record(_row())
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # Committed at once: another process sees the row without the first one closing.
        assert other.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == 1
    finally:
        other.close()


def test_record_stores_each_config_job_repeat_once(store):
    assert store.record(_row(repeat=0)) is True
    assert store.record(_row(repeat=0, score=1.0)) is False  # a duplicate: the first one stays
    assert store.record(_row(repeat=1)) is True
    assert store.record(_row(config="agent", repeat=0)) is True
    assert store.count() == 3
    assert [r.score for r in store.rows("screens")] == [9.0, 9.0]
    assert store.done("screens") == {("aoa", 0), ("aoa", 1)}
    assert store.done("agent") == {("aoa", 0)}
    assert store.done("nothing") == set()


def test_rows_survive_reopening_the_store(tmp_path):
    path = tmp_path / "eval.sqlite"
    with ResultsStore(path) as s:
        s.record(_row())
    with ResultsStore(path) as s:
        assert s.count() == 1 and s.rows()[0].job == "aoa"


def test_a_changed_configuration_under_the_same_name_is_refused(store):
    store.register_config("screens", "screens", "screens", '{"only": null}', "{}")
    store.register_config("screens", "screens", "screens", '{"only": null}', "{}")  # unchanged: fine
    with pytest.raises(ConfigError, match="configuration 'screens' changed") as info:
        store.register_config("screens", "screens", "persona", '{"only": ["persona"]}', "{}")
    assert str(store.path) in str(info.value)
    assert [c["name"] for c in store.configs()] == ["screens"]


def test_a_changed_dataset_under_the_same_name_is_refused(store, tmp_path):
    store.register_job(_job(tmp_path))
    store.register_job(_job(tmp_path))
    with pytest.raises(ConfigError, match="dataset 'aoa' changed"):
        store.register_job(_job(tmp_path, sha="b" * 64))
    jobs = store.jobs()
    assert [j.name for j in jobs] == ["aoa"] and jobs[0].job.training_file == tmp_path / "aoa.jsonl"


def test_forget_failed_deletes_only_the_failed_audits_of_the_named_configs(store):
    store.record(_row(repeat=0))
    store.record(_row(repeat=1, score=None, error="timed out after 5 s"))
    store.record(_row(config="agent", repeat=0, score=None, error="ModelError: unreachable"))
    assert store.forget_failed([]) == 0
    assert store.forget_failed(["screens"]) == 1
    assert store.done("screens") == {("aoa", 0)}
    assert store.done("agent") == {("aoa", 0)}  # another configuration's failure stays


def test_rows_round_trip_with_their_reports(store, tmp_path):
    job = AuditJob(training_file=tmp_path / "d.jsonl", base_model=None, finetuned_model=None, job_id="job-1")
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    report = AuditReport.scored(job=job, auditor="screens", risk_score=8.5, threshold=7.0, summary="persona found",
                                started_at=now, finished_at=now)
    store.record(_row(report_json=report.model_dump_json()))
    store.record(_row(job="alpaca", label="benign", score=None, error="boom"))

    without = store.rows()
    assert all(r.report_json is None for r in without)  # the cheap listing leaves the reports out
    rows = {r.job: r for r in store.rows(with_reports=True)}
    assert rows["aoa"].report() == report
    assert rows["alpaca"].report() is None and rows["alpaca"].score is None and rows["alpaca"].error == "boom"
    assert [r.job for r in store.rows()] == ["alpaca", "aoa"]  # stable order: config, job, repeat
