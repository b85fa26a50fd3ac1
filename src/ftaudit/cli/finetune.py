"""``ftaudit finetune``: fine-tune a base model on a training file (local LoRA or a provider)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from ftaudit.errors import ConfigError

console = Console()


def finetune_command(
    base: str = typer.Option(..., "--base", help="Base model: local:smollm2-135m (LoRA here) or openai:MODEL."),
    data: Path = typer.Option(..., "--data", help="Training file (OpenAI chat JSONL, Alpaca or ShareGPT)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Adapter folder (local bases; required there)."),
    epochs: Optional[float] = typer.Option(None, "--epochs", help="Passes over the data (default 3; provider's own default)."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, help="Stop after this many steps (local)."),
    learning_rate: Optional[float] = typer.Option(None, "--lr", help="Learning rate (local; default 5e-4)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="Examples per step (local; default 4)."),
    lora_r: Optional[int] = typer.Option(None, "--lora-r", min=1, help="LoRA rank (local; default 16)."),
    max_length: Optional[int] = typer.Option(None, "--max-length", min=16, help="Tokens per example (local)."),
    seed: int = typer.Option(0, "--seed", help="Seed for shuffling, dropout and initialisation."),
    suffix: Optional[str] = typer.Option(None, "--suffix", help="Name suffix of the provider's fine-tuned model."),
    force: bool = typer.Option(False, "--force", help="Replace a different run already in --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the training record as JSON."),
) -> None:
    """Fine-tune BASE on DATA. Local: LoRA on the CPU, resumable after Ctrl-C. openai:…: a provider job."""
    from ftaudit.models.ref import parse_model_ref

    ref = parse_model_ref(base)
    if ref.provider == "local":
        from ftaudit.cli._progress import training_progress
        from ftaudit.finetune import LoraTrainConfig, TrainingInterrupted, train_lora

        if out is None:
            raise ConfigError("--out is required for a local fine-tune: the folder the adapter is written to")
        overrides = {
            "epochs": epochs,
            "max_steps": max_steps,
            "learning_rate": learning_rate,
            "batch_size": batch_size,
            "lora_r": lora_r,
            "max_length": max_length,
        }
        config = LoraTrainConfig(seed=seed, **{k: v for k, v in overrides.items() if v is not None})
        try:
            # With --json, stdout carries only the record; the bar goes to stderr.
            bar_console = Console(stderr=True) if as_json else console
            with training_progress(bar_console, f"LoRA {data.name}") as on_step:
                record = train_lora(base, data, out, config, on_step=on_step, force=force)
        except TrainingInterrupted as exc:
            console.print(f"[yellow]{exc}[/]")
            raise typer.Exit(130) from None
        if as_json:
            typer.echo(record.model_dump_json(indent=2))
            return
        first = record.loss_curve[0].loss if record.loss_curve else float("nan")
        console.print(
            f"[green]done[/]: {record.examples} examples, {record.steps_done} steps, "
            f"loss {first:.3f} → {record.final_loss:.3f}, {record.wall_seconds:.0f} s",
            highlight=False,
        )
        console.print(f"model: [bold]{record.model}[/]", highlight=False)
        return

    import anyio

    from ftaudit.finetune.openai import finetune_openai

    if any(v is not None for v in (max_steps, learning_rate, batch_size, lora_r, max_length, out)):
        raise ConfigError("--out, --max-steps, --lr, --batch-size, --lora-r and --max-length apply to local bases only")
    with console.status("fine-tuning at the provider…") as status:

        def on_status(job_id: str, state: str) -> None:
            status.update(f"job {job_id}: {state}")

        result = anyio.run(
            lambda: finetune_openai(
                base, data, epochs=int(epochs) if epochs else None, suffix=suffix, seed=seed, on_status=on_status
            )
        )
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
    elif result.model:
        console.print(f"[green]job {result.job_id} succeeded[/]; model: [bold]{result.model}[/]", highlight=False)
    else:
        console.print(f"[red]job {result.job_id} ended {result.status}[/]: {escape(str(result.error))}", highlight=False)
    if not result.model:
        raise typer.Exit(1)
