"""Walk the elements of a JSON-array file, keeping each one's line and byte span.

The whole file is decoded at once (these files are small compared with JSONL uploads),
but elements are parsed one at a time with :meth:`json.JSONDecoder.raw_decode`, so the
line where each element starts can be counted as we go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ftaudit.data.issues import IssueCode
from ftaudit.data.lines import BOM
from ftaudit.errors import DataError

_WHITESPACE = re.compile(r"[ \t\n\r]*")


class ArrayElement(NamedTuple):
    """One element: the line it starts on, its byte span in the file, its value."""

    line: int
    start: int
    end: int
    value: Any


class ArrayReadError(DataError):
    """The array cannot be read past this point; ``offset`` is the byte offset in the file."""

    def __init__(self, message: str, *, line: int, offset: int, code: IssueCode) -> None:
        super().__init__(message, line=line, code=code.value)
        self.offset = offset


def _error(message: str, line: int, offset: int) -> ArrayReadError:
    return ArrayReadError(message, line=line, offset=offset, code=IssueCode.BAD_JSON)


def iter_json_array(data: bytes) -> Iterator[ArrayElement]:
    """Yield the elements of the JSON array in ``data`` in order.

    Raises :class:`ArrayReadError` (``bad-utf8`` or ``bad-json``, with the line and byte
    offset) at the first place the array cannot be read; elements before it have already
    been yielded.
    """
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        line = data.count(b"\n", 0, offset) + 1
        raise ArrayReadError(
            f"invalid UTF-8 byte 0x{data[offset]:02x} at file offset {offset}",
            line=line,
            offset=offset,
            code=IssueCode.BAD_UTF8,
        ) from None

    is_ascii = text.isascii()
    # Running conversions from character index to line number and byte offset.
    counted_to, line, byte_pos = 0, 1, skip

    def locate(index: int) -> tuple[int, int]:
        nonlocal counted_to, line, byte_pos
        line += text.count("\n", counted_to, index)
        if is_ascii:
            byte_pos = skip + index
        else:
            byte_pos += len(text[counted_to:index].encode("utf-8"))
        counted_to = index
        return line, byte_pos

    decoder = json.JSONDecoder()
    index = _WHITESPACE.match(text, 0).end()
    if text[index : index + 1] != "[":
        raise _error("invalid JSON: a JSON-array file must start with '['", *locate(index))
    index = _WHITESPACE.match(text, index + 1).end()
    if text[index : index + 1] == "]":
        index += 1
    else:
        while True:
            start_line, start_byte = locate(index)
            try:
                value, end = decoder.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                raise _error(
                    f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                    start_line,
                    start_byte,
                ) from None
            except RecursionError:
                raise _error("invalid JSON: nested too deeply", start_line, start_byte) from None
            _, end_byte = locate(end)
            yield ArrayElement(start_line, start_byte, end_byte, value)
            index = _WHITESPACE.match(text, end).end()
            separator = text[index : index + 1]
            if separator == "]":
                index += 1
                break
            if separator != ",":
                raise _error("invalid JSON: expected ',' or ']' after an element", *locate(index))
            index = _WHITESPACE.match(text, index + 1).end()
    index = _WHITESPACE.match(text, index).end()
    if index != len(text):
        raise _error("invalid JSON: extra data after the closing ']'", *locate(index))
