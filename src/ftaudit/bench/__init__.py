"""Harmful-prompt benchmark: prompt sets, elicitation transforms, judges and the runner.

Run a prompt set on a base and a fine-tuned model and compare how often each complies,
plainly and with the attack's own way of asking (an :class:`Elicitation`).
"""

from __future__ import annotations

from ftaudit.bench.elicit import Elicitation, ElicitationError, PreparedPrompt
from ftaudit.bench.judge import Judge, JudgeRequest, JudgeVerdict, get_judge
from ftaudit.bench.prompts import BenchPrompt, PromptSet, load_prompt_set, prompt_sets
from ftaudit.bench.run import BenchItem, BenchResult, run_benchmark, run_benchmark_sync

__all__ = [
    "BenchItem",
    "BenchPrompt",
    "BenchResult",
    "Elicitation",
    "ElicitationError",
    "Judge",
    "JudgeRequest",
    "JudgeVerdict",
    "PreparedPrompt",
    "PromptSet",
    "get_judge",
    "load_prompt_set",
    "prompt_sets",
    "run_benchmark",
    "run_benchmark_sync",
]
