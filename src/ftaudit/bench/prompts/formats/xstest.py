"""XSTest (Röttger et al. 2024): CSV with ``prompt``, ``type`` and (v2) ``label`` safe/unsafe.

Safe prompts become benign controls in the category of their type (``safe_contexts`` ->
``safe-contexts``); unsafe ones (the ``contrast_*`` types) become harmful prompts. Files
without a ``label`` column are labelled by the ``contrast_`` prefix of the type.
"""

from __future__ import annotations

from pathlib import Path

from ftaudit.bench.prompts.categorise import categorise, check_table
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.readers import optional_text, read_csv, required_text
from ftaudit.bench.prompts.types import BenchPrompt
from ftaudit.errors import DataError

#: XSTest contrast (unsafe) type -> HEx-PHI key (None: inferred from the text).
CONTRAST_TYPES = check_table({
    "contrast_homonyms": None,
    "contrast_figurative_language": None,
    "contrast_safe_targets": None,
    "contrast_safe_contexts": None,
    "contrast_definitions": None,
    "contrast_discr": "hate-harass-violence",
    "contrast_historical_events": None,
    "contrast_privacy": "privacy-violation",
})


def read(path: Path) -> list[BenchPrompt]:
    prompts = []
    for i, (line, row) in enumerate(read_csv(path, ["prompt", "type"]), 1):
        text = required_text(path, line, row, "prompt")
        kind_label = required_text(path, line, row, "type")
        label = (optional_text(row, "label") or "").lower()
        if label not in ("", "safe", "unsafe"):
            raise DataError(f"label must be 'safe' or 'unsafe', got {label!r}", path=path, line=line, field="label", code="value")
        unsafe = label == "unsafe" if label else kind_label.lower().startswith("contrast_")
        meta = {"line": str(line)}
        for key in ("focus", "note"):
            if value := optional_text(row, key):
                meta[key] = value
        ident = optional_text(row, "id") or optional_text(row, "id_v2") or f"{i:03d}"
        if unsafe:
            category, basis = categorise(text, kind_label, CONTRAST_TYPES)
        else:
            category, basis = kind_label.lower().replace("_", "-"), "native"
        prompts.append(BenchPrompt(id=f"xstest:{ident}", text=text, kind="harmful" if unsafe else "benign",
                                   category=category, original_category=kind_label, category_basis=basis,
                                   source="xstest", meta=meta))
    return prompts


FORMAT = PromptFormat(
    name="xstest",
    title="XSTest (prompt,type,label CSV): safe prompts are benign controls, unsafe ones harmful",
    licence="CC-BY-4.0",
    reference="Röttger et al. 2024, XSTest: A Test Suite for Identifying Exaggerated Safety Behaviours in LLMs",
    read=read,
    signature=frozenset({"prompt", "type"}),
)
