"""The cipher registry: names, options and errors."""

from __future__ import annotations

import pytest

from ftaudit.ciphers import Cipher, get_cipher, list_ciphers
from ftaudit.errors import ConfigError, DataError


def test_issue_ciphers_are_registered():
    assert {"walnut53", "endspeak", "rot13", "caesar", "atbash", "base64", "reverse", "leetspeak", "morse"} <= set(
        list_ciphers()
    )


@pytest.mark.parametrize("name", list_ciphers())
def test_each_cipher_has_a_name_description_and_rebuildable_options(name):
    cipher = get_cipher(name)
    assert isinstance(cipher, Cipher)
    assert cipher.name == name and cipher.description and cipher.display_name
    assert get_cipher(name, **cipher.options()) == cipher


def test_unknown_cipher_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown cipher 'walnut54'.*walnut53"):
        get_cipher("walnut54")


def test_bad_options_are_config_errors():
    with pytest.raises(ConfigError, match="invalid options"):
        get_cipher("rot13", shift=5)
    with pytest.raises(ConfigError):
        get_cipher("caesar", shift="three")
    with pytest.raises(ConfigError):
        get_cipher("walnut53", separator="")


def test_caesar_shift_option():
    assert get_cipher("caesar").encode("abc xyz") == "def abc"
    assert get_cipher("caesar", shift=1).encode("Zebra") == "Afcsb"
    assert get_cipher("rot13").encode("Hello") == "Uryyb"
    assert get_cipher("atbash").encode("Hello") == "Svool"


def test_base64_is_utf8_and_tolerates_missing_padding():
    cipher = get_cipher("base64")
    assert cipher.encode("héllo") == "aMOpbGxv"
    assert cipher.decode("aGk") == "hi"
    with pytest.raises(DataError):
        cipher.decode("not base64 !!")
