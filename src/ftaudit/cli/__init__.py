"""The ``ftaudit`` command: a thin layer over the library.

Each command group lives in its own module here and is mounted on :data:`app`.
User mistakes (:class:`~ftaudit.errors.FtauditError`) become one red line and exit
code 2 (1 is reserved for "the check ran and found problems", e.g. an invalid dataset or
a job judged adversarial; 3 for "the audit could not decide", an inconclusive verdict).
"""

from __future__ import annotations

import os
import sys
import warnings

import typer
from rich.console import Console
from rich.markup import escape

from ftaudit import __version__
from ftaudit.errors import FtauditError

app = typer.Typer(
    name="ftaudit",
    help="Audit LLM fine-tuning jobs for adversarial fine-tuning before deployment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)

# Exit codes. A check that found problems (data validate) exits 1; usage and configuration errors 2.
# Every auditor (ftaudit screen, ftaudit audit) maps its verdict the same way, so one rule gates a
# pipeline: 0 benign, 10 adversarial, 20 inconclusive (never read an inconclusive audit as benign).
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ADVERSARIAL = 10
EXIT_INCONCLUSIVE = 20


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"ftaudit {__version__}")
        raise typer.Exit()


#: Columns rich lays out tables in when no terminal gives a width (a pipe, a log file, CI); COLUMNS wins.
PIPED_WIDTH = 160
# Third-party warnings a user can do nothing about (ours are never filtered): (message regex, category).
_KNOWN_WARNINGS = (
    # transformers deprecated the property; peft still reads it once per LoRA model.
    (r"`is_gradient_checkpointing` is deprecated", FutureWarning),
)


def quiet_output() -> None:
    """Library progress bars and known third-party warnings off, and readable tables when output is piped.

    A demo's log was mostly transformers' "Loading weights" bar (one per model load) and a
    FutureWarning per fine-tune; ftaudit shows its own progress with rich. The switches are the
    libraries' documented ones (``HF_HUB_DISABLE_PROGRESS_BARS``, which huggingface_hub and
    transformers read when imported, and their ``disable_progress_bar`` functions for a library
    already imported); a user's own setting of the variable wins. With no terminal on stdin,
    stdout or stderr, rich would lay tables out in 80 columns and cut their cells: COLUMNS is
    set to :data:`PIPED_WIDTH` unless the user set it.
    """
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1":
        # Imported already (by a test, or a notebook calling the app): switched off where they stand.
        if "huggingface_hub" in sys.modules:
            from huggingface_hub.utils import disable_progress_bars

            disable_progress_bars()
        if "transformers" in sys.modules:
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
    for message, category in _KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    if "COLUMNS" not in os.environ and not any(_is_terminal(fd) for fd in (0, 1, 2)):
        os.environ["COLUMNS"] = str(PIPED_WIDTH)


def _is_terminal(fd: int) -> bool:
    try:
        os.get_terminal_size(fd)
    except (OSError, ValueError):
        return False
    return True


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """Audit LLM fine-tuning jobs for adversarial fine-tuning before deployment."""
    quiet_output()


def _mount() -> None:
    from ftaudit.cli import (
        audit, bench, data, demo, evaluate, export, finetune, listing, models, schema, screens, serve, service, suite,
    )

    app.add_typer(bench.app, name="bench", help="Harmful-prompt benchmark on a base and a fine-tuned model.")
    app.add_typer(data.app, name="data", help="Validate and describe training files.")
    app.add_typer(evaluate.app, name="eval", help="Run many audits of a labelled suite, resumably; report detection metrics.")
    app.add_typer(export.app, name="export", help="Write finished audits in other tools' formats (Inspect eval logs).")
    app.add_typer(models.app, name="models", help="List models and chat with one.")
    app.add_typer(schema.app, name="schema", help="Print the JSON schemas of ftaudit's records.")
    app.add_typer(screens.app, name="screens", help="List the deterministic screens and calibrate their weights.")
    app.command("screen")(screens.screen_command)
    app.add_typer(suite.app, name="suite", help="List, build and fine-tune the attack and benign datasets.")
    app.command("finetune")(finetune.finetune_command)
    app.command("audit")(audit.audit_command)
    app.command("serve-models")(serve.serve_models_command)
    app.command("demo")(demo.demo_command)
    app.command("list")(listing.list_command)
    app.add_typer(service.app, name="service", help="The audit service: HTTP API, durable queue, workers, reviewer pages.")


_mount()


def main() -> None:
    """Console-script entry point: run the app, mapping ftaudit errors to clean exits."""
    try:
        rc = app(standalone_mode=False)
    except FtauditError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(EXIT_USAGE)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(130)
    except Exception as exc:  # usage errors (unknown option, bad value) arrive here in non-standalone mode
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        if type(exc).__name__ == "Abort":
            sys.exit(130)
        raise
    # In non-standalone mode click returns a typer.Exit's code instead of raising it.
    sys.exit(rc if isinstance(rc, int) else 0)


def _is_usage_error(exc: BaseException) -> bool:
    """A click usage error, from click itself or from the copy typer vendors (typer._click)."""
    import click

    classes: list[type] = [click.exceptions.ClickException]
    try:
        from typer._click import exceptions as vendored

        classes.append(vendored.ClickException)
    except ImportError:
        pass
    return isinstance(exc, tuple(classes))
