"""Streaming reads and cheap random access to a training file.

:class:`TrainingFile` reads a file once, line by line in binary, and keeps only an offset
index (three ``array('Q')``: record line, start byte, end byte) plus the numbers of the
invalid lines. Parsed records are never kept: iteration yields them one at a time, and
``conversation(n)`` seeks to line ``n`` and parses just that line.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ftaudit.config import get_settings
from ftaudit.data.conversation import Conversation, DatasetFormat
from ftaudit.data.decode import as_object, decode_record
from ftaudit.data.detect import Layout, detect_format, detect_layout, require_records
from ftaudit.data.files import file_stamp, open_binary, read_bytes
from ftaudit.data.formats import parse_record
from ftaudit.data.issues import IssueCode, LineIssue, issue_from_error, record_error
from ftaudit.data.jsonarray import ArrayReadError, iter_json_array
from ftaudit.data.lines import iter_jsonl_lines
from ftaudit.errors import ConfigError, DataError

Outcome = Conversation | LineIssue


@dataclass
class _Index:
    """What one full pass learns about a file; a few bytes per record."""

    lines: array = field(default_factory=lambda: array("Q"))
    starts: array = field(default_factory=lambda: array("Q"))
    ends: array = field(default_factory=lambda: array("Q"))
    skipped: array = field(default_factory=lambda: array("Q"))
    issues: list[LineIssue] = field(default_factory=list)
    issue_counts: Counter[str] = field(default_factory=Counter)
    stamp: tuple[int, int] = (0, 0)


def _as_format(value: DatasetFormat | str) -> DatasetFormat:
    try:
        return DatasetFormat(value)
    except ValueError:
        choices = ", ".join(f.value for f in DatasetFormat)
        raise ConfigError(f"unknown dataset format {value!r} (choose from {choices})") from None


class TrainingFile:
    """A fine-tuning dataset on disk, read lazily and addressed by file line number.

    ``format`` forces the record format (otherwise it is detected from the first
    records); lines longer than ``max_line_bytes`` are rejected without being read into
    memory. A file with no records at all raises :class:`DataError` (``empty-file``).
    The first complete pass (iteration, ``len()``, or any lookup) builds the index;
    later lookups seek straight to the line. Use it as a context manager, or call
    :meth:`close`, to release the file handle kept for lookups.
    """

    def __init__(
        self,
        path: str | Path,
        format: DatasetFormat | str | None = None,  # noqa: A002 - the user-facing name
        max_line_bytes: int | None = None,
    ) -> None:
        settings = get_settings()
        self.path = Path(path)
        self.max_line_bytes = max_line_bytes if max_line_bytes is not None else settings.max_line_bytes
        self._max_issues = settings.max_reported_errors
        file_stamp(self.path)  # fail now, with a clear error, if the file is not there
        self.layout: Layout = detect_layout(self.path)
        # Before format detection, so an empty file is named as empty (not as a format
        # that cannot be detected), and so forcing a format cannot make it pass.
        require_records(self.path, layout=self.layout, max_line_bytes=self.max_line_bytes)
        self.format: DatasetFormat = (
            _as_format(format)
            if format is not None
            else detect_format(self.path, layout=self.layout, max_line_bytes=self.max_line_bytes)
        )
        self._index: _Index | None = None
        self._fh: BinaryIO | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the file handle kept for random access (it reopens on demand)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> TrainingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        fh = getattr(self, "_fh", None)
        if fh is not None:
            fh.close()

    def __repr__(self) -> str:
        return f"TrainingFile({str(self.path)!r}, format={self.format.value!r})"

    # -- sequential reading ------------------------------------------------------------

    def iter_records(self) -> Iterator[tuple[int, Outcome]]:
        """Every record in file order as ``(line, Conversation or LineIssue)``.

        One streaming pass; the first pass that runs to the end also builds the index.
        """
        index = _Index() if self._index is None else None
        stamp = file_stamp(self.path)
        for line, start, end, outcome in self._scan():
            if index is not None:
                index.lines.append(line)
                index.starts.append(start)
                index.ends.append(end)
                if isinstance(outcome, LineIssue):
                    index.skipped.append(line)
                    index.issue_counts[outcome.code.value] += 1
                    if len(index.issues) < self._max_issues:
                        index.issues.append(outcome)
            yield line, outcome
        if index is not None and self._index is None:
            index.stamp = stamp
            self._index = index

    def iter_conversations(self) -> Iterator[Conversation]:
        """The valid records as :class:`Conversation` objects; invalid lines are skipped.

        The skipped lines and their problems are then available from
        :attr:`skipped_lines`, :attr:`issues` and :attr:`issue_counts`.
        """
        for _line, outcome in self.iter_records():
            if not isinstance(outcome, LineIssue):
                yield outcome

    __iter__ = iter_conversations

    def _scan(self) -> Iterator[tuple[int, int, int, Outcome]]:
        if self.layout is Layout.JSON_ARRAY:
            yield from self._scan_array()
            return
        with open_binary(self.path) as fh:
            for line, start, end, data in iter_jsonl_lines(fh, self.max_line_bytes):
                yield line, start, end, self._outcome(data, line, start, end)

    def _scan_array(self) -> Iterator[tuple[int, int, int, Outcome]]:
        data = read_bytes(self.path)
        try:
            for element in iter_json_array(data):
                if element.end - element.start > self.max_line_bytes:
                    outcome: Outcome = self._too_long(element.line, element.end - element.start)
                else:
                    outcome = self._parse_value(element.value, element.line)
                yield element.line, element.start, element.end, outcome
        except ArrayReadError as exc:
            # Nothing after this point can be located; index the rest of its line so
            # raw_line() can still show the damage.
            newline = data.find(b"\n", exc.offset)
            end = len(data) if newline < 0 else newline
            yield exc.line, exc.offset, end, issue_from_error(exc, exc.line)  # type: ignore[arg-type]

    # -- parsing one record ------------------------------------------------------------

    def _outcome(self, data: bytes | None, line: int, start: int, end: int) -> Outcome:
        if data is None:
            return self._too_long(line, end - start)
        try:
            obj = decode_record(data, file_offset=start)
        except DataError as exc:
            return issue_from_error(exc, line)
        return self._parse_value(obj, line, decoded=True)

    def _parse_value(self, value: object, line: int, decoded: bool = False) -> Outcome:
        try:
            obj = value if decoded else as_object(value)
            return parse_record(obj, self.format, line)  # type: ignore[arg-type]
        except DataError as exc:
            return issue_from_error(exc, line)

    def _too_long(self, line: int, size: int) -> LineIssue:
        error = record_error(
            IssueCode.LINE_TOO_LONG,
            f"record is {size} bytes, over the limit of {self.max_line_bytes} bytes "
            "(max_line_bytes)",
        )
        return issue_from_error(error, line)

    # -- the index and random access ---------------------------------------------------

    def _ensure_index(self) -> _Index:
        if self._index is not None and file_stamp(self.path) != self._index.stamp:
            # The file changed under us: offsets are stale, so read it again.
            self.close()
            self._index = None
        if self._index is None:
            for _ in self.iter_records():
                pass
        assert self._index is not None
        return self._index

    def _position(self, index: _Index, n: int) -> int:
        # Records are in line order; in a minified JSON array several may share a line,
        # and the first of them is the one addressed.
        i = bisect_left(index.lines, n)
        if i == len(index.lines) or index.lines[i] != n:
            raise DataError(
                f"no record starts on line {n}", path=self.path, line=n, code=IssueCode.NO_RECORD.value
            )
        return i

    def _read(self, start: int, end: int) -> bytes:
        if self._fh is None:
            self._fh = open_binary(self.path)
        self._fh.seek(start)
        return self._fh.read(end - start)

    def _conversation(self, index: _Index, i: int) -> Conversation:
        line, start, end = index.lines[i], index.starts[i], index.ends[i]
        if end - start > self.max_line_bytes:
            outcome: Outcome = self._too_long(line, end - start)
        else:
            outcome = self._outcome(self._read(start, end), line, start, end)
        if isinstance(outcome, LineIssue):
            raise outcome.to_error(str(self.path))
        return outcome

    def raw_line(self, n: int) -> str:
        """The text of the record on file line ``n`` (1-based), undecodable bytes replaced.

        Raises :class:`DataError` with code ``no-record`` when no record starts on that
        line (blank line, past the end) and ``line-too-long`` for an over-long line.
        """
        index = self._ensure_index()
        i = self._position(index, n)
        start, end = index.starts[i], index.ends[i]
        if end - start > self.max_line_bytes:
            raise self._too_long(n, end - start).to_error(str(self.path))
        return self._read(start, end).decode("utf-8", errors="replace")

    def conversation(self, n: int) -> Conversation:
        """The record on file line ``n`` (1-based) as a :class:`Conversation`.

        Raises :class:`DataError` carrying the line's problem code when it is invalid,
        or ``no-record`` when no record starts on that line.
        """
        index = self._ensure_index()
        return self._conversation(index, self._position(index, n))

    def conversation_at(self, i: int) -> Conversation:
        """The ``i``-th record (0-based, counting invalid ones) as a :class:`Conversation`.

        Unlike :meth:`conversation`, this addresses every record even when several share
        a line (a minified JSON array). Raises :class:`DataError` like :meth:`conversation`.
        """
        index = self._ensure_index()
        if not 0 <= i < len(index.lines):
            raise DataError(
                f"no record #{i}: the file has {len(index.lines)} records",
                path=self.path,
                code=IssueCode.NO_RECORD.value,
            )
        return self._conversation(index, i)

    def line_of(self, i: int) -> int:
        """The file line on which the ``i``-th record (0-based) starts."""
        return self._ensure_index().lines[i]

    def __len__(self) -> int:
        """The number of records (non-blank lines, or array elements)."""
        return len(self._ensure_index().lines)

    @property
    def record_lines(self) -> list[int]:
        """The line number of every record, valid or not, in order."""
        return self._ensure_index().lines.tolist()

    @property
    def skipped_lines(self) -> list[int]:
        """The line numbers of every invalid record (never capped)."""
        return self._ensure_index().skipped.tolist()

    @property
    def issues(self) -> list[LineIssue]:
        """The first ``max_reported_errors`` problems found, in line order."""
        return list(self._ensure_index().issues)

    @property
    def issue_counts(self) -> dict[str, int]:
        """How many invalid records there are per problem code."""
        return dict(self._ensure_index().issue_counts)

    @property
    def valid_records(self) -> int:
        """The number of records that parse into a :class:`Conversation`."""
        index = self._ensure_index()
        return len(index.lines) - len(index.skipped)
