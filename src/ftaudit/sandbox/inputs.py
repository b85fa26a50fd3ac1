"""Open the host files a sandboxed run may read, without ever following a symbolic link.

An input is copied into the sandbox from a descriptor opened here, never bound by path:
a path can be swapped for a link between a check and its use, a descriptor cannot. Each
component of the path, as the caller wrote it, is opened relative to the one before with
``O_NOFOLLOW``, so a link anywhere in it (the file itself, a link to a directory, a
directory on the way) is refused rather than followed; whatever the path names must be a
regular file (not a directory, FIFO, device or socket). A link would let a training file
named by a job stand for any file the host can read (``~/.ssh/id_rsa``, ``/etc/shadow``),
and code steered by that training file would then read it inside the sandbox.

What this cannot see: a hard link is a regular file like any other (the kernel's
``protected_hardlinks`` keeps users from linking files they do not own).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

from ftaudit.sandbox.errors import SandboxError

# Directories on the way are opened for lookup only: no read permission is needed to
# traverse them, exactly as for an ordinary open.
_DIR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before the
# type check could refuse it. It is cleared again once the file is known to be regular.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _refuse(name: str, where: str, mode: int) -> SandboxError:
    kind = _kind(mode)
    if stat.S_ISLNK(mode):
        return SandboxError(
            f"sandbox input {name!r}: {where} is a symbolic link; the sandbox never follows "
            "links and copies only regular files (pass the file's real path)"
        )
    return SandboxError(f"sandbox input {name!r}: {where} is {kind}, not a regular file")


def _missing(name: str, path: Path, exc: OSError) -> SandboxError:
    reason = exc.strerror or type(exc).__name__
    return SandboxError(f"sandbox input {name!r}: {path} is not a readable file ({reason})")


def _lstat_at(name: str, path: Path, part: str, dir_fd: int) -> os.stat_result:
    try:
        return os.stat(part, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as exc:
        raise _missing(name, path, exc) from None


def open_input(name: str, path: str | Path) -> int:
    """A read-only descriptor of the regular file at ``path``, reached without following links.

    Raises :class:`~ftaudit.sandbox.errors.SandboxError` naming the input and the part of
    the path at fault when any component is a symbolic link, when the path names anything
    but a regular file, or when it cannot be opened. The caller owns (and closes) the
    descriptor; it is close-on-exec and positioned at the start of the file.
    """
    path = Path(path)
    parts = path.parts
    if not parts or parts[-1] in (".", ".."):
        raise SandboxError(f"sandbox input {name!r}: {path} does not name a file")
    anchor = path.anchor
    start = anchor if anchor else "."
    walked = Path(anchor)
    *directories, leaf = parts[1:] if anchor else parts
    try:
        dir_fd = os.open(start, _DIR_FLAGS)
    except OSError as exc:
        raise _missing(name, path, exc) from None
    try:
        for part in directories:
            walked = walked / part
            # The lstat only words the error; the O_NOFOLLOW open is what refuses a link
            # that appears after it.
            mode = _lstat_at(name, path, part, dir_fd).st_mode
            if stat.S_ISLNK(mode):
                raise _refuse(name, str(walked), mode)
            if not stat.S_ISDIR(mode):
                raise SandboxError(f"sandbox input {name!r}: {walked} is not a directory")
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _refuse(name, str(walked), stat.S_IFLNK) from None
                raise _missing(name, path, exc) from None
            os.close(dir_fd)
            dir_fd = next_fd
        # Refuse devices and FIFOs before opening them: opening one can have effects.
        mode = _lstat_at(name, path, leaf, dir_fd).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(name, str(path), mode)
        try:
            fd = os.open(leaf, _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _refuse(name, str(path), stat.S_IFLNK) from None
            raise _missing(name, path, exc) from None
    finally:
        os.close(dir_fd)
    try:
        # The descriptor's own type is the authority: the path may have changed since.
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(name, str(path), mode)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd
