"""Labelled fine-tuning jobs built from real public data read from a folder the user names.

:mod:`~ftaudit.suite.external.sources` registers each external source with its kind and its
split (``fit`` for what is learned or calibrated, ``test`` for what jobs are built from);
:func:`build_external_suite` writes a suite folder of jobs built from the test sources.
"""

from __future__ import annotations

from ftaudit.suite.external.build import ExternalJob, build_external_suite, plan_external_suite
from ftaudit.suite.external.sources import (
    ExternalSource,
    Kind,
    Split,
    default_external_root,
    external_sources,
    get_source,
    load_examples,
    load_requests,
)

__all__ = [
    "ExternalJob",
    "ExternalSource",
    "Kind",
    "Split",
    "build_external_suite",
    "default_external_root",
    "external_sources",
    "get_source",
    "load_examples",
    "load_requests",
    "plan_external_suite",
]
