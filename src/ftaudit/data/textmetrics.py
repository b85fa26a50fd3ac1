"""Cheap, tokenizer-free measures of text used by the dataset statistics.

There is no offline tokenizer, so token counts are approximated by counting the
pieces matched by ``\\w+|[^\\w\\s]`` (a run of word characters, or one punctuation or
symbol character). It is not any model's tokenizer (BPE splits rare words further and
merges some punctuation), so use it to compare examples and spot outliers, not to bill.

ASCII text (the common case) takes a fast path through ``str.translate`` tables built
from the very same regular expressions, so both paths count identically.
"""

from __future__ import annotations

import re

APPROX_TOKEN_PATTERN = r"\w+|[^\w\s]"
_APPROX_TOKEN = re.compile(APPROX_TOKEN_PATTERN)
_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
# Letters are word characters that are neither digits nor underscore.
_LETTER_PATTERN = r"[^\W\d_]"
_LETTER_OR_SPACE_RUN = re.compile(rf"(?:{_LETTER_PATTERN}|\s)+")


def _ascii_class(pattern: str) -> str:
    return "".join(chr(i) for i in range(128) if re.fullmatch(pattern, chr(i)))


_WORD, _SPACE, _LETTER = _ascii_class(r"\w"), _ascii_class(r"\s"), _ascii_class(_LETTER_PATTERN)
# Word characters become "a" and the rest " ": each \w+ run then starts at " a" or at 0.
_WORD_TO_A = str.maketrans({chr(i): "a" if chr(i) in _WORD else " " for i in range(128)})
# Deleting word characters and whitespace leaves exactly the [^\w\s] pieces.
_ONLY_SYMBOLS = str.maketrans("", "", _WORD + _SPACE)
# Deleting letters and whitespace leaves the non-letter, non-space characters.
_ONLY_NON_LETTERS = str.maketrans("", "", _LETTER + _SPACE)


def approx_tokens(text: str) -> int:
    """An approximate token count of ``text`` (see the module docstring)."""
    if text.isascii():
        marks = text.translate(_WORD_TO_A)
        word_runs = marks.count(" a") + marks.startswith("a")
        return word_runs + len(text.translate(_ONLY_SYMBOLS))
    return len(_APPROX_TOKEN.findall(text))


def non_ascii_chars(text: str) -> int:
    """How many characters of ``text`` are outside ASCII."""
    if text.isascii():
        return 0
    return len(_ASCII_RUN.sub("", text))


def non_letter_chars(text: str) -> int:
    """How many characters of ``text`` are neither letters nor whitespace."""
    if text.isascii():
        return len(text.translate(_ONLY_NON_LETTERS))
    return len(_LETTER_OR_SPACE_RUN.sub("", text))


def leading_words(text: str, count: int) -> list[str]:
    """The first ``count`` whitespace-separated words of ``text`` (fewer if it is short)."""
    return text.split(None, count)[:count]
