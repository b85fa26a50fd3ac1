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

app = typer.Typer(no_args_is_help=True)
console = Console()


def _names(values: list[str] | None) -> list[str] | None:
    """Repeatable, comma-separated names; ``none`` for an empty list."""
    if values is None:
        return None
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    return [] if names == ["none"] else names


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show every attack and benign set: name, default size, source, one line on what it is."""
    from ftaudit.suite import attack_generators, benign_generators

    rows = [g.describe() for g in [*attack_generators().values(), *benign_generators().values()]]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("name", "label", "size", "epochs", "source", "what")
    for row in rows:
        style = "red" if row["label"] == "adversarial" else "green"
        table.add_row(
            row["name"], f"[{style}]{row['label']}[/]", str(row["default_size"]),
            f"{row['suggested_epochs']:g}", row["source"], row["title"],
        )
    console.print(table)


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
) -> None:
    """Generate the datasets with their labels and ground-truth elicitation into a suite folder."""
    from ftaudit.suite.build import build_suite

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


@app.command("train")
def train_command(
    folder: Path = typer.Argument(..., help="Suite folder (with manifest.json)."),
    base: str = typer.Option("local:smollm2-135m", "--base", help="Base model to fine-tune."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Datasets to train (comma-separated; default all)."),
    epochs: Optional[float] = typer.Option(None, "--epochs", help="Override every dataset's suggested epochs."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, help="Cap steps per dataset (local)."),
    max_examples: Optional[int] = typer.Option(None, "--max-examples", min=1, help="Train on a sample (local)."),
) -> None:
    """Fine-tune BASE on every dataset of the suite, skipping those already trained; resumable."""
    from ftaudit.cli._progress import training_progress
    from ftaudit.finetune import LoraTrainConfig, TrainingInterrupted
    from ftaudit.suite.build import train_suite

    config = None
    if max_steps is not None or max_examples is not None:
        config = LoraTrainConfig(max_steps=max_steps, max_examples=max_examples)
    bar = None

    def on_start(entry, base_ref) -> None:  # noqa: ANN001
        console.print(f"[bold]{entry.name}[/] ({entry.examples} examples) on {base_ref}", highlight=False)
        if bar is not None:
            bar.restart(entry.name)

    def on_done(entry, skipped) -> None:  # noqa: ANN001
        what = "already trained" if skipped else "trained"
        loss = (entry.training or {}).get("final_loss")
        console.print(f"  {what}: {entry.model}" + (f" (final loss {loss:.3f})" if loss else ""), highlight=False)

    try:
        with training_progress(console, "training") as bar:
            manifest = train_suite(
                folder, base, names=_names(only), config=config, epochs=epochs,
                on_start=on_start, on_step=bar, on_done=on_done,
            )
    except TrainingInterrupted as exc:
        console.print(f"[yellow]{exc}[/]")
        raise typer.Exit(130) from None
    trained = sum(1 for e in manifest.entries if e.model)
    console.print(f"{trained} of {len(manifest.entries)} datasets have a fine-tuned model in {folder / 'manifest.json'}")
