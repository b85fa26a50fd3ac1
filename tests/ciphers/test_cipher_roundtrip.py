"""Round trips of every cipher, as properties over generated text.

Each strategy is restricted to what the cipher promises to round-trip (see each module's
docstring): exact for the substitution, shift, Base64 and reversal ciphers over any text;
up to lower-casing for Walnut53; up to whitespace for EndSpeak; up to case and whitespace
for Morse; and only over digit-free lowercase text for leetspeak, whose digits are ambiguous.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftaudit.ciphers import get_cipher, list_ciphers
from ftaudit.ciphers.endspeak import normalise as endspeak_normalise
from ftaudit.ciphers.morse import MORSE
from ftaudit.ciphers.morse import normalise as morse_normalise

ANY_TEXT = st.text(max_size=200)
PROSE = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " \n\t", max_size=200)

EXACT = ["atbash", "base64", "caesar", "reverse", "rot13", "vigenere"]


@pytest.mark.parametrize("name", EXACT)
@given(text=ANY_TEXT)
def test_exact_ciphers_round_trip_any_text(name, text):
    cipher = get_cipher(name)
    assert cipher.decode(cipher.encode(text)) == text


@given(text=ANY_TEXT, shift=st.integers(min_value=-100, max_value=100))
def test_caesar_round_trips_for_every_shift(text, shift):
    cipher = get_cipher("caesar", shift=shift)
    assert cipher.decode(cipher.encode(text)) == text


@given(text=ANY_TEXT, key=st.text(alphabet=string.ascii_letters, min_size=1, max_size=12))
def test_vigenere_round_trips_for_every_key(text, key):
    cipher = get_cipher("vigenere", key=key)
    assert cipher.decode(cipher.encode(text)) == text


def test_vigenere_shifts_letters_by_the_repeating_key():
    assert get_cipher("vigenere", key="lemon").encode("Attack at dawn!") == "Lxfopv ef rnhr!"


@given(text=ANY_TEXT, separator=st.sampled_from(["|", "/", " ", "||", "-x-"]))
def test_walnut53_round_trips_to_lowercase_even_with_the_separator_in_the_text(text, separator):
    # The separator is drawn from characters that also occur in the text, on purpose.
    cipher = get_cipher("walnut53", separator=separator)
    assert cipher.decode(cipher.encode(text + separator + text)) == (text + separator + text).lower()


@given(text=ANY_TEXT, seed=st.integers(min_value=0, max_value=10**6))
@settings(max_examples=60)
def test_endspeak_round_trips_the_words(text, seed):
    cipher = get_cipher("endspeak", seed=seed)
    assert cipher.decode(cipher.encode(text)) == endspeak_normalise(text)


@given(text=PROSE)
def test_morse_round_trips_ascii_text_up_to_case_and_whitespace(text):
    cipher = get_cipher("morse")
    assert cipher.decode(cipher.encode(text)) == " ".join(text.lower().split())


@given(text=ANY_TEXT)
def test_morse_passes_characters_without_a_code_through(text):
    cipher = get_cipher("morse")
    assert cipher.decode(cipher.encode(text)) == morse_normalise(text)


@given(text=st.text(alphabet=string.ascii_lowercase + " .,;:!?'\"()-\n", max_size=200))
def test_leetspeak_round_trips_lowercase_text_without_digits(text):
    cipher = get_cipher("leetspeak")
    assert cipher.decode(cipher.encode(text)) == text


def test_leetspeak_reads_original_digits_as_letters():
    cipher = get_cipher("leetspeak")
    assert cipher.encode("Test at 5") == "7357 47 5"
    assert cipher.decode("7357 47 5") == "test at s"


def test_morse_encodes_letters_by_spaces_and_words_by_slashes():
    cipher = get_cipher("morse")
    assert cipher.encode("SOS now") == "... --- ... / -. --- .--"
    assert cipher.decode("... --- ... / -. --- .--") == "sos now"
    assert set("abcdefghijklmnopqrstuvwxyz0123456789".upper()) <= set(MORSE)


def test_every_registered_cipher_is_covered_by_a_round_trip_test():
    covered = {*EXACT, "walnut53", "endspeak", "morse", "leetspeak"}
    assert set(list_ciphers()) == covered
