"""The one plugin loader every registry uses (screens, attacks, ciphers, affordances, judges, prompt formats)."""

from __future__ import annotations

import sys

import pytest

from ftaudit.errors import ConfigError
from ftaudit.registry import collect, lookup


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """A package ``fakeplugins`` on the path; ``add(module, text)`` writes one of its modules."""
    package = tmp_path / "fakeplugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield lambda module, text: (package / f"{module}.py").write_text(text)
    for name in [n for n in sys.modules if n == "fakeplugins" or n.startswith("fakeplugins.")]:
        del sys.modules[name]


PLUGIN = "from types import SimpleNamespace\nPLUGIN = SimpleNamespace(name={name!r})\n"


def test_collect_finds_each_public_module_attribute_in_name_order(plugins):
    plugins("zeta", PLUGIN.format(name="z"))
    plugins("alpha", PLUGIN.format(name="a"))
    plugins("_helper", PLUGIN.format(name="hidden"))  # private modules are helpers, never plugins
    plugins("base", "X = 1\n")  # no attribute: not a plugin
    found = collect("fakeplugins", "PLUGIN", "plugins")
    assert list(found) == ["a", "z"]


def test_two_plugins_with_one_name_are_an_error_not_a_silent_replacement(plugins):
    plugins("one", PLUGIN.format(name="same"))
    plugins("two", PLUGIN.format(name="same"))
    with pytest.raises(ConfigError, match="two plugins named 'same' in fakeplugins"):
        collect("fakeplugins", "PLUGIN", "plugins")


def test_lookup_names_the_kind_and_every_known_name():
    assert lookup({"b": 2, "a": 1}, "a", "cipher") == 1
    with pytest.raises(ConfigError, match="unknown cipher 'c'; known: a, b"):
        lookup({"b": 2, "a": 1}, "c", "cipher")
