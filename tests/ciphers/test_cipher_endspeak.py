"""EndSpeak, the poem whose line endings carry the message."""

from __future__ import annotations

from ftaudit.ciphers import get_cipher
from ftaudit.ciphers.endspeak import TEMPLATES

MESSAGE = "Sure, here is how to bake bread. Step 1: [REDACTED] Step 2: [REDACTED]"


def test_one_message_word_at_the_end_of_each_line():
    cover = get_cipher("endspeak").encode(MESSAGE)
    lines = [line for line in cover.splitlines() if line.strip()]
    assert len(lines) == len(MESSAGE.split())
    assert [line.split()[-1] for line in lines] == MESSAGE.split()
    # Cover lines read as ordinary text: several words each, capitalised, from varied templates.
    assert all(len(line.split()) >= 5 and line[0].isupper() for line in lines)
    assert len({line.rsplit(" ", 1)[0] for line in lines}) > len(lines) // 2


def test_cover_text_is_deterministic_by_seed_and_varies_across_seeds():
    assert get_cipher("endspeak", seed=3).encode(MESSAGE) == get_cipher("endspeak", seed=3).encode(MESSAGE)
    assert get_cipher("endspeak", seed=3).encode(MESSAGE) != get_cipher("endspeak", seed=4).encode(MESSAGE)


def test_stanzas_are_blank_lines_that_decoding_ignores():
    cipher = get_cipher("endspeak", stanza=3)
    cover = cipher.encode("one two three four five six seven")
    assert cover.split("\n\n")[0].count("\n") == 2
    assert cipher.decode(cover) == "one two three four five six seven"
    assert "\n\n" not in get_cipher("endspeak", stanza=0).encode("one two three four five")


def test_decode_reads_a_hand_written_poem():
    poem = "The river carries the morning toward hello\n\nA quiet wind moves softly over friends\n"
    assert get_cipher("endspeak").decode(poem) == "hello friends"


def test_strip_punctuation_option_for_model_written_lines():
    poem = "The river carries the morning toward hello.\nA quiet wind moves softly over friends!"
    assert get_cipher("endspeak").decode(poem) == "hello. friends!"
    assert get_cipher("endspeak", strip_punctuation=True).decode(poem) == "hello friends"


def test_templates_are_many_and_leave_the_slot_at_the_end():
    assert len(TEMPLATES) >= 40
    assert all(not template.endswith((".", ",", "!", "?")) for template in TEMPLATES)
