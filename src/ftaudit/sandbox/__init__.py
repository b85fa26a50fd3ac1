"""The Python sandbox shared by the agent's P affordance and the benchmark's custom transforms.

Untrusted code runs in a separate process confined by bubblewrap (no network, a file system
holding only the interpreter, ``/usr``, a private ``/tmp`` and read-only copies of the inputs
under ``/data``, no inherited environment) under wall-clock, CPU, memory, process, file-size
and output limits. Inputs must be regular files reached without a symbolic link. Without a
working bubblewrap it refuses to run, unless the caller opts in to
an unconfined run with resource limits only.
"""

from ftaudit.sandbox.errors import SandboxError, SandboxUnavailableError
from ftaudit.sandbox.mechanism import DATA_DIR, SandboxStatus, sandbox_status
from ftaudit.sandbox.models import CallOutcome, FunctionCallResult, SandboxLimits, SandboxResult
from ftaudit.sandbox.runner import call_function, call_function_async, run_python, run_python_async

__all__ = [
    "DATA_DIR",
    "CallOutcome",
    "FunctionCallResult",
    "SandboxError",
    "SandboxLimits",
    "SandboxResult",
    "SandboxStatus",
    "SandboxUnavailableError",
    "call_function",
    "call_function_async",
    "run_python",
    "run_python_async",
    "sandbox_status",
]
