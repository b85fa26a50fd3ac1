"""One stage of a service audit, run with the existing auditors, unchanged.

A stage reads the training file the API stored, writes it to a private temporary folder under
its original name, and runs :func:`ftaudit.screens.run.run_screens` (the ``screens`` stage, as
``ftaudit screen`` does) or :func:`ftaudit.agent.audit_async` (the ``agent`` stage, as
``ftaudit audit`` does, its screens' brief included). Whatever goes wrong inside (an unreadable
file, a crashed auditor, a model that does not answer) becomes an inconclusive report naming
the reason: a stage never fails open, and never fails the workflow so that it would be retried
into a different answer.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import traceback
from functools import partial
from pathlib import Path, PurePath
from typing import Any

import anyio

from ftaudit.errors import FtauditError
from ftaudit.report.records import AuditJob, AuditReport, TranscriptEntry

SCREENS_AUDITOR = "screens"
# How much of a crash's traceback the report keeps.
_TRACEBACK_CHARS = 4000


def stage_name(spec: dict[str, Any]) -> str:
    """``agent`` when the audit's auditor spec configures the agent, else ``screens``."""
    return "agent" if spec.get("auditor", {}).get("agent") else "screens"


def model_key(spec: dict[str, Any]) -> str | None:
    """What the per-model concurrency limit counts: the fine-tuned model an audit queries (None: no model)."""
    job = spec.get("job", {})
    return job.get("finetuned_model") if job.get("base_model") and job.get("finetuned_model") else None


def safe_file_name(name: str) -> str:
    """The last component of a submitted file name, without anything that could leave a folder."""
    base = PurePath(name.replace("\\", "/")).name.strip() or "training.jsonl"
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in base)[:200].lstrip(".") or "training.jsonl"


def _job(spec: dict[str, Any], path: Path) -> AuditJob:
    job = spec.get("job", {})
    return AuditJob(
        training_file=path, base_model=job.get("base_model"), finetuned_model=job.get("finetuned_model"),
        job_id=job.get("job_id"), customer=job.get("customer"), stated_purpose=job.get("stated_purpose"),
        metadata=job.get("metadata") or {},
    )


def run_stage(spec: dict[str, Any], file_name: str, content: bytes) -> AuditReport:
    """Run the audit ``spec`` describes on ``content``; the report (inconclusive on any failure)."""
    started_at = dt.datetime.now(dt.timezone.utc)
    name = safe_file_name(file_name)
    with tempfile.TemporaryDirectory(prefix="ftaudit-service-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        job = _job(spec, path)
        try:
            report = anyio.run(partial(_run, spec, job))
        except Exception as exc:
            report = _failed(spec, job, exc, started_at)
    # The report names the file as the customer sent it, not the worker's temporary copy.
    return report.model_copy(update={"job": report.job.model_copy(update={
        "training_file": Path(name), "job_id": job.job_id, "customer": job.customer,
        "stated_purpose": job.stated_purpose, "metadata": dict(job.metadata),
    })})


async def _run(spec: dict[str, Any], job: AuditJob) -> AuditReport:
    auditor = spec.get("auditor", {})
    if auditor.get("agent"):
        from ftaudit.agent import AuditConfig, audit_async

        return await audit_async(job, AuditConfig.model_validate(auditor["agent"]))
    from ftaudit.screens.run import run_screens

    run = await run_screens(job.training_file, base_model=job.base_model, finetuned_model=job.finetuned_model,
                            only=auditor.get("screens"))
    return run.report


def _failed(spec: dict[str, Any], job: AuditJob, exc: Exception, started_at: dt.datetime) -> AuditReport:
    from ftaudit.config import get_settings

    agent = spec.get("auditor", {}).get("agent")
    auditor = f"agent:{agent['auditor']}" if agent else SCREENS_AUDITOR
    threshold = get_settings().verdict_threshold
    if agent and agent.get("threshold") is not None:
        threshold = float(agent["threshold"])
    what = "the training file could not be audited" if isinstance(exc, FtauditError) else "the audit crashed"
    reason = f"{what}: {type(exc).__name__}: {exc}"
    entry = TranscriptEntry(kind="error", name=stage_name(spec), content=traceback.format_exc()[-_TRACEBACK_CHARS:],
                            started_at=dt.datetime.now(dt.timezone.utc))
    return AuditReport.inconclusive(job=job, auditor=auditor, reason=reason, threshold=threshold, transcript=[entry],
                                    started_at=started_at, finished_at=dt.datetime.now(dt.timezone.utc))
