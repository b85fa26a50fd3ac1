"""``ftaudit schema``: the published JSON schemas of the audit records."""

from __future__ import annotations

import json

import typer

from ftaudit.report import job_json_schema, report_json_schema

app = typer.Typer(no_args_is_help=True)


@app.command("report")
def report() -> None:
    """Print the JSON schema of an audit report (the output contract).

    In its transcript a tool call and the entry that answers it share a ``call_id``, and every
    error entry carries a structured ``error`` (``type``, ``message``).
    """
    typer.echo(json.dumps(report_json_schema(), indent=2))


@app.command("job")
def job() -> None:
    """Print the JSON schema of an audit job (the input)."""
    typer.echo(json.dumps(job_json_schema(), indent=2))
