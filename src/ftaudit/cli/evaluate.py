"""``ftaudit eval``: run many audits of a labelled suite into a results store, report on it, show its state.

``eval run`` is resumable: every finished audit is committed to the store at once, so a run
that is killed (Ctrl-C, SIGKILL, a lost machine) is finished by running the same command
again, which audits only what the store does not hold yet. ``eval report`` reads nothing but
the store. The module is named ``evaluate`` (not ``eval``) so it does not shadow the builtin.

Exit codes: 0 the command did its work (failed audits are stored as inconclusive and counted,
not an error of the command), 2 a usage or configuration error, or a store that is not a sound
results store (via ``main``: one line naming the file, which is left unchanged), 130 interrupted
(everything finished so far is kept).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ftaudit.errors import ConfigError
from ftaudit.evaluate.metrics import ATTACK_FPR, BOOTSTRAP_SAMPLES, FLAGS_NOTHING, FPR_TARGETS
from ftaudit.evaluate.runner import DEFAULT_CONCURRENCY, DEFAULT_CPU_WORKERS
from ftaudit.report.safe_text import visible

app = typer.Typer(no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

#: The store ``eval run`` writes when ``--store`` is not given, inside the suite folder.
DEFAULT_STORE_NAME = "eval.sqlite"
# Failed audits printed as they happen (the rest are counted; `eval status` lists them all).
_FAILURES_SHOWN = 10
_ERROR_CHARS = 160


def _names(values: list[str] | None) -> list[str] | None:
    """Repeatable, comma-separated names."""
    if values is None:
        return None
    return [n.strip() for v in values for n in v.split(",") if n.strip()]


def _short(text: str, limit: int = _ERROR_CHARS) -> str:
    flat = " ".join(visible(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _data(text: object, style: str = "") -> Text:
    """A name or an error from the store as terminal text: never read as Rich markup, bidi and control characters shown."""
    return Text(visible(str(text)), style=style)


def _open_existing(store: Path) -> Any:
    """The store at ``store``, read-only; refuses a path with no store and a damaged one (StoreError), changing neither."""
    from ftaudit.evaluate.store import ResultsStore

    if not store.is_file():
        raise ConfigError(f"{store}: no results store here; run `ftaudit eval run` first (or pass its --store)")
    return ResultsStore(store, readonly=True)


class _RunProgress:
    """One bar per configuration, started at the audits already stored; failures printed as they happen."""

    def __init__(self, stream: Console, configs: list[Any], jobs: int, repeats: int) -> None:
        self.console = stream
        self.totals = {c.name: min(repeats, c.repeats or repeats) * jobs for c in configs}
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=stream, transient=False, disable=not stream.is_terminal,
        )
        self.tasks: dict[str, Any] = {}
        self.failed: dict[str, int] = {}
        self.shown = 0

    def __enter__(self) -> _RunProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def on_plan(self, summary: Any) -> None:
        for name, total in self.totals.items():
            pending = summary.per_config.get(name, 0)
            self.failed[name] = 0
            self.tasks[name] = self.progress.add_task(escape(visible(name)), total=total, completed=total - pending, failed="")

    def on_result(self, row: Any, stored: bool) -> None:
        task = self.tasks.get(row.config)
        if row.error is not None:
            self.failed[row.config] = self.failed.get(row.config, 0) + 1
            if self.shown < _FAILURES_SHOWN:
                self.console.print(Text.assemble(
                    ("failed ", "yellow"), (visible(f"{row.config} {row.job} #{row.repeat}"), "bold"), ": ",
                    _short(row.error), " (stored as inconclusive)",
                ))
            elif self.shown == _FAILURES_SHOWN:
                self.console.print("[yellow]more failures: counted on the bars, listed by `ftaudit eval status`[/]")
            self.shown += 1
        if task is not None:
            failed = self.failed.get(row.config, 0)
            self.progress.update(task, advance=1, failed=f"[yellow]{failed} failed[/]" if failed else "")


@app.command("run")
def run_command(
    suite: Path = typer.Option(..., "--suite", help="Built suite folder (ftaudit suite build; suite train for model screens and agents).", show_default=False),
    config: list[Path] = typer.Option(..., "--config", "-c", help="Auditor configurations, YAML or JSON (repeatable).", show_default=False),
    repeats: int = typer.Option(1, "--repeats", "-n", min=1, help="Audits of each job per configuration (a configuration's own repeats caps it)."),
    store: Optional[Path] = typer.Option(None, "--store", help=f"Results store (SQLite). Default: SUITE/{DEFAULT_STORE_NAME}."),
    concurrency: int = typer.Option(DEFAULT_CONCURRENCY, "--concurrency", min=1, help="Audits at once per configuration (its own concurrency overrides)."),
    cpu_workers: int = typer.Option(DEFAULT_CPU_WORKERS, "--cpu-workers", min=1, help="Screen runs at once across the evaluation."),
    jobs: Optional[list[str]] = typer.Option(None, "--jobs", help="Audit only these datasets of the suite (comma-separated, repeatable)."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Delete the stored failed audits of these configurations and run them again."),
    ray: Optional[str] = typer.Option(None, "--ray", help="Run the audits on the Ray cluster at ADDRESS (as ray.init takes it, e.g. ray://HOST:10001)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run's summary as JSON on stdout (progress goes to stderr)."),
    inspect_log: Optional[Path] = typer.Option(None, "--inspect-log", help="Then write the store's audits as Inspect eval logs into this folder, one per configuration (needs ftaudit\\[inspect])."),
) -> None:
    """Audit every job of a suite with every configuration, REPEATS times each, into a results store; resumable.

    Each finished audit is committed at once. Run the same command again after an interruption and it audits only what the store does not hold; a configuration changed under an old name is refused. A failed audit is stored as inconclusive with its error (and counted that way by the metrics); --retry-failed runs those again.
    """
    from ftaudit.evaluate.configs import load_configs
    from ftaudit.evaluate.runner import blinded_dir, suite_jobs
    from ftaudit.evaluate.store import ResultsStore, check_store

    from ftaudit.cli.export import check_inspect_log, write_inspect_log_option

    check_inspect_log(inspect_log)
    configs = load_configs(list(config))
    store_path = store if store is not None else suite / DEFAULT_STORE_NAME
    # A damaged store is refused before anything is written beside it (blinded job copies, the store itself).
    check_store(store_path)
    # Ray workers on other nodes read the jobs from the shared filesystem the suite is on, while the
    # store stays on the driver's local disk (SQLite WAL): the blinded copies then go under the suite.
    blind_to = suite / ".ftaudit-blind" / store_path.stem if ray is not None else blinded_dir(store_path)
    eval_jobs = suite_jobs(suite, blind_to=blind_to, names=_names(jobs))
    auditors = None
    if ray is None:
        from ftaudit.evaluate.auditors import build_auditors

        auditors = build_auditors(configs)
    status = err_console if as_json else console
    status.print(
        f"[bold]ftaudit eval run[/] {len(eval_jobs)} jobs × {len(configs)} configurations × up to {repeats} repeats"
        f" · store {escape(str(store_path))}" + (f" · Ray {escape(ray)}" if ray else "")
    )
    results = ResultsStore(store_path)
    try:
        with _RunProgress(status, configs, len(eval_jobs), repeats) as bar:
            try:
                if ray is not None:
                    summary = _run_ray(eval_jobs, configs, results, ray, repeats, retry_failed, bar)
                else:
                    from ftaudit.evaluate.runner import run_evaluation

                    summary = run_evaluation(
                        eval_jobs, auditors, results, repeats=repeats, concurrency=concurrency, cpu_workers=cpu_workers,
                        retry_failed=retry_failed, on_plan=bar.on_plan, on_result=bar.on_result,
                    )
            except KeyboardInterrupt:
                stored = results.count()
                status.print(f"[yellow]interrupted[/]: {stored} audits are in {escape(str(store_path))}; "
                             "run the same command again to finish the rest")
                raise typer.Exit(130) from None
        total_failed = sum(1 for r in results.rows() if r.error is not None)
    finally:
        results.close()
    write_inspect_log_option(store_path, inspect_log)

    if as_json:
        typer.echo(json.dumps({
            "store": str(store_path), "planned": summary.planned, "already_done": summary.already_done,
            "ran": summary.ran, "failed": summary.failed, "failed_in_store": total_failed,
            "pending_per_config": summary.per_config,
        }, indent=2))
        return
    console.print(
        f"planned {summary.planned} audits: {summary.already_done} already in the store, {summary.ran} run now"
        + (f", [yellow]{summary.failed} failed[/] (stored as inconclusive)" if summary.failed else ", none failed")
    )
    if total_failed:
        console.print(f"[dim]{total_failed} failed audits in the store: `ftaudit eval status --store {escape(str(store_path))}` "
                      "lists them; --retry-failed runs them again[/]")
    console.print(f"results in {escape(str(store_path))}; next: ftaudit eval report --store {escape(str(store_path))} --out DIR")


def _run_ray(jobs: list[Any], configs: list[Any], store: Any, address: str, repeats: int, retry_failed: bool,
             bar: _RunProgress) -> Any:
    try:
        from ftaudit.evaluate.distributed import run_evaluation_ray
    except ImportError as exc:
        raise ConfigError(f"--ray: distributed evaluation is not available here ({exc})") from None
    return run_evaluation_ray(jobs, configs, store, address=address, repeats=repeats, retry_failed=retry_failed,
                              on_plan=bar.on_plan, on_result=bar.on_result)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _threshold(t: float | None) -> str:
    if t is None:
        return "unmet"
    return "flags none" if t >= FLAGS_NOTHING else f"≥ {t:g}"


def _rate(interval: Any, threshold: float | None) -> Text:
    """A TPR cell on three short lines (estimate, 95% interval, threshold), so the table fits 80 columns."""
    if interval.value is None:
        return Text.assemble("n/a\n", (_threshold(threshold), "dim"))
    cell = Text(f"{interval.value:.0%}")
    if interval.low is not None and interval.high is not None:
        cell.append(f"\n[{interval.low:.0%}, {interval.high:.0%}]", style="dim")
    cell.append("\n" + _threshold(threshold), style="dim")
    return cell


def metrics_table(metrics: list[Any]) -> Table:
    """The headline table: one row per configuration, TPR at each target FPR with its 95% interval and threshold."""
    table = Table(title="detection per configuration: TPR at a fixed FPR (threshold chosen on the benign audits), "
                        "95% bootstrap intervals", box=box.SIMPLE_HEAD, padding=(0, 1),
                  caption="b / a / inc.: benign, adversarial, inconclusive audits (inconclusive count the worst way); "
                          "under each TPR the score threshold that gives it (unmet: too many benign audits inconclusive)")
    table.add_column("config\n[dim]kind / preset[/]", no_wrap=True)
    table.add_column("audits\n[dim]b / a / inc.[/]", justify="right")
    for target in FPR_TARGETS:
        table.add_column(f"TPR at\n{target:.0%} FPR", justify="right")
    table.add_column("AUROC", justify="right")
    table.add_column("mean per\naudit", justify="right")
    for m in metrics:
        cells = [_rate(m.point(t).tpr, m.point(t).threshold) for t in FPR_TARGETS]
        counts = Text(f"{m.audits}\n{m.benign} / {m.adversarial} / ")
        counts.append(str(m.inconclusive), style="bold yellow" if m.inconclusive else "")
        auroc = Text("n/a" if m.auroc.value is None else f"{m.auroc.value:.3f}")
        if m.auroc.low is not None and m.auroc.high is not None:
            auroc.append(f"\n[{m.auroc.low:.2f}, {m.auroc.high:.2f}]", style="dim")
        cost = Text(f"${m.mean_cost_usd:.4f}\n{m.mean_turns:.1f} turns\n{m.mean_wall_s:.2f} s")
        name = Text.assemble(_data(m.config, "bold"), "\n", _data(f"{m.kind} / {m.preset}", "dim"))
        table.add_row(name, counts, *cells, auroc, cost)
    return table


def attack_table(metrics: list[Any]) -> Table:
    """Share of each dataset's audits flagged at the 1%-FPR threshold: detection for attacks, FPR for benign sets."""
    table = Table(title=f"share flagged at each configuration's {ATTACK_FPR:.0%}-FPR threshold, per attack and benign set",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column("attack / benign set", no_wrap=True)
    table.add_column("label")
    for m in metrics:
        table.add_column(_data(m.config), justify="right")
    keys: list[tuple[str, str]] = []
    for m in metrics:
        for a in m.attacks:
            if (a.label, a.attack) not in keys:
                keys.append((a.label, a.attack))
    keys.sort(key=lambda k: (k[0] != "adversarial", k[1]))
    for label, attack in keys:
        cells = []
        for m in metrics:
            rate = next((a for a in m.attacks if a.attack == attack and a.label == label), None)
            if rate is None:
                cells.append("—")
                continue
            cell = f"{_pct(rate.flagged)} of {rate.audits}"
            if rate.inconclusive:
                cell += f" ({rate.inconclusive} inconcl.)"
            cells.append(cell)
        table.add_row(_data(attack), _data(label, style="red" if label == "adversarial" else "green"), *cells)
    return table


@app.command("report")
def report_command(
    store: Path = typer.Option(..., "--store", help="Results store written by `ftaudit eval run`.", show_default=False),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the HTML, Markdown and JSON evaluation report.", show_default=False),
    bootstrap: int = typer.Option(BOOTSTRAP_SAMPLES, "--bootstrap", min=0, help="Bootstrap resamples for the 95% intervals (0: none)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics and the report's paths as JSON."),
) -> None:
    """Compute the detection metrics of a results store, print them, and write the evaluation report (HTML, Markdown, JSON).

    Per configuration: TPR at 0%, 1% and 5% FPR with the threshold chosen on the benign audits, AUROC, 95% bootstrap intervals over jobs, per-attack detection at the 1%-FPR threshold, mean cost, turns and wall time. Inconclusive audits count the worst way: an adversarial one as missed, a benign one as flagged.
    """
    results = _open_existing(store)
    try:
        if results.count() == 0:
            raise ConfigError(f"{store}: no audits stored yet; run `ftaudit eval run` first")
        metrics, written = _write_report(results, out, bootstrap)
    finally:
        results.close()
    if as_json:
        typer.echo(json.dumps({
            "store": str(store),
            "configs": [m.model_dump(mode="json") for m in metrics],
            "files": {k: str(v) for k, v in written.items()},
        }, indent=2))
        return
    console.print(metrics_table(metrics))
    console.print(attack_table(metrics))
    inconclusive = sum(m.inconclusive for m in metrics)
    if inconclusive:
        console.print(f"[yellow]{inconclusive} inconclusive audits[/] are counted the worst way "
                      "(adversarial: missed; benign: flagged)")
    for kind, path in written.items():
        console.print(f"{kind} report written to {escape(str(path))}")


def _write_report(results: Any, out: Path, bootstrap: int) -> tuple[list[Any], dict[str, Path]]:
    """Write the report; return its metrics (read back from its JSON: bootstrapped once, the same numbers) and paths."""
    from ftaudit.evaluate.report import EvalReport, write_eval_report

    try:
        paths = write_eval_report(results, out, bootstrap=bootstrap)
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the evaluation report: {exc.strerror or exc}") from None
    data = EvalReport.model_validate_json(paths.json.read_text(encoding="utf-8"))
    metrics = [section.metrics for section in data.configs if section.audits]
    return metrics, {"HTML": paths.html, "Markdown": paths.markdown, "JSON": paths.json}


@app.command("status")
def status_command(
    store: Path = typer.Option(..., "--store", help="Results store written by `ftaudit eval run`.", show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    limit: int = typer.Option(20, "--failures", min=0, help="Failed audits to list (the most recent first)."),
) -> None:
    """Show what a results store holds: audits per configuration and label, failures with their errors."""
    results = _open_existing(store)
    try:
        configs = results.configs()
        rows = results.rows()
        jobs = results.jobs()
    finally:
        results.close()
    per_config = []
    for c in configs:
        mine = [r for r in rows if r.config == c["name"]]
        per_config.append({
            "config": c["name"], "kind": c["kind"], "preset": c["preset"], "audits": len(mine),
            "adversarial": sum(r.label == "adversarial" for r in mine), "benign": sum(r.label == "benign" for r in mine),
            "failed": sum(r.error is not None for r in mine),
            "repeats": 1 + max((r.repeat for r in mine), default=-1),
        })
    failures = sorted((r for r in rows if r.error is not None), key=lambda r: r.finished_at, reverse=True)
    failed = [{"config": r.config, "job": r.job, "repeat": r.repeat, "error": r.error, "finished_at": r.finished_at}
              for r in failures]
    if as_json:
        typer.echo(json.dumps({"store": str(store), "jobs": len(jobs), "configs": per_config, "failures": failed}, indent=2))
        return
    table = Table("config", "kind / preset", "audits", "adversarial", "benign", "repeats", "failed",
                  title=f"{escape(str(store))}: {len(jobs)} jobs, {len(rows)} audits")
    for c in per_config:
        table.add_row(_data(c["config"]), _data(f"{c['kind']} / {c['preset']}"), str(c["audits"]), str(c["adversarial"]),
                      str(c["benign"]), str(c["repeats"]), Text(str(c["failed"]), style="yellow" if c["failed"] else ""))
    console.print(table)
    if failed and limit:
        errors = Table("config", "job", "repeat", "error", title="failed audits (stored as inconclusive)")
        for f in failed[:limit]:
            errors.add_row(_data(f["config"]), _data(f["job"]), str(f["repeat"]), Text(_short(f["error"] or "")))
        console.print(errors)
        if len(failed) > limit:
            console.print(f"[dim]… and {len(failed) - limit} more (--failures N or --json)[/]")
