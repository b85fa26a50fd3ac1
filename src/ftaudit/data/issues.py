"""Problem codes and the :class:`LineIssue` record shared by readers and validation.

Codes are stable strings: scripts and the auditing agent may match on them. Within
ftaudit a problem travels as a :class:`~ftaudit.errors.DataError` carrying one of these
codes; :func:`issue_from_error` turns it into a serialisable :class:`LineIssue`.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel

from ftaudit.errors import DataError


class IssueCode(str, Enum):
    """Why a record (or a whole file) could not be read."""

    # Problems with one record; the rest of the file stays readable.
    BAD_UTF8 = "bad-utf8"
    BAD_JSON = "bad-json"
    NOT_OBJECT = "not-object"
    MISSING_FIELD = "missing-field"
    BAD_TYPE = "bad-type"
    UNKNOWN_ROLE = "unknown-role"
    EMPTY_CONTENT = "empty-content"
    NO_ASSISTANT = "no-assistant"
    LINE_TOO_LONG = "line-too-long"
    BAD_WEIGHT = "bad-weight"
    FORMAT_MISMATCH = "format-mismatch"
    # Problems with the whole file or with a lookup; raised, never listed as line issues.
    UNREADABLE = "unreadable"
    UNKNOWN_FORMAT = "unknown-format"
    EMPTY_FILE = "empty-file"
    NO_RECORD = "no-record"

    def __str__(self) -> str:
        return self.value


class LineIssue(BaseModel):
    """One invalid record: where it is, what is wrong and the stable code for it."""

    line: int
    code: IssueCode
    field: str | None = None
    message: str

    def location_message(self, path: str | None = None) -> str:
        """``FILE:LINE: [field] message (code)``, the form editors can jump to."""
        where = f"{path}:{self.line}: " if path else f"line {self.line}: "
        field = f"[{self.field}] " if self.field else ""
        return f"{where}{field}{self.message} ({self.code.value})"

    def to_error(self, path: str | None = None) -> DataError:
        """The same problem as a raisable :class:`~ftaudit.errors.DataError`."""
        return DataError(
            self.message, path=path, line=self.line, field=self.field, code=self.code.value
        )


def record_error(code: IssueCode, message: str, field: str | None = None) -> DataError:
    """A :class:`DataError` for a record whose line the caller fills in later."""
    return DataError(message, field=field, code=code.value)


def issue_from_error(error: DataError, line: int) -> LineIssue:
    """The :class:`LineIssue` for ``error`` found on ``line``."""
    return LineIssue(line=line, code=IssueCode(error.code), field=error.field, message=error.message)
