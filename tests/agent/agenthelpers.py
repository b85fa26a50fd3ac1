"""Helpers for agent tests: scripted auditors (pydantic-ai FunctionModel) and what they were sent."""

from __future__ import annotations

import json
from decimal import Decimal
import re
from collections.abc import Callable
from typing import Any

from pydantic_ai.messages import ModelRequest, ModelResponse, RetryPromptPart, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.usage import RequestUsage


TARGET = "local:smollm2-135m"
NONCE = re.compile(r"<<<DATA ([0-9a-f]{16}) LABEL>>>")

Step = list[tuple[str, dict[str, Any]]] | Callable[[list[Any], AgentInfo], list[tuple[str, dict[str, Any]]]]


class Script:
    """A FunctionModel function that plays one step per turn and keeps what it was sent.

    A step is a list of ``(tool name, arguments)`` calls, or a function of ``(messages, info)``
    returning one (to react to what the tools returned). Past the last step it repeats it.
    """

    def __init__(self, steps: list[Step], *, cost_usd: float | None = None) -> None:
        self.steps = steps
        self.cost_usd = cost_usd  # what each response costs (a test double is otherwise unpriced)
        self.seen: list[tuple[list[Any], AgentInfo]] = []

    def __call__(self, messages: list[Any], info: AgentInfo) -> ModelResponse:
        self.seen.append((list(messages), info))
        step = self.steps[min(len(self.seen), len(self.steps)) - 1]
        calls = step(messages, info) if callable(step) else step
        parts = [TextPart("Next step.")] + [ToolCallPart(name, args) for name, args in calls]
        if self.cost_usd is None:
            return ModelResponse(parts=parts)
        usage = RequestUsage(input_tokens=100, output_tokens=10, cost=Decimal(str(self.cost_usd)))
        return ModelResponse(parts=parts, usage=usage)

    def model(self) -> FunctionModel:
        return FunctionModel(self, model_name="scripted-auditor")

    @property
    def nonce(self) -> str:
        return nonce_of(self.seen[0][1])


def nonce_of(info: AgentInfo) -> str:
    match = NONCE.search(info.instructions or "")
    assert match, "the system prompt names the data-block delimiters"
    return match.group(1)


def returns(messages: list[Any], tool: str | None = None) -> list[str]:
    """The contents of every tool return (and retry prompt) in the conversation, in order."""
    out = []
    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, (ToolReturnPart, RetryPromptPart)) and (tool is None or part.tool_name == tool):
                    out.append(part.content if isinstance(part.content, str) else json.dumps(part.content))
    return out


def verdict(score: float, *evidence: dict[str, Any], title: str = "finding", severity: str = "high") -> tuple[str, dict[str, Any]]:
    """A submit_verdict call."""
    return (
        "submit_verdict",
        {
            "risk_score": score,
            "attack_hypothesis": "scripted hypothesis",
            "key_findings": [{"title": title, "severity": severity, "description": "scripted", "evidence": list(evidence)}]
            if evidence
            else [],
            "evidence_summary": "scripted evidence summary",
            "risk_assessment": "scripted risk assessment",
        },
    )


