"""Turn the raw bytes of one record into a JSON object, or a precise record error."""

from __future__ import annotations

import json
from typing import Any

from ftaudit.data.formats._checks import json_type
from ftaudit.data.issues import IssueCode, record_error


def decode_record(data: bytes, file_offset: int | None = None) -> dict[str, Any]:
    """Decode UTF-8 ``data`` and parse it as one JSON object.

    Raises a record error coded ``bad-utf8`` (naming the offending byte's offset in the
    record and, when ``file_offset`` is given, in the file), ``bad-json`` (with the
    column) or ``not-object``.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = f"at byte {exc.start} of the line"
        if file_offset is not None:
            where += f" (file offset {file_offset + exc.start})"
        raise record_error(
            IssueCode.BAD_UTF8, f"invalid UTF-8 byte 0x{data[exc.start]:02x} {where}"
        ) from None
    return parse_object(text)


def parse_object(text: str) -> dict[str, Any]:
    """Parse ``text`` as one JSON object (``bad-json`` / ``not-object`` otherwise)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise record_error(
            IssueCode.BAD_JSON, f"invalid JSON: {exc.msg} at column {exc.colno} (char {exc.pos})"
        ) from None
    except RecursionError:
        # json raises this, not JSONDecodeError, for absurdly deep nesting.
        raise record_error(IssueCode.BAD_JSON, "invalid JSON: nested too deeply") from None
    return as_object(value)


def as_object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else a ``not-object`` error."""
    if not isinstance(value, dict):
        raise record_error(
            IssueCode.NOT_OBJECT, f"record must be a JSON object, got {json_type(value)}"
        )
    return value
