"""A small seccomp filter that keeps sandboxed code out of new namespaces.

Started by root, the sandbox cannot take a user namespace of its own (see ``mechanism``),
so bwrap's ``--disable-userns`` is not available and the code could create namespaces and
probe kernel code reachable only with namespace capabilities. This filter answers EPERM to
``unshare`` and to ``clone`` with namespace flags, and ENOSYS to ``clone3`` (whose flags sit
in memory a filter cannot read; libc then falls back to ``clone``). Every other call is
allowed: the rest of the confinement comes from namespaces and limits, not from syscall lists.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

# Classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JSET_K = 0x45
_JGE_K = 0x35
_X32_BIT = 0x40000000
_RET_K = 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000
# Offsets in struct seccomp_data: syscall number, audit arch, low word of the first argument.
_NR, _ARCH, _ARG0_LOW = 0, 4, 16
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME
_NAMESPACE_FLAGS = (
    0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80
)
# audit arch, unshare, clone, clone3 for the machines we know.
_ARCHES = {
    "x86_64": (0xC000003E, 272, 56, 435),
    "aarch64": (0xC00000B7, 97, 220, 435),
}


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def filter_program() -> bytes | None:
    """The compiled filter for this machine's architecture, or None where it is unknown."""
    known = _ARCHES.get(platform.machine())
    if known is None:
        return None
    arch, unshare, clone, clone3 = known
    program = [
        _insn(_LD_W_ABS, _ARCH),
        _insn(_JEQ_K, arch, jt=1),  # another ABI (e.g. 32-bit on x86_64): deny below
        _insn(_RET_K, _ERRNO | errno.EPERM),
        _insn(_LD_W_ABS, _NR),
        _insn(_JGE_K, _X32_BIT, jt=0, jf=1),  # x32 numbering on x86_64 would dodge the checks
        _insn(_RET_K, _ERRNO | errno.EPERM),
        _insn(_JEQ_K, unshare, jt=0, jf=1),
        _insn(_RET_K, _ERRNO | errno.EPERM),
        _insn(_JEQ_K, clone3, jt=0, jf=1),
        _insn(_RET_K, _ERRNO | errno.ENOSYS),
        _insn(_JEQ_K, clone, jt=0, jf=3),
        _insn(_LD_W_ABS, _ARG0_LOW),
        _insn(_JSET_K, _NAMESPACE_FLAGS, jt=0, jf=1),
        _insn(_RET_K, _ERRNO | errno.EPERM),
        _insn(_RET_K, _ALLOW),
    ]
    return b"".join(program)


def filter_fd() -> int | None:
    """An open descriptor holding the filter, for bwrap's ``--add-seccomp-fd``; None if unknown."""
    program = filter_program()
    if program is None:
        return None
    fd = os.memfd_create("ftaudit-seccomp", os.MFD_CLOEXEC)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
