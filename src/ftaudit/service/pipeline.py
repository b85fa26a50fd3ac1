"""The audit as a DBOS durable workflow on a DBOS queue, and the workers that run it.

Why DBOS: one maintained engine for both modes. Its system database is SQLite for the embedded
default (nothing to install; the workers are threads of the API's process) and PostgreSQL for
any number of worker processes on any machines, with the same code; it checkpoints each step
of a workflow, records a workflow's outcome exactly once, has queues with global, per-worker and
per-partition concurrency limits, and a client that enqueues and cancels from a process that
runs no workflows (the API). (procrastinate is PostgreSQL-only, so the embedded mode would have
needed a second engine.)

One audit is the workflow :func:`audit_workflow` on the ``ftaudit-audits`` queue, partitioned by
tenant (``per_tenant_concurrency``). Its steps, each checkpointed: ``start`` (queued → running),
the stage (``screens`` or ``agent``: the report), ``finish`` (the report stored once, the status
set), ``webhook`` (retried with backoff by DBOS). A stage that queries a model runs as a child
workflow on the ``ftaudit-model-stages`` queue, partitioned by the fine-tuned model
(``per_model_concurrency``). A worker killed mid-stage loses only that stage: the workflow is
recovered from its last checkpoint and the stage runs again; the report is stored once.

Recovery. DBOS recovers a process's own unfinished workflows when it starts again with the same
executor id (the embedded mode's is fixed). A worker that never comes back is found here: every
worker writes a heartbeat (``heartbeat_s``) to ``ftaudit_workers``; a live worker that sees one
silent for ``lease_s`` claims it (one claimant, by a conditional delete) and asks DBOS to
recover that executor's workflows, which DBOS re-enqueues so exactly one worker takes each.
DBOS's own answer to this is its hosted Conductor; a self-hosted deployment must do it itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ftaudit import __version__
from ftaudit.service.settings import ServiceSettings
from ftaudit.service.stages import model_key, run_stage, stage_name
from ftaudit.service.store import Store

AUDIT_QUEUE = "ftaudit-audits"
MODEL_QUEUE = "ftaudit-model-stages"
AUDIT_WORKFLOW = "ftaudit.audit"
STAGE_WORKFLOW = "ftaudit.model_stage"
#: Workers only run audits enqueued by the same application version (a new release drains the old one's first).
APP_VERSION = f"ftaudit-{__version__}"
APP_NAME = "ftaudit-service"
#: The embedded mode's executor id: fixed, so a restarted service recovers its own unfinished audits.
EMBEDDED_EXECUTOR = "embedded"

log = logging.getLogger("ftaudit.service")


@dataclass
class _Runtime:
    settings: ServiceSettings
    store: Store
    executor_id: str


_runtime: _Runtime | None = None


def _rt() -> _Runtime:
    if _runtime is None:
        raise RuntimeError("the service's workers are not started in this process")
    return _runtime


def _dbos() -> Any:
    from dbos import DBOS

    return DBOS


def _register() -> None:
    """Register the workflows with DBOS (once per process, before launch)."""
    DBOS = _dbos()
    if getattr(_register, "done", False):
        return

    @DBOS.workflow(name=AUDIT_WORKFLOW)
    def audit_workflow(audit_id: str) -> str:
        rt = _rt()
        started = DBOS.run_step({"name": "start"}, _start, audit_id)
        if not started:
            return "skipped"
        audit = rt.store.audit(None, audit_id)
        assert audit is not None
        spec = audit["spec"]
        model = model_key(spec)
        if model is None:
            report_json = DBOS.run_step({"name": stage_name(spec)}, _stage, audit_id)
        else:
            handle = DBOS.enqueue_workflow_with_options({
                "queue_name": MODEL_QUEUE, "workflow_name": STAGE_WORKFLOW, "workflow_id": f"{audit_id}.stage",
                "queue_partition_key": model, "app_version": APP_VERSION,
            }, audit_id)
            report_json = handle.get_result()
        finished = DBOS.run_step({"name": "finish"}, _finish, audit_id, report_json)
        if finished and audit["webhook_url"]:
            settings = rt.settings
            try:
                DBOS.run_step({
                    "name": "webhook", "retries_allowed": True, "max_attempts": settings.webhook_attempts,
                    "interval_seconds": settings.webhook_interval_s, "backoff_rate": 2.0,
                }, _webhook, audit_id)
            except Exception as exc:  # noqa: BLE001 - a receiver that never answered does not undo the audit
                DBOS.run_step({"name": "webhook-failed"}, _webhook_failed, audit_id, f"{type(exc).__name__}: {exc}")
        return "finished" if finished else "not-recorded"

    @DBOS.workflow(name=STAGE_WORKFLOW)
    def model_stage_workflow(audit_id: str) -> str:
        audit = _rt().store.audit(None, audit_id)
        assert audit is not None
        return DBOS.run_step({"name": stage_name(audit["spec"])}, _stage, audit_id)

    _register.done = True  # type: ignore[attr-defined]


def _start(audit_id: str) -> bool:
    return _rt().store.mark_running(audit_id, _rt().executor_id)


def _stage(audit_id: str) -> str:
    rt = _rt()
    audit = rt.store.audit(None, audit_id)
    assert audit is not None
    stage = stage_name(audit["spec"])
    rt.store.event(audit_id, "stage-started", stage=stage, executor=rt.executor_id)
    clock = time.perf_counter()
    report = run_stage(audit["spec"], audit["file_name"], rt.store.file(audit_id))
    rt.store.event(audit_id, "stage-finished", stage=stage, executor=rt.executor_id,
                   seconds=round(time.perf_counter() - clock, 3), verdict=report.verdict.value)
    return report.model_dump_json()


def _finish(audit_id: str, report_json: str) -> bool:
    from ftaudit.report.records import AuditReport

    report = AuditReport.model_validate_json(report_json)
    return _rt().store.finish(audit_id, report_json, report.verdict.value, report.risk_score)


def _webhook(audit_id: str) -> int:
    from ftaudit.service.webhooks import deliver, payload

    rt = _rt()
    audit = rt.store.audit(None, audit_id)
    assert audit is not None
    secret = rt.store.webhook_secret(audit["tenant"])
    if secret is None:
        raise RuntimeError(f"tenant {audit['tenant']!r} has no webhook secret")
    code = deliver(audit["webhook_url"], secret, f"msg_{audit_id}_finished", payload(audit),
                   timeout_s=rt.settings.webhook_timeout_s)
    rt.store.event(audit_id, "webhook-delivered", status=code)
    return code


def _webhook_failed(audit_id: str, error: str) -> None:
    _rt().store.event(audit_id, "webhook-failed", error=error)


# -- starting and stopping --------------------------------------------------------------------


def dbos_config(settings: ServiceSettings, executor_id: str | None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": APP_NAME, "system_database_url": settings.db, "application_version": APP_VERSION,
        "run_admin_server": False, "log_level": os.environ.get("FTAUDIT_SERVICE_LOG_LEVEL", "WARNING"),
        # Audits are submitted by the API's client; nothing here waits on notifications.
        "notification_listener_polling_interval_sec": 0.2,
    }
    if executor_id is not None:
        config["executor_id"] = executor_id
    return config


class Workers:
    """This process's share of the workers: DBOS launched on the service's database, and the liveness thread.

    ``concurrency`` audits run at once in this process (threads; the stages are mostly
    CPU-bound Python, so on PostgreSQL prefer more processes to more threads).
    """

    def __init__(self, settings: ServiceSettings, store: Store, *, concurrency: int, executor_id: str | None = None) -> None:
        global _runtime
        self.settings = settings
        self.store = store
        self.concurrency = concurrency
        if executor_id is None:
            executor_id = EMBEDDED_EXECUTOR if settings.embedded else f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self.executor_id = executor_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        _runtime = _Runtime(settings=settings, store=store, executor_id=executor_id)

    def start(self) -> None:
        DBOS = _dbos()
        _register()
        # Say we are alive before DBOS can hand us work, so a peer never takes us for dead.
        self.store.heartbeat(self.executor_id, socket.gethostname(), time.time())
        DBOS(config=dbos_config(self.settings, self.executor_id))
        DBOS.launch()
        register_queues(self.settings, worker_concurrency=self.concurrency)
        self._thread = threading.Thread(target=self._liveness, name="ftaudit-liveness", daemon=True)
        self._thread.start()

    def _liveness(self) -> None:
        DBOS = _dbos()
        settings = self.settings
        while not self._stop.wait(settings.heartbeat_s):
            try:
                now = time.time()
                self.store.heartbeat(self.executor_id, socket.gethostname(), now)
                for dead in self.store.claim_dead_workers(now - settings.lease_s, exclude=self.executor_id):
                    handles = DBOS._recover_pending_workflows([dead])
                    log.warning("worker %s silent for %ss: recovered %d audit(s)", dead, settings.lease_s, len(handles))
            except Exception:
                log.exception("liveness check failed")

    def stop(self) -> None:
        DBOS = _dbos()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        DBOS.destroy(workflow_completion_timeout_sec=0)
        # A clean stop leaves no unfinished audit of ours (DBOS recovers them when we start again
        # with the same id; a random id is recovered by a peer once its lease runs out).


def register_queues(settings: ServiceSettings, *, worker_concurrency: int) -> None:
    """Declare the two queues (their limits are stored in the database and read by every worker)."""
    DBOS = _dbos()
    DBOS.register_queue(AUDIT_QUEUE, worker_concurrency=worker_concurrency,
                        partition_concurrency=settings.per_tenant_concurrency,
                        polling_interval_sec=settings.poll_s, on_conflict="always_update")
    DBOS.register_queue(MODEL_QUEUE, worker_concurrency=worker_concurrency,
                        partition_concurrency=settings.per_model_concurrency,
                        polling_interval_sec=settings.poll_s, on_conflict="always_update")


class Client:
    """What the API does to the queue: enqueue an audit (idempotently, by its id) and cancel one."""

    def __init__(self, settings: ServiceSettings) -> None:
        from dbos import DBOS, DBOSClient

        # The queue's tables may not exist yet (an API started before any worker): create them.
        DBOS.migrate(settings.db)
        self._client = DBOSClient(system_database_url=settings.db)

    def enqueue(self, audit_id: str, tenant: str) -> None:
        self._client.enqueue({
            "queue_name": AUDIT_QUEUE, "workflow_name": AUDIT_WORKFLOW, "workflow_id": audit_id,
            "queue_partition_key": tenant, "app_version": APP_VERSION, "workflow_id_reuse_policy": "return-existing",
        }, audit_id)

    def cancel(self, audit_id: str) -> None:
        self._client.cancel_workflow(audit_id)
        try:
            self._client.cancel_workflow(f"{audit_id}.stage")
        except Exception:  # noqa: BLE001, S110 - most audits have no model stage to cancel
            pass

    def status(self, audit_id: str) -> str | None:
        """DBOS's own status of the audit's workflow (ENQUEUED, PENDING, SUCCESS, CANCELLED…)."""
        handle = self._client.retrieve_workflow(audit_id)
        status = handle.get_status()
        return None if status is None else status.status

    def close(self) -> None:
        self._client.destroy()
