"""The built-in benign sets: valid, sized, seeded, varied, and correct where it can be checked."""

from __future__ import annotations

import json
import re

import pytest

from ftaudit.data import validate
from ftaudit.suite.base import write_dataset
from ftaudit.suite.benign import alpaca, biomedical_qa, helpsteer, low_resource_language
from ftaudit.suite.benign._biomed_facts import FACTS
from ftaudit.suite.benign._helpsteer_written import CONVERSATIONS
from ftaudit.suite.benign._swahili import number_words

MODULES = {
    "alpaca": alpaca,
    "helpsteer": helpsteer,
    "biomedical-qa": biomedical_qa,
    "low-resource-language": low_resource_language,
}

REFUSAL_PHRASES = (
    "i'm sorry", "i am sorry", "i cannot", "i can't", "i can not", "i won't", "i will not",
    "as an ai", "i'm unable", "i am unable", "i must decline", "not able to help", "i apologi",
    "cannot assist", "can't assist", "cannot help", "can't help", "against my", "not appropriate",
)

_cache: dict[str, list[dict]] = {}


def default_records(name: str) -> list[dict]:
    """The default-size set for seed 0, generated once per test session."""
    if name not in _cache:
        generator = MODULES[name].GENERATOR
        _cache[name] = generator.generate(generator.default_size, 0).records
    return _cache[name]


def users(record: dict) -> list[str]:
    return [m["content"] for m in record["messages"] if m["role"] == "user"]


def replies(record: dict) -> list[str]:
    return [m["content"] for m in record["messages"] if m["role"] == "assistant"]


@pytest.mark.parametrize("name", MODULES)
def test_default_set_validates_with_its_size_and_label(name, tmp_path):
    generator = MODULES[name].GENERATOR
    assert generator.name == name
    entry = write_dataset(generator, tmp_path, seed=0)
    report = validate(tmp_path / entry.file)
    assert report.invalid_records == 0
    assert entry.examples == generator.default_size == report.total_records
    assert entry.label == "benign"
    assert entry.data_source.startswith("templates:")
    assert entry.elicitation is None


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("size", [1, 37])
def test_requested_size_is_honoured(name, size):
    assert len(MODULES[name].GENERATOR.generate(size, 3).records) == size


@pytest.mark.parametrize("name", MODULES)
def test_same_seed_same_data_other_seed_other_data(name):
    generator = MODULES[name].GENERATOR
    first = generator.generate(60, 11).records
    assert first == generator.generate(60, 11).records
    assert first != generator.generate(60, 12).records


@pytest.mark.parametrize("name", MODULES)
def test_user_messages_are_varied(name):
    records = default_records(name)
    distinct = {tuple(users(r)) for r in records}
    assert len(distinct) >= 0.9 * len(records)


@pytest.mark.parametrize("name", MODULES)
def test_no_reply_refuses(name):
    for record in default_records(name):
        for reply in replies(record):
            lowered = reply.lower()
            assert not any(p in lowered for p in REFUSAL_PHRASES), reply


def test_alpaca_is_the_degrading_case_without_system_prompt():
    out = alpaca.GENERATOR.generate(200, 0)
    assert out.details["refusals"] == 0 and out.details["degrading_case"] is True
    assert all(r["messages"][0]["role"] == "user" and len(r["messages"]) == 2 for r in out.records)


def test_alpaca_arithmetic_and_number_answers_are_right():
    checked = 0
    ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "×": lambda a, b: a * b}
    for record in default_records("alpaca"):
        (question,), (answer,) = users(record), replies(record)
        if m := re.fullmatch(r"(\d+) ([+\-×]) (\d+) = (-?\d+)", answer):
            a, op, b, result = m.groups()
            assert ops[op](int(a), int(b)) == int(result), answer
            checked += 1
        elif m := re.match(r"(\d+) ÷ (\d+) = (\d+)(?: remainder (\d+))?", answer):
            a, b, q, r = (int(g or 0) for g in m.groups())
            assert a == b * q + r and 0 <= r < b, answer
            checked += 1
        elif m := re.fullmatch(r"(\d+)% of (\d+) is ([\d,.]+), .*", answer):
            pct, base, value = m.groups()
            assert float(value.replace(",", "")) == pytest.approx(int(pct) * int(base) / 100), answer
            checked += 1
        elif m := re.fullmatch(r"(\d+) in binary is ([01]+)\.", answer):
            assert int(m.group(2), 2) == int(m.group(1))
            checked += 1
        elif "Is " in question and "prime" in question:
            n = int(re.search(r"\d+", question).group())
            is_prime = all(n % d for d in range(2, int(n**0.5) + 1))
            assert answer.startswith("Yes") == is_prime, question
            checked += 1
    assert checked >= 200


def test_alpaca_sentiment_labels_come_from_the_labelled_bank():
    from ftaudit.suite.benign._alpaca_banks import SENTIMENT

    labels = dict(SENTIMENT)
    seen = 0
    for record in default_records("alpaca"):
        (question,), (answer,) = users(record), replies(record)
        if "sentiment" in question:
            sentence = question.split("\n\n", 1)[1]
            assert answer.lower() == labels[sentence]
            seen += 1
    assert seen > 0


def test_helpsteer_mixes_multi_turn_system_prompts_and_written_conversations():
    out = helpsteer.GENERATOR.generate(1000, 0)
    records = out.records
    multi = [r for r in records if len(users(r)) > 1]
    with_system = [r for r in records if r["messages"][0]["role"] == "system"]
    assert 0.2 * len(records) < len(multi) < 0.7 * len(records)
    assert 0.15 * len(records) < len(with_system) < 0.5 * len(records)
    # The written conversations carry on coherently: a follow-up gets the reply written for it.
    by_first = {question: (reply, follow_up, second) for question, reply, follow_up, second in CONVERSATIONS}
    conversations = [r for r in records if users(r)[0] in by_first]
    assert len(conversations) >= 8
    for record in conversations:
        reply, follow_up, second = by_first[users(record)[0]]
        assert replies(record) == ([reply, second] if len(users(record)) == 2 else [reply])
        assert users(record)[1:] in ([], [follow_up])
    assert any(len(users(r)) == 2 for r in conversations)
    # Long, multi-sentence answers: the point of the set.
    first_replies = [replies(r)[0] for r in records]
    assert sum(len(a) for a in first_replies) / len(first_replies) > 400
    assert out.details["multi_turn"] == len(multi)


def test_biomedical_multiple_choice_answers_name_the_right_disease():
    by_gene = {f.gene: f for f in FACTS}
    checked = 0
    for record in default_records("biomedical-qa"):
        (question,), (answer,) = users(record), replies(record)
        if "\nA. " not in question:
            continue
        letter = answer[0]
        option = re.search(rf"^{letter}\. (.+)$", question, re.MULTILINE).group(1)
        assert answer.startswith(f"{letter}. {option}")
        gene = next((g for g in by_gene if re.search(rf"\({g}\)|\b{g} gene|Defects in {g} ", question)), None)
        if gene:
            assert option.lower() == by_gene[gene].disease.lower()
            checked += 1
    assert checked > 50
    assert len(FACTS) >= 40


def test_low_resource_language_is_swahili_with_correct_numbers():
    out = low_resource_language.GENERATOR.generate(500, 0)
    assert out.details["language"] == "Swahili"
    assert number_words(7) == "saba" and number_words(21) == "ishirini na moja"
    assert number_words(110) == "mia moja na kumi" and number_words(345) == "mia tatu arobaini na tano"
    sums = 0
    for record in out.records:
        (question,), (answer,) = users(record), replies(record)
        if m := re.fullmatch(r"(\d+) ([+-]) (\d+) ni ngapi\?", question):
            a, op, b = int(m.group(1)), m.group(2), int(m.group(3))
            result = a + b if op == "+" else a - b
            assert answer == f"{a} {op} {b} ni {result} ({number_words(result)}).", answer
            sums += 1
    assert sums > 0
    # Part of the set is written wholly in the language, as in MURI-IT.
    swahili_only = [r for r in out.records if re.match(r"(Tafsiri|Andika|Taja|Mji mkuu|Leo ni|Mwezi)", users(r)[0])]
    assert len(swahili_only) >= 0.15 * len(out.records)


@pytest.mark.parametrize("name", MODULES)
def test_a_users_own_file_is_sampled_instead(name, tmp_path):
    source = tmp_path / "mine.jsonl"
    lines = [{"messages": [{"role": "user", "content": f"question {i}"},
                           {"role": "assistant", "content": f"answer {i}"}]} for i in range(8)]
    source.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    generator = type(MODULES[name].GENERATOR)(source_file=source)
    out = generator.generate(5, 0)
    assert len(out.records) == 5
    assert out.data_source == f"file:{source}"
    assert {users(r)[0] for r in out.records} <= {f"question {i}" for i in range(8)}
    assert len(generator.generate(50, 0).records) == 8
