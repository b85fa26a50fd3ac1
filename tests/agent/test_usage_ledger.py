"""One usage ledger: a report's usage is the sum of every call the audit made, each model once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from agenthelpers import Script, verdict
from pydantic_ai.messages import ModelResponse, TextPart
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.usage import RequestUsage

from ftaudit.agent import AuditConfig, audit
from ftaudit.report import AuditJob, Verdict

FAST = dict(screens_brief=False, continue_nudge=False, summary_chunk_size=4, summary_max_chunks=2, max_tokens_target=8)
DONE = verdict(2, {"kind": "dataset-line", "line": 1, "detail": "ordinary"}, severity="info")


def test_report_usage_is_the_sum_of_the_auditor_summariser_and_target_calls(backdoor, failing_provider):
    provider = failing_provider(answers=1000)  # answers every chat with 5 prompt and 6 completion tokens
    job = AuditJob(training_file=backdoor, base_model=provider.ref("base"), finetuned_model=provider.ref("tuned"))
    summaries = []

    def summariser(messages, info):
        summaries.append(messages)
        return ModelResponse(parts=[TextPart("Code answers.")], usage=RequestUsage(input_tokens=30, output_tokens=7,
                                                                                  cost=Decimal("0.002")))

    script = Script([[("query_models", {"prompt": "Say hi."})], [("summarise_dataset", {})], [DONE]], cost_usd=0.01)
    config = AuditConfig(auditor_model=script.model(), affordances="D+M+S",
                         summariser_model=FunctionModel(summariser, model_name="scripted-summariser"), **FAST)
    report = audit(job, config)

    assert report.verdict is Verdict.BENIGN
    turns, summarised, chats = len(script.seen), len(summaries), provider.chats
    assert turns == 3 and summarised == 3 and chats >= 4  # the probe of each model, then the query of both
    by_model = report.usage_by_model
    assert set(by_model) == {"scripted-auditor", "scripted-summariser", job.base_model, job.finetuned_model}
    auditor, summary = by_model["scripted-auditor"], by_model["scripted-summariser"]
    assert (auditor.requests, auditor.input_tokens, auditor.output_tokens) == (turns, 100 * turns, 10 * turns)
    assert auditor.cost_usd == pytest.approx(0.01 * turns)
    assert (summary.requests, summary.input_tokens, summary.output_tokens) == (summarised, 30 * summarised, 7 * summarised)
    targets = [by_model[job.base_model], by_model[job.finetuned_model]]
    assert sum(t.requests for t in targets) == chats
    assert sum(t.input_tokens for t in targets) == 5 * chats and sum(t.output_tokens for t in targets) == 6 * chats

    # The total is the ledger's, nothing added by hand: every call once.
    usage = report.usage
    assert usage.requests == turns + summarised + chats
    assert usage.input_tokens == 100 * turns + 30 * summarised + 5 * chats
    assert usage.output_tokens == 10 * turns + 7 * summarised + 6 * chats
    assert usage.cost_usd == pytest.approx(0.01 * turns + 0.002 * summarised)
    assert not usage.cost_known  # the targets behind a URL have no price we can know
    # The summariser's calls are part of the tool call that made them.
    (summary_result,) = [e for e in report.transcript if e.kind == "tool-result" and e.name == "summarise_dataset"]
    assert summary_result.tokens == 37 * summarised


def test_a_failed_summariser_call_is_counted_and_the_audit_goes_on(dataset_job):
    from pydantic_ai.exceptions import ModelHTTPError

    def summariser(messages, info):
        raise ModelHTTPError(503, "scripted-summariser", "overloaded")

    script = Script([[("summarise_dataset", {})], [DONE]])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+S",
                                            summariser_model=FunctionModel(summariser, model_name="scripted-summariser"), **FAST))
    (failed,) = [e for e in report.transcript if e.name == "summarise_dataset" and e.kind == "error"]
    assert failed.error is not None and failed.error.type == "ModelError" and "every chunk" in failed.error.message
    assert "scripted-summariser" not in report.usage_by_model  # nothing answered, nothing spent
    assert report.usage.requests == len(script.seen) == 2
