"""Helpers for the data-layer tests: write small real training files into tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from datahelpers import Line, encode_line


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """``write_jsonl(lines, name=...)``: one item per line, newline-terminated."""

    def write(lines: list[Line], name: str = "train.jsonl") -> Path:
        path = tmp_path / name
        path.write_bytes(b"".join(encode_line(item) + b"\n" for item in lines))
        return path

    return write


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """``write_file(name, content)``: a file with exactly this content."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write
