"""Which isolation mechanism this machine offers, and the command line that uses it.

bubblewrap (``bwrap``) is the one mechanism: it gives the run new network, pid, ipc, uts and
cgroup namespaces and a new root file system holding only the interpreter, ``/usr``, a
private size-capped ``/tmp`` and the input files. Run by an ordinary user it also takes a
user namespace; run by root it cannot (root's processes ignore RLIMIT_NPROC, and a user
namespace keeps that uid), so the bootstrap drops to a fresh unprivileged uid instead.
When bwrap is missing or cannot create namespaces here, nothing else is trusted: the
caller gets ``None`` and the runner refuses unless unconfined runs were allowed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from ftaudit.sandbox._seccomp import filter_fd

#: Where input files appear inside the sandbox.
DATA_DIR = "/data"
#: The sandbox's private, memory-backed scratch directory and working directory.
SANDBOX_TMP = "/tmp"
# Inside a user's own bwrap namespace the uid does not matter; as root we pick a uid from a
# range no distribution allocates, fresh per run, so RLIMIT_NPROC counts only this run.
_UID_RANGE = (1_900_000_000, 2_000_000_000)
# Top-level directories that are symlinks into /usr on merged-/usr systems, or real dirs.
_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


class SandboxStatus(BaseModel):
    """Whether a confining mechanism works here: its name, or why none does."""

    mechanism: str | None
    detail: str


def find_bwrap() -> str | None:
    """The path of the bubblewrap executable, or None (a seam tests replace)."""
    return shutil.which("bwrap")


def interpreter() -> tuple[str, str]:
    """The real interpreter binary and the prefix holding it and its standard library.

    A virtual environment's python is a symlink to the base interpreter; the sandbox runs
    the base one with ``-I -S``, so only the standard library is importable.
    """
    binary = os.path.realpath(sys.executable)
    return binary, os.path.realpath(sys.base_prefix)


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def bwrap_argv(
    bwrap: str,
    *,
    input_fds: dict[str, int],
    limits_tmp_bytes: int,
    seccomp_fd: int | None,
) -> list[str]:
    """The bwrap options (everything before the interpreter) for one run.

    ``input_fds`` maps each input's name to a descriptor opened by
    :func:`ftaudit.sandbox.inputs.open_input`; bwrap copies each one in, read-only, so
    no host path is bound (a path could be a link, or turn into one) and a dropped uid
    reads a file that is not world-readable. ``seccomp_fd`` holds the filter of
    :mod:`ftaudit.sandbox._seccomp`.
    """
    binary, prefix = interpreter()
    argv = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    if os.geteuid() != 0:
        # Namespaces for an ordinary user; forbid nested ones, which would hand the code a
        # fresh set of capabilities to probe the kernel with.
        argv += ["--unshare-user", "--disable-userns"]
    else:
        # Keep only what the bootstrap needs to drop to its uid; everything else is gone
        # from the bounding set, so nothing can be regained later.
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    for name in _SYSTEM_DIRS:
        if os.path.islink(name):
            argv += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            argv += ["--ro-bind", name, name]
    extra: list[str] = []
    for path in (prefix, os.path.dirname(binary)):
        if not any(_is_within(path, root) for root in ["/usr", *extra]):
            extra.append(path)
    for path in extra:
        # bwrap creates missing parents 0700, which a dropped uid cannot traverse.
        for parent in _ancestors(path):
            if parent not in _SYSTEM_DIRS:
                argv += ["--perms", "0755", "--dir", parent]
        argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    # /dev/shm and /tmp live in memory: both get a size cap.
    argv += ["--perms", "1777", "--size", str(limits_tmp_bytes), "--tmpfs", "/dev/shm"]
    argv += ["--perms", "1777", "--size", str(limits_tmp_bytes), "--tmpfs", SANDBOX_TMP]
    if input_fds:
        argv += ["--perms", "0755", "--dir", DATA_DIR]
    for name, fd in input_fds.items():
        argv += ["--perms", "0444", "--ro-bind-data", str(fd), f"{DATA_DIR}/{name}"]
    if seccomp_fd is not None:
        argv += ["--add-seccomp-fd", str(seccomp_fd)]
    argv += ["--chdir", SANDBOX_TMP, "--clearenv"]
    for key, value in sandbox_env(SANDBOX_TMP).items():
        argv += ["--setenv", key, value]
    return argv


def sandbox_env(home: str) -> dict[str, str]:
    """The whole environment the sandboxed code sees: nothing inherited, so no secrets."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def fresh_uid() -> int | None:
    """The uid a root-started run drops to; None when not root (the user namespace suffices)."""
    if os.geteuid() != 0:
        return None
    low, high = _UID_RANGE
    return low + secrets.randbelow(high - low)


@cache
def sandbox_status() -> SandboxStatus:
    """Probe once per process whether bwrap can really confine a python run here.

    bwrap can be installed and still fail (user namespaces disabled by a sysctl or an
    AppArmor policy, a container without the needed privileges), so the probe runs the
    interpreter under the exact options a real run uses.
    """
    bwrap = find_bwrap()
    if bwrap is None:
        return SandboxStatus(mechanism=None, detail="bubblewrap (bwrap) is not installed")
    binary, _ = interpreter()
    seccomp_fd = filter_fd()
    argv = bwrap_argv(bwrap, input_fds={}, limits_tmp_bytes=1 << 20, seccomp_fd=seccomp_fd)
    argv += [binary, "-I", "-S", "-c", "import json, re, collections, math"]
    try:
        probe = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=30,
            env={},
            stdin=subprocess.DEVNULL,
            pass_fds=() if seccomp_fd is None else (seccomp_fd,),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SandboxStatus(mechanism=None, detail=f"bwrap at {bwrap} could not be run: {exc}")
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)
    if probe.returncode != 0:
        reason = probe.stderr.strip().splitlines()[-1:] or [f"exit status {probe.returncode}"]
        detail = f"bwrap at {bwrap} cannot create a sandbox here: {reason[0]}"
        return SandboxStatus(mechanism=None, detail=detail)
    return SandboxStatus(mechanism="bwrap", detail=f"bubblewrap at {bwrap}")
