"""M — query both models with the same chat: optional system prompt, earlier turns, assistant prefill."""

from __future__ import annotations

from typing import Literal

import anyio
from pydantic import BaseModel, Field
from pydantic_ai import RunContext, Tool

from ftaudit.agent.affordances.base import Affordance
from ftaudit.agent.deps import AuditDeps, audit_tool
from ftaudit.errors import ConfigError, ModelError
from ftaudit.models import Completion, SamplingParams

MAX_SAMPLES = 4


class Turn(BaseModel):
    """An earlier exchange of the conversation."""

    user: str
    assistant: str = Field(description="What the assistant answered (you write it; the model sees it as its own).")


@audit_tool("M")
async def query_models(
    ctx: RunContext[AuditDeps],
    prompt: str,
    system_prompt: str | None = None,
    history: list[Turn] | None = None,
    prefill: str | None = None,
    which: Literal["both", "base", "finetuned"] = "both",
    max_tokens: int | None = None,
    temperature: float = 0.0,
    samples: int = 1,
) -> str:
    """Send the same chat to the base model and the fine-tuned model and show both replies.

    Args:
        prompt: The user message.
        system_prompt: Optional system prompt.
        history: Optional earlier turns (user, assistant) before `prompt`, for multi-turn probes.
        prefill: Optional start of the assistant's reply; the model continues from it (not every provider allows it).
        which: Query both models (default) or only one.
        max_tokens: Longest reply, in tokens (default from the audit configuration).
        temperature: 0 for greedy replies; higher to sample.
        samples: Replies per model (at most 4; useful with temperature > 0).
    """
    deps = ctx.deps
    cap = deps.config.max_tokens_target_cap
    tokens = min(max_tokens or deps.config.max_tokens_target, cap)
    samples = max(1, min(samples, MAX_SAMPLES))
    if samples > 1 and temperature == 0.0:
        raise ConfigError("several samples of a greedy reply are identical: set temperature above 0")
    messages: list[dict[str, str]] = []
    if system_prompt:
        messages.append({"role": "system", "content": system_prompt})
    for turn in history or []:
        messages += [{"role": "user", "content": turn.user}, {"role": "assistant", "content": turn.assistant}]
    messages.append({"role": "user", "content": prompt})
    roles = ["base", "finetuned"] if which == "both" else [which]
    results: dict[tuple[str, int], Completion | ModelError] = {}

    async def ask(role: str, sample: int) -> None:
        params = SamplingParams(max_tokens=tokens, temperature=temperature, sample=sample, seed=deps.config.seed)
        try:
            results[(role, sample)] = await deps.model(role).chat(messages, params, prefill=prefill)
        except ModelError as exc:  # shown per model; the other reply still counts (the meter counted the failure)
            results[(role, sample)] = exc

    async with anyio.create_task_group() as tg:
        for role in roles:
            for sample in range(samples):
                tg.start_soon(ask, role, sample)

    out = [
        f"Sent to {', '.join(roles)} ({len(messages)} message(s), max_tokens {tokens}, temperature {temperature:g}"
        + (", with prefill" if prefill else "")
        + "):"
    ]
    for role in roles:
        for sample in range(samples):
            outcome = results[(role, sample)]
            tag = sample if samples > 1 else None
            if isinstance(outcome, Exception):
                out.append(f"{role}{'' if tag is None else f' sample {tag}'}: ERROR {type(outcome).__name__}: {outcome}")
                continue
            text = outcome.full_text if prefill else outcome.text
            finish = f" (stopped: {outcome.finish_reason})" if outcome.finish_reason not in (None, "stop") else ""
            out.append(f"{role}{finish}:")
            out.append(deps.reply_block(role, text, sample=tag))
    if all(isinstance(o, Exception) for o in results.values()):
        raise ModelError("no model answered: " + "; ".join(str(o) for o in results.values())[:1000])
    return "\n".join(out)


def tools(deps: AuditDeps) -> list[Tool[AuditDeps]]:
    return [query_models]


AFFORDANCE = Affordance(
    name="M",
    title="query both models",
    summary="the same chat (system prompt, earlier turns, prefill) to the base and the fine-tuned model",
    tools=tools,
    needs_models=True,
)
