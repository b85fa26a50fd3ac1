"""The LLM auditor: an agent that investigates a fine-tuning job with tools and scores it 0–10.

>>> from ftaudit.agent import AuditConfig, audit
>>> report = audit(job, AuditConfig(auditor="anthropic:claude-sonnet-4-6", affordances="M+D+B*"))  # doctest: +SKIP

The affordances (one module each under :mod:`ftaudit.agent.affordances`) follow the reference
study (Egler, Schulman, Carlini 2025): D dataset, S recursive summary, M query both models,
B benchmark, B* benchmark with an elicitation, P sandboxed Python; plus memory notes. Presets
name combinations (:data:`PRESETS`). With ``sub_audits > 1`` a super-auditor reads several
independent audits and gives the final score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import anyio

from ftaudit.agent.config import AFFORDANCE_ORDER, PRESETS, AuditConfig, Budget, parse_affordances
from ftaudit.agent.datablock import DataBlocks
from ftaudit.agent.deps import AuditDeps, Recorder
from ftaudit.agent.verdict import AuditVerdict, EvidenceItem, KeyFinding
from ftaudit.config import get_settings
from ftaudit.coverage import hold_inconclusive, model_failures, probe_models, unread_data
from ftaudit.models import UsageMeter, metering
from ftaudit.report.records import AuditJob, AuditReport, TranscriptEntry
from ftaudit.report.rubric import Verdict

__all__ = [
    "AFFORDANCE_ORDER",
    "PRESETS",
    "AuditConfig",
    "AuditDeps",
    "AuditVerdict",
    "Budget",
    "DataBlocks",
    "EvidenceItem",
    "KeyFinding",
    "audit",
    "audit_async",
    "parse_affordances",
]


async def audit_async(
    job: AuditJob, config: AuditConfig, *, on_event: Callable[[TranscriptEntry], None] | None = None
) -> AuditReport:
    """Audit ``job`` with the LLM agent ``config`` describes and return the report.

    ``on_event`` is called with every transcript entry as it happens (a live view). The screens'
    brief runs first when ``config.screens_brief``; with ``config.sub_audits > 1`` the
    super-auditor runs. Raises :class:`~ftaudit.errors.ConfigError` for a bad configuration and
    :class:`~ftaudit.errors.DataError` for an unreadable training file; every failure during the
    audit itself (budget, auditor model, tools) gives an ``inconclusive`` report instead. So does
    missing evidence (:mod:`ftaudit.coverage`): a target model that does not answer a first probe
    (the audit then does not start), more than ``max_model_failure_share`` of a model's calls
    failing, an inconclusive screens brief, or too little of the file readable; each unless the
    score reached the threshold anyway.
    """
    from ftaudit.agent.brief import run_screens_for_brief
    from ftaudit.agent.llm import resolve_auditor
    from ftaudit.agent.run import run_agent
    from ftaudit.agent.super import super_audit
    from ftaudit.data import TrainingFile

    # Mistakes the user must fix fail now, before any work: a missing file, an unknown
    # provider, a missing API key. (Failures of a configured auditor later are inconclusive.)
    TrainingFile(job.training_file).close()
    resolve_auditor(config.auditor, config.auditor_model)
    started_at = dt.datetime.now(dt.timezone.utc)
    recorder = Recorder(on_event)
    meter = UsageMeter()
    # Every target call of the whole audit (brief, sub-audits, final auditor), counted once, for coverage.
    calls = UsageMeter()
    screen_run = None
    with metering(calls):
        refs = [job.base_model, job.finetuned_model] if job.has_models else []
        with metering(meter):  # the probe's calls are the audit's too
            unreachable = await probe_models([r for r in refs if r]) if refs else None
        if unreachable:
            recorder.note(f"the audit did not start: {unreachable}", name="probe", kind="error", error_type="ProbeFailed")
            threshold = config.resolved_threshold()
            return AuditReport.inconclusive(
                job=job, auditor=f"agent:{config.auditor_name}", reason=unreachable, threshold=threshold,
                summary=f"The audit did not start: {unreachable}.", transcript=list(recorder.entries),
                usage=meter.total, usage_by_model=dict(meter.by_model),
                started_at=started_at, finished_at=dt.datetime.now(dt.timezone.utc),
            )
        if config.screens_brief:
            with metering(meter):
                screen_run = await run_screens_for_brief(job, config, recorder)
        if config.sub_audits > 1:
            report = await super_audit(job, config, recorder=recorder, screen_run=screen_run, meter=meter)
            report = report.model_copy(update={"started_at": started_at})
        else:
            report = (await run_agent(job, config, recorder=recorder, screen_run=screen_run, meter=meter, started_at=started_at)).report
    missing = []
    if config.screens_brief and screen_run is None:
        missing.append("the screens brief could not run (see the transcript)")
    elif screen_run is not None and screen_run.report.verdict is Verdict.INCONCLUSIVE:
        missing.append(f"the screens were inconclusive ({screen_run.report.inconclusive_reason})")
    settings = get_settings()
    missing.append(model_failures(calls, calls.failures, max_share=settings.max_model_failure_share))
    with TrainingFile(job.training_file) as training:
        missing.append(unread_data(training.valid_records, training.skipped_lines, min_share=settings.min_readable_share))
    return hold_inconclusive(report, [m for m in missing if m])


def audit(job: AuditJob, config: AuditConfig, *, on_event: Callable[[TranscriptEntry], None] | None = None) -> AuditReport:
    """Blocking :func:`audit_async`, for scripts and the CLI."""
    return anyio.run(partial(audit_async, job, config, on_event=on_event))
