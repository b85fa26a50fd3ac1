"""Kill what a local Ray left behind once the ftaudit driver that started it is gone.

Run as ``python -I -S _ray_reaper.py TOKEN DRIVER_PID`` with its stdin the read end of a
pipe that only the driver holds open; the driver writes the Ray session directory into
it, one line, once Ray is up. End of file means the driver exited (even by ``kill -9``) or
closed the pipe after ``ray.shutdown()``; either way every process of that Ray is killed.
A process belongs to it if its environment carries ``FTAUDIT_RAY_OWNER=TOKEN`` (inherited
from the driver), or if it holds a file inside the session directory open for writing
(its logs: raylet's children inherit ``raylet.out``). The second test is needed because
Ray's ``setproctitle`` overwrites the environment some processes show in ``/proc``; it
spares a reader such as ``tail -f`` of a log. Standard library only, and in its own
session, so the terminal's Ctrl-C to the driver's process group leaves it to its work.
"""

from __future__ import annotations

import os
import signal
import sys
import time

#: The environment variable that marks the processes of one local Ray.
OWNER_VARIABLE = "FTAUDIT_RAY_OWNER"
# Raylet may still be starting a worker when the driver dies: scan again until two scans
# in a row find nothing, at most this many times.
_ROUNDS = 50
_PAUSE_S = 0.2


def _writes_into(pid: str, sessions: list[str]) -> bool:
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
            if not any(target.startswith(session + "/") for session in sessions):
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as fh:
                flags = next(int(line.split()[1], 8) for line in fh if line.startswith("flags:"))
        except (OSError, StopIteration, ValueError, IndexError):
            continue
        if flags & (os.O_WRONLY | os.O_RDWR):
            return True
    return False


def belonging(marker: bytes, sessions: list[str], spare: set[int]) -> list[int]:
    """The pids, except ``spare``, of the processes of this Ray (see the module docstring)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in spare:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read()
        except OSError:
            continue  # gone already, or not ours to read
        if marker in environ.split(b"\0") or (sessions and _writes_into(entry, sessions)):
            found.append(int(entry))
    return found


def main() -> None:
    token, driver = sys.argv[1], int(sys.argv[2])
    marker = f"{OWNER_VARIABLE}={token}".encode()
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    received = b""
    while chunk := sys.stdin.buffer.read(1 << 16):
        received += chunk
    sessions = [line.rstrip("/") for line in received.decode("utf-8", "replace").splitlines() if line.startswith("/")]
    spare = {os.getpid(), driver}
    quiet = 0
    for _ in range(_ROUNDS):
        pids = belonging(marker, sessions, spare)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        quiet = 0 if pids else quiet + 1
        if quiet >= 2:
            return
        time.sleep(_PAUSE_S)


if __name__ == "__main__":
    main()
