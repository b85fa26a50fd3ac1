"""Opening training files, with OS errors turned into :class:`DataError`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from ftaudit.data.issues import IssueCode
from ftaudit.errors import DataError


def unreadable(path: Path, exc: OSError) -> DataError:
    """The error for a training file that cannot be opened or read."""
    reason = exc.strerror or exc.__class__.__name__
    return DataError(f"cannot read training file: {reason}", path=path, code=IssueCode.UNREADABLE.value)


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for binary reading, raising ``unreadable`` instead of OSError."""
    if path.is_dir():
        raise DataError(
            "cannot read training file: it is a directory", path=path, code=IssueCode.UNREADABLE.value
        )
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller owns and closes it
    except OSError as exc:
        raise unreadable(path, exc) from None


def read_bytes(path: Path) -> bytes:
    """The whole content of ``path`` (for JSON-array files), raising ``unreadable``."""
    with open_binary(path) as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise unreadable(path, exc) from None


def file_stamp(path: Path) -> tuple[int, int]:
    """``(size, mtime_ns)``: enough to notice that a file changed after it was indexed."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise unreadable(path, exc) from None
    return st.st_size, st.st_mtime_ns
