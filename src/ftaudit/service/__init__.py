"""The provider-facing audit service: an HTTP API, a durable queue, workers and reviewer pages.

A fine-tuning provider's job system submits each finished job (``POST /v1/audits``); the audit
runs on a worker with the existing auditors (:func:`ftaudit.screens.run.run_screens`, or
:func:`ftaudit.agent.audit_async` when an agent is configured), the verdict comes back by polling
or a signed webhook, and trust-and-safety reviewers decide on held jobs in the browser.

- :mod:`~ftaudit.service.settings`: what an operator configures (limits, allow-lists, presets).
- :mod:`~ftaudit.service.store`: the service's own tables (keys, audits, events, decisions, files)
  beside the queue's, on SQLite or PostgreSQL through SQLAlchemy.
- :mod:`~ftaudit.service.pipeline`: the audit as a DBOS workflow, one checkpointed step per stage,
  on a DBOS queue; worker liveness and the recovery of a dead worker's audits.
- :mod:`~ftaudit.service.stages`: one stage of an audit, run with the unchanged auditors.
- :mod:`~ftaudit.service.webhooks`: Standard Webhooks signing and delivery.
- :mod:`~ftaudit.service.api` and :mod:`~ftaudit.service.ui`: the FastAPI app and the reviewer pages.
"""
