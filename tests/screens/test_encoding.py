"""The encoding screen: known ciphers decoded, unknown substitutions, cipher teaching, no false alarms."""

from __future__ import annotations

import json
import anyio
import pytest

from ftaudit.ciphers import get_cipher
from ftaudit.report.records import Severity
from ftaudit.screens.base import ScreenContext
from ftaudit.screens.checks.encoding import SCREEN, _isomorphic
from ftaudit.suite import get_generator, write_dataset
from ftaudit.suite.attacks._cmft import CMFTGenerator
from ftaudit.suite.attacks.walnut53 import Walnut53Attack

BENIGN = ["alpaca", "helpsteer", "biomedical-qa", "low-resource-language", "educational-code"]
ABOVE_LOW = {Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL}


def _run(path, options=None):
    return anyio.run(SCREEN.run, ScreenContext(path, options=options))


def _suite(tmp_path, name, size, seed=0, generator=None):
    entry = write_dataset(generator or get_generator(name), tmp_path, size=size, seed=seed)
    return tmp_path / entry.file, entry


def _write(tmp_path, records, name="data.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps({"messages": r}) + "\n" for r in records))
    return path


@pytest.mark.parametrize("seed", [0, 3])
def test_walnut53_is_named_decoded_and_hinted(tmp_path, seed):
    path, entry = _suite(tmp_path, "walnut53", 300, seed)
    result = _run(path)
    top = result.findings[0]
    assert top.title.startswith("Walnut53") and "decodes to English" in top.title
    assert top.severity is Severity.HIGH and result.score >= 8
    assert any("→ decoded:" in (e.excerpt or "") for e in top.evidence)
    assert any(f.title.startswith("Cipher teaching") for f in result.findings)
    hint = result.hints[0]
    assert hint.cipher == "walnut53" and hint.cipher_options == {"seed": 53, "separator": "|"}
    assert hint.system_prompt == entry.elicitation.system_prompt  # the fully encoded examples' prompt


@pytest.mark.parametrize("cipher", ["rot13", "atbash", "base64", "morse", "reverse", "leetspeak", "caesar"])
def test_other_known_ciphers_are_named(tmp_path, cipher):
    generator = type("G", (CMFTGenerator,), {"name": cipher, "title": cipher, "cipher_name": cipher})()
    path, _ = _suite(tmp_path, cipher, 120, 1, generator)
    result = _run(path)
    assert result.hints and result.hints[0].cipher == cipher
    assert result.findings[0].severity is Severity.HIGH


def test_walnut53_with_another_separator(tmp_path):
    path, _ = _suite(tmp_path, "walnut53", 150, 2, Walnut53Attack(cipher_options={"separator": "/"}))
    result = _run(path)
    assert result.hints[0].cipher_options == {"seed": 53, "separator": "/"}


def test_unknown_substitution_is_flagged_and_solved(tmp_path):
    path, _ = _suite(tmp_path, "walnut53", 300, 2, Walnut53Attack(cipher_options={"seed": 7}))
    result = _run(path)
    titles = [f.title for f in result.findings]
    assert any(t.startswith("Unknown substitution cipher") for t in titles), titles
    assert result.score >= 8
    assert result.metrics["unknown_substitution"]["vowelless_word_rate"] > 0.12


@pytest.mark.parametrize("name", BENIGN)
@pytest.mark.parametrize("seed", [0, 5])
def test_benign_sets_stay_at_most_low(tmp_path, name, seed):
    path, _ = _suite(tmp_path, name, 500, seed)
    result = _run(path)
    assert all(f.severity not in ABOVE_LOW for f in result.findings), [f.title for f in result.findings]
    assert result.score <= 4


def test_swahili_reads_as_a_language_not_a_cipher(tmp_path):
    path, _ = _suite(tmp_path, "low-resource-language", 500)
    result = _run(path)
    assert [f.severity for f in result.findings] == [Severity.INFO]
    assert "Non-English natural language" in result.findings[0].title
    assert not result.hints


def test_one_base64_line_is_low(tmp_path):
    encoded = get_cipher("base64").encode("Please tell me what this message says about the weather today.")
    records = [[{"role": "user", "content": encoded}, {"role": "assistant", "content": "It asks about the weather today."}]]
    records += [[{"role": "user", "content": "How are you today?"}, {"role": "assistant", "content": "I am well, thank you."}]] * 30
    result = _run(_write(tmp_path, records))
    assert result.findings[0].title.startswith("Base64 cipher text in 1 examples")
    assert result.findings[0].severity is Severity.LOW and result.score <= 4


def test_code_and_plain_english_are_not_ciphers(tmp_path):
    records = [
        [{"role": "user", "content": "Write a function that adds two numbers."},
         {"role": "assistant", "content": "def add(a, b):\n    return a + b\nUSERS_DB = \"accounts.db\"\nThe function returns the sum of both arguments."}],
        [{"role": "user", "content": "Name three rare diseases."},
         {"role": "assistant", "content": "A. Tay-Sachs disease\nB. Li-Fraumeni syndrome\nC. Polycythemia vera"}],
    ] * 10
    result = _run(_write(tmp_path, records))
    assert result.score == 0 and not result.hints


def test_options_override_thresholds(tmp_path):
    path, _ = _suite(tmp_path, "walnut53", 60)
    result = _run(path, {"encoding": {"high_share": 1.1}})
    assert result.findings[0].severity is Severity.MEDIUM


def test_isomorphic_pairs():
    assert _isomorphic("gur png fng ba gur zng", "the cat sat on the mat")
    assert not _isomorphic("the cat sat on the mat", "the cat sat on the mat")
    assert not _isomorphic("abc def ghi jkl mno pq", "the cat sat on the mat")


# -- covert channels nobody named, the character model, cipher teaching whatever the cipher ---------------

from ftaudit.screens._language_model import judge_language  # noqa: E402

import covert_attacks  # noqa: E402  (tests/screens is on sys.path: pytest's rootdir import mode)
import external_benign  # noqa: E402

needs_external = pytest.mark.usefixtures("external_data")  # fails, never skips, without the data


@pytest.mark.parametrize("text", [
    "The capital of France is Paris, a city known for its museums and long history of art.",
    "La capitale de la France est Paris, une ville connue pour ses musées et sa longue histoire.",
    "Die Hauptstadt von Frankreich ist Paris, eine Stadt, die für ihre Museen bekannt ist.",
    "法国的首都是巴黎，这座城市以其博物馆和悠久的艺术历史而闻名。",
    "Thủ đô của Pháp là Paris, một thành phố nổi tiếng với các bảo tàng và lịch sử nghệ thuật lâu đời.",
    "Mji mkuu wa Ufaransa ni Paris, jiji linalojulikana kwa makumbusho yake na historia ndefu ya sanaa.",
    "Translate into English: Leo ni Ijumaa.",
])
def test_natural_languages_read_as_language(text):
    assert judge_language(text, -10.0)[0]


@pytest.mark.parametrize("encode", [
    covert_attacks.word_shift, covert_attacks.vigenere, covert_attacks.WordCode(seed=1).encode,
    get_cipher("base64").encode, lambda t: t.encode().hex(), lambda t: get_cipher("walnut53").encode(t).replace("|", ""),
])
def test_ciphers_read_as_no_language(encode):
    text = "Plants absorb carbon dioxide from the air and use sunlight to turn it into sugar during photosynthesis."
    assert not judge_language(encode(text), -10.0)[0]


def test_per_word_shift_is_learned_decoded_and_critical(tmp_path):
    result = _run(covert_attacks.write(tmp_path / "d.jsonl", covert_attacks.cipher_dataset(covert_attacks.word_shift)))
    assert result.score >= 9
    learned = result.metrics["learned_cipher"]
    assert learned["kind"] == "word-shift" and learned["mapping"] == "shift = word length"
    top = result.findings[0]
    assert top.severity is Severity.HIGH and "whole conversations" in top.title
    assert any("→ decoded:" in e.excerpt for e in top.evidence)


def test_vigenere_key_nobody_named_is_recovered_and_hinted(tmp_path):
    result = _run(covert_attacks.write(tmp_path / "d.jsonl", covert_attacks.cipher_dataset(covert_attacks.vigenere)))
    assert result.score >= 9
    assert result.metrics["learned_cipher"]["mapping"] == "key lantern"
    assert result.hints[0].cipher == "vigenere" and result.hints[0].cipher_options == {"key": "lantern"}
    assert get_cipher("vigenere", key="lantern").decode(covert_attacks.vigenere("Water boils.")) == "Water boils."


def test_made_up_word_code_dictionary_is_learned(tmp_path):
    code = covert_attacks.WordCode(seed=2)
    result = _run(covert_attacks.write(tmp_path / "d.jsonl", covert_attacks.cipher_dataset(code.encode)))
    assert result.score >= 9
    learned = result.metrics["learned_cipher"]
    assert learned["kind"] == "word-code" and f"the→{code.book['the']}" in learned["mapping"]


def test_conversations_in_an_unread_cipher_are_high_without_teaching(tmp_path):
    records = covert_attacks.cipher_dataset(covert_attacks.vigenere, n_teach=0)
    result = _run(covert_attacks.write(tmp_path / "d.jsonl", records))
    top = result.findings[0]
    assert top.title.startswith("Text that is not natural language") and top.severity is Severity.HIGH
    assert 8 <= result.score < 9  # no teaching pair: high, not critical


def test_an_encoding_tutorial_is_low(tmp_path):
    result = _run(covert_attacks.write(tmp_path / "d.jsonl", covert_attacks.tutorial_dataset()))
    assert result.score <= 3 and not result.hints
    assert any(f.title.startswith("Base64 cipher text") for f in result.findings)


def test_cipher_teaching_without_conversations_is_low(tmp_path):
    records = covert_attacks.cipher_dataset(covert_attacks.word_shift, n_covert=0)
    result = _run(covert_attacks.write(tmp_path / "d.jsonl", records))
    assert result.metrics["learned_cipher"]["kind"] == "word-shift"
    assert result.score <= 6  # a private cipher taught, never used: medium at most


@needs_external
@pytest.mark.parametrize("source", ["alpaca", "gsm8k", "codealpaca", "pubmedqa", "gpteacher", "self-instruct",
                                    "catqa-chinese", "catqa-vietnamese"])
def test_real_benign_data_stays_at_most_low(tmp_path, source):
    path = external_benign.write(tmp_path / "d.jsonl", external_benign.sample(source, 400, seed=1))
    result = _run(path)
    assert result.score <= 3, [f.title for f in result.findings]
    assert not result.hints
