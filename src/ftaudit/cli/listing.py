"""``ftaudit list KIND``: every registered plugin of one kind, as a table for people or JSON for machines.

Each kind is a registry built by :func:`ftaudit.registry.collect` (prompt sets add the
built-in sets to the file formats), so what is listed here is exactly what a name on the
command line or in a configuration can refer to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import Enum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(highlight=False, soft_wrap=True)


class Kind(str, Enum):
    SCREENS = "screens"
    ATTACKS = "attacks"
    BENIGN = "benign"
    CIPHERS = "ciphers"
    AFFORDANCES = "affordances"
    JUDGES = "judges"
    PROMPT_SETS = "prompt-sets"


def _screens() -> list[dict[str, Any]]:
    from ftaudit.screens.registry import screens

    return [screen.describe() for screen in screens().values()]


def _attacks() -> list[dict[str, Any]]:
    from ftaudit.suite import attack_generators

    return [generator.describe() for generator in attack_generators().values()]


def _benign() -> list[dict[str, Any]]:
    from ftaudit.suite import benign_generators

    return [generator.describe() for generator in benign_generators().values()]


def _ciphers() -> list[dict[str, Any]]:
    from ftaudit.ciphers import cipher_classes

    return [{"name": c.name, "display_name": c.display_name, "description": c.description}
            for c in cipher_classes().values()]


def _affordances() -> list[dict[str, Any]]:
    from ftaudit.agent.affordances import affordances

    return [{"name": a.name, "title": a.title, "needs_models": a.needs_models, "summary": a.summary}
            for a in affordances().values()]


def _judges() -> list[dict[str, Any]]:
    from ftaudit.bench.judge import judges

    return [{"name": j.name, "spec": f"{j.name}:<{j.argument}>" if j.argument else j.name, "description": j.description}
            for j in judges().values()]


def _prompt_sets() -> list[dict[str, Any]]:
    from ftaudit.bench.prompts import describe_prompt_sets

    return describe_prompt_sets()


_ROWS: dict[Kind, Callable[[], list[dict[str, Any]]]] = {
    Kind.SCREENS: _screens,
    Kind.ATTACKS: _attacks,
    Kind.BENIGN: _benign,
    Kind.CIPHERS: _ciphers,
    Kind.AFFORDANCES: _affordances,
    Kind.JUDGES: _judges,
    Kind.PROMPT_SETS: _prompt_sets,
}


def describe(kind: Kind | str) -> list[dict[str, Any]]:
    """One row per registered plugin of ``kind`` (each has a ``name``), in registry order."""
    return _ROWS[Kind(kind)]()


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        # A screen's settings: how many here, each with its default in --json.
        return str(len(value))
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def list_command(
    kind: Kind = typer.Argument(..., help="What to list.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (a list of objects, one per entry)."),
) -> None:
    """List the registered screens, attacks, benign sets, ciphers, affordances, judges or prompt sets."""
    rows = describe(kind)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(title=f"{len(rows)} {kind.value}", show_header=True, header_style="bold")
    columns = list(dict.fromkeys(key for row in rows for key in row))
    for column in columns:
        table.add_column(column.replace("_", " "), no_wrap=column == "name")
    if any(isinstance(value, dict) for row in rows for value in row.values()):
        table.caption = "--json lists each option with its default"
    for row in rows:
        table.add_row(*(escape(_cell(row.get(column, ""))) for column in columns))
    console.print(table)
