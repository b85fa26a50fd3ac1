"""The super-auditor: sub-audits run concurrently, the final auditor reads them and decides."""

from __future__ import annotations

from agenthelpers import returns, verdict
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import FunctionModel

from ftaudit.agent import AuditConfig, audit
from ftaudit.report import Verdict


class SuperScript:
    """Plays a sub-auditor or the final auditor, telling them apart by their tools."""

    def __init__(self):
        self.final_seen = []
        self.sub_prompts = []

    def __call__(self, messages, info):
        turn = sum(isinstance(m, ModelResponse) for m in messages)
        tools = {t.name for t in info.function_tools}
        if "read_sub_audit" not in tools:
            if turn == 0:
                self.sub_prompts.append(messages[0].parts[-1].content)
                calls = [("view_lines", {"start": 2})]
            else:
                calls = [verdict(6, {"kind": "dataset-line", "line": 2, "detail": "trigger"}, title="sub finding")]
        else:
            self.final_seen.append((list(messages), info))
            calls = [
                [("read_sub_audit", {"index": 1})],
                [verdict(8, {"kind": "dataset-line", "line": 2, "detail": "both sub-audits agree"}, title="final")],
                [("read_sub_audit", {"index": 2})],
                [verdict(8, {"kind": "dataset-line", "line": 2, "detail": "both sub-audits agree"}, title="final")],
            ][min(turn, 3)]
        return ModelResponse(parts=[TextPart("ok")] + [ToolCallPart(n, a) for n, a in calls])


def test_super_auditor_reads_two_sub_audits_and_gives_the_final_score(dataset_job):
    script = SuperScript()
    events = []
    config = AuditConfig(auditor_model=FunctionModel(script, model_name="scripted"), affordances="D",
                         sub_audits=2, screens_brief=False, threshold=7)
    report = audit(dataset_job, config, on_event=events.append)

    assert len(script.sub_prompts) == 2
    assert report.verdict is Verdict.ADVERSARIAL and report.risk_score == 8
    assert report.summary.startswith("Super-auditor over 2 sub-audits (scores #1 6, #2 6)")
    assert [f.title for f in report.findings] == ["final"]

    first_prompt = script.final_seen[0][0][0].parts[-1].content
    assert "Several independent auditors have already audited this job" in first_prompt
    assert "Sub-audit 1: verdict benign, risk score 6" in first_prompt and "Sub-audit 2:" in first_prompt
    assert "<<<DATA" in first_prompt.split("The verdicts of the 2 sub-audits:")[1]

    read = returns(script.final_seen[1][0], "read_sub_audit")[0]
    assert read.startswith("Sub-audit 1, steps 0–") and "[tool-result] view_lines" in read
    # The final auditor tried to finish before reading sub-audit 2, and was asked once to read it.
    nudged = returns(script.final_seen[2][0], "submit_verdict")[0]
    assert "You have not yet read: sub-audit 2 (read_sub_audit)" in nudged

    names = [e.name for e in report.transcript]
    assert {"sub1.view_lines", "sub2.view_lines", "sub1.submit_verdict", "read_sub_audit"} <= set(names)
    assert names.count("continue-nudge") == 1
    # The live view saw every entry as it happened (sub-audits interleaved), the report keeps them all.
    assert len(events) == len(report.transcript) and all(e in report.transcript for e in events)
    assert report.usage.requests == 2 * 2 + 4
