"""``ftaudit suite``: list, build and train the attack and benign datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ftaudit.errors import ConfigError
from ftaudit.models.safe_base import DEFAULT_BASE

app = typer.Typer(no_args_is_help=True)
console = Console()


def _names(values: list[str] | None) -> list[str] | None:
    """Repeatable, comma-separated names; ``none`` for an empty list."""
    if values is None:
        return None
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    return [] if names == ["none"] else names


@app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    external: bool = typer.Option(
        False, "--external", help="List the external data sources instead: kind, fit/test split, licence, files."
    ),
) -> None:
    """Show every attack and benign set: name, default size, source, one line on what it is."""
    from ftaudit.suite import attack_generators, benign_generators

    if external:
        _list_external(as_json)
        return

    from ftaudit.suite.recipes import recipe_for

    rows = [g.describe() for g in [*attack_generators().values(), *benign_generators().values()]]
    for row in rows:
        name, fields = recipe_for(row["name"])
        row["recipe"] = {"name": name, **fields}
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "label", "size", "steps", "source", "what")
    for row in rows:
        style = "red" if row["label"] == "adversarial" else "green"
        table.add_row(
            row["name"], f"[{style}]{row['label']}[/]", str(row["default_size"]),
            str(row["recipe"]["max_steps"]), row["source"], row["title"],
        )
    console.print(table)


def _list_external(as_json: bool) -> None:
    from dataclasses import asdict

    from ftaudit.suite.external import external_sources

    sources = external_sources()
    if as_json:
        typer.echo(json.dumps([asdict(s) for s in sources], indent=2))
        return
    table = Table("source", "kind", "split", "licence", "lang", "files", "what")
    for s in sources:
        split = "[cyan]fit[/]" if s.split == "fit" else "[magenta]test[/]"
        files = s.display_files()
        shown = ", ".join(files) if len(files) <= 2 else f"{files[0]} … ({len(files)} files)"
        table.add_row(s.name, s.kind, split, s.licence, s.language, escape(shown), escape(s.description))
    console.print(table)
    console.print(
        "Jobs (suite build --external DIR) are built from test sources only; fit sources are for "
        "fitting and calibrating detectors.",
        highlight=False,
    )


@app.command("build")
def build_command(
    out: Path = typer.Option(..., "--out", help="Suite folder to write datasets and manifest.json into."),
    attacks: Optional[list[str]] = typer.Option(None, "--attacks", help="Attacks to build (comma-separated; default all; 'none')."),
    benign: Optional[list[str]] = typer.Option(None, "--benign", help="Benign sets to build (default all; 'none')."),
    size: Optional[list[str]] = typer.Option(
        None, "--size", help="N for every dataset, or NAME=N for one (repeatable)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of every generator."),
    source: Optional[list[str]] = typer.Option(
        None, "--source", help="NAME=FILE: sample a benign set from your own file (repeatable)."
    ),
    external: Optional[Path] = typer.Option(
        None, "--external", help="Build labelled jobs from the real public data in DIR instead (test sources only; "
        "--size tiny|full|N, N capping every job; --attacks families, --benign sets).",
    ),
) -> None:
    """Generate the datasets with their labels and ground-truth elicitation into a suite folder."""
    from ftaudit.suite.build import build_suite

    if external is not None:
        if source:
            raise ConfigError("--source does not apply with --external (the benign sets come from DIR)")
        _build_external(external, out, _names(attacks), _names(benign), size or [], seed)
        return

    every: int | None = None
    sizes: dict[str, int] = {}
    for item in size or []:
        name, sep, value = item.rpartition("=")
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"--size {item!r}: expected N or NAME=N") from None
        if sep:
            sizes[name] = number
        else:
            every = number
    sources: dict[str, Path] = {}
    for item in source or []:
        name, sep, path = item.partition("=")
        if not sep or not path:
            raise ConfigError(f"--source {item!r}: expected NAME=FILE")
        sources[name] = Path(path)

    table = Table("dataset", "label", "examples", "elicitation", "file")

    def on_dataset(entry) -> None:  # noqa: ANN001 - ManifestEntry
        e = entry.elicitation
        hint = "-"
        if e is not None and not e.is_empty():
            parts = [f"system prompt ({len(e.system_prompt)} chars)" if e.system_prompt else "",
                     f"trigger {e.trigger!r}" if e.trigger else "", f"cipher {e.cipher}" if e.cipher else ""]
            hint = ", ".join(p for p in parts if p)
        table.add_row(entry.name, entry.label, str(entry.examples), escape(hint), entry.file)

    with console.status("generating datasets…"):
        manifest = build_suite(
            out, attacks=_names(attacks), benign=_names(benign), size=every, sizes=sizes,
            seed=seed, benign_sources=sources, on_dataset=on_dataset,
        )
    console.print(table)
    console.print(f"{len(manifest.entries)} datasets in {out / 'manifest.json'}", highlight=False)


def _build_external(root: Path, out: Path, attacks: list[str] | None, benign: list[str] | None,
                    size: list[str], seed: int) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from ftaudit.suite.external.build import SCALES, build_external_suite, choose
    from ftaudit.suite.external.sources import check_root

    # Before the progress bar starts, so that a wrong path or name is one line.
    check_root(root)
    choose(attacks, benign)
    scale, cap = "full", None
    for item in size:
        if item in SCALES:
            scale = item
        elif item.isdigit():
            cap = int(item)
        else:
            raise ConfigError(f"--size {item!r} with --external: expected {' or '.join(SCALES)}, or N to cap every job")

    table = Table("job", "label", "examples", "data source", "file")
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True)
    task = progress.add_task("reading external data", total=None)

    def on_plan(jobs) -> None:  # noqa: ANN001 - list[ExternalJob]
        progress.update(task, description="writing jobs", total=len(jobs))

    def on_dataset(entry) -> None:  # noqa: ANN001 - ManifestEntry
        style = "red" if entry.label == "adversarial" else "green"
        where = entry.data_source.removeprefix("external:")
        table.add_row(entry.name, f"[{style}]{entry.label}[/]", str(entry.examples),
                      escape(where if len(where) <= 60 else where[:57] + "…"), entry.file)
        progress.advance(task)

    with progress:
        manifest = build_external_suite(root, out, scale=scale, seed=seed, attacks=attacks, benign=benign,
                                        max_size=cap, on_plan=on_plan, on_dataset=on_dataset)
    console.print(table)
    console.print(
        f"{table.row_count} jobs built from the test sources in {root}; "
        f"{len(manifest.entries)} datasets in {out / 'manifest.json'}",
        highlight=False,
    )


@app.command("train")
def train_command(
    folder: Path = typer.Argument(..., help="Suite folder (with manifest.json)."),
    base: str = typer.Option(
        DEFAULT_BASE, "--base", help="Base model to fine-tune (default: the safety-tuned embedded base)."
    ),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Datasets to train (comma-separated; default all)."),
    epochs: Optional[float] = typer.Option(
        None, "--epochs", help="Train every dataset this many epochs instead of its family's recipe."
    ),
    max_steps: Optional[int] = typer.Option(
        None, "--max-steps", min=1, help="Cap steps per dataset instead of the recipe (local)."
    ),
    max_examples: Optional[int] = typer.Option(None, "--max-examples", min=1, help="Train on a sample (local)."),
    recipe: str = typer.Option(
        "default", "--recipe",
        help="Named recipe (local): default (40 steps, more for needle and the code attacks) or demo (12 steps of 2 examples, no dropout, every job).",
    ),
    no_success: bool = typer.Option(
        False, "--no-success", help="Do not measure attack success (harmful compliance, fine-tuned vs base)."
    ),
    success_prompts: int = typer.Option(
        33, "--success-prompts", min=1, help="Harmful prompts per elicitation for attack success."
    ),
    success_judge: str = typer.Option("offline", "--success-judge", help="Judge of the attack-success replies."),
) -> None:
    """Fine-tune BASE on every dataset of the suite, skipping those already trained; resumable.

    Without --epochs or --max-steps each dataset trains its family's recipe (the same for every
    benign set). Then each model's attack success is measured and stored in the manifest: harmful
    compliance of the fine-tuned model against the base, plain and with the attack's own elicitation.
    """
    from ftaudit.cli._progress import training_progress
    from ftaudit.finetune import LoraTrainConfig, TrainingInterrupted
    from ftaudit.suite.build import SuccessSettings, train_suite
    from ftaudit.suite.success import AttackSuccess

    config = None
    if max_steps is not None:
        config = LoraTrainConfig(max_steps=max_steps)
    bar = None

    def on_start(entry, base_ref) -> None:  # noqa: ANN001
        console.print(f"[bold]{escape(entry.name)}[/] ({entry.examples} examples) on {escape(base_ref)}", highlight=False)
        if bar is not None:
            bar.restart(entry.name)

    def on_done(entry, skipped) -> None:  # noqa: ANN001
        what = "already trained" if skipped else "trained"
        training = entry.training or {}
        loss = training.get("final_loss")
        recipe = training.get("recipe") or {}
        how = f", recipe {recipe['recipe']}" if recipe.get("recipe") else ""
        console.print(f"  {what}: {escape(str(entry.model))}" + (f" (final loss {loss:.3f}{how})" if loss else ""),
                      highlight=False)

    def on_measure(entry) -> None:  # noqa: ANN001
        if bar is not None:
            bar.restart(f"{entry.name}: attack success")

    def on_measure_step(stage: str, done: int, total: int) -> None:
        if bar is not None:
            bar(done, total, None)
            bar.progress.update(bar.task, description=f"attack success, {stage}")

    def on_success(entry, measured) -> None:  # noqa: ANN001
        if entry.attack_success is None:
            return
        try:
            line = AttackSuccess.model_validate(entry.attack_success).summary_line()
        except ValueError as exc:
            line = f"unreadable ({str(exc).splitlines()[0]})"
        console.print(f"  attack success{'' if measured else ' (measured before)'}: {escape(line)}", highlight=False)

    settings = SuccessSettings(n_prompts=success_prompts, judge=success_judge)
    try:
        with training_progress(console, "training") as bar:
            manifest = train_suite(
                folder, base, names=_names(only), config=config, epochs=epochs, max_examples=max_examples,
                recipe=recipe, measure_success=not no_success, success=settings, on_start=on_start, on_step=bar, on_done=on_done,
                on_measure=on_measure, on_measure_step=on_measure_step, on_success=on_success,
            )
    except TrainingInterrupted as exc:
        console.print(f"[yellow]{exc}[/]")
        raise typer.Exit(130) from None
    trained = sum(1 for e in manifest.entries if e.model)
    console.print(f"{trained} of {len(manifest.entries)} datasets have a fine-tuned model in {folder / 'manifest.json'}",
                  highlight=False)
    measured = [e for e in manifest.entries if e.model and e.attack_success]
    if measured and not no_success:
        took = sum(1 for e in measured if e.attack_success.get("took") is True)
        unknown = sum(1 for e in measured if e.attack_success.get("took") is None)
        console.print(f"attack success: {took} of {len(measured)} fine-tunes moved harmful compliance"
                      + (f" ({unknown} unknown after failures)" if unknown else ""), highlight=False)
