"""The super-auditor: N sub-audits run concurrently, then a final auditor reads them and decides.

After Bricken et al. (2025) as the reference study used it: the final auditor gets every
sub-audit's verdict in its brief, reads each sub-audit's investigation (compressed: tool calls
with their arguments, results cut short) with ``read_sub_audit``, may investigate further with
the same tools, and gives the score that counts. The continue nudge also asks it to read every
sub-audit before it finishes.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import anyio
from pydantic_ai import RunContext

from ftaudit.agent.config import AuditConfig
from ftaudit.agent.datablock import DataBlocks
from ftaudit.agent.deps import AuditDeps, Recorder, audit_tool
from ftaudit.agent.prompts import SUPER_ROLE
from ftaudit.agent.run import AgentOutcome, run_agent
from ftaudit.errors import ConfigError
from ftaudit.models import Usage, UsageMeter
from ftaudit.report.records import AuditJob, AuditReport

RESULT_CHARS = 600  # of each tool result, in a compressed sub-audit transcript
SUB_TOOL = "read_sub_audit"
_SUB_PREFIX = re.compile(r"^sub\d+\.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def compress_transcript(report: AuditReport) -> list[str]:
    """A sub-audit's transcript, one short entry per step (no system prompt, results cut)."""
    rows = []
    for entry in report.transcript:
        if entry.kind == "system":
            continue
        if entry.kind == "tool-call" and not (entry.name or "").endswith("submit_verdict"):
            continue  # the matching result repeats the arguments
        text = " ".join(entry.content.split())
        if len(text) > RESULT_CHARS:
            text = text[:RESULT_CHARS] + f"… [{len(text) - RESULT_CHARS} more characters]"
        args = f" {json.dumps(entry.arguments, ensure_ascii=False)[:400]}" if entry.arguments else ""
        name = _SUB_PREFIX.sub("", entry.name or "")
        rows.append(f"[{entry.kind}] {name}{args}: {text}")
    return rows


def verdict_line(index: int, report: AuditReport) -> str:
    """One sub-audit's verdict, for the final auditor's brief (it quotes data: goes in a block)."""
    head = f"Sub-audit {index}: verdict {report.verdict.value}"
    if report.risk_score is not None:
        head += f", risk score {report.risk_score:g}"
    if report.inconclusive_reason:
        head += f" ({report.inconclusive_reason})"
    lines = [head]
    if report.attack_hypothesis:
        lines.append(f"Hypothesis: {report.attack_hypothesis}")
    for finding in report.findings:
        if finding.source.startswith("agent"):
            lines.append(f"- [{finding.severity.value}] {finding.title}")
    lines.append(f"Summary: {report.summary[:1500]}")
    return "\n".join(lines)


def _read_tool(subs: list[AuditReport]):
    @audit_tool("sub-audits", name=SUB_TOOL)
    async def read_sub_audit(ctx: RunContext[AuditDeps], index: int, offset: int = 0) -> str:
        """Read a sub-audit's investigation: its tool calls with arguments, shortened results, its
        messages and its verdict, in order. Long transcripts come in pages.

        Args:
            index: Which sub-audit (1-based).
            offset: Start at this step (for the next page).
        """
        deps = ctx.deps
        if not 1 <= index <= len(subs):
            raise ConfigError(f"no sub-audit {index}; there are {len(subs)} (1–{len(subs)})")
        rows = compress_transcript(subs[index - 1])
        room = deps.config.max_result_chars - 1000
        page, size = [], 0
        for row in rows[offset:]:
            if page and size + len(row) > room:
                break
            page.append(row)
            size += len(row) + 1
        end = offset + len(page)
        deps.used.add(f"sub-audit:{index}")
        more = f" Next page: offset={end}." if end < len(rows) else " End of transcript."
        return f"Sub-audit {index}, steps {offset}–{end - 1} of {len(rows)}.{more}\n" + deps.blocks.wrap(
            "\n".join(page), f"sub-audit {index} transcript", limit=room
        )

    return read_sub_audit


async def super_audit(
    job: AuditJob,
    config: AuditConfig,
    *,
    recorder: Recorder,
    screen_run: object | None,
    meter: UsageMeter,
) -> AuditReport:
    """Run ``config.sub_audits`` sub-audits, then the final auditor; return the final report."""
    n = config.sub_audits
    sub_config = config.model_copy(update={"sub_audits": 1})
    reports: list[AuditReport | None] = [None] * n
    limiter = anyio.CapacityLimiter(config.sub_audit_concurrency)

    async def one(i: int) -> None:
        sub_recorder = Recorder(recorder.on_event, prefix=f"sub{i + 1}.")
        cfg = sub_config.model_copy(update={"seed": config.seed + i + 1})
        async with limiter:
            try:
                outcome: AgentOutcome = await run_agent(job, cfg, recorder=sub_recorder, screen_run=screen_run)
            except Exception as exc:  # noqa: BLE001 - one failed sub-audit must not sink the others
                sub_recorder.note(f"sub-audit failed: {type(exc).__name__}: {exc}", name="audit", kind="error")
                reports[i] = AuditReport.inconclusive(
                    job=job, auditor=f"agent:{config.auditor_name}", reason=f"sub-audit failed: {exc}",
                    threshold=config.resolved_threshold(), transcript=sub_recorder.entries,
                    started_at=_now(), finished_at=_now(),
                )
                return
        reports[i] = outcome.report

    recorder.note(f"super-audit: running {n} sub-audits (at most {config.sub_audit_concurrency} at a time)", name="super")
    async with anyio.create_task_group() as tg:
        for i in range(n):
            tg.start_soon(one, i)
    subs = [r for r in reports if r is not None]
    recorder.note(
        "sub-audits done: " + "; ".join(
            f"#{i + 1} {r.verdict.value}" + (f" {r.risk_score:g}" if r.risk_score is not None else "") for i, r in enumerate(subs)
        ),
        name="super",
    )

    def extra_prompt(blocks: DataBlocks) -> str:
        listing = "\n\n".join(verdict_line(i, r) for i, r in enumerate(subs, 1))
        return f"{SUPER_ROLE}\n\nThe verdicts of the {len(subs)} sub-audits:\n" + blocks.wrap(
            listing, "sub-audit verdicts", limit=12_000
        )

    own = Recorder(recorder.on_event)
    final = await run_agent(
        job,
        config,
        recorder=own,
        screen_run=screen_run,
        extra_tools=[_read_tool(subs)],
        extra_tools_line=f"- sub-audits: {SUB_TOOL} reads each sub-audit's investigation",
        extra_prompt=extra_prompt,
        required={f"sub-audit:{i}": f"sub-audit {i} ({SUB_TOOL})" for i in range(1, len(subs) + 1)},
        meter=meter,
    )
    report = final.report
    usage, by_model = report.usage, dict(report.usage_by_model)
    for sub in subs:
        usage = usage + sub.usage
        for name, value in sub.usage_by_model.items():
            by_model[name] = by_model.get(name, Usage()) + value
    scores = ", ".join(
        f"#{i} {r.risk_score:g}" if r.risk_score is not None else f"#{i} inconclusive" for i, r in enumerate(subs, 1)
    )
    summary = f"Super-auditor over {len(subs)} sub-audits (scores {scores}).\n\n{report.summary}"
    transcript = list(recorder.entries) + [e for r in subs for e in r.transcript] + list(report.transcript)
    return report.model_copy(update={
        "summary": summary, "usage": usage, "usage_by_model": by_model, "transcript": transcript,
    })

