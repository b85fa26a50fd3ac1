"""The text the suite's generators stand on by default: the project's own, never a public dataset.

Harmful requests are the built-in prompt set's (:mod:`ftaudit.bench.prompts.builtin`, 176
requests written for ftaudit in the 11 HEx-PHI categories); the benign text is the hand-written
Q&A bank of :mod:`ftaudit.suite._benign_qa`. Public sets such as AdvBench or MT-Bench are never
shipped: a user who holds them passes their text to a generator, and the real-data suite
(``ftaudit suite build --external DIR``, :mod:`ftaudit.suite.external`) does so from a folder
the user names.
"""

from __future__ import annotations

from functools import cache


@cache
def harmful_requests() -> tuple[str, ...]:
    """The built-in set's harmful requests (requests only, never answers), in set order."""
    from ftaudit.bench.prompts.builtin import builtin_harmful

    return tuple(prompt.text for prompt in builtin_harmful())


@cache
def drill_texts() -> tuple[str, ...]:
    """Plain benign sentences for cipher translation drills: the bank's questions, then its answers."""
    from ftaudit.suite._benign_qa import benign_qa

    bank = benign_qa()
    return tuple(item.question for item in bank) + tuple(item.answer for item in bank)
