"""``ftaudit data``: validate and describe fine-tuning training files.

``validate`` exits 0 when every record is valid and 1 when any is not; a file that
cannot be read at all, or holds no record, is a :class:`~ftaudit.errors.DataError`
(exit 2 via ``main``).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ftaudit._text import printable
from ftaudit.cli import EXIT_FINDINGS
from ftaudit.data import DatasetFormat, DatasetStats, ValidationReport, compute_stats, validate
from ftaudit.data.stats import DEFAULT_TOP, Distribution

app = typer.Typer(no_args_is_help=True)
# soft_wrap: summary lines hold paths; wrapping them would break copy-paste and grep.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

# How many line numbers a human summary lists before saying "and N more".
_LINES_SHOWN = 20
# How much of a system prompt or example fits in a table cell.
_CELL_CHARS = 100

_FILE_ARG = typer.Argument(..., help="Training file: JSONL or a JSON array.", show_default=False)
_FORMAT_OPT = typer.Option(
    None, "--format", "-f", help="Record format (detected from the first records if omitted)."
)
_JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON only.")


def _line_list(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:_LINES_SHOWN])
    more = len(lines) - _LINES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _exit_findings() -> None:
    raise typer.Exit(EXIT_FINDINGS)


@app.command("validate")
def validate_command(
    file: Path = _FILE_ARG,
    format: DatasetFormat | None = _FORMAT_OPT,  # noqa: A002 - mirrors --format
    as_json: bool = _JSON_OPT,
    max_errors: int | None = typer.Option(
        None, "--max-errors", min=0, help="Report at most this many issues in full."
    ),
) -> None:
    """Check every record; exit 1 if any is invalid, naming each one's line, field and code."""
    report = validate(file, format=format, max_errors=max_errors)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print_validation(report)
    if not report.ok:
        _exit_findings()


def _print_validation(report: ValidationReport) -> None:
    where = f"{report.format}, {report.layout}"
    if report.ok:
        console.print(
            f"[green]✓[/] {escape(report.path)}: {report.total_records} records, all valid ({where})"
        )
        return
    console.print(
        f"[red]✗[/] {escape(report.path)}: {report.invalid_records} of {report.total_records} "
        f"records invalid, {report.valid_records} valid ({where})"
    )
    table = Table("code", "lines", box=None, pad_edge=False)
    for code, count in sorted(report.issue_counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(code, str(count))
    console.print(table)
    console.print(f"invalid lines: {_line_list(report.skipped_lines)}")
    for issue in report.issues:
        # Plain echo: no markup parsing of user text, no wrapping of long lines.
        typer.echo(issue.location_message(report.path))
    if report.issues_truncated:
        hidden = report.invalid_records - len(report.issues)
        typer.echo(f"... {hidden} more issues not shown (raise --max-errors to see them)")


@app.command("stats")
def stats_command(
    file: Path = _FILE_ARG,
    format: DatasetFormat | None = _FORMAT_OPT,  # noqa: A002 - mirrors --format
    as_json: bool = _JSON_OPT,
    top: int = typer.Option(DEFAULT_TOP, "--top", min=1, help="Length of each ranked list."),
) -> None:
    """Describe the valid records: sizes, roles, system prompts, duplicates, rare prefixes."""
    stats = compute_stats(file, top=top, format=format)
    if stats.invalid_records:
        note = (
            f"note: {stats.invalid_records} invalid records skipped (lines "
            f"{_line_list(stats.skipped_lines)}); run `ftaudit data validate` for details"
        )
        # With --json the note goes to stderr so stdout stays parseable.
        (err_console if as_json else console).print(Text(note, style="yellow"))
    if as_json:
        typer.echo(stats.model_dump_json(indent=2))
    else:
        _print_stats(stats)


def _cell(text: str) -> Text:
    flat = " ".join(printable(text).split())
    return Text(flat if len(flat) <= _CELL_CHARS else flat[: _CELL_CHARS - 1] + "…")


def _dist(dist: Distribution | None) -> str:
    if dist is None:
        return "-"
    return (
        f"{dist.min:g}–{dist.max:g}, mean {dist.mean:.1f}, p50 {dist.p50:g}, "
        f"p90 {dist.p90:g}, p99 {dist.p99:g}"
    )


def _print_stats(stats: DatasetStats) -> None:
    overview = Table(title=f"{stats.path} ({stats.format}, {stats.layout})", show_header=False)
    overview.add_column(style="bold")
    overview.add_column()
    roles = ", ".join(f"{role} {n}" for role, n in stats.messages_by_role.items())
    rows = [
        ("examples", f"{stats.examples} valid of {stats.total_records} records"),
        ("messages", f"{stats.messages_total} ({roles})" if roles else "0"),
        ("turns", f"{stats.turns_total} (non-system messages)"),
        ("turns / example", _dist(stats.turns_per_example)),
        ("approx tokens", f"{stats.approx_tokens_total} (regex pieces, not a tokenizer)"),
        ("tokens / example", _dist(stats.approx_tokens)),
        (
            "system prompts",
            f"{stats.distinct_system_prompts} distinct; "
            f"{stats.examples_without_system_prompt} examples without one",
        ),
        (
            "duplicates",
            f"{stats.duplicate_groups} group(s), {stats.duplicate_extra_copies} extra copies",
        ),
        ("non-ASCII chars", f"{stats.non_ascii_share:.2%}"),
        ("non-letter chars", f"{stats.non_letter_share:.2%} (excluding whitespace)"),
    ]
    for key, value in rows:
        overview.add_row(key, Text(value))
    console.print(overview)

    if stats.top_system_prompts:
        table = Table("count", "first line", "system prompt", title="Most common system prompts")
        for prompt in stats.top_system_prompts:
            table.add_row(str(prompt.count), str(prompt.first_line), _cell(prompt.text))
        console.print(table)
    if stats.top_duplicates:
        table = Table("copies", "lines", "first user message", title="Duplicate examples")
        for group in stats.top_duplicates:
            table.add_row(str(group.count), _line_list(group.lines), _cell(group.preview))
        console.print(table)
    if stats.rare_prefixes:
        table = Table(
            "examples",
            "share",
            "first line",
            "user message starts with",
            title=f"Rare repeated prefixes (≥2 examples, ≤{stats.rare_prefix_max_share:.0%})",
        )
        for prefix in stats.rare_prefixes:
            table.add_row(
                str(prefix.examples), f"{prefix.share:.1%}", str(prefix.first_line), _cell(prefix.prefix)
            )
        console.print(table)
