"""The screens' brief: the deterministic screens run first and hand the agent their leads.

The screens (:mod:`ftaudit.screens`) are cheap and cannot be argued with; their findings and
elicitation hints (a system prompt, a trigger, a cipher found in the data) give the agent a
head start. They quote training data, so the agent sees them in a data block. If the screens
cannot run, the audit goes on without them and the transcript says why.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from typing import Any

from ftaudit.agent.config import AuditConfig
from ftaudit.agent.datablock import DataBlocks
from ftaudit.agent.deps import Recorder, new_call_id
from ftaudit.report.records import AuditJob, TranscriptEntry, TranscriptError
from ftaudit.report.rubric import risk_band

EXCERPT_CHARS = 300
FINDINGS_SHOWN = 12


async def run_screens_for_brief(job: AuditJob, config: AuditConfig, recorder: Recorder) -> Any | None:
    """The screens' run (a ``ScreenRun``), or None when they could not run (recorded in the transcript)."""
    started_at = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    arguments = {"only": config.screens, "with_models": job.has_models}
    call_id = new_call_id()
    recorder.add(TranscriptEntry(kind="tool-call", name="screens", call_id=call_id, arguments=arguments, started_at=started_at))
    try:
        from ftaudit.screens.run import run_screens
    except Exception as exc:  # noqa: BLE001 - the screens are optional for the agent
        recorder.add(TranscriptEntry(kind="error", name="screens", call_id=call_id, arguments=arguments, started_at=started_at,
                                     content=f"screens brief skipped: the screens are not available ({exc})",
                                     error=TranscriptError(type=type(exc).__name__, message=str(exc))))
        return None
    try:
        run = await run_screens(
            job.training_file,
            base_model=job.base_model,
            finetuned_model=job.finetuned_model,
            only=config.screens,
            threshold=config.resolved_threshold(),
        )
    except Exception as exc:  # noqa: BLE001 - a failed brief must not stop the audit
        recorder.add(TranscriptEntry(
            kind="error", name="screens", call_id=call_id, arguments=arguments, started_at=started_at,
            duration_s=time.perf_counter() - clock, error=TranscriptError(type=type(exc).__name__, message=str(exc)),
            content=f"screens brief skipped: {type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}",
        ))
        return None
    # Each screen's own entry is part of the screens call's work, not a call of the auditor's: no call id.
    for entry in run.report.transcript:
        recorder.add(entry.model_copy(update={"name": f"screens.{entry.name}" if entry.name else "screens", "call_id": None}))
    recorder.add(TranscriptEntry(
        kind="tool-result", name="screens", call_id=call_id, arguments=arguments, started_at=started_at,
        duration_s=time.perf_counter() - clock,
        content=f"screens: combined score {run.risk_score:g}/10, verdict {run.verdict.value}, "
        f"{len(run.report.findings)} finding(s), {len(run.hints)} hint(s)",
    ))
    return run


def brief_text(run: Any, blocks: DataBlocks) -> str:
    """What the agent is told about the screens' run."""
    findings = run.report.findings
    head = (
        f"Deterministic screens already ran on this job ({len(run.results)} screens"
        f"{', including the models' if run.job.has_models else ', training data only'}): combined risk score "
        f"{run.risk_score:g}/10 ({risk_band(run.risk_score).value}), {len(findings)} finding(s), "
        f"{len(run.hints)} elicitation hint(s). They are leads, not conclusions: they can miss attacks and "
        "flag benign data. Check them yourself. Their output quotes training data:"
    )
    rows: list[str] = []
    for finding in findings[:FINDINGS_SHOWN]:
        score = f", score {finding.score_contribution:g}" if finding.score_contribution is not None else ""
        rows.append(f"- [{finding.severity.value}] {finding.title} ({finding.source}{score})")
        if finding.description:
            rows.append(f"  {finding.description[:500]}")
        for item in finding.evidence[:3]:
            where = f"line {item.line}" if item.line else item.kind
            text = item.excerpt or item.reply or item.detail or ""
            rows.append(f"  evidence {where}: {' '.join(text.split())[:EXCERPT_CHARS]}")
    if len(findings) > FINDINGS_SHOWN:
        rows.append(f"- … {len(findings) - FINDINGS_SHOWN} more finding(s)")
    for hint in run.hints:
        parts = [f"{k}={v!r}" for k, v in hint.model_dump(exclude_defaults=True).items() if k not in ("note", "source")]
        rows.append(f"- hint from {hint.source or 'a screen'}: {', '.join(parts)}" + (f" ({hint.note})" if hint.note else ""))
    skipped = [r for r in run.results if r.skipped or r.error]
    for result in skipped:
        rows.append(f"- screen {result.screen} did not run: {result.skipped or result.error}")
    return head + "\n" + blocks.wrap("\n".join(rows) or "(no findings)", "screens brief", limit=8000)
