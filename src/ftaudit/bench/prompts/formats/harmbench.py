"""HarmBench behaviours (Mazeika et al. 2024): the behaviours CSV, or a plain list.

The CSV has ``Behavior``, ``FunctionalCategory``, ``SemanticCategory``, ``Tags``,
``ContextString`` and ``BehaviorID``. A contextual behaviour is sent with its context
first, the way HarmBench's own evaluation builds it.
"""

from __future__ import annotations

from pathlib import Path

from ftaudit.bench.prompts.categorise import categorise, check_table
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.readers import optional_text, read_csv, read_csv_header, read_lines, required_text
from ftaudit.bench.prompts.types import BenchPrompt

#: HarmBench SemanticCategory -> HEx-PHI key (None: no counterpart, inferred from the text).
SEMANTIC_CATEGORIES = check_table({
    "chemical_biological": "physical-harm",
    "illegal": "illegal-activity",
    "misinformation_disinformation": "fraud-deception",
    "harmful": None,
    "harassment_bullying": "hate-harass-violence",
    "cybercrime_intrusion": "malware",
    "copyright": None,
})


def _context_prompt(context: str, behavior: str) -> str:
    return f"{context}\n\n---\n\n{behavior}"


def read(path: Path) -> list[BenchPrompt]:
    if "behavior" not in {c.lower() for c in read_csv_header(path)}:
        prompts = []
        for i, (line, text) in enumerate(read_lines(path), 1):
            category, basis = categorise(text, None, {})
            prompts.append(BenchPrompt(id=f"harmbench:{i:03d}", text=text, kind="harmful", category=category,
                                       category_basis=basis, source="harmbench", meta={"line": str(line)}))
        return prompts
    prompts = []
    for i, (line, row) in enumerate(read_csv(path, ["Behavior"]), 1):
        behavior = required_text(path, line, row, "Behavior")
        context = optional_text(row, "ContextString")
        semantic = optional_text(row, "SemanticCategory")
        category, basis = categorise(behavior, semantic, SEMANTIC_CATEGORIES)
        meta = {"line": str(line), "behavior": behavior}
        for key in ("FunctionalCategory", "Tags"):
            if value := optional_text(row, key):
                meta[key[0].lower() + key[1:]] = value
        ident = optional_text(row, "BehaviorID") or f"{i:03d}"
        prompts.append(BenchPrompt(
            id=f"harmbench:{ident}",
            text=_context_prompt(context, behavior) if context else behavior,
            kind="harmful", category=category, original_category=semantic, category_basis=basis,
            source="harmbench", meta=meta,
        ))
    return prompts


FORMAT = PromptFormat(
    name="harmbench",
    title="HarmBench behaviours (CSV with Behavior, SemanticCategory, ContextString… or a plain list)",
    licence="MIT",
    reference="Mazeika et al. 2024, HarmBench: A Standardized Evaluation Framework for Automated Red Teaming",
    read=read,
    signature=frozenset({"behavior"}),
    suffixes=(".csv", ".txt"),
)
