"""A training progress bar with the current loss, shared by ``finetune`` and ``suite train``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class TrainingBar:
    """An ``on_step(step, total, loss)`` callback driving one rich bar; ``restart`` for the next run."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.task = progress.add_task(label, total=None, loss="-")

    def __call__(self, step: int, total: int, loss: float | None) -> None:
        self.progress.update(self.task, completed=step, total=total, loss="-" if loss is None else f"{loss:.3f}")

    def restart(self, label: str) -> None:
        self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(label, total=None, loss="-")


@contextmanager
def training_progress(console: Console, label: str) -> Iterator[TrainingBar]:
    """Yield a :class:`TrainingBar` shown for the duration of the block."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    with progress:
        yield TrainingBar(progress, label)
