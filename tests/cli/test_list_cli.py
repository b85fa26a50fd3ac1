"""``ftaudit list KIND``: every registry, one command, a table for people and JSON for machines."""

from __future__ import annotations

import json

import pytest

from ftaudit.screens.registry import screens


@pytest.mark.parametrize(
    ("kind", "known"),
    [
        ("screens", "persona"),
        ("attacks", "walnut53"),
        ("benign", "alpaca"),
        ("ciphers", "walnut53"),
        ("affordances", "B*"),
        ("judges", "offline"),
        ("prompt-sets", "builtin"),
    ],
)
def test_each_kind_lists_a_known_entry_as_json_and_as_a_table(cli, kind, known):
    result = cli.invoke(["list", kind, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert known in [row["name"] for row in rows]
    assert len({row["name"] for row in rows}) == len(rows)
    table = cli.invoke(["list", kind])
    assert table.exit_code == 0 and known in table.stdout


def test_list_ciphers_prints_walnut53_and_its_display_name(cli):
    result = cli.invoke(["list", "ciphers"])
    assert result.exit_code == 0
    assert "walnut53" in result.stdout and "WalnutSubstitutionCipher" in result.stdout


def test_list_screens_json_gives_each_screens_settings_and_defaults(cli):
    rows = {row["name"]: row for row in json.loads(cli.invoke(["list", "screens", "--json"]).stdout)}
    assert list(rows) == list(screens())
    assert rows["persona"]["kind"] == "dataset" and rows["refusal-shift"]["kind"] == "model"
    assert rows["persona"]["options"]["evidence_limit"] == 12
    assert rows["refusal-shift"]["options"]["n_prompts"] > 0


def test_an_unknown_kind_is_a_usage_error(cli):
    assert cli.main("list", "recipes") == 2
