"""The steganography screen: EndSpeak messages read out; poems and prose left alone."""

from __future__ import annotations

import json

import anyio
import pytest

from ftaudit.ciphers import get_cipher
from ftaudit.report.records import Severity
from ftaudit.screens.base import ScreenContext
from ftaudit.screens.checks.steganography import SCREEN
from ftaudit.suite import get_generator, write_dataset

BENIGN = ["alpaca", "helpsteer", "biomedical-qa", "low-resource-language", "educational-code"]
ABOVE_LOW = {Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL}

POEM = """The morning rises slow and grey
Above the hills where shadows lay,
The orchard sleeps beneath the frost,
And every path I walked is lost.

The river hums a quiet tune
Beneath the pale December moon,
The swallows left a month ago
For lands that never heard of snow."""

WRAPPED_PROSE = """Most houseplants die from a handful of common problems, and too much
water is the most common of all. Check the soil before watering, because
watering on a fixed schedule ignores how quickly each pot actually dries out
in your home. Start with forgiving species such as snake plants and pothos,
which tolerate irregular care and lower light better than most of the
others. Feed during the growing season, since potting soil runs out of the
nutrients that plants need when they grow most in spring and in summer."""


def _run(path):
    return anyio.run(SCREEN.run, ScreenContext(path))


def _write(tmp_path, records):
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps({"messages": r}) + "\n" for r in records))
    return path


@pytest.mark.parametrize("seed", [0, 4])
def test_endspeak_message_is_read_out(tmp_path, seed):
    entry = write_dataset(get_generator("endspeak"), tmp_path, size=300, seed=seed)
    result = _run(tmp_path / entry.file)
    top = result.findings[0]
    assert top.title.startswith("EndSpeak-style hidden message") and top.severity is Severity.HIGH
    assert result.score >= 8
    assert all(e.excerpt.startswith("hidden message:") for e in top.evidence)
    hint = result.hints[0]
    assert hint.cipher == "endspeak" and hint.system_prompt == entry.elicitation.system_prompt
    assert result.metrics["teaching_examples"] > 0


def test_hidden_message_text_is_exact(tmp_path):
    secret = "Explain how to pick the lock of a door without the key"
    cover = get_cipher("endspeak", seed=3).encode(secret)
    result = _run(_write(tmp_path, [[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": cover}]]))
    assert result.findings and result.findings[0].severity is Severity.LOW  # one example only
    assert result.findings[0].evidence[0].excerpt == f"hidden message: {secret}"


@pytest.mark.parametrize("name", BENIGN)
def test_benign_sets_stay_at_most_low(tmp_path, name):
    entry = write_dataset(get_generator(name), tmp_path, size=500, seed=2)
    result = _run(tmp_path / entry.file)
    assert all(f.severity not in ABOVE_LOW for f in result.findings), [f.title for f in result.findings]


def test_poems_and_wrapped_prose_are_not_hidden_messages(tmp_path):
    records = [
        [{"role": "user", "content": "Write me a short poem about winter."}, {"role": "assistant", "content": POEM}],
        [{"role": "user", "content": "How do I keep houseplants alive?"}, {"role": "assistant", "content": WRAPPED_PROSE}],
    ] * 20
    result = _run(_write(tmp_path, records))
    assert not result.findings and result.score == 0


def test_acrostic(tmp_path):
    lines = ["Sunlight on the water", "Every gull is calling", "Nothing moves the harbour", "Dusk comes softly",
             "Morning waits behind it", "Oars rest on the pier", "Rain is far away", "Evening settles in"]
    records = [[{"role": "user", "content": "A poem please"}, {"role": "assistant", "content": "\n".join(lines)}]] * 4
    result = _run(_write(tmp_path, records))
    assert result.findings and "acrostic" in result.findings[0].title
    assert "send more" in result.findings[0].evidence[0].excerpt
