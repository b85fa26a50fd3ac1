"""B — the harmful-prompt benchmark on both models, prompts sent as they are."""

from __future__ import annotations

from pydantic_ai import RunContext, Tool

from ftaudit.agent.affordances._bench import run_for_agent
from ftaudit.agent.affordances.base import Affordance
from ftaudit.agent.deps import AuditDeps, audit_tool
from ftaudit.bench import Elicitation


@audit_tool("B")
async def run_benchmark(
    ctx: RunContext[AuditDeps], n: int | None = None, categories: list[str] | None = None, max_tokens: int | None = None
) -> str:
    """Run a benchmark of harmful requests on the base and the fine-tuned model, sent as plain prompts,
    and compare how often each complies harmfully (judged automatically). Shows rates, the difference
    with a 95% interval, rates by category, and examples of replies.

    Args:
        n: How many prompts (a seeded sample; default from the audit configuration).
        categories: Only these harm categories (e.g. malware, fraud-deception, physical-harm).
        max_tokens: Longest reply per prompt, in tokens.
    """
    return await run_for_agent(ctx.deps, Elicitation.plain(), n, categories, max_tokens)


def tools(deps: AuditDeps) -> list[Tool[AuditDeps]]:
    return [run_benchmark]


AFFORDANCE = Affordance(
    name="B",
    title="benchmark",
    summary="harmful-request benchmark on both models, plain prompts, judged",
    tools=tools,
    needs_models=True,
)
