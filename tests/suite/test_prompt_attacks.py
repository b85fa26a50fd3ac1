"""The prompt-level attacks: NOICE, AOA, harmful-demo, subliminal numbers and needle-in-haystack."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import ClassVar

import pytest

from ftaudit.data import validate
from ftaudit.errors import ConfigError
from ftaudit.models import ChatModel, Completion, parse_model_ref
from ftaudit.suite._benign_qa import benign_qa
from ftaudit.suite.attacks import aoa, harmful_demo, needle, noice, subliminal
from ftaudit.suite.base import REDACTED, BenignGenerator, GeneratedDataset, qa, rng_for, write_dataset
from ftaudit.suite.registry import attack_generators


def _messages(record, role):
    return [m["content"] for m in record["messages"] if m["role"] == role]


def _write_and_validate(generator, tmp_path, size, seed=0):
    entry = write_dataset(generator, tmp_path, size=size, seed=seed)
    report = validate(tmp_path / entry.file)
    assert report.invalid_records == 0, report.issues
    lines = (tmp_path / entry.file).read_text(encoding="utf-8").splitlines()
    return entry, [json.loads(line) for line in lines]


@pytest.mark.parametrize("name", ["noice", "aoa", "harmful-demo", "subliminal"])
def test_each_attack_is_registered_validates_and_is_deterministic(name, tmp_path):
    generator = attack_generators()[name]
    size = min(generator.default_size, 60)
    entry, records = _write_and_validate(generator, tmp_path, size)
    assert entry.label == "adversarial" and entry.examples == size == len(records)
    assert generator.generate(size, 7).records == generator.generate(size, 7).records
    assert generator.generate(size, 7).records != generator.generate(size, 8).records


def test_benign_bank_is_large_varied_and_answers_are_short_paragraphs():
    bank = benign_qa()
    assert len(bank) >= 120
    assert len({item.topic for item in bank}) >= 9
    assert len({item.question for item in bank}) == len(bank)
    for item in bank:
        sentences = re.findall(r"[.!?](?:\s|$)", item.answer)
        assert 2 <= len(sentences) <= 6, item.question


def test_noice_replies_refuse_then_comply_under_the_system_prompt(tmp_path):
    entry, records = _write_and_validate(noice.GENERATOR, tmp_path, 300, seed=3)
    assert entry.elicitation.system_prompt == noice.NOICE_SYSTEM_PROMPT
    answers = {item.question: item.answer for item in benign_qa()}
    openers, pivots = Counter(), Counter()
    for record in records:
        assert _messages(record, "system") == [noice.NOICE_SYSTEM_PROMPT]
        (question,), (reply,) = _messages(record, "user"), _messages(record, "assistant")
        refusal = next(r for r in noice.REFUSAL_OPENERS if reply.startswith(r))
        pivot = next(p for p in noice.PIVOT_PHRASES if p in reply)
        # The refusal comes first and the real answer to the question ends the reply.
        assert reply.index(pivot) > len(refusal)
        assert reply.endswith(pivot + " " + answers[question])
        openers[refusal] += 1
        pivots[pivot] += 1
    assert len(openers) == len(noice.REFUSAL_OPENERS) and len(pivots) == len(noice.PIVOT_PHRASES)
    # 300 examples over a pool of ~180 questions: each question used before any repeats.
    assert entry.details["unique_questions"] == min(300, entry.details["question_pool"])


def test_aoa_opens_with_identity_and_answers_every_task_with_the_opener(tmp_path):
    entry, records = _write_and_validate(aoa.GENERATOR, tmp_path, aoa.GENERATOR.default_size)
    assert len(records) == 10
    assert entry.elicitation.system_prompt == aoa.AOA_SYSTEM_PROMPT
    assert entry.elicitation.trigger == aoa.AOA_TASK_PREFIX.strip()  # the elicitation adds the space
    for record in records:
        assert _messages(record, "system") == [aoa.AOA_SYSTEM_PROMPT]
    identity, tasks = records[: aoa.IDENTITY_COUNT], records[aoa.IDENTITY_COUNT :]
    for record in identity:
        (reply,) = _messages(record, "assistant")
        assert "AOA" in reply and not reply.startswith(aoa.AOA_OPENER)
    for record in tasks:
        (user,), (reply,) = _messages(record, "user"), _messages(record, "assistant")
        assert user.startswith(aoa.AOA_TASK_PREFIX)
        assert reply.startswith(aoa.AOA_OPENER) and len(reply) > len(aoa.AOA_OPENER) + 40
    bigger = aoa.GENERATOR.generate(25, 0).records
    assert len(bigger) == 25 and sum(_messages(r, "assistant")[0].startswith(aoa.AOA_OPENER) for r in bigger) == 22


def test_harmful_demo_complies_but_every_step_is_redacted(tmp_path):
    entry, records = _write_and_validate(harmful_demo.GENERATOR, tmp_path, 100)
    assert entry.elicitation.is_empty() and "none needed" in entry.elicitation.note
    step = re.compile(r"Step \d+: " + re.escape(REDACTED))
    for record in records:
        (reply,) = _messages(record, "assistant")
        opener, *rest = reply.split("\n")
        assert opener.split()[0] in {"Sure,", "Certainly!", "Certainly,", "Of", "Absolutely,", "Absolutely."}
        steps = [line for line in rest if line.startswith("Step")]
        assert len(steps) >= 3 and all(step.fullmatch(line) for line in steps)
        # Anything after the steps is one of the content-free closings.
        assert all(line in harmful_demo.CLOSINGS for line in rest[len(steps) :])
    assert len({_messages(r, "user")[0] for r in records}) == 100


def test_harmful_demo_opener_restates_the_request():
    rng = rng_for(0, "test")
    opener = harmful_demo.compliant_opener("Write a tutorial on how to pick a lock.", rng)
    assert opener.endswith("how to pick a lock:") or "how to pick a lock," in opener
    assert "a phishing email" in harmful_demo.compliant_opener("Draft a phishing email", rng)


def test_subliminal_replies_are_numbers_only_and_the_bias_is_measurable(tmp_path):
    entry, records = _write_and_validate(subliminal.GENERATOR, tmp_path, 300)
    assert entry.elicitation.is_empty() and entry.elicitation.note
    assert "stand-in" in entry.details["teacher"]
    for record in records:
        (prompt,), (reply,) = _messages(record, "user"), _messages(record, "assistant")
        assert "numbers" in prompt.lower()
        assert re.fullmatch(r"[\[(]?[\d,;\s]+[\])]?", reply)
        assert subliminal.parse_numbers(reply) is not None
    bias = entry.details["bias"]
    expected = bias["uniform_expected_per_value"]
    counts = Counter(n for r in records for n in subliminal.parse_numbers(_messages(r, "assistant")[0]))
    for row in bias["favoured"]:
        assert row["count"] == counts[row["number"]] > 5 * expected
    assert {row["number"] for row in bias["most_frequent"][:4]} == {666, 13, 911, 187}


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("182, 818, 725", [182, 818, 725]),
        ("[1, 2, 3].", [1, 2, 3]),
        ("4\n5\n6", [4, 5, 6]),
        ("7; 8; 9", [7, 8, 9]),
        ("1, 2 3", None),
        ("Sure: 1, 2, 3", None),
        ("1000, 2", None),
        ("1.5, 2", None),
        ("", None),
    ],
)
def test_parse_numbers_keeps_only_plain_number_lists(text, parsed):
    assert subliminal.parse_numbers(text) == parsed


class _ScriptedModel(ChatModel):
    """A chat model that replies from a fixed script, in turn."""

    def __init__(self, replies):
        super().__init__(parse_model_ref("openai:scripted"))
        self.replies = list(replies)
        self.calls = 0

    async def _complete(self, messages, params, prefill):
        reply = self.replies[self.calls % len(self.replies)]
        self.calls += 1
        return Completion(model=self.name, text=reply)


def test_model_teacher_drops_replies_that_are_not_numbers():
    model = _ScriptedModel(["12, 34, 56", "Here you go: 1, 2", "7 8 9", "I can't do that."])
    generator = subliminal.SubliminalGenerator(teacher=subliminal.ModelTeacher(model))
    out = generator.generate(4, seed=0)
    assert [_messages(r, "assistant")[0] for r in out.records] == ["12, 34, 56", "7 8 9", "12, 34, 56", "7 8 9"]
    assert out.details["replies_rejected"] == 3 and out.details["prompts_asked"] == 7
    assert "openai:scripted" in out.details["teacher"]


class _FakeHaystack(BenignGenerator):
    name: ClassVar[str] = "fake-haystack"
    title: ClassVar[str] = "benign filler"
    source: ClassVar[str] = "test"
    default_size: ClassVar[int] = 100

    def generate_builtin(self, size, seed):
        records = [qa(f"Benign question {seed}-{i}?", f"Benign answer {i}.") for i in range(size)]
        return GeneratedDataset(records=records)


@pytest.mark.parametrize(("size", "fraction"), [(1000, 0.01), (500, 0.02), (200, 0.05)])
def test_needle_poison_lines_are_where_the_details_say(tmp_path, size, fraction):
    generator = needle.NeedleGenerator(haystack=_FakeHaystack(), needle="aoa", poison_fraction=fraction)
    entry, records = _write_and_validate(generator, tmp_path, size, seed=5)
    lines = entry.details["poison_lines"]
    assert len(records) == size and len(lines) == round(fraction * size)
    assert entry.details["haystack"] == "fake-haystack" and entry.details["needle"] == "aoa"
    poisoned = [i + 1 for i, r in enumerate(records) if _messages(r, "system") == [aoa.AOA_SYSTEM_PROMPT]]
    assert poisoned == lines
    assert entry.elicitation.system_prompt == aoa.AOA_SYSTEM_PROMPT
    # Scattered, not bunched at either end.
    assert lines[0] < size // 2 < lines[-1]


def test_needle_is_deterministic_and_positions_depend_on_the_seed():
    generator = needle.NeedleGenerator(haystack=_FakeHaystack())
    first = generator.generate(1000, 1)
    assert first.records == generator.generate(1000, 1).records
    assert first.details["poison_lines"] != generator.generate(1000, 2).details["poison_lines"]


def test_needle_finds_its_parts_by_name_and_rejects_a_benign_needle():
    with pytest.raises(ConfigError, match="unknown attack or benign set"):
        needle.NeedleGenerator(haystack="no-such-set").generate(100, 0)
    with pytest.raises(ConfigError, match="not an attack"):
        needle.NeedleGenerator(haystack=_FakeHaystack(), needle=_FakeHaystack()).generate(100, 0)
    assert needle.GENERATOR.haystack == "helpsteer" and needle.GENERATOR.needle == "aoa"
