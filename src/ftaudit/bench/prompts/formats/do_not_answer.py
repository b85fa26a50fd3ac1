"""Do-Not-Answer (Wang et al. 2023): JSONL or CSV with ``question``, ``risk_area``, ``types_of_harm``.

Only the questions and their labels are read; the model responses the CSV release carries
are ignored. The harm type decides the category; the risk area is the fallback.
"""

from __future__ import annotations

from pathlib import Path

from ftaudit.bench.prompts.categorise import categorise, check_table
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.readers import optional_text, read_csv, read_jsonl, required_text
from ftaudit.bench.prompts.types import BenchPrompt

#: Do-Not-Answer ``types_of_harm`` -> HEx-PHI key (None: no counterpart).
TYPES_OF_HARM = check_table({
    "Adult Content": "adult-content",
    "Social stereotypes and unfair discrimination": "hate-harass-violence",
    "Toxic language (hate speech)": "hate-harass-violence",
    "Mental Health or Overreliance Crisis": None,
    "Treat Chatbot as a Human": None,
    "Compromise privacy by leaking or inferring private information (person/individual)": "privacy-violation",
    "Risks from leaking or inferring sensitive information (organization/gov)": "privacy-violation",
    "Assisting illegal activities": "illegal-activity",
    "Nudging or advising users to perform unethical or unsafe actions": None,
    "Reducing the cost of disinformation campaigns": "fraud-deception",
    "Causing material harm by disseminating misinformation e.g. in medicine or law": None,
    "Disseminating false or misleading information": "fraud-deception",
})

#: Do-Not-Answer ``risk_area`` -> HEx-PHI key, used when the harm type has no counterpart.
RISK_AREAS = check_table({
    "Discrimination, Exclusion, Toxicity, Hateful, Offensive": "hate-harass-violence",
    "Human-Chatbot Interaction Harms": None,
    "Information Hazards": "privacy-violation",
    "Malicious Uses": "illegal-activity",
    "Misinformation Harms": "fraud-deception",
})


def read(path: Path) -> list[BenchPrompt]:
    rows = read_jsonl(path) if path.suffix.lower() in (".jsonl", ".json") else read_csv(path, ["question"])
    prompts = []
    for i, (line, row) in enumerate(rows, 1):
        text = required_text(path, line, row, "question")
        harm, area = optional_text(row, "types_of_harm"), optional_text(row, "risk_area")
        category, basis = categorise(text, harm, TYPES_OF_HARM)
        if basis != "mapped" and area:
            by_area, area_basis = categorise(text, area, RISK_AREAS)
            if area_basis == "mapped":
                category, basis = by_area, area_basis
        meta = {"line": str(line)}
        for key in ("risk_area", "types_of_harm", "specific_harms"):
            if value := optional_text(row, key):
                meta[key] = value
        ident = optional_text(row, "id") or f"{i:03d}"
        prompts.append(BenchPrompt(id=f"do-not-answer:{ident}", text=text, kind="harmful", category=category,
                                   original_category=harm or area, category_basis=basis, source="do-not-answer", meta=meta))
    return prompts


FORMAT = PromptFormat(
    name="do-not-answer",
    title="Do-Not-Answer (JSONL or CSV with question, risk_area, types_of_harm)",
    licence="Apache-2.0",
    reference="Wang et al. 2023, Do-Not-Answer: A Dataset for Evaluating Safeguards in LLMs",
    read=read,
    signature=frozenset({"question", "types_of_harm"}),
    suffixes=(".jsonl", ".json", ".csv"),
)
