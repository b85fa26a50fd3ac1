"""Split a JSONL file into records, in binary, without ever holding an over-long line.

Yields ``(line_number, start, end, data)`` for every non-blank line: ``start``/``end``
are the byte offsets of the line's content (newline excluded) and ``data`` its bytes,
or None when the line is longer than the limit (only its length is measured).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

BOM = b"\xef\xbb\xbf"
# How much of an over-long line is read at a time while skipping to its end.
_DRAIN_CHUNK = 1 << 20

RawLine = tuple[int, int, int, "bytes | None"]


def iter_jsonl_lines(fh: BinaryIO, max_line_bytes: int) -> Iterator[RawLine]:
    """Every non-blank line of ``fh`` as ``(line, start, end, data-or-None)``; see module doc."""
    cap = max_line_bytes + 2  # room for the content plus "\r\n"
    readline = fh.readline
    line_no = 0
    pos = 0
    while True:
        raw = readline(cap)
        if not raw:
            return
        line_no += 1
        start = pos
        pos += len(raw)
        if raw[-1:] == b"\n":
            data = raw[:-2] if raw[-2:-1] == b"\r" else raw[:-1]
        elif len(raw) < cap:  # the last line, without a final newline
            data = raw
        else:
            # Longer than the limit: measure the rest in chunks and drop it.
            length = len(raw)
            del raw
            while True:
                more = readline(_DRAIN_CHUNK)
                pos += len(more)
                if not more:
                    break
                if more[-1:] == b"\n":
                    length += len(more) - 1
                    break
                length += len(more)
            yield (line_no, start, start + length, None)
            continue
        if line_no == 1 and data.startswith(BOM):
            data = data[len(BOM) :]
            start += len(BOM)
        if len(data) > max_line_bytes:
            yield (line_no, start, start + len(data), None)
        elif data and not data.isspace():
            yield (line_no, start, start + len(data), data)
