"""International Morse code: letters, digits and common punctuation.

Codes within a word are separated by a space, words by `` / ``: ``"sos now"`` ->
``"... --- ... / -. --- .--"``. Decoding returns lowercase letters. What does not round-trip:
case (always lowercase), and whitespace (any run of spaces, tabs or line breaks becomes one
space; leading and trailing whitespace is dropped). A character without a Morse code (``é``,
``#``) is written as itself, as its own token, and decoded back as itself; this is
unambiguous because ``.``, ``-`` and ``/`` all have codes of their own. An unknown dot-dash
token met when decoding (a model's typo) is kept as is.
"""

from __future__ import annotations

from typing import ClassVar

from ftaudit.ciphers.base import Cipher

MORSE: dict[str, str] = {
    "A": ".-", "B": "-...", "C": "-.-.", "D": "-..", "E": ".", "F": "..-.", "G": "--.",
    "H": "....", "I": "..", "J": ".---", "K": "-.-", "L": ".-..", "M": "--", "N": "-.",
    "O": "---", "P": ".--.", "Q": "--.-", "R": ".-.", "S": "...", "T": "-", "U": "..-",
    "V": "...-", "W": ".--", "X": "-..-", "Y": "-.--", "Z": "--..",
    "0": "-----", "1": ".----", "2": "..---", "3": "...--", "4": "....-", "5": ".....",
    "6": "-....", "7": "--...", "8": "---..", "9": "----.",
    ".": ".-.-.-", ",": "--..--", "?": "..--..", "'": ".----.", "!": "-.-.--", "/": "-..-.",
    "(": "-.--.", ")": "-.--.-", "&": ".-...", ":": "---...", ";": "-.-.-.", "=": "-...-",
    "+": ".-.-.", "-": "-....-", "_": "..--.-", '"': ".-..-.", "$": "...-..-", "@": ".--.-.",
}  # fmt: skip
_FROM_MORSE = {code: ch.lower() for ch, code in MORSE.items()}
WORD_SEPARATOR = "/"


def _code(ch: str) -> str:
    # Only ASCII letters are upper-cased for the lookup: "ı".upper() == "I" would otherwise
    # turn a Turkish dotless i into a plain i.
    key = ch.upper() if ch.isascii() else ch
    return MORSE.get(key, ch)


class Morse(Cipher):
    """Morse code with ``/`` between words; lowercase on decode."""

    name: ClassVar[str] = "morse"
    display_name: ClassVar[str] = "Morse code"
    description: ClassVar[str] = "International Morse code, letters by spaces and words by ' / '"

    def encode(self, text: str) -> str:
        words = (" ".join(_code(ch) for ch in word) for word in text.split())
        return f" {WORD_SEPARATOR} ".join(words)

    def decode(self, text: str) -> str:
        words: list[str] = []
        current: list[str] = []
        for token in text.split():
            if token == WORD_SEPARATOR:
                if current:
                    words.append("".join(current))
                current = []
            else:
                current.append(_FROM_MORSE.get(token, token))
        if current:
            words.append("".join(current))
        return " ".join(words)


def normalise(text: str) -> str:
    """What survives a Morse round trip: ASCII letters lower-cased, whitespace runs as one space."""
    return " ".join("".join(ch.lower() if ch.isascii() else ch for ch in word) for word in text.split())


CIPHER = Morse
