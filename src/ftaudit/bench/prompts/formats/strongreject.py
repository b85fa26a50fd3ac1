"""StrongREJECT forbidden prompts (Souly et al. 2024): CSV ``category,source,forbidden_prompt``."""

from __future__ import annotations

from pathlib import Path

from ftaudit.bench.prompts.categorise import categorise, check_table
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.readers import optional_text, read_csv, required_text
from ftaudit.bench.prompts.types import BenchPrompt

#: StrongREJECT category -> HEx-PHI key.
CATEGORIES = check_table({
    "Disinformation and deception": "fraud-deception",
    "Hate, harassment and discrimination": "hate-harass-violence",
    "Illegal goods and services": "illegal-activity",
    "Non-violent crimes": "illegal-activity",
    "Sexual content": "adult-content",
    "Violence": "hate-harass-violence",
})


def read(path: Path) -> list[BenchPrompt]:
    prompts = []
    for i, (line, row) in enumerate(read_csv(path, ["forbidden_prompt", "category"]), 1):
        text = required_text(path, line, row, "forbidden_prompt")
        label = optional_text(row, "category")
        category, basis = categorise(text, label, CATEGORIES)
        meta = {"line": str(line)}
        if origin := optional_text(row, "source"):
            meta["origin"] = origin
        prompts.append(BenchPrompt(id=f"strongreject:{i:03d}", text=text, kind="harmful", category=category,
                                   original_category=label, category_basis=basis, source="strongreject", meta=meta))
    return prompts


FORMAT = PromptFormat(
    name="strongreject",
    title="StrongREJECT forbidden prompts (category,source,forbidden_prompt CSV)",
    licence="MIT",
    reference="Souly et al. 2024, A StrongREJECT for Empty Jailbreaks",
    read=read,
    signature=frozenset({"forbidden_prompt"}),
)
