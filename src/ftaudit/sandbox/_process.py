"""Start one sandboxed process and pump its pipes under the wall clock and the output caps.

Reading stops at each cap and the whole process group is killed, so a run that prints
without end neither fills the caller's memory nor keeps it waiting. With bwrap the group
holds bwrap itself; killing it kills the sandbox's pid namespace and all it forked.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

# After the main process exits, how long descendants may keep the pipes open.
_EXIT_GRACE_S = 0.5
_TICK_S = 0.1


@dataclass
class RawRun:
    """What the pump saw: raw bytes, result-channel lines and how the run ended."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    results: list[dict]
    killed_reason: str | None
    wall_seconds: float


@dataclass
class _Sink:
    cap: int
    data: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def take(self, chunk: bytes) -> bool:
        """Keep what fits under the cap; False once the cap is passed."""
        room = self.cap - len(self.data)
        self.data += chunk[: max(room, 0)]
        if len(chunk) > room:
            self.truncated = True
            return False
        return True


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def pump(
    argv: list[str],
    *,
    control: bytes,
    control_fd_slot: int,
    result_fd_slot: int,
    stdin: bytes | None,
    extra_fds: list[int],
    env: dict[str, str],
    cwd: str | None,
    wall_seconds: float,
    max_output_bytes: int,
    max_result_bytes: int,
    cancel: threading.Event | None = None,
) -> RawRun:
    """Run ``argv`` and collect its output; never raises for anything the child does.

    ``argv`` must contain the placeholders at ``control_fd_slot`` and ``result_fd_slot``;
    they are replaced by the descriptor numbers of the two pipes the bootstrap uses.
    """
    control_read, control_write = os.pipe()
    result_read, result_write = os.pipe()
    argv = list(argv)
    argv[control_fd_slot] = str(control_read)
    argv[result_fd_slot] = str(result_write)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(control_read, result_write, *extra_fds),
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
    finally:
        for fd in (control_read, result_write, *extra_fds):
            os.close(fd)

    stdout_fd, stderr_fd = proc.stdout.fileno(), proc.stderr.fileno()
    sinks: dict[int, _Sink] = {
        stdout_fd: _Sink(max_output_bytes),
        stderr_fd: _Sink(max_output_bytes),
        result_read: _Sink(max_result_bytes),
    }
    stdin_fd = proc.stdin.fileno() if proc.stdin is not None else -1
    pending: dict[int, memoryview] = {control_write: memoryview(control)}
    if stdin is not None:
        pending[stdin_fd] = memoryview(stdin)
    selector = selectors.DefaultSelector()
    for fd in sinks:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    for fd in pending:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_WRITE)

    def close_writer(fd: int) -> None:
        selector.unregister(fd)
        pending.pop(fd)
        if proc.stdin is not None and fd == stdin_fd:
            proc.stdin.close()
        else:
            os.close(fd)

    for fd in [fd for fd, data in pending.items() if not data]:
        close_writer(fd)

    killed: str | None = None
    deadline = start + wall_seconds
    open_readers = set(sinks)
    try:
        while open_readers and killed is None:
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                killed = "cancelled"
                break
            if now >= deadline:
                killed = "timeout"
                break
            if proc.poll() is not None:
                deadline = min(deadline, now + _EXIT_GRACE_S)
            for key, _ in selector.select(timeout=min(_TICK_S, deadline - now)):
                fd = key.fd
                if fd in pending:
                    try:
                        written = os.write(fd, pending[fd][:65536])
                    except BrokenPipeError:
                        close_writer(fd)
                        continue
                    pending[fd] = pending[fd][written:]
                    if not pending[fd]:
                        close_writer(fd)
                    continue
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    open_readers.discard(fd)
                elif not sinks[fd].take(chunk):
                    killed = "output"
                    break
        if killed == "timeout" and proc.poll() is not None:
            # The main process finished; only lingering descendants held the pipes.
            killed = None
    finally:
        if killed is not None or open_readers:
            _kill_group(proc)
        for fd in list(pending):
            close_writer(fd)
        selector.close()
        if killed is None:
            try:
                # The pipes are closed but the process may still run: it keeps its deadline.
                proc.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                killed = "timeout"
                _kill_group(proc)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        os.close(result_read)
    wall = time.monotonic() - start

    results = []
    for line in bytes(sinks[result_read].data).splitlines():
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a line cut by the cap or by the kill
    stdout, stderr = sinks[stdout_fd], sinks[stderr_fd]
    return RawRun(
        returncode=proc.returncode,
        stdout=bytes(stdout.data),
        stderr=bytes(stderr.data),
        stdout_truncated=stdout.truncated,
        stderr_truncated=stderr.truncated,
        results=results,
        killed_reason=killed,
        wall_seconds=wall,
    )
