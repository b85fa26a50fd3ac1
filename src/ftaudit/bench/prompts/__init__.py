"""Benchmark prompt sets: the built-in harmful requests and benign controls, loaders for the
public sets a user may hold (AdvBench, HarmBench, StrongREJECT, HEx-PHI, Do-Not-Answer,
XSTest), category mapping to the 11 HEx-PHI categories, and seeded stratified sampling.

Typical use::

    prompts = load_prompt_set("builtin").harmful().sample(44, seed=0)
    prompts = load_prompt_set("harmbench:~/data/harmbench_behaviors_text_all.csv")
"""

from __future__ import annotations

from ftaudit.bench.prompts.builtin import BUILTIN_VERSION, builtin_benign, builtin_harmful, builtin_set
from ftaudit.bench.prompts.categorise import infer_category
from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.formats import prompt_formats
from ftaudit.bench.prompts.promptset import PromptSet
from ftaudit.bench.prompts.registry import (
    PromptSetEntry,
    describe_prompt_sets,
    detect_format,
    load_prompt_set,
    prompt_sets,
)
from ftaudit.bench.prompts.sampling import allocate
from ftaudit.bench.prompts.types import (
    BENIGN_CATEGORIES,
    HARMFUL_CATEGORIES,
    UNCATEGORISED,
    BenchPrompt,
    Kind,
)

__all__ = [
    "BENIGN_CATEGORIES",
    "BUILTIN_VERSION",
    "HARMFUL_CATEGORIES",
    "UNCATEGORISED",
    "BenchPrompt",
    "Kind",
    "PromptFormat",
    "PromptSet",
    "PromptSetEntry",
    "allocate",
    "builtin_benign",
    "builtin_harmful",
    "builtin_set",
    "describe_prompt_sets",
    "detect_format",
    "infer_category",
    "load_prompt_set",
    "prompt_formats",
    "prompt_sets",
]
