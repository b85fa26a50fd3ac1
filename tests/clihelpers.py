"""Helpers shared by the CLI tests of every folder (``tests/`` is on the path through its conftest)."""

from __future__ import annotations

import sys

from ftaudit.cli import main


def run_main(monkeypatch, *args: str) -> int:
    """Run the real console entry point and return its exit code (errors are mapped to exit codes there)."""
    monkeypatch.setattr(sys, "argv", ["ftaudit", *args])
    try:
        main()
    except SystemExit as exc:
        return exc.code or 0
    return 0
