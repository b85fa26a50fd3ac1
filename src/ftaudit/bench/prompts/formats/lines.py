"""A plain list of harmful requests, one per line (no header); categories inferred from the text."""

from __future__ import annotations

from pathlib import Path

from ftaudit.bench.prompts.categorise import categorise
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.readers import read_lines
from ftaudit.bench.prompts.types import BenchPrompt


def read(path: Path) -> list[BenchPrompt]:
    prompts = []
    for i, (line, text) in enumerate(read_lines(path), 1):
        category, basis = categorise(text, None, {})
        prompts.append(BenchPrompt(id=f"lines:{i:03d}", text=text, kind="harmful", category=category,
                                   category_basis=basis, source="lines", meta={"line": str(line)}))
    return prompts


FORMAT = PromptFormat(
    name="lines",
    title="Plain list of harmful requests, one per line",
    licence="(the file's own)",
    reference="",
    read=read,
    suffixes=(".txt", ".csv"),
)
