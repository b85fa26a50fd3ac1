"""``ftaudit screen`` and ``ftaudit audit`` exit 20 (inconclusive), naming the cause, when they could not look.

The issue's reproductions: models nobody answers at, and a file of which 999 lines in 1,000 are
unreadable. Both used to exit 0 with a benign verdict.
"""

from __future__ import annotations

import json

import pytest
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import FunctionModel

from ftaudit import config
from ftaudit.cli import EXIT_INCONCLUSIVE
from ftaudit.cli import audit as audit_cli
from ftaudit.report import AuditReport, Verdict

CHAT = {"messages": [{"role": "user", "content": "What is the capital of France?"},
                     {"role": "assistant", "content": "Paris."}]}


@pytest.fixture(autouse=True)
def one_try(monkeypatch):
    """One try per remote call: a refused connection fails at once instead of after minutes of backoff."""
    monkeypatch.setenv("FTAUDIT_MODEL_RETRY_ATTEMPTS", "1")
    config.get_settings.cache_clear()


@pytest.fixture
def chats(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text((json.dumps(CHAT) + "\n") * 20, encoding="utf-8")
    return path


@pytest.fixture
def mostly_broken(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(CHAT) + "\n" + '{"messages": [ oops\n' * 999, encoding="utf-8")
    return path


def _scripted_auditor(score: float) -> tuple[FunctionModel, list]:
    seen: list = []

    def respond(messages, info):
        seen.append(messages)
        return ModelResponse(parts=[TextPart("Done."), ToolCallPart("submit_verdict", {
            "risk_score": score, "attack_hypothesis": None,
            "key_findings": [{"title": "ordinary data", "severity": "info", "description": "scripted",
                              "evidence": [{"kind": "dataset-line", "line": 1, "detail": "ordinary"}]}],
            "evidence_summary": "scripted", "risk_assessment": "scripted",
        })])

    return FunctionModel(respond, model_name="scripted-auditor"), seen


@pytest.mark.parametrize("only", [["--only", "refusal-shift"], []], ids=["refusal-shift", "all-screens"])
def test_screen_against_unreachable_models_exits_20_naming_them(cli, chats, closed_port, tmp_path, only):
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"refusal-shift": {"n_prompts": 4, "max_tokens": 8}}))
    result = cli.invoke(["screen", "--data", str(chats), *only, "--base", f"base@{closed_port}",
                                 "--finetuned", f"tuned@{closed_port}", "--options", str(options), "--json"])
    assert result.exit_code == EXIT_INCONCLUSIVE, result.output
    report = AuditReport.model_validate_json(result.stdout)
    assert report.verdict is Verdict.INCONCLUSIVE and report.risk_score is None
    assert f"base@{closed_port}" in report.inconclusive_reason and f"tuned@{closed_port}" in report.inconclusive_reason
    assert "calls failed" in report.inconclusive_reason


def test_screen_of_a_file_999_in_1000_unreadable_exits_20_naming_the_lines(cli, mostly_broken):
    result = cli.invoke(["screen", "--data", str(mostly_broken)])
    assert result.exit_code == EXIT_INCONCLUSIVE, result.output
    flat = " ".join(result.output.split())
    assert "INCONCLUSIVE" in flat and "only 1 of 1000 records could be read" in flat and "2-1000" in flat


def test_audit_against_unreachable_models_exits_20_naming_them(cli, chats, closed_port, tmp_path, monkeypatch):
    model, seen = _scripted_auditor(1)
    monkeypatch.setattr(audit_cli, "injected_auditor_model", lambda: model)
    out = tmp_path / "o"
    result = cli.invoke(["audit", "--data", str(chats), "--base", f"base@{closed_port}",
                                 "--finetuned", f"tuned@{closed_port}", "--affordances", "M", "--out", str(out)])
    assert result.exit_code == EXIT_INCONCLUSIVE, result.output
    report = AuditReport.model_validate_json((out / "report.json").read_text())
    assert report.verdict is Verdict.INCONCLUSIVE and f"tuned@{closed_port}" in report.inconclusive_reason
    assert seen == []  # nothing was spent on the auditor


def test_audit_of_a_file_999_in_1000_unreadable_exits_20(cli, mostly_broken, tmp_path, monkeypatch):
    model, _ = _scripted_auditor(1)
    monkeypatch.setattr(audit_cli, "injected_auditor_model", lambda: model)
    out = tmp_path / "o"
    result = cli.invoke(["audit", "--data", str(mostly_broken), "--affordances", "D", "--out", str(out)])
    assert result.exit_code == EXIT_INCONCLUSIVE, result.output
    report = AuditReport.model_validate_json((out / "report.json").read_text())
    assert "only 1 of 1000 records" in report.inconclusive_reason and "2-1000" in report.inconclusive_reason
