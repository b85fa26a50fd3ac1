"""Recognise a training file's layout (JSONL or one JSON array) and record format.

The layout comes from the extension (``.jsonl``/``.ndjson`` are always JSONL) and
otherwise from the first non-blank byte (``[`` means a JSON array). The format is a
majority vote over the first records that carry a format's marker keys
(``messages``, ``conversations``, ``instruction``/``output``); lines that do not parse
are passed over, so a broken first line does not hide the format.
"""

from __future__ import annotations

from collections import Counter
from enum import Enum
from pathlib import Path

from ftaudit.config import get_settings
from ftaudit.data.conversation import DatasetFormat
from ftaudit.data.decode import decode_record
from ftaudit.data.files import open_binary, read_bytes
from ftaudit.data.formats import classify
from ftaudit.data.issues import IssueCode
from ftaudit.data.jsonarray import iter_json_array
from ftaudit.data.lines import BOM, iter_jsonl_lines
from ftaudit.errors import DataError

# How many recognised records vote on the format, and how far to look for them.
DETECT_SAMPLE_RECORDS = 20
DETECT_MAX_LINES = 1000
# How many leading bytes to look at for the '[' of a JSON array.
_PEEK_BYTES = 4096
_JSONL_SUFFIXES = frozenset((".jsonl", ".ndjson"))


class Layout(str, Enum):
    """How records are laid out in a file."""

    JSONL = "jsonl"
    JSON_ARRAY = "json-array"

    def __str__(self) -> str:
        return self.value


def detect_layout(path: str | Path) -> Layout:
    """``jsonl`` for ``.jsonl``/``.ndjson`` files, else ``json-array`` if the file starts with ``[``."""
    path = Path(path)
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return Layout.JSONL
    with open_binary(path) as fh:
        head = fh.read(_PEEK_BYTES)
    head = head[len(BOM) :] if head.startswith(BOM) else head
    return Layout.JSON_ARRAY if head.lstrip()[:1] == b"[" else Layout.JSONL


def require_records(path: str | Path, *, layout: Layout, max_line_bytes: int) -> None:
    """Raise :class:`DataError` (code ``empty-file``) when the file holds no record at all.

    An empty file, one of only blank or whitespace lines, and an empty JSON array all
    count: a fine-tuning job with nothing to train on is a mistake to report, never a
    dataset that passes every check. Only the first record is looked for, so the cost
    is one line for a JSONL file. Damage before any record (e.g. ``[`` followed by
    garbage) is not "empty": the reader reports it as an invalid record.
    """
    path = Path(path)
    if layout is Layout.JSON_ARRAY:
        try:
            found = next(iter_json_array(read_bytes(path)), None) is not None
        except DataError:
            return
        why = "an empty JSON array"
    else:
        with open_binary(path) as fh:
            found = next(iter_jsonl_lines(fh, max_line_bytes), None) is not None
        why = "it is empty or holds only blank lines"
    if not found:
        raise DataError(
            f"training file has no records ({why})",
            path=path,
            code=IssueCode.EMPTY_FILE.value,
        )


def detect_format(
    path: str | Path, *, layout: Layout | None = None, max_line_bytes: int | None = None
) -> DatasetFormat:
    """The record format of the training file at ``path``.

    Raises :class:`DataError` (code ``unknown-format``) when no record in the sample
    carries a known format's keys, and (code ``unreadable``) when the file cannot be read.
    """
    path = Path(path)
    layout = layout or detect_layout(path)
    limit = max_line_bytes if max_line_bytes is not None else get_settings().max_line_bytes
    votes: Counter[DatasetFormat] = Counter()
    for obj in _sample_objects(path, layout, limit):
        fmt = classify(obj)
        if fmt is not None:
            votes[fmt] += 1
            if sum(votes.values()) >= DETECT_SAMPLE_RECORDS:
                break
    if not votes:
        raise DataError(
            "cannot detect the dataset format: no record has 'messages' (openai-chat), "
            "'conversations' (sharegpt) or 'instruction'/'output' (alpaca); "
            "pass the format explicitly",
            path=path,
            code=IssueCode.UNKNOWN_FORMAT.value,
        )
    # Counter keeps first-seen order among ties, so a tie goes to the earlier format.
    return votes.most_common(1)[0][0]


def _sample_objects(path: Path, layout: Layout, limit: int):
    if layout is Layout.JSON_ARRAY:
        try:
            for element in iter_json_array(read_bytes(path)):
                if isinstance(element.value, dict):
                    yield element.value
        except DataError:
            return  # the records before the damage have voted
        return
    with open_binary(path) as fh:
        for line, _start, _end, data in iter_jsonl_lines(fh, limit):
            if line > DETECT_MAX_LINES:
                return
            if data is None:
                continue
            try:
                yield decode_record(data)
            except DataError:
                continue
