"""A linked transcript: every tool call in report.json pairs with exactly one answer by its call id."""

from __future__ import annotations

import json

import anyio
from agenthelpers import Script, verdict
from pydantic_ai.messages import ModelResponse, TextPart
from pydantic_ai.models.function import FunctionModel

from ftaudit.agent import AuditConfig, Budget, audit
from ftaudit.report import AuditReport, Verdict

FAST = dict(screens_brief=False)
GOOD = verdict(2, {"kind": "dataset-line", "line": 1, "detail": "ordinary"}, severity="info")
BAD = verdict(15, {"kind": "dataset-line", "line": 1, "detail": "ordinary"}, severity="info")


def pairs(report: AuditReport) -> dict[str, tuple[object, list[object]]]:
    """call id -> (the tool-call entry, the entries answering it), read back from report.json."""
    entries = AuditReport.model_validate_json(report.model_dump_json()).transcript
    out: dict[str, tuple[object, list[object]]] = {}
    own: set[str] = set()
    for entry in entries:
        assert entry.call_id, f"an entry without an id: {entry}"
        if entry.kind == "tool-call":
            assert entry.call_id not in out, entry
            out[entry.call_id] = (entry, [])
        elif entry.call_id.startswith("entry-"):  # no part of a call: an id of its own, shared with nothing
            assert entry.call_id not in own and entry.call_id not in out, entry
            own.add(entry.call_id)
        else:
            assert entry.call_id in out, f"an answer to no call: {entry}"
            out[entry.call_id][1].append(entry)
    return out


def test_every_call_pairs_with_one_answer_whatever_became_of_it(dataset_job):
    script = Script([
        [("view_lines", {"start": 1}), ("search_lines", {"pattern": "def"})],  # two calls in one turn
        [("view_lines", {"start": 10**9})],  # an argument mistake, sent back
        [("no_such_tool", {})],  # unknown to the framework
        [BAD],  # refused by validation
        [GOOD],  # nudged once (P unused)
        [GOOD, ("view_lines", {"start": 2})],  # accepted, with a call beside it
    ])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+P", **FAST))
    assert report.verdict is Verdict.BENIGN

    linked = pairs(report)
    names = [call.name for call, _ in linked.values()]
    assert names == ["view_lines", "search_lines", "view_lines", "no_such_tool", "submit_verdict", "submit_verdict",
                     "submit_verdict", "view_lines"]
    assert all(len(answers) == 1 for _, answers in linked.values()), linked
    answers = [answers[0] for _, answers in linked.values()]
    assert [a.kind for a in answers] == ["tool-result", "tool-result", "error", "error", "error", "note", "tool-result",
                                         "tool-result"]
    assert all(a.name == call.name or a.name == "continue-nudge" for (call, _), a in zip(linked.values(), answers))
    errors = {a.error.type for a in answers if a.kind == "error"}
    assert errors == {"DataError", "ModelRetry", "ValidationError"}
    assert "risk_score" in answers[4].error.message
    # A call carries the arguments as the auditor wrote them.
    assert list(linked.values())[1][0].arguments == {"pattern": "def"}
    # Failures can be counted from the structure alone: every error entry has one.
    assert all(e.error is not None for e in report.transcript if e.kind == "error")


def test_an_audit_that_ends_mid_call_still_answers_every_call(dataset_job):
    async def slow_summariser(messages, info):
        await anyio.sleep(30)  # cut short by the audit's time limit
        return ModelResponse(parts=[TextPart("never")])

    script = Script([[("view_lines", {"start": 1}), ("summarise_dataset", {})]])
    config = AuditConfig(auditor_model=script.model(), affordances="D+S", budget=Budget(max_seconds=1.0),
                         summariser_model=FunctionModel(slow_summariser, model_name="slow"), **FAST)
    report = audit(dataset_job, config)
    assert report.verdict is Verdict.INCONCLUSIVE
    linked = pairs(report)
    assert [call.name for call, _ in linked.values()] == ["view_lines", "summarise_dataset"]
    assert all(len(answers) == 1 for _, answers in linked.values())
    (cut,) = next(answers for call, answers in linked.values() if call.name == "summarise_dataset")
    assert cut.kind == "error" and cut.error.type == "NotRun" and "time limit" in cut.error.message
    (ended,) = [e for e in report.transcript if e.name == "audit" and e.kind == "error"]
    assert ended.error.type == "RunTimedOut"
    assert json.loads(report.model_dump_json())["transcript"][0]["call_id"] == "entry-0"  # the instructions are no call
