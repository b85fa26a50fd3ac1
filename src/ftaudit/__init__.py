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
    "AuditJob",
    "AuditReport",
    "Verdict",
    "FtauditError",
    "ConfigError",
    "DataError",
    "ModelError",
]
