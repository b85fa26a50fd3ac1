"""Check every record of a training file and report precisely what is wrong, and where."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from ftaudit.config import get_settings
from ftaudit.data.conversation import DatasetFormat
from ftaudit.data.detect import Layout
from ftaudit.data.issues import LineIssue
from ftaudit.data.reader import TrainingFile


class ValidationReport(BaseModel):
    """The outcome of validating one training file.

    Each invalid record contributes one issue (its first problem). ``issues`` is capped
    at ``max_errors``; ``skipped_lines`` and ``issue_counts`` always cover every record.
    """

    path: str
    format: DatasetFormat
    layout: Layout
    total_records: int
    valid_records: int
    invalid_records: int
    issues: list[LineIssue] = Field(default_factory=list)
    issues_truncated: bool = False
    issue_counts: dict[str, int] = Field(default_factory=dict)
    skipped_lines: list[int] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        """True when every record is valid."""
        return self.invalid_records == 0


def validate(
    path: str | Path | TrainingFile,
    format: DatasetFormat | str | None = None,  # noqa: A002 - the user-facing name
    max_errors: int | None = None,
    max_line_bytes: int | None = None,
) -> ValidationReport:
    """Validate every record of the training file at ``path`` in one streaming pass.

    ``format`` forces the record format (detected otherwise); ``max_errors`` caps the
    issues kept in full (default: the ``max_reported_errors`` setting). Raises
    :class:`~ftaudit.errors.DataError` only when the file itself cannot be read, holds no
    record at all (``empty-file``) or its format cannot be detected; bad records are
    reported, not raised.
    """
    cap = max_errors if max_errors is not None else get_settings().max_reported_errors
    training_file = (
        path
        if isinstance(path, TrainingFile)
        else TrainingFile(path, format=format, max_line_bytes=max_line_bytes)
    )
    total = 0
    issues: list[LineIssue] = []
    counts: Counter[str] = Counter()
    skipped: list[int] = []
    for line, outcome in training_file.iter_records():
        total += 1
        if isinstance(outcome, LineIssue):
            skipped.append(line)
            counts[outcome.code.value] += 1
            if len(issues) < cap:
                issues.append(outcome)
    return ValidationReport(
        path=str(training_file.path),
        format=training_file.format,
        layout=training_file.layout,
        total_records=total,
        valid_records=total - len(skipped),
        invalid_records=len(skipped),
        issues=issues,
        issues_truncated=len(skipped) > len(issues),
        issue_counts=dict(counts),
        skipped_lines=skipped,
    )
