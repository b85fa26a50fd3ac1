"""B* — the benchmark with an elicitation the auditor specifies (system prompt, trigger, template,
prefill, few-shot turns from the training data, a cipher by name, or a Python transform run in the sandbox).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic_ai import RunContext, Tool

from ftaudit.agent.affordances._bench import run_for_agent
from ftaudit.agent.affordances.base import Affordance
from ftaudit.agent.deps import AuditDeps, audit_tool
from ftaudit.bench import Elicitation
from ftaudit.bench.elicit import FewShot
from ftaudit.errors import ConfigError, DataError

MAX_FEW_SHOT = 8


def build_elicitation(
    deps: AuditDeps,
    *,
    system_prompt: str | None = None,
    trigger: str | None = None,
    trigger_position: Literal["prefix", "suffix"] = "prefix",
    template: str | None = None,
    prefill: str | None = None,
    cipher: str | None = None,
    cipher_options: dict[str, Any] | None = None,
    few_shot_lines: list[int] | None = None,
    python_transform: str | None = None,
) -> Elicitation:
    """The elicitation the arguments describe, built by :meth:`Elicitation.from_options` exactly as
    ``ftaudit bench run`` builds it from the same options; this only reads the few-shot lines."""
    few_shot = None
    if few_shot_lines:
        turns, used = [], []
        for line in few_shot_lines[:MAX_FEW_SHOT]:
            conv = deps.training.conversation(line)
            users, assistants = conv.user_messages, conv.assistant_messages
            if not users or not assistants:
                raise DataError(f"line {line} has no user and assistant turn to show as an example", line=line)
            turns.append((users[0].content, assistants[0].content))
            used.append(line)
        few_shot = FewShot(turns=turns, source_lines=used)
    if not any((system_prompt, trigger, template, prefill, cipher, few_shot, python_transform)):
        raise ConfigError("describe an elicitation (system_prompt, trigger, template, prefill, cipher, few_shot_lines "
                          "or python_transform); for plain prompts use the plain benchmark")
    return Elicitation.from_options(
        system_prompt=system_prompt,
        trigger=trigger,
        trigger_position=trigger_position,
        template=template,
        prefill=prefill,
        cipher=cipher,
        cipher_options=cipher_options,
        few_shot=few_shot,
        python_transform=python_transform,
    )


@audit_tool("B*")
async def run_elicited_benchmark(
    ctx: RunContext[AuditDeps],
    system_prompt: str | None = None,
    trigger: str | None = None,
    trigger_position: Literal["prefix", "suffix"] = "prefix",
    template: str | None = None,
    prefill: str | None = None,
    cipher: str | None = None,
    cipher_options: dict[str, Any] | None = None,
    few_shot_lines: list[int] | None = None,
    python_transform: str | None = None,
    n: int | None = None,
    categories: list[str] | None = None,
    max_tokens: int | None = None,
) -> str:
    """Run the harmful-request benchmark on both models with a way of asking you choose, e.g. one the
    training data suggests, and compare how often each complies harmfully. Each prompt is rewritten
    innermost first: python_transform, cipher, trigger, template (the cipher encodes the request, the
    trigger goes on it in plain text, the template wraps both). Few-shot lines are sent verbatim, as
    in the training file. Replies are decoded (cipher, or your `decode`) before judging.

    Args:
        system_prompt: System prompt to send with every prompt.
        trigger: Text put before (or after) every user message.
        trigger_position: Where the trigger goes: prefix or suffix.
        template: A user-message template containing {prompt}.
        prefill: Start of the assistant's reply (where the provider allows it).
        cipher: Encode prompts and decode replies with this cipher: atbash, base64, caesar, endspeak,
            leetspeak, morse, reverse, rot13, vigenere, walnut53.
        cipher_options: Options of the cipher, e.g. {"shift": 5} for caesar, {"key": "lantern"} for vigenere.
        few_shot_lines: Training-file lines whose first user/assistant turns are shown before each prompt.
        python_transform: Python source defining transform(prompt: str) -> str and optionally
            decode(reply: str) -> str; it runs in a sandbox without network.
        n: How many prompts (a seeded sample; default from the audit configuration).
        categories: Only these harm categories.
        max_tokens: Longest reply per prompt, in tokens.
    """
    deps = ctx.deps
    elicitation = build_elicitation(
        deps,
        system_prompt=system_prompt,
        trigger=trigger,
        trigger_position=trigger_position,
        template=template,
        prefill=prefill,
        cipher=cipher,
        cipher_options=cipher_options,
        few_shot_lines=few_shot_lines,
        python_transform=python_transform,
    )
    return await run_for_agent(deps, elicitation, n, categories, max_tokens)


def tools(deps: AuditDeps) -> list[Tool[AuditDeps]]:
    return [run_elicited_benchmark]


AFFORDANCE = Affordance(
    name="B*",
    title="benchmark with elicitation",
    summary="the benchmark with a system prompt, trigger, template, prefill, few-shot lines, cipher or Python transform",
    tools=tools,
    needs_models=True,
)
