"""Run untrusted Python: whole programs (the agent's P affordance) or one function over many
arguments (the benchmark's custom transforms), always in a separate, confined process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import threading
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.to_thread

from ftaudit.sandbox import mechanism as mech
from ftaudit.sandbox._process import RawRun, pump
from ftaudit.sandbox._seccomp import filter_fd
from ftaudit.sandbox.errors import SandboxError, SandboxUnavailableError
from ftaudit.sandbox.inputs import open_input
from ftaudit.sandbox.models import CallOutcome, FunctionCallResult, SandboxLimits, SandboxResult

_INPUT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_PLACEHOLDER = "-1"
# Read size when an unconfined run copies an input into its scratch directory.
_COPY_CHUNK = 1 << 20


def _bootstrap_source() -> str:
    return resources.files("ftaudit.sandbox").joinpath("_child.py").read_text(encoding="utf-8")


def _open_inputs(inputs: dict[str, Path] | None) -> dict[str, int]:
    """A descriptor per input, opened without following links (see :mod:`.inputs`)."""
    names = list(inputs or {})
    for name in names:
        if not _INPUT_NAME.match(name):
            raise SandboxError(
                f"sandbox input name {name!r}: use letters, digits, '.', '_' or '-' (no '/')"
            )
    fds: dict[str, int] = {}
    try:
        for name in names:
            fds[name] = open_input(name, inputs[name])  # type: ignore[index]
    except BaseException:
        for fd in fds.values():
            os.close(fd)
        raise
    return fds


def _copy_into(fd: int, target: Path) -> None:
    """Copy an input's content from its descriptor to ``target``, read-only."""
    with os.fdopen(os.dup(fd), "rb") as src, open(target, "xb") as dst:
        shutil.copyfileobj(src, dst, _COPY_CHUNK)
    target.chmod(0o444)


def _child_limits(limits: SandboxLimits, processes: int | None) -> dict[str, Any]:
    return {
        "memory_bytes": limits.memory_mb * 1024 * 1024,
        "cpu_seconds": limits.effective_cpu_seconds(),
        "file_bytes": limits.max_file_mb * 1024 * 1024,
        "open_files": limits.max_open_files,
        "processes": processes,
    }


def _exit_code(raw: RawRun, mechanism: str) -> int | None:
    code = raw.returncode
    if code is None:
        return None
    if mechanism == "bwrap" and code > 128 and code - 128 in signal.valid_signals():
        # bwrap reports a child killed by signal N as 128+N; say -N like subprocess does.
        return -(code - 128)
    return code


def _launch(
    mode: Literal["exec", "call"],
    code: str,
    *,
    inputs: dict[str, Path] | None,
    stdin: str | None,
    limits: SandboxLimits | None,
    allow_unconfined: bool,
    function: str | None = None,
    args: list[Any] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[SandboxResult, list[dict]]:
    limits = limits or SandboxLimits()
    # Opened first, so a bad input is the caller's error whatever the machine offers.
    input_fds = _open_inputs(inputs)
    extra_fds: list[int] = list(input_fds.values())
    scratch: str | None = None
    try:
        status = mech.sandbox_status()
        if status.mechanism is None and not allow_unconfined:
            raise SandboxUnavailableError(
                f"refusing to run untrusted Python without isolation: {status.detail}. "
                "Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) or, knowing the code "
                "then runs with your user's rights and only resource limits, allow unconfined runs."
            )
        binary, _ = mech.interpreter()
        python = [binary, "-I", "-S", "-B", "-X", "utf8", "-c", _bootstrap_source(), _PLACEHOLDER, _PLACEHOLDER]
        if status.mechanism == "bwrap":
            mechanism = "bwrap"
            drop_uid = mech.fresh_uid()
            seccomp_fd = filter_fd()
            if seccomp_fd is not None:
                extra_fds.append(seccomp_fd)
            argv = mech.bwrap_argv(
                mech.find_bwrap() or "bwrap",
                input_fds=input_fds,
                limits_tmp_bytes=limits.tmp_mb * 1024 * 1024,
                seccomp_fd=seccomp_fd,
            )
            argv += python
            visible = {name: f"{mech.DATA_DIR}/{name}" for name in input_fds}
            # Inside a user namespace bwrap's own init counts against the user's limit.
            processes = limits.max_processes + (1 if drop_uid is None else 0)
            env, cwd = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, None
        else:
            mechanism = "unconfined"
            drop_uid, processes = None, None  # RLIMIT_NPROC would count all the user's processes
            scratch = tempfile.mkdtemp(prefix="ftaudit-sandbox-")
            data = Path(scratch, "data")
            data.mkdir()
            for name, fd in input_fds.items():
                _copy_into(fd, data / name)
            visible = {name: str(data / name) for name in input_fds}
            argv = python
            env, cwd = mech.sandbox_env(scratch), scratch
        control = {
            "mode": mode,
            "code": code,
            "function": function,
            "args": args or [],
            "inputs": visible,
            "drop_uid": drop_uid,
            "limits": _child_limits(limits, processes),
        }
        raw = pump(
            argv,
            control=json.dumps(control).encode(),
            control_fd_slot=len(argv) - 2,
            result_fd_slot=len(argv) - 1,
            stdin=stdin.encode() if stdin is not None else None,
            extra_fds=extra_fds,
            env=env,
            cwd=cwd,
            wall_seconds=limits.wall_seconds,
            max_output_bytes=limits.max_output_bytes,
            max_result_bytes=limits.max_result_bytes,
            cancel=cancel,
        )
        extra_fds = []  # pump closed them
    finally:
        for fd in extra_fds:
            os.close(fd)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return _result(raw, mechanism), raw.results


def _result(raw: RawRun, mechanism: str) -> SandboxResult:
    exit_code = _exit_code(raw, mechanism)
    events = {line.get("event") for line in raw.results}
    reason = raw.killed_reason
    if reason is None:
        if "cpu" in events or exit_code == -signal.SIGXCPU:
            reason = "cpu"
        elif "memory" in events:
            reason = "memory"
        elif exit_code is not None and exit_code < 0:
            reason = "signal"
    return SandboxResult(
        ok=exit_code == 0 and reason is None,
        exit_code=exit_code,
        stdout=raw.stdout.decode("utf-8", errors="replace"),
        stderr=raw.stderr.decode("utf-8", errors="replace"),
        stdout_truncated=raw.stdout_truncated,
        stderr_truncated=raw.stderr_truncated,
        timed_out=reason == "timeout",
        killed_reason=reason,
        wall_seconds=round(raw.wall_seconds, 4),
        mechanism=mechanism,
    )


def run_python(
    code: str,
    *,
    inputs: dict[str, Path] | None = None,
    stdin: str | None = None,
    limits: SandboxLimits | None = None,
    allow_unconfined: bool = False,
    cancel: threading.Event | None = None,
) -> SandboxResult:
    """Run a Python program in the sandbox and report what it did.

    ``inputs`` maps a file name to a host file; the program reads it, read-only, at
    ``/data/NAME`` (also given to it as the dict ``INPUTS``). The program sees the standard
    library only, no network, no inherited environment and a private ``/tmp`` as its working
    directory. Exceptions, timeouts and limit hits come back in the result; only a problem
    with the request (a bad input, no isolation available) raises a
    :class:`~ftaudit.sandbox.errors.SandboxError`. With no working isolation this raises
    :class:`~ftaudit.sandbox.errors.SandboxUnavailableError` unless ``allow_unconfined``.
    """
    result, _ = _launch(
        "exec",
        code,
        inputs=inputs,
        stdin=stdin,
        limits=limits,
        allow_unconfined=allow_unconfined,
        cancel=cancel,
    )
    return result


def call_function(
    source: str,
    function_name: str,
    args_list: list[Any],
    *,
    inputs: dict[str, Path] | None = None,
    limits: SandboxLimits | None = None,
    allow_unconfined: bool = False,
    cancel: threading.Event | None = None,
) -> FunctionCallResult:
    """Call ``function_name`` from ``source`` on every argument, in one sandboxed process.

    Each argument (any JSON value) is passed as the single positional argument; each
    outcome is the JSON-serialisable return value or a one-line error naming the exception
    and the source line, so one failing item does not spoil the others. The limits hold
    for the whole batch; items the run did not reach carry the reason it stopped.
    """
    run, lines = _launch(
        "call",
        source,
        inputs=inputs,
        stdin=None,
        limits=limits,
        allow_unconfined=allow_unconfined,
        function=function_name,
        args=list(args_list),
        cancel=cancel,
    )
    setup_error = next((line["setup_error"] for line in lines if "setup_error" in line), None)
    by_item = {line["item"]: line for line in lines if "item" in line}
    if setup_error is None and run.killed_reason is None and len(by_item) < len(args_list):
        tail = run.stderr.strip().splitlines()[-1:] or [f"exit status {run.exit_code}"]
        stopped = f"the sandbox process ended early: {tail[0]}"
    else:
        stopped = f"the sandbox stopped the run ({run.killed_reason} limit) before this item"
    outcomes = []
    for index in range(len(args_list)):
        line = by_item.get(index)
        if setup_error is not None:
            outcomes.append(CallOutcome(ok=False, error=setup_error))
        elif line is None:
            outcomes.append(CallOutcome(ok=False, error=stopped))
        elif line["ok"]:
            outcomes.append(CallOutcome(ok=True, value=line["value"]))
        else:
            outcomes.append(CallOutcome(ok=False, error=line["error"]))
    return FunctionCallResult(outcomes=outcomes, setup_error=setup_error, run=run)


async def _in_thread(function: Any) -> Any:
    cancel = threading.Event()
    try:
        # abandon_on_cancel: a cancelled caller returns at once; the event makes the
        # worker kill the sandbox within a tick instead of running on to its wall limit.
        return await anyio.to_thread.run_sync(
            partial(function, cancel=cancel), abandon_on_cancel=True
        )
    finally:
        cancel.set()


async def run_python_async(
    code: str,
    *,
    inputs: dict[str, Path] | None = None,
    stdin: str | None = None,
    limits: SandboxLimits | None = None,
    allow_unconfined: bool = False,
) -> SandboxResult:
    """:func:`run_python` for async callers; cancelling the caller kills the sandbox."""
    return await _in_thread(
        partial(run_python, code, inputs=inputs, stdin=stdin, limits=limits, allow_unconfined=allow_unconfined)
    )


async def call_function_async(
    source: str,
    function_name: str,
    args_list: list[Any],
    *,
    inputs: dict[str, Path] | None = None,
    limits: SandboxLimits | None = None,
    allow_unconfined: bool = False,
) -> FunctionCallResult:
    """:func:`call_function` for async callers; cancelling the caller kills the sandbox."""
    return await _in_thread(
        partial(
            call_function,
            source,
            function_name,
            args_list,
            inputs=inputs,
            limits=limits,
            allow_unconfined=allow_unconfined,
        )
    )
