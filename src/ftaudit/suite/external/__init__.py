"""Labelled fine-tuning jobs built from real public data read from a folder the user names.

:mod:`~ftaudit.suite.external.sources` registers each external source with its kind and its
split (``fit`` for what is learned or calibrated, ``test`` for what jobs are built from).
"""

from __future__ import annotations

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
    "ExternalSource",
    "Kind",
    "Split",
    "default_external_root",
    "external_sources",
    "get_source",
    "load_examples",
    "load_requests",
]
