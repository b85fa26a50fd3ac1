"""P — Python in the sandbox, with the training file readable at /data/train.jsonl."""

from __future__ import annotations

from pydantic_ai import RunContext, Tool

from ftaudit.agent.affordances.base import Affordance
from ftaudit.agent.deps import AuditDeps, audit_tool
from ftaudit.sandbox import DATA_DIR, SandboxLimits, run_python_async

TRAIN_NAME = "train.jsonl"


@audit_tool("P")
async def run_python(ctx: RunContext[AuditDeps], code: str) -> str:
    """Run a Python 3 program in a sandbox (no network, standard library only, time and memory limits)
    and show what it printed. The training file is readable at /data/train.jsonl (read-only); use it to
    count, decode, or analyse examples in bulk, e.g. try decoding an encoding you suspect.

    Args:
        code: The program; print what you want to see.
    """
    deps = ctx.deps
    limits = SandboxLimits(wall_seconds=deps.config.python_seconds)
    result = await run_python_async(code, inputs={TRAIN_NAME: deps.job.training_file}, limits=limits)
    status = "ok" if result.ok else f"failed (exit {result.exit_code})"
    if result.killed_reason:
        status = f"stopped by the {result.killed_reason} limit"
    out = [f"Python run {status} in {result.wall_seconds:.2f}s (sandbox: {result.mechanism})."]
    # What the program printed may echo training data: it is data.
    if result.stdout:
        out.append(deps.blocks.wrap(result.stdout, "stdout" + (" (cut by the sandbox)" if result.stdout_truncated else "")))
    if result.stderr:
        out.append(deps.blocks.wrap(result.stderr, "stderr" + (" (cut by the sandbox)" if result.stderr_truncated else "")))
    if not result.stdout and not result.stderr:
        out.append("(no output)")
    return "\n".join(out)


def tools(deps: AuditDeps) -> list[Tool[AuditDeps]]:
    return [run_python]


AFFORDANCE = Affordance(
    name="P",
    title="sandboxed Python",
    summary=f"run Python in a sandbox with the training file at {DATA_DIR}/{TRAIN_NAME}",
    tools=tools,
)
