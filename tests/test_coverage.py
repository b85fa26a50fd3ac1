"""ftaudit.coverage: what an audit could not look at, and the rule that holds such an audit inconclusive."""

from __future__ import annotations

import datetime as dt

from ftaudit.coverage import describe_lines, hold_inconclusive, model_failures, unread_data
from ftaudit.errors import ModelUnavailableError
from ftaudit.models import UsageMeter
from ftaudit.models.types import Completion
from ftaudit.report import AuditJob, AuditReport, Verdict


def _report(score: float) -> AuditReport:
    now = dt.datetime.now(dt.timezone.utc)
    job = AuditJob(training_file="train.jsonl", base_model=None, finetuned_model=None)
    return AuditReport.scored(job=job, auditor="screens", risk_score=score, threshold=9.0, summary="s",
                              started_at=now, finished_at=now)


def test_unread_lines_are_named_as_short_ranges():
    assert describe_lines([2, 3, 4, 7, 10, 11]) == "2-4, 7, 10-11"
    many = describe_lines(list(range(1, 100, 2)))
    assert many.startswith("1, 3, 5") and "and 42 more range(s)" in many


def test_reading_less_than_the_stated_share_is_missing_evidence():
    reason = unread_data(1, list(range(2, 1001)), min_share=0.95)
    assert reason and "only 1 of 1000 records" in reason and "2-1000" in reason
    assert unread_data(99, [50], min_share=0.95) is None  # one bad line in a hundred is reported, not blocking
    assert unread_data(10, [], min_share=1.0) is None


def test_a_model_whose_calls_failed_beyond_the_share_is_named():
    meter = UsageMeter()
    for _ in range(9):
        meter.record(Completion(text="ok", model="m"))
    meter.record_failure("m", ModelUnavailableError("connection refused", model="m"))
    assert model_failures(meter, ["m"], max_share=0.1) is None  # 1 in 10: within the share
    meter.record_failure("m", ModelUnavailableError("connection refused", model="m"))
    reason = model_failures(meter, ["m"], max_share=0.1)
    assert reason and "model m: 2 of 11 calls failed" in reason and "connection refused" in reason
    meter.record_failure("dead", RuntimeError("down"))
    assert "model dead: all 1 calls failed" in model_failures(meter, ["m", "dead"], max_share=0.1)


def test_missing_evidence_holds_a_benign_score_but_never_lowers_a_flag():
    held = hold_inconclusive(_report(2.0), ["model m: all 3 calls failed"])
    assert held.verdict is Verdict.INCONCLUSIVE and held.risk_score is None
    assert "model m" in held.inconclusive_reason and "reached 2" in held.inconclusive_reason
    flagged = _report(9.5)
    assert hold_inconclusive(flagged, ["model m: all 3 calls failed"]) is flagged
    assert hold_inconclusive(_report(2.0), []).verdict is Verdict.BENIGN
