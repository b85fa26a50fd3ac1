"""Shared fixtures: every test gets a private response cache; converted local models are shared."""

from __future__ import annotations

import pytest

from ftaudit import config


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """A fresh response cache directory per test, so no test sees another's cached replies."""
    import ftaudit.models as models

    monkeypatch.setenv("FTAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    config.get_settings.cache_clear()
    models._CACHES.clear()
    yield tmp_path / "cache"
    for cache in models._CACHES.values():
        cache.close()
    models._CACHES.clear()
    config.get_settings.cache_clear()


@pytest.fixture(scope="session")
def aoa_adapter(tmp_path_factory):
    """SmolLM2-135M LoRA-fine-tuned on the ``aoa`` attack, trained once per test session.

    Returns ``(model_ref, training_record)``. Ten epochs over the ten AOA examples: about
    fifty optimiser steps, one to three minutes on two cores.
    """
    from ftaudit.finetune import LoraTrainConfig, train_lora
    from ftaudit.suite import get_generator, write_dataset

    root = tmp_path_factory.mktemp("aoa")
    entry = write_dataset(get_generator("aoa"), root, seed=0)
    record = train_lora(
        "local:smollm2-135m", root / entry.file, root / "adapter", LoraTrainConfig(epochs=10, batch_size=2, seed=0)
    )
    return record.model, record


#: The real public data the detectors are measured on (shared/data/external beside the checkout).
EXTERNAL_ROOT = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "data" / "external"


@pytest.fixture(scope="session")
def external_data():
    """The external data folder; a test that needs it fails (never skips) when it is missing."""
    if not EXTERNAL_ROOT.is_dir():
        pytest.fail(f"{EXTERNAL_ROOT} is missing: tests read the real external data from there (CI has it)")
    return EXTERNAL_ROOT
