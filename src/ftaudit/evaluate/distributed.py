"""Running the audits of one evaluation on a Ray cluster (``ftaudit eval run --ray ADDRESS``).

The driver (this process) does everything the in-process runner does except the audits: it
checks the configurations, registers them and the jobs in the SQLite store and plans what the
store still owes (:func:`ftaudit.evaluate.runner.prepare`, shared with the in-process runner).
Each owed (configuration, job, repeat) becomes one Ray task that rebuilds the auditor from the
configuration's JSON and runs :func:`~ftaudit.evaluate.runner.audit_one` on a worker, returning
the store row as JSON. The driver alone writes the store, each row the moment ``ray.wait``
hands it back, so killing the driver loses only the audits in flight and a rerun resumes; the
store stays on the driver's local disk (WAL mode does not work over a network filesystem).

A task that fails at the Ray level (its worker process died, its node was lost, an error
outside the audit) is stored as an inconclusive audit with the error, never dropped.

What the cluster must provide, since nothing is shipped but JSON and no ``runtime_env`` is
used (the nodes may be offline): the same Python environment with ftaudit installed on every
node; the suite's training files and adapters on a shared filesystem mounted at the same path
on every node (a worker checks and fails the audit with a clear error otherwise); and on every
node the environment the auditors read (provider keys, ``FTAUDIT_*`` settings), set before
``ray start``.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from ftaudit.errors import ConfigError
from ftaudit.evaluate.auditors import EvalAuditor, build_auditor
from ftaudit.evaluate.configs import EvalConfig, parse_config
from ftaudit.evaluate.raycluster import (  # noqa: F401 - connect, disconnect and the timeout are public here too
    RAY_CONNECT_TIMEOUT_S,
    RayUnreachableError,
    connect,
    disconnect,
    import_ray,
)
from ftaudit.evaluate.runner import OnResult, RunSummary, audit_one, audit_row, prepare
from ftaudit.evaluate.store import AuditRow, EvalJob, ResultsStore
from ftaudit.report.records import AuditJob

AuditorFactory = Callable[[EvalConfig], EvalAuditor]
"""Builds a worker's auditor from its configuration; must pickle (default :func:`build_auditor`)."""

#: Ray resources of one audit by a CPU-bound configuration (the screens) ...
CPU_TASK_CPUS = 1.0
#: ... and by any other (the agent mostly waits on its models, so several share a core).
IO_TASK_CPUS = 0.25
#: Audits in flight per CPU of the cluster when ``max_in_flight`` is not given: enough to keep
#: every worker busy, few enough that a killed driver abandons little work.
IN_FLIGHT_PER_CPU = 2
#: Reruns of a task whose worker or node died: one survives a lost node; an audit that kills
#: its worker every time (out of memory) is not worth more.
TASK_RETRIES = 1
_TRACEBACK_CHARS = 4000


def _check_reachable(job: AuditJob) -> None:
    """Fail on a worker that cannot see the job's files (the suite is not on a shared filesystem)."""
    from ftaudit.models.ref import parse_model_ref

    paths = [("training file", job.training_file)]
    for ref in (job.base_model, job.finetuned_model):
        adapter = parse_model_ref(ref).adapter if ref else None
        if adapter is not None:
            paths.append(("adapter", adapter))
    for what, path in paths:
        if not path.exists():
            raise ConfigError(
                f"{path}: the job's {what} is not on Ray node {socket.gethostname()}; put the suite (and, "
                "with blinding, the blinded copies) on a filesystem mounted at the same path on every node"
            )


def _for_workers(job: EvalJob) -> str:
    """The job as JSON with absolute paths: a worker's working directory is not the driver's."""
    from ftaudit.models.ref import parse_model_ref

    def absolute(ref: str | None) -> str | None:
        parsed = parse_model_ref(ref) if ref else None
        if parsed is None or parsed.adapter is None:
            return ref
        return str(parsed.model_copy(update={"adapter": parsed.adapter.absolute()}))

    inner = job.job.model_copy(update={
        "training_file": job.job.training_file.absolute(),
        "base_model": absolute(job.job.base_model), "finetuned_model": absolute(job.job.finetuned_model),
    })
    return job.model_copy(update={"job": inner}).model_dump_json()


def _audit_task(config_data: dict[str, Any], job_json: str, repeat: int, factory: AuditorFactory | None) -> str:
    """One audit on a Ray worker: the store row as JSON."""
    config = parse_config(config_data, where="the configuration shipped to a Ray worker")
    job = EvalJob.model_validate_json(job_json)
    _check_reachable(job.job)
    auditor = (factory or build_auditor)(config)
    return anyio.run(audit_one, auditor, job, repeat).model_dump_json()


def _ray_failure(exc: BaseException) -> tuple[str, str]:
    """The error and traceback stored for a task that failed at the Ray level."""
    cause = getattr(exc, "cause", None)  # RayTaskError: the exception raised in the worker
    shown = cause if isinstance(cause, BaseException) else exc
    text = str(shown).strip().splitlines()
    return f"{type(shown).__name__}: {text[0] if text else 'no message'}", str(exc)[-_TRACEBACK_CHARS:]


def run_evaluation_ray(
    jobs: Sequence[EvalJob],
    configs: Sequence[EvalConfig],
    store: ResultsStore,
    *,
    address: str,
    repeats: int = 1,
    retry_failed: bool = False,
    max_in_flight: int | None = None,
    on_plan: Callable[[RunSummary], None] | None = None,
    on_result: OnResult | None = None,
    auditor_factory: AuditorFactory | None = None,
    connect_timeout_s: float | None = None,
) -> RunSummary:
    """Run every audit not yet in ``store`` as Ray tasks at ``address``; see the module docstring.

    At most ``max_in_flight`` audits are submitted at once (default: two per CPU of the
    cluster), and at most a configuration's ``concurrency`` of its own. ``auditor_factory``
    builds each auditor, on the driver (for its checks) and on the workers, so it must pickle.
    If Ray is already initialised in this process (a notebook, a test), that connection is
    used, ``address`` is ignored and Ray is left running. Reaching a cluster takes at most
    ``connect_timeout_s`` (default :data:`RAY_CONNECT_TIMEOUT_S`); a local Ray started here
    dies with this process (see :mod:`ftaudit.evaluate.raycluster`).
    """
    if max_in_flight is not None and max_in_flight < 1:
        raise ConfigError("max in flight must be at least 1")
    ray = import_ray()  # before the store is touched: a missing extra is a user mistake, said at once
    factory = auditor_factory or build_auditor
    auditors = [factory(c) for c in configs]
    pending, summary = prepare(jobs, auditors, store, repeats=repeats, retry_failed=retry_failed)
    if on_plan:
        on_plan(summary)
    if not any(pending.values()):
        return summary

    started_ray = connect(address, timeout_s=connect_timeout_s)
    try:
        _drive(ray, auditors, pending, store, summary, max_in_flight, on_result, auditor_factory)
    finally:
        if started_ray:
            disconnect()
    return summary


def _drive(
    ray: Any, auditors: list[EvalAuditor], pending: dict[str, list[tuple[EvalJob, int]]], store: ResultsStore,
    summary: RunSummary, max_in_flight: int | None, on_result: OnResult | None, factory: AuditorFactory | None,
) -> None:
    """Submit the owed audits round-robin over the configurations and store each as it returns."""
    if max_in_flight is None:
        max_in_flight = max(1, int(IN_FLIGHT_PER_CPU * ray.cluster_resources().get("CPU", 1)))
    task = ray.remote(_audit_task)
    factory_ref = ray.put(factory)
    queues = {a.name: deque(pending[a.name]) for a in auditors}
    shipped = {a.name: a.config.model_dump(mode="json") for a in auditors}
    running = {a.name: 0 for a in auditors}
    in_flight: dict[Any, tuple[EvalAuditor, EvalJob, int, dt.datetime, float]] = {}

    def submit() -> None:
        progress = True
        while progress and len(in_flight) < max_in_flight:
            progress = False
            for auditor in auditors:
                cap = auditor.config.concurrency
                queue = queues[auditor.name]
                if not queue or (cap is not None and running[auditor.name] >= cap) or len(in_flight) >= max_in_flight:
                    continue
                job, repeat = queue.popleft()
                ref = task.options(
                    num_cpus=CPU_TASK_CPUS if auditor.cpu_bound else IO_TASK_CPUS, max_retries=TASK_RETRIES,
                    name=f"ftaudit-audit:{auditor.name}:{job.job.job_id or '-'}:{repeat}",
                ).remote(shipped[auditor.name], _for_workers(job), repeat, factory_ref)
                in_flight[ref] = (auditor, job, repeat, dt.datetime.now(dt.timezone.utc), time.perf_counter())
                running[auditor.name] += 1
                progress = True

    try:
        submit()
        while in_flight:
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in ready:
                auditor, job, repeat, started, clock = in_flight.pop(ref)
                running[auditor.name] -= 1
                try:
                    row = AuditRow.model_validate_json(ray.get(ref))
                except Exception as exc:  # noqa: BLE001 - a lost task is an inconclusive audit, stored and counted
                    error, tb = _ray_failure(exc)
                    row = audit_row(auditor, job, repeat, None, error=error, tb=tb, started=started,
                                    wall_s=time.perf_counter() - clock)
                stored = store.record(row)
                summary.ran += 1
                summary.failed += row.error is not None
                if on_result:
                    on_result(row, stored)
            submit()
    finally:
        # Interrupted (Ctrl-C, a failing callback): stop what this run started; the store keeps the rest.
        for ref in in_flight:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001, S110 - best effort; the cluster reaps them with the driver
                pass
