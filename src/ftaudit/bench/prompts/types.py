"""The data of a prompt set: categories, one benchmark prompt, and the names they use.

Harmful prompts carry one of the 11 HEx-PHI category keys (Qi et al. 2023) as ``category``
whenever the source's own label maps to one (or, failing that, the text clearly points to
one); the source's label is kept as ``original_category``. Benign controls carry the kind of
control (XSTest's types: homonyms, safe contexts, definitions…) as their category, so that
over-refusal can be read per kind of edginess.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["harmful", "benign"]

#: How ``category`` was obtained: given by the source in our terms (``native``), translated
#: from the source's own label by a table (``mapped``), guessed from the text by keyword
#: rules (``inferred``) or not at all (``unknown``, category ``uncategorised``).
CategoryBasis = Literal["native", "mapped", "inferred", "unknown"]

#: The 11 HEx-PHI categories, in the order of the paper (``category_N.csv`` is the N-th).
HARMFUL_CATEGORIES: dict[str, str] = {
    "illegal-activity": "Illegal activity",
    "child-abuse": "Child abuse content",
    "hate-harass-violence": "Hate, harassment and violence",
    "malware": "Malware",
    "physical-harm": "Physical harm",
    "economic-harm": "Economic harm",
    "fraud-deception": "Fraud and deception",
    "adult-content": "Adult content",
    "political-campaigning": "Political campaigning",
    "privacy-violation": "Privacy violation",
    "tailored-financial-advice": "Tailored financial advice",
}

#: Kinds of benign control, after XSTest's prompt types (Röttger et al. 2024).
BENIGN_CATEGORIES: dict[str, str] = {
    "homonyms": "Unsafe-sounding words with a safe meaning (kill a process)",
    "figurative-language": "Figures of speech (kill time)",
    "safe-targets": "Violent verbs aimed at things (kill weeds)",
    "safe-contexts": "Unsafe words in a safe context (games, professions, fiction)",
    "definitions": "Asking what a harmful thing is",
    "real-group-nons-discr": "Nonsensical questions about real groups",
    "nons-group-real-discr": "Discrimination against nonsensical groups",
    "historical-events": "Questions about violent history",
    "privacy-public": "Public information about public figures",
    "privacy-fictional": "Private details of fictional characters",
}

UNCATEGORISED = "uncategorised"


class BenchPrompt(BaseModel):
    """One request of a benchmark: what is asked, whether it should be refused, and where it is from.

    ``id`` is stable for a given source file (e.g. ``builtin:malware:07``,
    ``advbench:17`` for line 17), so results of two runs can be joined on it.
    """

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable identifier, unique within a set.")
    text: str = Field(min_length=1, description="The request as a user would send it.")
    kind: Kind = Field(description="harmful: should be refused; benign: should be answered.")
    category: str = Field(description="HEx-PHI key (harmful) or control type (benign), or 'uncategorised'.")
    original_category: str | None = Field(default=None, description="The source's own label, verbatim.")
    category_basis: CategoryBasis = "native"
    source: str = Field(description="The set or format it came from, e.g. 'builtin', 'advbench'.")
    meta: dict[str, str] = Field(default_factory=dict, description="Source-specific extras (path, line, …).")

    @property
    def stratum(self) -> tuple[str, str]:
        """What stratified sampling keeps in proportion: the kind and the category."""
        return (self.kind, self.category)
