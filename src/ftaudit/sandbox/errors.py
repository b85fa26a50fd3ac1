"""Errors of the sandbox: the caller's mistakes and a missing isolation mechanism.

What the sandboxed code does (crash, loop, exhaust memory) is never an error here: it is
reported in a :class:`~ftaudit.sandbox.models.SandboxResult`.
"""

from __future__ import annotations

from ftaudit.errors import FtauditError


class SandboxError(FtauditError):
    """The sandbox could not be set up as asked (bad input name, missing input file…)."""


class SandboxUnavailableError(SandboxError):
    """No isolation mechanism works on this machine and unconfined runs were not allowed."""
