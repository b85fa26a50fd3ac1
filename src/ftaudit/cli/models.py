"""``ftaudit models``: list the embedded models and chat with any model reference."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ftaudit._text import printable
from ftaudit.config import get_settings
from ftaudit.errors import ConfigError

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("list")
def list_models() -> None:
    """List the embedded (offline) models and the providers a reference can name."""
    from ftaudit.models import EMBEDDED_MODELS

    table = Table(title="Embedded models (offline, CPU)")
    table.add_column("reference")
    table.add_column("ships in")
    table.add_column("converted")
    table.add_column("description")
    models_dir = get_settings().models_dir
    for name, spec in sorted(EMBEDDED_MODELS.items()):
        converted = "yes" if (models_dir / name / ".ftaudit-converted").exists() else "on first use"
        table.add_row(f"local:{name}", spec.ships_in, converted, spec.description)
    from ftaudit.models.safe_base import SAFE_BASES, built_info

    for name, recipe in SAFE_BASES.items():
        built = "yes" if built_info(name, models_dir) else "on first use (a few minutes)"
        table.add_row(
            f"local:{name}", f"built from local:{recipe.base}", built,
            f"local:{recipe.base} safety-tuned here (LoRA merged): refuses harmful requests; the default base",
        )
    console.print(table)
    console.print(
        "Remote: openai:MODEL, anthropic:MODEL, NAME@http://host:port/v1 (OpenAI-compatible server);"
        " local:PATH for a transformers folder; append +adapter=PATH for a LoRA adapter."
    )


@app.command("chat")
def chat(
    model: str = typer.Argument(..., help="Model reference, e.g. local:smollm2-135m or openai:gpt-4.1."),
    prompt: str = typer.Argument(..., help="The user message."),
    system: Optional[str] = typer.Option(None, "--system", "-s", help="System prompt."),
    prefill: Optional[str] = typer.Option(None, "--prefill", help="Start of the assistant's reply."),
    max_tokens: int = typer.Option(128, "--max-tokens", min=1),
    temperature: float = typer.Option(0.0, "--temperature", min=0.0, max=2.0),
    cache: str = typer.Option("", "--cache", help="Response cache: on, read-only or off (default: settings)."),
    as_json: bool = typer.Option(False, "--json", help="Print the completion as JSON."),
) -> None:
    """Send one chat to a model and print its reply (with tokens, cost and cache status)."""
    from ftaudit.models import get_model

    if cache and cache not in ("on", "off", "read-only"):
        raise ConfigError(f"--cache must be on, read-only or off, not {cache!r}")
    chat_model = get_model(model, cache=cache or None)  # type: ignore[arg-type]
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    with console.status(f"generating with {chat_model.name}…", spinner="dots") if not as_json else _null():
        completion = chat_model.chat_sync(messages, prefill=prefill, max_tokens=max_tokens, temperature=temperature)
    if as_json:
        typer.echo(json.dumps(completion.model_dump(mode="json"), indent=2))
        return
    typer.echo(printable(completion.full_text))
    usage = completion.usage
    cost = f"${usage.cost_usd:.6f}" if usage.cost_known else "cost unknown"
    console.print(
        f"[dim]{completion.model} · {usage.input_tokens} in / {usage.output_tokens} out · {cost} · "
        f"{'cached' if completion.cached else f'{completion.latency_s:.1f} s'}[/]",
        highlight=False,
    )


def _null():  # a do-nothing context manager, so JSON output stays clean of spinners
    import contextlib

    return contextlib.nullcontext()
