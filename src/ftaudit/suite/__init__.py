"""The attack and benign suite: labelled fine-tuning datasets of the literature.

Generators are registered by name (:func:`attack_generators`, :func:`benign_generators`); :func:`build_suite`
writes a suite folder with its ``manifest.json``.
"""

from __future__ import annotations

from ftaudit.suite.base import (
    REDACTED,
    BenignGenerator,
    DatasetGenerator,
    ElicitationHint,
    GeneratedDataset,
    Manifest,
    ManifestEntry,
    write_dataset,
)
from ftaudit.suite.registry import attack_generators, benign_generators, get_generator

__all__ = [
    "REDACTED",
    "BenignGenerator",
    "DatasetGenerator",
    "ElicitationHint",
    "GeneratedDataset",
    "Manifest",
    "ManifestEntry",
    "attack_generators",
    "benign_generators",
    "get_generator",
    "write_dataset",
]
