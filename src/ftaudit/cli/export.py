"""``ftaudit export``: audits in other tools' formats (``export inspect``: Inspect eval logs).

Exit codes: 0 the logs were written; 2 a usage error (a source that is neither an audit folder
nor an evaluation store, or the ``inspect`` extra missing), one line via ``main``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


@app.command("inspect")
def inspect_command(
    source: Path = typer.Argument(..., help="An audit's output folder (with report.json), a report.json, or an evaluation store (eval.sqlite).", show_default=False),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the Inspect logs (open it with `inspect view --log-dir`).", show_default=False),
) -> None:
    """Write Inspect eval logs of finished audits: one sample per audit, the auditor's tool calls paired with their results.

    Needs the optional extra: pip install 'ftaudit\\[inspect]'.
    """
    from ftaudit.export import export_inspect

    for path in export_inspect(source, out):
        console.print(f"wrote {escape(str(path))}")


def check_inspect_log(log_dir: Path | None) -> None:
    """Fail before any work when ``--inspect-log`` is given but the ``inspect`` extra is missing."""
    if log_dir is not None:
        from ftaudit.export.inspect_log import inspect_modules

        inspect_modules()


def write_inspect_log_option(source: Path | list, log_dir: Path | None) -> None:
    """What ``--inspect-log DIR`` does once the work is done: write the Inspect log(s) of ``source``
    (an evaluation store, or a list of reports) and say where, on stderr."""
    if log_dir is None:
        return
    from ftaudit.export import export_inspect, write_inspect_log

    paths = [write_inspect_log(source, log_dir)] if isinstance(source, list) else export_inspect(source, log_dir)
    for path in paths:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"Inspect log: {escape(str(path))}")
