"""Per-format record parsers and the rule that tells the formats apart.

A record's format is recognised by its top-level keys (:func:`classify`);
:func:`parse_record` normalises one decoded record of a known format into a
:class:`~ftaudit.data.conversation.Conversation` or raises a record error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ftaudit.data.conversation import Conversation, DatasetFormat
from ftaudit.data.formats._checks import missing
from ftaudit.data.formats.alpaca import parse_alpaca
from ftaudit.data.formats.openai_chat import parse_openai_chat
from ftaudit.data.formats.sharegpt import parse_sharegpt
from ftaudit.data.issues import IssueCode, record_error

Parser = Callable[[dict[str, Any], int], Conversation]

PARSERS: dict[DatasetFormat, Parser] = {
    DatasetFormat.OPENAI_CHAT: parse_openai_chat,
    DatasetFormat.ALPACA: parse_alpaca,
    DatasetFormat.SHAREGPT: parse_sharegpt,
}

# The keys that mark a record as belonging to a format, checked in this order.
MARKER_KEYS: dict[DatasetFormat, tuple[str, ...]] = {
    DatasetFormat.OPENAI_CHAT: ("messages",),
    DatasetFormat.SHAREGPT: ("conversations",),
    DatasetFormat.ALPACA: ("instruction", "output"),
}

# The field named in a missing-field error when a record has no marker at all.
_MAIN_FIELD: dict[DatasetFormat, str] = {
    DatasetFormat.OPENAI_CHAT: "messages",
    DatasetFormat.SHAREGPT: "conversations",
    DatasetFormat.ALPACA: "instruction",
}


def _has_markers(obj: dict[str, Any], fmt: DatasetFormat) -> bool:
    return any(key in obj for key in MARKER_KEYS[fmt])


def classify(obj: dict[str, Any]) -> DatasetFormat | None:
    """The format whose marker keys ``obj`` has, or None when it has none."""
    for fmt in MARKER_KEYS:
        if _has_markers(obj, fmt):
            return fmt
    return None


def parse_record(obj: dict[str, Any], fmt: DatasetFormat, line: int) -> Conversation:
    """Normalise the decoded record ``obj`` from a ``fmt`` file found on ``line``.

    A record with another format's keys raises ``format-mismatch``; one with no known
    keys raises ``missing-field`` for the format's main field.
    """
    if not _has_markers(obj, fmt):
        other = classify(obj)
        if other is not None:
            keys = "/".join(f"'{k}'" for k in MARKER_KEYS[other])
            raise record_error(
                IssueCode.FORMAT_MISMATCH,
                f"record looks like {other} (has {keys}) but the file is {fmt}",
            )
        raise missing(_MAIN_FIELD[fmt])
    return PARSERS[fmt](obj, line)


__all__ = ["PARSERS", "MARKER_KEYS", "classify", "parse_record"]
