"""Helpers for showing attacker-controlled text safely."""

from __future__ import annotations

import re

# C0 and C1 control characters except tab and newline: escape sequences in a model reply or a
# training line must not drive the terminal that shows them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: Characters that change the display order of the text around them (Unicode bidi controls).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def escape_controls(text: str) -> str:
    """``text`` with terminal control characters shown as ``\\xNN`` escapes (bidi controls kept)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def mark_bidi(text: str, opening: str = "<", closing: str = ">") -> str:
    """``text`` with each bidi control shown as a marker such as ``<U+202E>``."""
    return _BIDI.sub(lambda m: f"{opening}U+{ord(m.group()):04X}{closing}", text)


def printable(text: str) -> str:
    """``text`` as a terminal may show it: control characters as ``\\xNN``, bidi controls as ``<U+XXXX>``.

    A right-to-left override in a finding title would otherwise make it read as something else
    ("Trojan Source"); an escape sequence would drive the terminal.
    """
    return mark_bidi(escape_controls(text))
