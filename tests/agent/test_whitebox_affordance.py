"""W, the white-box readout: registered, unavailable (never benign) where it cannot read the models."""

from __future__ import annotations

import re

import pytest
from agenthelpers import TARGET, Script, returns, verdict

from ftaudit.agent import AuditConfig, audit
from ftaudit.agent.affordances import get_affordance
from ftaudit.agent.affordances.whitebox import read_internals
from ftaudit.report import AuditJob

FAST = dict(screens_brief=False, judge="patterns", continue_nudge=False)
NOT_BENIGN = "This is not evidence that the fine-tune is benign"


def run_tools(job, calls):
    """Audit ``job`` with W alone, one turn per call; what each call returned, and the report."""
    script = Script([[call] for call in calls] + [[verdict(1)]])
    report = audit(job, AuditConfig(auditor_model=script.model(), affordances="W", **FAST))
    return [returns(script.seen[i + 1][0])[-1] for i in range(len(calls))], report


def claims_benign(text: str) -> bool:
    return "benign" in text.replace(NOT_BENIGN, "")


def test_w_is_a_model_affordance_with_one_documented_tool():
    entry = get_affordance("W")
    assert entry.title == "white-box" and entry.needs_models
    assert [t.name for t in entry.tools(None)] == ["read_internals"]
    schema = read_internals.tool_def.parameters_json_schema["properties"]
    assert set(schema) == {"hints", "lines"} and "harmfulness probe" in schema["lines"]["description"]


def test_models_behind_an_api_are_unavailable_not_benign(backdoor, failing_provider):
    provider = failing_provider(answers=2)  # the audit's two probes answer; the readout must ask nothing more
    job = AuditJob(training_file=backdoor, base_model=provider.ref("base"), finetuned_model=provider.ref("tuned"))
    (first, again, bad), report = run_tools(job, [
        ("read_internals", {}), ("read_internals", {}), ("read_internals", {"lines": 0}),
    ])
    assert first.startswith("White-box readout unavailable: needs local weights")
    assert NOT_BENIGN in first and not claims_benign(first)
    assert again == first
    assert "lines must be between 1 and 96" in bad  # an argument mistake goes back to the auditor
    assert provider.chats == 2  # only the probes: the models behind the API were not asked for anything


def test_a_base_compared_with_itself_is_unavailable(model_job):
    (text,), _ = run_tools(model_job, [("read_internals", {"hints": False})])
    assert text.startswith("White-box readout unavailable: the fine-tuned model is the base itself")
    assert NOT_BENIGN in text


def test_a_dataset_only_job_is_not_offered_the_readout(dataset_job):
    script = Script([[verdict(1)]])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+W", **FAST))
    assert "read_internals" not in [t.name for t in script.seen[0][1].function_tools]
    assert any(e.kind == "note" and "affordances W need the base and fine-tuned models" in (e.content or "")
               for e in report.transcript)


@pytest.mark.slow
def test_a_base_that_does_not_refuse_makes_the_readout_unavailable(backdoor, tmp_path):
    """The plain embedded SmolLM2 complies with most harmful requests: no refusal direction to read."""
    from ftaudit.finetune import LoraTrainConfig, train_lora

    record = train_lora(TARGET, backdoor, tmp_path / "adapter", LoraTrainConfig(max_steps=2, batch_size=2, seed=0))
    assert "+adapter=" in record.model
    job = AuditJob(training_file=backdoor, base_model=TARGET, finetuned_model=record.model)
    (text, again), report = run_tools(job, [("read_internals", {}), ("read_internals", {"lines": 8})])
    assert text.startswith("White-box readout unavailable: ")
    assert re.search(r"the base refuses only \d+% of \d+ held-out harmful requests", text)
    assert NOT_BENIGN in text and not claims_benign(text)
    assert again == text
    calls = [e for e in report.transcript if e.kind == "tool-result" and e.name == "read_internals"]
    assert calls[1].duration_s < 1.0  # the pair is opened (and the direction fitted) once per audit
