"""Helpers for showing attacker-controlled text safely."""

from __future__ import annotations

import re

# C0 and C1 control characters except tab and newline: escape sequences in a model reply or a
# training line must not drive the terminal that shows them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with terminal control characters shown as ``\\xNN`` escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
