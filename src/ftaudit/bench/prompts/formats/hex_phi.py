"""HEx-PHI (Qi et al. 2023): one headerless ``category_N.csv`` per category, one prompt per line.

Give the folder (every ``category_N.csv`` in it is read) or a single category file. The
public release leaves some categories out (child abuse content); the rest keep their number.
"""

from __future__ import annotations

import re
from pathlib import Path

from ftaudit.bench.prompts.format import PromptFormat
from ftaudit.bench.prompts.readers import read_lines
from ftaudit.bench.prompts.types import HARMFUL_CATEGORIES, BenchPrompt
from ftaudit.errors import DataError

#: category_N.csv -> HEx-PHI key: the paper's order, which HARMFUL_CATEGORIES follows.
CATEGORY_BY_NUMBER = dict(enumerate(HARMFUL_CATEGORIES, 1))
_FILE = re.compile(r"category_(\d+)\.csv", re.IGNORECASE)


def _number(path: Path) -> int:
    match = _FILE.fullmatch(path.name)
    if not match:
        raise DataError("expected a HEx-PHI file named category_N.csv", path=path, code="name")
    number = int(match.group(1))
    if number not in CATEGORY_BY_NUMBER:
        raise DataError(f"HEx-PHI has categories 1 to {len(CATEGORY_BY_NUMBER)}, not {number}", path=path, code="name")
    return number


def read(path: Path) -> list[BenchPrompt]:
    if path.is_dir():
        files = sorted((p for p in path.iterdir() if _FILE.fullmatch(p.name)), key=_number)
        if not files:
            raise DataError("no HEx-PHI category_N.csv files in this folder", path=path, code="empty")
    elif not path.exists():
        raise DataError("HEx-PHI folder or file not found", path=path, code="missing")
    else:
        files = [path]
    prompts = []
    for file in files:
        number = _number(file)
        for i, (line, text) in enumerate(read_lines(file), 1):
            prompts.append(BenchPrompt(
                id=f"hex-phi:{number}:{i:02d}", text=text, kind="harmful", category=CATEGORY_BY_NUMBER[number],
                original_category=f"category_{number}", category_basis="native", source="hex-phi",
                meta={"file": file.name, "line": str(line)},
            ))
    return prompts


FORMAT = PromptFormat(
    name="hex-phi",
    title="HEx-PHI (folder of category_N.csv, one prompt per line)",
    licence="HEx-PHI terms of use (gated; research only)",
    reference="Qi et al. 2023, Fine-tuning Aligned Language Models Compromises Safety",
    read=read,
)
