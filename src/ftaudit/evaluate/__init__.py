"""The evaluation harness: many audits of a labelled suite, resumable, and the metrics of a detector.

- :mod:`~ftaudit.evaluate.configs`: auditor configurations (screens, agent, agent+screens, super,
  moderation and benchmark-only baselines) from YAML/JSON.
- :mod:`~ftaudit.evaluate.store`: the SQLite (WAL) results store, one row per (configuration, job, repeat).
- :mod:`~ftaudit.evaluate.runner`: concurrent, resumable runs in one process;
  :mod:`~ftaudit.evaluate.distributed` the same on a Ray cluster.
- :mod:`~ftaudit.evaluate.metrics`: TPR at fixed FPR, AUROC, per-attack detection, bootstrap intervals.
- :mod:`~ftaudit.evaluate.report`: the HTML/Markdown/JSON evaluation report.
- :mod:`~ftaudit.evaluate.demo`: ``ftaudit demo``.
"""

from ftaudit.evaluate.configs import EvalConfig, load_configs, parse_config
from ftaudit.evaluate.metrics import ConfigMetrics, compute_metrics, store_metrics
from ftaudit.evaluate.runner import RunSummary, run_evaluation, run_evaluation_async, suite_jobs
from ftaudit.evaluate.store import AuditRow, EvalJob, ResultsStore

__all__ = [
    "AuditRow",
    "ConfigMetrics",
    "EvalConfig",
    "EvalJob",
    "ResultsStore",
    "RunSummary",
    "compute_metrics",
    "load_configs",
    "parse_config",
    "run_evaluation",
    "run_evaluation_async",
    "store_metrics",
    "suite_jobs",
]
