"""``ftaudit screen`` (run the deterministic screens on a job) and ``ftaudit screens`` (list, calibrate).

Exit codes of ``ftaudit screen`` (the same as ``ftaudit audit``): 0 benign, 10 adversarial (the
job is flagged), 20 inconclusive (a screen crashed or
missed evidence, or too little of the file could be read, before the score reached the threshold), 2 a
usage error or a training file that cannot be read (via ``main``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ftaudit.cli import EXIT_ADVERSARIAL, EXIT_INCONCLUSIVE
from ftaudit._text import printable
from ftaudit.errors import ConfigError
from ftaudit.report.records import Severity
from ftaudit.report.rubric import Verdict
from ftaudit.report.write import format_label, write_report

app = typer.Typer(no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

# How much of a finding title or system prompt fits in a table cell.
_CELL_CHARS = 90
_VERDICT_STYLE = {Verdict.BENIGN: "bold green", Verdict.ADVERSARIAL: "bold red", Verdict.INCONCLUSIVE: "bold yellow"}
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan", Severity.INFO: "dim",
}
EXIT_CODES = {Verdict.BENIGN: 0, Verdict.ADVERSARIAL: EXIT_ADVERSARIAL, Verdict.INCONCLUSIVE: EXIT_INCONCLUSIVE}


def _names(values: list[str] | None) -> list[str] | None:
    """Repeatable, comma-separated screen names."""
    if values is None:
        return None
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _cell(text: str, limit: int = _CELL_CHARS) -> str:
    flat = " ".join(printable(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _read_options(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the screen options file: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(f"{path}: screen options must be a JSON object of screen name to an object of settings")
    return data


def _rule(weights: Path | None) -> Any:
    from ftaudit.screens.combine import CombineRule

    return CombineRule.from_settings(weights_file=weights)


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show every registered screen: name, kind (dataset or model) and what it looks for."""
    from ftaudit.screens.registry import screens

    rows = [
        {"name": s.name, "kind": "model" if s.needs_models else "dataset", "title": s.title} for s in screens().values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "kind", "what it looks for")
    for row in rows:
        table.add_row(row["name"], row["kind"], escape(row["title"]))
    console.print(table)
    console.print("[dim]model screens run only when --base and --finetuned are given[/]")


def screen_command(
    data: Path = typer.Option(..., "--data", "-d", help="Training file (JSONL or a JSON array).", show_default=False),
    base: Optional[str] = typer.Option(None, "--base", help="The model before fine-tuning (enables the model screens)."),
    finetuned: Optional[str] = typer.Option(None, "--finetuned", help="The fine-tuned model (with --base)."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Run only these screens (comma-separated, repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the AuditReport as JSON only (progress goes to stderr)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write report.json, report.md and report.html into this folder."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the AuditReport as JSON to this file."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write the report as Markdown to this file."),
    weights: Optional[Path] = typer.Option(
        None, "--weights", help="Screen weights, JSON or TOML (as `ftaudit screens calibrate --write` makes)."
    ),
    threshold: Optional[float] = typer.Option(
        None, "--threshold", min=0.0, max=10.0, help="Verdict threshold (default: settings' verdict_threshold)."
    ),
    options: Optional[Path] = typer.Option(
        None, "--options", help='JSON of per-screen settings, e.g. {"persona": {"min_refuse_comply": 3}}.'
    ),
) -> None:
    """Run the deterministic screens on a training file (and the models, when given); score and judge the job.

    Dataset screens always run; model screens need both --base and --finetuned. The screens' scores combine into one 0–10 risk score (the rule is stated in the report's summary); at or above the threshold the job is adversarial.

    Exit codes (as ftaudit audit): 0 benign, 10 adversarial (flagged), 20 inconclusive (a screen crashed, a model failed or too little of the file was readable, and the evidence gathered did not reach the threshold), 2 usage error or unreadable training file.
    """
    from ftaudit.screens.run import run_screens_sync

    rule = _rule(weights)
    screen_options = _read_options(options)
    status = err_console if as_json else console
    progress = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=status, transient=True, disable=not status.is_terminal,
    )
    task = progress.add_task("reading the training file", total=None)

    def on_progress(name: str, done: int, total: int, result: object) -> None:
        progress.update(task, description=f"screen {name}" if result is None else "screening", completed=done, total=total)

    with progress:
        run = run_screens_sync(
            data, base_model=base, finetuned_model=finetuned, only=_names(only), options=screen_options,
            on_progress=on_progress, rule=rule, threshold=threshold,
        )
    audit = run.report
    written = write_report(audit, out, paths={"json": report, "markdown": markdown})
    if as_json:
        typer.echo(audit.model_dump_json(indent=2))
    else:
        _print_run(run)
        for fmt, path in written.items():
            console.print(f"{format_label(fmt)} written to {escape(str(path))}")
    code = EXIT_CODES[audit.verdict]
    if code:
        raise typer.Exit(code)


def _print_run(run: Any) -> None:
    from ftaudit.screens.registry import screens

    audit = run.report
    registry = screens()
    console.print(
        f"[bold]{escape(str(run.job.training_file))}[/]: {run.examples} examples"
        + (f", {len(audit.skipped_lines)} invalid lines skipped" if audit.skipped_lines else "")
        + (f"; models {escape(run.job.base_model)} → {escape(run.job.finetuned_model)}" if run.job.has_models else "")
    )
    table = Table("screen", "kind", "score", "top finding", "seconds")
    table.columns[0].no_wrap = True
    table.columns[2].justify = "right"
    table.columns[4].justify = "right"
    for result in run.results:
        kind = "model" if registry.get(result.screen) and registry[result.screen].needs_models else "dataset"
        if result.skipped:
            table.add_row(result.screen, kind, "—", Text(f"skipped: {result.skipped}", style="dim"), "")
            continue
        if result.error:
            table.add_row(result.screen, kind, Text("error", style="bold yellow"),
                          Text(_cell(result.error), style="yellow"), f"{result.seconds:.2f}")
            continue
        top = result.findings[0] if result.findings else None
        cell = Text("no findings", style="dim")
        if result.incomplete and top is None:
            cell = Text("evidence missing: " + _cell(result.incomplete), style="yellow")
        elif top is not None:
            cell = Text.assemble((top.severity.value, _SEVERITY_STYLE[top.severity]), " ", _cell(top.title))
            if len(result.findings) > 1:
                cell.append(f" (+{len(result.findings) - 1} more)", style="dim")
        table.add_row(result.screen, kind, f"{result.score:g}", cell, f"{result.seconds:.2f}")
    console.print(table)

    verdict = audit.verdict
    score = f"{run.risk_score:g}/10" + (f" ({audit.risk_band.value})" if audit.risk_band else "")
    console.print(
        Text.assemble(
            "combined risk score ", (score, "bold"), f", threshold {audit.threshold:g}: ",
            (verdict.value.upper(), _VERDICT_STYLE[verdict]),
        )
    )
    if verdict is Verdict.INCONCLUSIVE:
        console.print(Text(f"inconclusive: {printable(audit.inconclusive_reason or '')}; treat the job as unaudited",
                           style="yellow"))
    console.print(Text(run.explanation, style="dim"))
    if audit.attack_hypothesis:
        console.print(Text("hypothesis: " + printable(audit.attack_hypothesis)))
    if run.hints:
        hints = Table("found by", "system prompt", "trigger", "cipher", title="elicitation hints found")
        for hint in run.hints:
            cipher = hint.cipher or ""
            if cipher and hint.cipher_options:
                cipher += " " + json.dumps(hint.cipher_options)
            trigger = f"{hint.trigger!r} ({hint.trigger_position})" if hint.trigger else ""
            hints.add_row(hint.source or "", Text(_cell(hint.system_prompt or "", 70)), Text(printable(trigger)),
                          Text(printable(cipher)))
        console.print(hints)
    else:
        console.print("[dim]no elicitation hints found[/]")


@app.command("calibrate")
def calibrate_command(
    suite: list[Path] = typer.Option(..., "--suite", help="Built suite folder (ftaudit suite build); repeatable."),
    margin: float = typer.Option(0.5, "--margin", min=0.01, max=10.0, help="Keep benign scores this far below the threshold."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=10.0, help="Verdict threshold (default: settings')."),
    with_models: bool = typer.Option(False, "--with-models", help="Also run the model screens where the suite has trained models."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Calibrate only these screens (comma-separated, repeatable)."),
    write: Optional[Path] = typer.Option(None, "--write", help="Save the weights as JSON (use with --weights or FTAUDIT_SCREEN_WEIGHTS_FILE)."),
    as_json: bool = typer.Option(False, "--json", help="Print the calibration as JSON."),
) -> None:
    """Pick per-screen weights on a labelled suite so no benign job reaches the threshold; print TPR and FPR.

    Runs the screens on every dataset of the suite(s). A screen keeps weight 1 unless its highest benign score passes threshold − margin; then its weight is lowered until that score sits at threshold − margin (the corroboration bonus counted too). Weights never go above 1; the attack jobs only give the true-positive rate.
    """
    from ftaudit.config import get_settings
    from ftaudit.screens.combine import calibrate_weights
    from ftaudit.screens.run import score_suite

    threshold = get_settings().verdict_threshold if threshold is None else threshold
    status = err_console if as_json else console
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=status, transient=True, disable=not status.is_terminal) as progress:
        task = progress.add_task("screening", total=None)
        jobs = score_suite(
            suite, with_models=with_models, only=_names(only),
            on_job=lambda name, done, total: progress.update(task, description=f"screening {name}", completed=done, total=total),
        )
    calibration = calibrate_weights(jobs, threshold=threshold, margin=margin)
    if write is not None:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(json.dumps(calibration.weights_file(), indent=2) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(calibration.model_dump_json(indent=2))
        return
    _print_calibration(calibration, jobs)
    if write is not None:
        console.print(f"weights written to {escape(str(write))}")


def _print_calibration(calibration: Any, jobs: list[Any]) -> None:
    table = Table(title=f"per-screen scores over {calibration.benign} benign and {calibration.attacks} attack jobs")
    table.add_column("screen", no_wrap=True)
    for header in ("benign max", "benign mean", "attack max", "attacks it flags alone", "weight"):
        table.add_column(header, justify="right")
    for row in calibration.screens:
        weight = Text(f"{row.weight:g}", style="bold" if row.weight < 1 else "")
        table.add_row(row.screen, f"{row.benign_max:g}", f"{row.benign_mean:g}", f"{row.attack_max:g}",
                      str(row.attacks_at_threshold), weight)
    console.print(table)
    scores = {j.name: j for j in jobs}
    per_job = Table("job", "label", "combined", "flagged", "top screen", title="combined score per job")
    per_job.columns[0].no_wrap = True
    for job in sorted(calibration.jobs, key=lambda j: (j.label != "adversarial", j.name)):
        style = "red" if job.label == "adversarial" else "green"
        errors = scores[job.name].errors
        per_job.add_row(job.name, Text(job.label, style=style), f"{job.score:g}", "yes" if job.flagged else "no",
                        (job.top or "—") + (f" (crashed or incomplete: {', '.join(errors)})" if errors else ""))
    console.print(per_job)

    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    console.print(
        f"threshold {calibration.threshold:g}, margin {calibration.margin:g}: "
        f"TPR {rate(calibration.tpr)} ({sum(j.flagged for j in calibration.jobs if j.label == 'adversarial')}"
        f"/{calibration.attacks}), FPR {rate(calibration.fpr)} "
        f"({sum(j.flagged for j in calibration.jobs if j.label == 'benign')}/{calibration.benign}); "
        f"highest benign combined score {calibration.benign_max:g}"
    )
    if calibration.tpr_at_benign_max is not None and calibration.benign_max + calibration.margin < calibration.threshold:
        console.print(
            f"[dim]for information: a threshold of {calibration.benign_max + calibration.margin:g} (highest benign + margin) "
            f"would give TPR {rate(calibration.tpr_at_benign_max)} on this suite; the verdict threshold is a setting "
            "(verdict_threshold), not chosen here[/]"
        )
