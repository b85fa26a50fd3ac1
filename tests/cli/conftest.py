"""The one way the CLI tests run ``ftaudit``: the ``cli`` fixture, on consoles of a fixed width.

``cli.invoke([...])`` runs a command in process through typer's runner (stdout, stderr and the
exit code of the command itself); ``cli.main(...)`` runs the real console entry point, where
ftaudit's errors become exit codes (2 for a usage error), as a user sees them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import pytest
from clihelpers import run_main
from rich.console import Console
from typer.testing import CliRunner, Result

from ftaudit.cli import app

#: Wide enough for a whole table row, so assertions do not depend on the terminal or on wrapping.
WIDTH = 200


@dataclass
class Cli:
    monkeypatch: pytest.MonkeyPatch
    runner: CliRunner

    def invoke(self, args: list[str], **kwargs: Any) -> Result:
        """``ftaudit ARGS`` in process; ``kwargs`` go to typer's runner (``input``, ``env``)."""
        return self.runner.invoke(app, args, **kwargs)

    def main(self, *args: str) -> int:
        """``ftaudit ARGS`` through the console entry point; its exit code."""
        return run_main(self.monkeypatch, *args)


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch):
    """Every console of the loaded ``ftaudit.cli`` modules at :data:`WIDTH` columns for the test."""
    modules = [m for name, m in list(sys.modules.items()) if name == "ftaudit.cli" or name.startswith("ftaudit.cli.")]
    for module in modules:
        for value in list(vars(module).values()):
            if isinstance(value, Console):
                monkeypatch.setattr(value, "_width", WIDTH)


@pytest.fixture
def cli(monkeypatch) -> Cli:
    return Cli(monkeypatch, CliRunner())
