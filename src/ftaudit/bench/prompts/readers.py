"""Reading the files public prompt sets come in, with every problem a :class:`DataError`
that names the file, the line and (when there is one) the column.

Files are read whole (prompt sets are kilobytes to a few megabytes), decoded as strict
UTF-8 (a BOM is allowed), and parsed with the standard ``csv`` and ``json`` modules.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ftaudit.errors import DataError

csv.field_size_limit(1 << 24)  # HarmBench context strings exceed the 128 KiB default.


def read_text(path: Path) -> str:
    """The content of ``path`` as text; missing, unreadable, non-UTF-8 or empty is a DataError."""
    if not path.exists():
        raise DataError("prompt file not found", path=path, code="missing")
    if path.is_dir():
        raise DataError("expected a file, found a directory", path=path, code="unreadable")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read prompt file: {exc.strerror or exc}", path=path, code="unreadable") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); re-save the file as UTF-8",
            path=path,
            line=line,
            code="encoding",
        ) from None
    if not text.strip():
        raise DataError("empty file: no prompts", path=path, code="empty")
    return text


def _records(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records of ``text`` with the line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"malformed CSV: {exc}", path=path, line=reader.line_num or start, code="csv") from None


def read_lines(path: Path) -> list[tuple[int, str]]:
    """Prompts of a one-per-line file as ``(line, text)``, blank lines skipped.

    Such files (AdvBench without header, HEx-PHI categories) quote the lines that contain a
    comma, CSV-style, and leave others bare: a record of several unquoted fields is the line
    as written, so it is joined back with the commas it was split on.
    """
    out = []
    for line, row in _records(path, read_text(path)):
        text = ",".join(row).strip()
        if text:
            out.append((line, text))
    if not out:
        raise DataError("empty file: no prompts", path=path, code="empty")
    return out


def read_csv_header(path: Path) -> list[str]:
    """The first record of a CSV file (for sniffing its format), stripped."""
    for _, row in _records(path, read_text(path)):
        return [c.strip() for c in row]
    return []


def read_csv(path: Path, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with a header, as ``(line, {column: value})``.

    Column names match case-insensitively and ignoring surrounding spaces; every column in
    ``required`` must be present. A row with more or fewer fields than the header is an error.
    """
    records = _records(path, read_text(path))
    header_line, header = next(records, (1, []))
    columns = [c.strip() for c in header]
    lower = [c.lower() for c in columns]
    for name in required:
        if name.lower() not in lower:
            raise DataError(
                f"missing column {name!r}; the header has: {', '.join(columns) or '(nothing)'}",
                path=path,
                line=header_line,
                field=name,
                code="missing-column",
            )
    rows = []
    for line, row in records:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise DataError(
                f"{len(row)} fields where the header has {len(columns)}", path=path, line=line, code="csv"
            )
        rows.append((line, {c: v for c, v in zip(lower, row)}))
    if not rows:
        raise DataError("no prompts below the header", path=path, line=header_line, code="empty")
    return rows


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Objects of a JSON Lines file as ``(line, object)``, with keys lower-cased."""
    rows = []
    for number, raw in enumerate(read_text(path).splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=number, code="json") from None
        if not isinstance(obj, dict):
            raise DataError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=number, code="json")
        rows.append((number, {str(k).lower(): v for k, v in obj.items()}))
    return rows


def required_text(path: Path, line: int, row: dict[str, Any], name: str) -> str:
    """The non-empty text of column ``name`` in ``row``, or a DataError at that line and field."""
    value = row.get(name.lower())
    if value is None:
        raise DataError(f"missing field {name!r}", path=path, line=line, field=name, code="missing-field")
    if not isinstance(value, str):
        raise DataError(f"expected text, got {type(value).__name__}", path=path, line=line, field=name, code="type")
    if not value.strip():
        raise DataError("empty prompt", path=path, line=line, field=name, code="empty-field")
    return value.strip()


def optional_text(row: dict[str, Any], name: str) -> str | None:
    """The stripped text of column ``name``, or None when absent or blank."""
    value = row.get(name.lower())
    if value is None:
        return None
    value = str(value).strip()
    return value or None
