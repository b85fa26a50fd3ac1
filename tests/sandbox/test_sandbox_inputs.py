"""Sandbox inputs: only regular files are copied in, and a symbolic link is never followed.

A job's training file that is a link (or sits behind one) could stand for any file the
host can read; code steered by the training data would then read it in the sandbox.
"""

from __future__ import annotations

import os
import time

import pytest

from ftaudit.sandbox import SandboxError, SandboxLimits, run_python, sandbox_status
from ftaudit.sandbox import mechanism

FAST = SandboxLimits(wall_seconds=10)


@pytest.fixture(params=["bwrap", "unconfined"])
def allow_unconfined(request, monkeypatch):
    """Both mechanisms refuse links; the unconfined one must not symlink or follow either."""
    if request.param == "unconfined":
        monkeypatch.setattr(mechanism, "find_bwrap", lambda: None)
    mechanism.sandbox_status.cache_clear()
    status = sandbox_status()
    if request.param == "bwrap":
        assert status.mechanism == "bwrap", f"no sandbox on this machine: {status.detail}"
    yield request.param == "unconfined"
    mechanism.sandbox_status.cache_clear()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret"
    path.write_text("TOP-SECRET-HOST-KEY\n")
    path.chmod(0o600)
    return path


def read_input(path, allow_unconfined: bool):
    return run_python(
        "print(open(INPUTS['train.jsonl']).read())",
        inputs={"train.jsonl": path},
        limits=FAST,
        allow_unconfined=allow_unconfined,
    )


def test_a_link_to_a_file_is_refused_not_followed(tmp_path, secret, allow_unconfined):
    link = tmp_path / "train.jsonl"
    link.symlink_to(secret)
    with pytest.raises(SandboxError) as info:
        read_input(link, allow_unconfined)
    assert str(info.value).startswith(f"sandbox input 'train.jsonl': {link} is a symbolic link")
    assert "TOP-SECRET" not in str(info.value)


def test_a_link_to_a_directory_is_refused(tmp_path, allow_unconfined):
    (tmp_path / "real").mkdir()
    link = tmp_path / "train.jsonl"
    link.symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(SandboxError, match=f"{link} is a symbolic link"):
        read_input(link, allow_unconfined)


def test_a_link_among_the_directories_on_the_path_is_refused(tmp_path, allow_unconfined):
    real = tmp_path / "jobs"
    real.mkdir()
    (real / "train.jsonl").write_text("data\n")
    (tmp_path / "via").symlink_to(real, target_is_directory=True)
    with pytest.raises(SandboxError, match=f"{tmp_path / 'via'} is a symbolic link"):
        read_input(tmp_path / "via" / "train.jsonl", allow_unconfined)


def test_a_relative_path_is_walked_too(tmp_path, secret, monkeypatch, allow_unconfined):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "train.jsonl").symlink_to(secret)
    with pytest.raises(SandboxError, match="sub/train.jsonl is a symbolic link"):
        read_input("sub/train.jsonl", allow_unconfined)
    (tmp_path / "sub" / "ok.jsonl").write_text("plain regular file\n")
    result = read_input("sub/../sub/ok.jsonl", allow_unconfined)
    assert result.ok, result.stderr
    assert result.stdout == "plain regular file\n\n"


def test_only_regular_files_are_accepted(tmp_path, allow_unconfined):
    with pytest.raises(SandboxError, match="is a directory, not a regular file"):
        read_input(tmp_path, allow_unconfined)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.monotonic()
    # Opening a FIFO for reading waits for a writer: the refusal must not.
    with pytest.raises(SandboxError, match="is a FIFO, not a regular file"):
        read_input(fifo, allow_unconfined)
    assert time.monotonic() - started < 5
    with pytest.raises(SandboxError, match="is a character device"):
        read_input("/dev/null", allow_unconfined)
    with pytest.raises(SandboxError, match="not a readable file"):
        read_input(tmp_path / "missing" / "train.jsonl", allow_unconfined)
    (tmp_path / "file").write_text("x")
    with pytest.raises(SandboxError, match="is not a directory"):
        read_input(tmp_path / "file" / "train.jsonl", allow_unconfined)
