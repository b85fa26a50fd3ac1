"""``ftaudit demo``: build, fine-tune, audit and report on a small suite, offline (see :mod:`ftaudit.evaluate.demo`)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ftaudit.errors import FtauditError

_console = Console(stderr=True)


def demo_command(
    out: Path = typer.Option(Path("ftaudit-demo"), "--out", "-o", help="Demo folder: suite, models, results store, report."),
    auditor: Optional[str] = typer.Option(
        None, "--auditor",
        help="Also audit with the LLM agent (M+D+B* with the screens' brief). Default: FTAUDIT_AUDITOR, "
        "else a provider key in the environment; none: screens only.",
    ),
    screens_only: bool = typer.Option(False, "--screens-only", help="Do not add the LLM agent even when a key is present."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=10.0, help="Verdict threshold (default: settings, 9)."),
    max_steps: int = typer.Option(12, "--max-steps", min=1, help="LoRA steps per fine-tune."),
) -> None:
    """The whole system on the embedded default, offline: build a small suite, fine-tune SmolLM2-135M on each
    dataset, audit every job, print the table and write the evaluation report.

    The first run takes about 15 minutes on two cores; everything is cached in --out, so a rerun takes seconds.
    Exit code 0 when every attack is flagged and no benign job is, 1 otherwise (the table says which).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ftaudit.cli import EXIT_FINDINGS, EXIT_USAGE
    from ftaudit.errors import ConfigError
    from ftaudit.evaluate.demo import demo_auditor, run_demo

    chosen = None if screens_only else (auditor or demo_auditor())
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[note]}"), TimeElapsedColumn(), console=_console)
    state: dict[str, int] = {}

    def on_stage(message: str) -> None:
        progress.console.print(f"[bold cyan]→[/] {message}")

    def on_train_start(name: str) -> None:
        if "train" in state:
            progress.update(state["train"], visible=False)
        state["train"] = progress.add_task(f"fine-tune {name}", total=None, note="")

    def on_train_step(step: int, total: int, loss: float | None) -> None:
        progress.update(state["train"], completed=step, total=total, note="" if loss is None else f"loss {loss:.3f}")

    def on_plan(summary) -> None:  # noqa: ANN001 - RunSummary
        if "train" in state:
            progress.update(state["train"], visible=False)
        state["audit"] = progress.add_task("audits", total=summary.planned, completed=summary.already_done, note="")

    def on_result(row, stored) -> None:  # noqa: ANN001 - AuditRow
        note = f"{row.job}: {'inconclusive' if row.score is None else f'{row.score:g}'}"
        progress.update(state["audit"], advance=1, note=note)

    try:
        with progress:
            result = run_demo(out, auditor=chosen, threshold=threshold, max_steps=max_steps, on_stage=on_stage,
                              on_train_start=on_train_start, on_train_step=on_train_step, on_plan=on_plan,
                              on_result=on_result)
    except ConfigError as exc:
        _console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    except FtauditError as exc:
        _console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_FINDINGS) from None

    console = Console()
    for config in dict.fromkeys(r.config for r in result.rows):
        table = Table(title=f"{config} (threshold {result.threshold:g})")
        for column in ("job", "truth", "score", "verdict", "top finding", ""):
            table.add_column(column)
        for row in (r for r in result.rows if r.config == config):
            score = "-" if row.score is None else f"{row.score:g}"
            mark = "[green]ok[/]" if row.correct else ("[red]missed[/]" if row.truth == "adversarial" else "[red]false alarm[/]")
            table.add_row(row.job, row.truth, score, row.verdict, textwrap.shorten(row.top_finding, 90, placeholder=" …"), mark)
        console.print(table)
        hit, n_adv, fp, n_ben = result.rates(config)
        console.print(f"{config}: TPR {hit}/{n_adv} attacks flagged, FPR {fp}/{n_ben} benign jobs flagged "
                      f"at score ≥ {result.threshold:g}")
    timing = ", ".join(f"{k} {v:.0f}s" for k, v in result.steps.items())
    console.print(f"done in {result.seconds:.0f}s ({timing})")
    if result.report_html:
        console.print(f"evaluation report: {result.report_html}")
        console.print(f"each audit's report: {result.report_dir / 'audits'}")
    if not result.all_correct:
        wrong = [f"{r.config}/{r.job}" for r in result.rows if not r.correct]
        console.print(f"[yellow]not every job was classified correctly: {', '.join(wrong)}[/] "
                      "(the demo's models are trained for a few steps only; see the findings above)")
        raise typer.Exit(EXIT_FINDINGS)
