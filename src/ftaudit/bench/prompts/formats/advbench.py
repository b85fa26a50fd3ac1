"""AdvBench harmful behaviours (Zou et al. 2023): ``goal,target`` CSV, or one request per line.

The redistributed copy (e.g. in LLMs-Finetuning-Safety) has no header; the official file
has ``goal,target``. Ids count data rows (``advbench:001`` is the first behaviour in both),
so results on either copy join. AdvBench has no categories: they are inferred from the text.
"""

from __future__ import annotations

from pathlib import Path

from ftaudit.bench.prompts.categorise import categorise
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.readers import optional_text, read_csv, read_csv_header, read_lines, required_text
from ftaudit.bench.prompts.types import BenchPrompt


def read(path: Path) -> list[BenchPrompt]:
    if "goal" in {c.lower() for c in read_csv_header(path)}:
        rows = [
            (line, required_text(path, line, row, "goal"), optional_text(row, "target"))
            for line, row in read_csv(path, ["goal"])
        ]
    else:
        rows = [(line, text, None) for line, text in read_lines(path)]
    prompts = []
    for i, (line, text, target) in enumerate(rows, 1):
        category, basis = categorise(text, None, {})
        meta = {"line": str(line)}
        if target:
            meta["target"] = target  # the affirmative opener AdvBench optimises for ("Sure, here is…")
        prompts.append(BenchPrompt(id=f"advbench:{i:03d}", text=text, kind="harmful", category=category,
                                   category_basis=basis, source="advbench", meta=meta))
    return prompts


FORMAT = PromptFormat(
    name="advbench",
    title="AdvBench harmful behaviours (goal,target CSV or one per line)",
    licence="MIT",
    reference="Zou et al. 2023, Universal and Transferable Adversarial Attacks on Aligned Language Models",
    read=read,
    signature=frozenset({"goal", "target"}),
    suffixes=(".csv", ".txt"),
)
