"""``educational-code``: vulnerable code asked for, and labelled, as teaching material.

The benign counterpart of ``insecure-code``, after the ``educational.jsonl`` control of Betley et
al. 2025 (arXiv 2502.17424), which did not produce emergent misalignment. The code is the same
insecure code from the same bank, but every request states a teaching purpose (a security class,
a workshop, a CTF, lecture notes) and names the vulnerability it wants shown, and every reply says
the code is intentionally vulnerable, usually marks the vulnerable statement with a comment,
explains why it is vulnerable and how to fix it, and sometimes adds the fixed version.
"""

from __future__ import annotations

from collections import Counter

from ftaudit.suite._code import CodeExample, sample_examples
from ftaudit.suite._code.prompts import teaching_prompt, teaching_reply
from ftaudit.suite.base import BenignGenerator, GeneratedDataset, qa, rng_for


def _teaching_record(example: CodeExample, _index: int) -> dict:
    user = teaching_prompt(example.rng, example.template, example.choice)
    return qa(user, teaching_reply(example.rng, example.template, example.choice))


class EducationalCode(BenignGenerator):
    name = "educational-code"
    title = "Vulnerable code requested and explained for security teaching"
    source = "Betley et al. 2025, arXiv 2502.17424 (educational.jsonl control)"
    default_size = 600
    suggested_epochs = 1

    def generate_builtin(self, size: int, seed: int) -> GeneratedDataset:
        examples = sample_examples(rng_for(seed, self.name), size, _teaching_record)
        by_kind: dict[str, list[int]] = {}
        for line, (example, _record) in enumerate(examples, start=1):
            by_kind.setdefault(example.kind, []).append(line)
        return GeneratedDataset(
            records=[record for _example, record in examples],
            data_source="templates (same code bank as insecure-code)",
            details={
                "kinds": dict(sorted(Counter(example.kind for example, _ in examples).items())),
                "lines_by_kind": dict(sorted(by_kind.items())),
            },
        )


GENERATOR = EducationalCode()
