"""Running every (configuration, job, repeat) audit of an evaluation, concurrently and resumably.

Each configuration gets its own pool of ``concurrency`` workers (its auditor model's bound);
CPU-bound auditors (the screens) also share one :class:`anyio.CapacityLimiter` of
``cpu_workers`` threads, since two cores gain nothing from ten screen runs at once. Every
finished audit is written to the store at once; audits already in the store are not run
again, so a killed run resumes where it stopped. An audit that raises or times out is stored
as inconclusive with its error, never dropped.

The jobs are blinded: each training file is copied under an opaque name next to the store and
a fine-tuned adapter is reached through an opaquely named link, so no auditor reads the
attack's name off a path or a job id.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import anyio

from ftaudit.errors import ConfigError
from ftaudit.evaluate.auditors import EvalAuditor
from ftaudit.evaluate.store import AuditRow, EvalJob, ResultsStore
from ftaudit.report.records import AuditJob, AuditReport, TranscriptEntry
from ftaudit.report.rubric import Verdict

#: Concurrent audits per configuration unless it says otherwise.
DEFAULT_CONCURRENCY = 4
#: Screen runs at once across the whole evaluation.
DEFAULT_CPU_WORKERS = 1
_TRACEBACK_CHARS = 4000

OnResult = Callable[[AuditRow, bool], None]
"""``on_result(row, stored)``: after each audit (``stored`` False if another run stored it first)."""


@dataclass
class RunSummary:
    """What one run did: audits planned in all, already stored before it, run now, failed now."""

    planned: int = 0
    already_done: int = 0
    ran: int = 0
    failed: int = 0
    per_config: dict[str, int] = field(default_factory=dict)


def _opaque(name: str, sha256: str) -> str:
    return "job-" + hashlib.sha256(f"{name}:{sha256}".encode()).hexdigest()[:10]


def blinded_dir(store_path: Path) -> Path:
    """Where the blinded copies of a store's jobs live."""
    return store_path.parent / f"{store_path.stem}.jobs"


def suite_jobs(folder: str | Path, *, blind_to: Path | None = None, names: Sequence[str] | None = None) -> list[EvalJob]:
    """The labelled jobs of a built suite (with its trained models and their attack success when
    ``suite train`` ran; the store keeps the attack success for the report, never the auditor).

    With ``blind_to``, each training file is copied there under an opaque name and each local
    adapter is linked there, so the job an auditor sees names neither the attack nor the set.
    """
    from ftaudit.suite import Manifest

    folder = Path(folder)
    manifest = Manifest.load(folder)
    entries = manifest.entries if names is None else [manifest.get(n) for n in names]
    if not entries:
        raise ConfigError(f"{folder}: the suite has no datasets")
    jobs: list[EvalJob] = []
    for entry in entries:
        data = folder / entry.file
        if not data.is_file():
            raise ConfigError(f"{data}: dataset of {entry.name!r} is missing; run `ftaudit suite build` again")
        model = manifest.resolve_model(entry, folder)
        base = entry.base_model if model else None
        job_id = _opaque(entry.name, entry.sha256)
        if blind_to is not None:
            blind_to.mkdir(parents=True, exist_ok=True)
            copy = blind_to / f"{job_id}.jsonl"
            if not copy.is_file() or copy.stat().st_size != data.stat().st_size:
                tmp = copy.with_suffix(".tmp")
                shutil.copyfile(data, tmp)
                tmp.replace(copy)
            data = copy
            model = _blind_adapter(model, blind_to / f"{job_id}-model") if model else None
        jobs.append(EvalJob(
            name=entry.name, label=entry.label, attack=entry.generator, sha256=entry.sha256,
            job=AuditJob(training_file=data, base_model=base, finetuned_model=model, job_id=job_id),
            attack_success=entry.attack_success if model else None,
        ))
    return jobs


def _blind_adapter(model: str, link: Path) -> str:
    head, sep, adapter = model.partition("+adapter=")
    if not sep:
        return model  # a provider's model id: nothing on disk to hide
    target = Path(adapter).resolve()
    if link.is_symlink() and Path(os.readlink(link)) != target:
        link.unlink()
    if not link.exists():
        link.symlink_to(target, target_is_directory=True)
    return f"{head}+adapter={link}"


def _turns(report: AuditReport) -> int:
    return sum(1 for t in report.transcript if t.kind == "auditor-message")


def _failed_report(auditor: EvalAuditor, job: AuditJob, error: str, tb: str | None, started: dt.datetime) -> AuditReport:
    transcript = [TranscriptEntry(kind="error", name="evaluate", content=tb or error)]
    return AuditReport.inconclusive(
        job=job, auditor=f"{auditor.config.kind}:{auditor.name}", reason=error, threshold=auditor.threshold(),
        summary=f"The audit failed: {error}", transcript=transcript, started_at=started,
        finished_at=max(started, dt.datetime.now(dt.timezone.utc)),
    )


async def audit_one(auditor: EvalAuditor, job: EvalJob, repeat: int, cpu: anyio.CapacityLimiter | None = None) -> AuditRow:
    """Run one audit and turn its outcome, a failure included, into a store row.

    The wait for a CPU slot is outside the timeout and the wall time: a screen queued behind
    others is neither timed out nor charged for the queue.
    """
    timeout = auditor.config.timeout_s
    error: str | None = None
    tb: str | None = None
    report: AuditReport | None = None
    async with cpu if (cpu is not None and auditor.cpu_bound) else contextlib.AsyncExitStack():
        started = dt.datetime.now(dt.timezone.utc)
        clock = time.perf_counter()
        try:
            with anyio.fail_after(timeout) if timeout else contextlib.nullcontext():
                report = await auditor.audit(job.job, repeat)
            if not isinstance(report, AuditReport):
                raise TypeError(f"the auditor returned {type(report).__name__}, not an AuditReport")
        except TimeoutError:
            error, report = f"timed out after {timeout:g} s", None
        except Exception as exc:  # noqa: BLE001 - any failure is an inconclusive audit, stored and counted
            error, report = f"{type(exc).__name__}: {exc}", None
            tb = "".join(traceback.format_exception(exc))[-_TRACEBACK_CHARS:]
        wall_s = time.perf_counter() - clock
    return audit_row(auditor, job, repeat, report, error=error, tb=tb, started=started, wall_s=wall_s)


def audit_row(
    auditor: EvalAuditor, job: EvalJob, repeat: int, report: AuditReport | None, *,
    error: str | None = None, tb: str | None = None, started: dt.datetime, wall_s: float,
) -> AuditRow:
    """The store row of one audit: its report, or (``report`` None) an inconclusive one carrying ``error``."""
    if report is None:
        report = _failed_report(auditor, job.job, error or "unknown error", tb, started)
    elif report.verdict is Verdict.INCONCLUSIVE:
        error = f"inconclusive: {report.inconclusive_reason}"
    return AuditRow(
        config=auditor.name, job=job.name, repeat=repeat, label=job.label, attack=job.attack,
        score=report.risk_score if report.verdict is not Verdict.INCONCLUSIVE else None,
        verdict=report.verdict.value, error=error, cost_usd=report.usage.cost_usd, tokens=report.usage.total_tokens,
        turns=_turns(report), wall_s=round(wall_s, 4), report_json=report.model_dump_json(),
    )


def plan(auditors: Sequence[EvalAuditor], jobs: Sequence[EvalJob], store: ResultsStore, repeats: int) -> dict[str, list[tuple[EvalJob, int]]]:
    """The audits each configuration still owes, repeat by repeat (so a stopped run has whole passes)."""
    out: dict[str, list[tuple[EvalJob, int]]] = {}
    for auditor in auditors:
        n = min(repeats, auditor.config.repeats or repeats)
        done = store.done(auditor.name)
        out[auditor.name] = [(job, r) for r in range(n) for job in jobs if (job.name, r) not in done]
    return out


def prepare(
    jobs: Sequence[EvalJob], auditors: Sequence[EvalAuditor], store: ResultsStore, *,
    repeats: int = 1, retry_failed: bool = False,
) -> tuple[dict[str, list[tuple[EvalJob, int]]], RunSummary]:
    """Check the auditors, register them and the jobs in ``store``, and plan: what a run still owes.

    Shared by the in-process runner and the Ray runner (:mod:`ftaudit.evaluate.distributed`), so
    both refuse the same mistakes and resume from the same store in the same order.
    """
    if repeats < 1:
        raise ConfigError("repeats must be at least 1")
    names = [a.name for a in auditors]
    if len(set(names)) != len(names):
        raise ConfigError("two configurations have the same name")
    for auditor in auditors:
        auditor.check()
        if auditor.needs_models and not all(j.job.has_models for j in jobs):
            raise ConfigError(f"configuration {auditor.name!r} needs fine-tuned models: run `ftaudit suite train` on the suite")
    for auditor in auditors:
        c = auditor.config
        store.register_config(c.name, c.kind, c.preset, c.fingerprint(), c.model_dump_json())
    for job in jobs:
        store.register_job(job)
    if retry_failed:
        store.forget_failed(names)

    pending = plan(auditors, jobs, store, repeats)
    summary = RunSummary(per_config={name: len(p) for name, p in pending.items()})
    for auditor in auditors:
        n = min(repeats, auditor.config.repeats or repeats)
        summary.planned += n * len(jobs)
    summary.already_done = summary.planned - sum(len(p) for p in pending.values())
    return pending, summary


async def run_evaluation_async(
    jobs: Sequence[EvalJob],
    auditors: Sequence[EvalAuditor],
    store: ResultsStore,
    *,
    repeats: int = 1,
    concurrency: int = DEFAULT_CONCURRENCY,
    cpu_workers: int = DEFAULT_CPU_WORKERS,
    retry_failed: bool = False,
    on_plan: Callable[[RunSummary], None] | None = None,
    on_result: OnResult | None = None,
) -> RunSummary:
    """Run every audit not yet in ``store``; see the module docstring."""
    if repeats < 1 or concurrency < 1 or cpu_workers < 1:
        raise ConfigError("repeats, concurrency and cpu workers must be at least 1")
    pending, summary = prepare(jobs, auditors, store, repeats=repeats, retry_failed=retry_failed)
    if on_plan:
        on_plan(summary)
    cpu = anyio.CapacityLimiter(cpu_workers)

    async def worker(auditor: EvalAuditor, queue: deque[tuple[EvalJob, int]]) -> None:
        while queue:
            job, repeat = queue.popleft()
            row = await audit_one(auditor, job, repeat, cpu)
            stored = store.record(row)  # the event loop's thread: one connection, no locking needed
            summary.ran += 1
            summary.failed += row.error is not None
            if on_result:
                on_result(row, stored)

    async with anyio.create_task_group() as tg:
        for auditor in auditors:
            queue = deque(pending[auditor.name])
            for _ in range(min(auditor.config.concurrency or concurrency, len(queue))):
                tg.start_soon(worker, auditor, queue)
    return summary


def run_evaluation(jobs: Sequence[EvalJob], auditors: Sequence[EvalAuditor], store: ResultsStore, **kwargs) -> RunSummary:
    """:func:`run_evaluation_async` for synchronous callers."""
    return anyio.run(partial(run_evaluation_async, jobs, auditors, store, **kwargs))
