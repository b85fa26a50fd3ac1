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
