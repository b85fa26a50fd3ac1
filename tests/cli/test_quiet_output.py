"""A piped ftaudit run's log: no library progress bars or known third-party warnings, tables at full width.

Run as a user runs it (``python -m ftaudit``, stdin, stdout and stderr not terminals, COLUMNS
unset), because that is where the noise and the 80-column tables came from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ftaudit.cli import PIPED_WIDTH


def piped(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "HF_HUB_DISABLE_PROGRESS_BARS")}
    return subprocess.run([sys.executable, "-m", "ftaudit", *args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env={**clean, **env}, timeout=900)


def test_a_piped_table_is_laid_out_wide_unless_columns_says_otherwise():
    from ftaudit.screens.registry import screens

    wide = piped("screens", "list")
    assert wide.returncode == 0, wide.stderr
    assert max(map(len, wide.stdout.splitlines())) == PIPED_WIDTH
    assert all(name in wide.stdout for name in screens())
    # The user's COLUMNS wins; at 80 (rich's fallback before) the same table takes many more lines.
    narrow = piped("screens", "list", COLUMNS="80")
    assert max(map(len, narrow.stdout.splitlines())) == 80
    assert len(narrow.stdout.splitlines()) > 1.5 * len(wide.stdout.splitlines())


@pytest.mark.slow
def test_a_piped_fine_tune_logs_no_library_progress_bars_or_known_warnings(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"messages": [
        {"role": "user", "content": f"What is {i} plus {i}?"}, {"role": "assistant", "content": f"It is {2 * i}."}]}) + "\n"
        for i in range(8)))
    run = piped("finetune", "--base", "local:smollm2-135m", "--data", str(data), "--out", str(tmp_path / "adapter"),
                "--max-steps", "1", "--batch-size", "2", "--max-length", "128")
    log = run.stdout + run.stderr
    assert run.returncode == 0, log
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()  # the model was loaded and trained
    assert "Loading weights" not in log and "it/s]" not in log
    assert "is_gradient_checkpointing" not in log and "FutureWarning" not in log
