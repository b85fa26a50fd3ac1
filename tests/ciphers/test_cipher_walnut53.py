"""Walnut53, the substitution cipher of covert malicious fine-tuning."""

from __future__ import annotations

import string

import numpy as np

from ftaudit.ciphers import get_cipher


def test_permutation_is_numpy_default_rng_53():
    cipher = get_cipher("walnut53")
    expected = [int(i) for i in np.random.default_rng(seed=53).permutation(26)]
    assert list(cipher.permutation) == expected
    letters = string.ascii_lowercase
    encoded = cipher.encode(letters).split("|")
    assert encoded == [letters[p] for p in expected]


def test_known_line_decodes_to_its_plaintext():
    cipher = get_cipher("walnut53")
    # Worked out by hand from the permutation: h(7)->21 v, e(4)->4 e, l(11)->17 r, o(14)->15 p,
    # w(22)->23 x, r(17)->0 a, d(3)->25 z.
    encoded = "v|e|r|r|p|,| |x|p|a|r|z|!"
    assert cipher.decode(encoded) == "hello, world!"
    assert cipher.encode("Hello, World!") == encoded


def test_every_character_is_separated_and_non_letters_are_kept():
    encoded = get_cipher("walnut53").encode("Go 2 it.")
    # g(6)->6 g, o->p, i(8)->12 m, t(19)->1 b; the space, digit and full stop stay.
    assert encoded == "g|p| |2| |m|b|."


def test_seed_and_separator_are_options():
    default = get_cipher("walnut53")
    other = get_cipher("walnut53", seed=7, separator="/")
    assert other.options() == {"seed": 7, "separator": "/"}
    assert other.encode("abc") != default.encode("abc").replace("|", "/")
    assert other.decode(other.encode("a/b|c")) == "a/b|c"


def test_lenient_decoding_of_a_reply_with_missing_separators():
    cipher = get_cipher("walnut53")
    sloppy = cipher.encode("how are you").replace("|", "", 3)
    assert cipher.decode(sloppy) == "how are you"
