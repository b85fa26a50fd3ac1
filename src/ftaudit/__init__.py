"""ftaudit: audit LLM fine-tuning jobs for adversarial fine-tuning before deployment.

The public API is re-exported here; everything else may change between versions.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ftaudit.errors import (  # noqa: E402
    ConfigError,
    DataError,
    FtauditError,
    ModelError,
)
from ftaudit.report import AuditJob, AuditReport, Verdict  # noqa: E402

__all__ = [
    "__version__",
    "audit",
    "audit_async",
    "AuditJob",
    "AuditReport",
    "Verdict",
    "FtauditError",
    "ConfigError",
    "DataError",
    "ModelError",
]


def __getattr__(name: str) -> object:
    # The agent pulls in pydantic-ai, the benchmark and the screens: import it only when asked.
    if name in ("audit", "audit_async"):
        from ftaudit import agent

        return getattr(agent, name)
    raise AttributeError(f"module 'ftaudit' has no attribute {name!r}")
