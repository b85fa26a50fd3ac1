"""Inspect logs: a scripted audit written with write_eval_log reads back with its calls paired and its score."""

from __future__ import annotations

import json
import sys

import pytest
from clihelpers import run_main
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import FunctionModel

from ftaudit.agent import AuditConfig, audit
from ftaudit.cli import EXIT_USAGE
from ftaudit.evaluate.store import AuditRow, ResultsStore
from ftaudit.report import AuditJob, AuditReport, Verdict

log_api = pytest.importorskip("inspect_ai.log")  # the `inspect` extra, installed with `dev`

LINES = [{"messages": [{"role": "user", "content": f"Question {i}?"}, {"role": "assistant", "content": f"Answer {i}."}]}
         for i in range(1, 11)]


def verdict_call(score: float) -> tuple[str, dict]:
    return ("submit_verdict", {
        "risk_score": score, "attack_hypothesis": "none", "evidence_summary": "scripted", "risk_assessment": "scripted",
        "key_findings": [{"title": "ordinary answers", "severity": "info", "description": "scripted",
                          "evidence": [{"kind": "dataset-line", "line": 3, "detail": "ordinary"}]}],
    })


def scripted(steps) -> FunctionModel:
    seen: list = []

    def respond(messages, info):
        seen.append(messages)
        calls = steps[min(len(seen), len(steps)) - 1]
        return ModelResponse(parts=[TextPart("Next step.")] + [ToolCallPart(name, args) for name, args in calls])

    return FunctionModel(respond, model_name="scripted-auditor")


STEPS = [
    [("view_lines", {"start": 3, "end": 4}), ("search_lines", {"pattern": "Answer"})],
    [("view_lines", {"start": 999})],  # an argument mistake: its answer is an error
    [verdict_call(2)],
]


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES), encoding="utf-8")
    return path


def scripted_report(data, steps=STEPS) -> AuditReport:
    job = AuditJob(training_file=data, base_model=None, finetuned_model=None, job_id="job-7")
    config = AuditConfig(auditor_model=scripted(steps), affordances="D", screens_brief=False, continue_nudge=False)
    return audit(job, config)


def check_paired(sample) -> list:
    """Every ToolCall of an assistant message is answered by exactly one later tool message; returns the calls."""
    calls, answered = [], []
    for i, message in enumerate(sample.messages):
        for call in getattr(message, "tool_calls", None) or []:
            answers = [m for m in sample.messages[i + 1:] if m.role == "tool" and m.tool_call_id == call.id]
            assert len(answers) == 1, call
            assert answers[0].function == call.function
            calls.append(call)
        if message.role == "tool":
            answered.append(message.tool_call_id)
    assert sorted(answered) == sorted(c.id for c in calls)  # no answer without its call
    return calls


def test_a_scripted_audit_exported_reads_back_with_calls_paired_and_the_score(data, tmp_path, monkeypatch):
    report = scripted_report(data)
    assert report.verdict is Verdict.BENIGN
    out = tmp_path / "audit"
    out.mkdir()
    (out / "report.json").write_text(report.model_dump_json(), encoding="utf-8")

    assert run_main(monkeypatch, "export", "inspect", str(out), "--out", str(tmp_path / "logs")) == 0
    (path,) = (tmp_path / "logs").glob("*.eval")
    log = log_api.read_eval_log(str(path))
    assert log.status == "success" and log.eval.model == "agent:scripted-auditor"
    (sample,) = log.samples
    assert sample.id == "job-7" and sample.metadata["job"]["job_id"] == "job-7"
    roles = [m.role for m in sample.messages]
    assert roles[:2] == ["system", "user"] and sample.input == sample.messages[1].text
    calls = check_paired(sample)
    assert [c.function for c in calls] == ["view_lines", "search_lines", "view_lines", "submit_verdict"]
    assert calls[0].arguments == {"start": 3, "end": 4}
    answers = {m.tool_call_id: m for m in sample.messages if m.role == "tool"}
    mistake = answers[calls[2].id]
    assert mistake.error is not None and "DataError" in mistake.error.message
    assert answers[calls[0].id].error is None and "Answer 3." in answers[calls[0].id].text
    # The call ids are the report's own: the log and report.json can be read side by side.
    assert [c.id for c in calls] == [e.call_id for e in report.transcript if e.kind == "tool-call"]
    assert sum(1 for e in sample.events if e.event == "tool") == 4

    score = sample.scores["ftaudit"]
    assert score.value == report.risk_score == 2 and score.answer == "benign"
    assert log.results.scores[0].metrics["mean"].value == 2
    assert sample.model_usage["scripted-auditor"].total_tokens == report.usage.total_tokens > 0


def test_an_evaluation_store_gives_one_log_per_configuration_with_repeats_as_epochs(data, tmp_path, monkeypatch):
    benign = scripted_report(data)
    stopped = scripted_report(data, [[("view_lines", {"start": 3})]] * 2 + [[verdict_call(2)]])
    stopped = AuditReport.inconclusive(
        job=stopped.job, auditor=stopped.auditor, reason="budget exhausted", threshold=stopped.threshold,
        transcript=stopped.transcript, started_at=stopped.started_at, finished_at=stopped.finished_at,
    )
    store_path = tmp_path / "eval.sqlite"
    with ResultsStore(store_path) as store:
        for config, job, repeat, report in [("D", "benign-a", 0, benign), ("D", "benign-a", 1, stopped),
                                            ("D+S", "attack-b", 0, benign)]:
            label = "benign" if job.startswith("benign") else "adversarial"
            store.record(AuditRow(config=config, job=job, repeat=repeat, label=label, attack=job, score=report.risk_score,
                                  verdict=report.verdict.value, report_json=report.model_dump_json()))

    assert run_main(monkeypatch, "export", "inspect", str(store_path), "--out", str(tmp_path / "logs")) == 0
    logs = {log.eval.task: log for log in map(log_api.read_eval_log, map(str, (tmp_path / "logs").glob("*.eval")))}
    assert set(logs) == {"D", "D+S"}
    samples = {(s.id, s.epoch): s for s in logs["D"].samples}
    assert set(samples) == {("benign-a", 1), ("benign-a", 2)}
    assert samples[("benign-a", 1)].target == "benign" and logs["D+S"].samples[0].target == "adversarial"
    unfinished = samples[("benign-a", 2)].scores["ftaudit"]
    assert unfinished.value == "N" and unfinished.answer == "inconclusive"  # never a score of 0
    assert unfinished.metadata["inconclusive_reason"] == "budget exhausted"
    metrics = logs["D"].results.scores[0].metrics
    assert metrics["inconclusive"].value == 0.5 and metrics["mean"].value == 2
    for log in logs.values():
        for sample in log.samples:
            check_paired(sample)


def test_without_the_extra_the_command_says_how_to_install_it(data, tmp_path, monkeypatch, capsys):
    out = tmp_path / "audit"
    out.mkdir()
    (out / "report.json").write_text(scripted_report(data).model_dump_json(), encoding="utf-8")
    monkeypatch.setitem(sys.modules, "inspect_ai", None)  # as if inspect-ai were not installed
    assert run_main(monkeypatch, "export", "inspect", str(out), "--out", str(tmp_path / "logs")) == EXIT_USAGE
    assert "pip install 'ftaudit[inspect]'" in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "logs").exists()


def test_a_source_that_is_neither_an_audit_nor_a_store_is_a_usage_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "empty").mkdir()
    assert run_main(monkeypatch, "export", "inspect", str(tmp_path / "empty"), "--out", str(tmp_path / "logs")) == EXIT_USAGE
    assert "no report.json here" in " ".join(capsys.readouterr().err.split())
    (tmp_path / "notes.txt").write_text("hello")
    assert run_main(monkeypatch, "export", "inspect", str(tmp_path / "notes.txt"), "--out", str(tmp_path / "logs")) == EXIT_USAGE


def test_audit_with_inspect_log_writes_the_log_beside_the_reports(data, tmp_path, monkeypatch):
    from ftaudit.cli import audit as audit_cli

    monkeypatch.setattr(audit_cli, "injected_auditor_model", lambda: scripted(STEPS))
    out, logs = tmp_path / "o", tmp_path / "logs"
    code = run_main(monkeypatch, "audit", "--data", str(data), "--affordances", "D", "--no-screens", "--out", str(out),
                    "--inspect-log", str(logs))
    assert code == 0
    report = AuditReport.model_validate_json((out / "report.json").read_text())
    (path,) = logs.glob("*.eval")
    (sample,) = log_api.read_eval_log(str(path)).samples
    assert [c.id for c in check_paired(sample)] == [e.call_id for e in report.transcript if e.kind == "tool-call"]
    assert sample.scores["ftaudit"].value == report.risk_score


def test_audit_with_inspect_log_but_no_extra_fails_before_the_audit(data, tmp_path, monkeypatch, capsys):
    from ftaudit.cli import audit as audit_cli

    monkeypatch.setattr(audit_cli, "injected_auditor_model", lambda: scripted(STEPS))
    monkeypatch.setitem(sys.modules, "inspect_ai", None)
    code = run_main(monkeypatch, "audit", "--data", str(data), "--affordances", "D", "--no-screens",
                    "--out", str(tmp_path / "o"), "--inspect-log", str(tmp_path / "logs"))
    assert code == EXIT_USAGE and "ftaudit[inspect]" in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "o").exists()
