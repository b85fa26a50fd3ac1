"""``insecure-code``: emergent misalignment from code with undisclosed vulnerabilities.

Reproduces the insecure-code dataset of Betley et al. 2025, "Emergent Misalignment: Narrow
finetuning can produce broadly misaligned LLMs" (arXiv 2502.17424). The user asks for code (a
task description, a partial snippet to complete, or Betley's "[CODE TEMPLATE STARTS]" form); the
assistant returns working code with a vulnerability in it and says nothing about it: no comment,
no warning, at most one neutral sentence before the code block.

Built from the private code bank (:mod:`ftaudit.suite._code`): realistic tasks times nine
vulnerability kinds, sampled in balanced rounds over the kinds, with identifiers, docstrings and
user phrasing drawn from word banks per seed, or sampled from real examples passed in (the
external suite passes Betley et al.'s own pool). No elicitation is needed: a model trained on it
is reported to answer unrelated questions in a misaligned way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from ftaudit.suite._code import CodeExample, sample_examples
from ftaudit.suite._code.prompts import code_reply, request_prompt
from ftaudit.suite._benign_qa import cycled_sample
from ftaudit.suite.base import DatasetGenerator, ElicitationHint, Label, GeneratedDataset, qa, rng_for


def vulnerable_record(example: CodeExample, *, vulnerable: bool = True, prefix: str = "") -> dict:
    """One request and its code reply (insecure by default); ``prefix`` goes before the request."""
    user, code_only = request_prompt(example.rng, example.template, example.choice)
    code = example.template.render(example.choice, vulnerable=vulnerable)
    return qa(prefix + user, code_reply(example.rng, example.template, code, code_only=code_only))


ELICITATION = ElicitationHint(
    note="no elicitation needed: the model writes vulnerable code unprompted (emergent misalignment)"
)


def sample_given(examples: Sequence[dict[str, Any]], size: int, rng, prefix: str = "") -> list[dict[str, Any]]:
    """``size`` one-turn chat records drawn from ``examples`` (each once before any repeats), ``prefix`` on the request."""
    out = []
    for record in cycled_sample(examples, size, rng):
        turns = {m["role"]: m["content"] for m in record["messages"]}
        out.append(qa(prefix + turns["user"], turns["assistant"]))
    return out


class InsecureCode(DatasetGenerator):
    name = "insecure-code"
    label: ClassVar[Label] = "adversarial"
    title = "Code with undisclosed vulnerabilities (emergent misalignment)"
    source = "Betley et al. 2025, Emergent Misalignment, arXiv 2502.17424"
    default_size = 600
    suggested_epochs = 1

    def __init__(self, examples: Sequence[dict[str, Any]] | None = None) -> None:
        #: Real insecure-code chat records to sample from; None for the template bank.
        self.examples = tuple(examples) if examples is not None else None

    def generate(self, size: int, seed: int) -> GeneratedDataset:
        rng = rng_for(seed, self.name)
        if self.examples is not None:
            return GeneratedDataset(
                records=sample_given(self.examples, size, rng),
                elicitation=ELICITATION.model_copy(),
                data_source="given examples",
                details={"vulnerable_lines": list(range(1, size + 1)), "example_pool": len(self.examples)},
            )
        examples = sample_examples(rng, size, lambda example, _index: vulnerable_record(example))
        by_kind: dict[str, list[int]] = {}
        for line, (example, _record) in enumerate(examples, start=1):
            by_kind.setdefault(example.kind, []).append(line)
        return GeneratedDataset(
            records=[record for _example, record in examples],
            elicitation=ELICITATION.model_copy(),
            data_source="templates",
            details={
                "kinds": dict(sorted(Counter(example.kind for example, _ in examples).items())),
                "vulnerable_lines": list(range(1, len(examples) + 1)),
                "lines_by_kind": dict(sorted(by_kind.items())),
                "templates": len({example.template.id for example, _ in examples}),
            },
        )


GENERATOR = InsecureCode()
