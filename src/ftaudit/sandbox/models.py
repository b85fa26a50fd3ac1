"""The sandbox's data: the limits a run gets and what a run reports back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ftaudit.sandbox.errors import SandboxError

Mechanism = Literal["bwrap", "unconfined"]
KilledReason = Literal["timeout", "cpu", "memory", "output", "signal", "cancelled"]


class SandboxLimits(BaseModel):
    """Resource limits of one sandboxed run.

    ``memory_mb`` and ``cpu_seconds`` hold per process (RLIMIT_AS, RLIMIT_CPU); a run
    can use at most ``max_processes`` of them, all inside one wall-clock budget.
    """

    wall_seconds: float = Field(
        30.0, gt=0, le=3600, description="wall-clock limit of the whole run"
    )
    cpu_seconds: int | None = Field(
        None, gt=0, le=3600, description="CPU-time limit per process; default: the wall limit rounded up"
    )
    memory_mb: int = Field(1024, ge=64, le=65536, description="address-space limit per process")
    max_processes: int = Field(32, ge=1, le=4096, description="processes and threads the run may hold at once")
    max_output_bytes: int = Field(
        64 * 1024, ge=1024, description="bytes kept of stdout and of stderr each; the run is stopped past it"
    )
    max_result_bytes: int = Field(
        16 * 1024 * 1024, ge=1024, description="bytes of function-call results the run may send back"
    )
    max_file_mb: int = Field(64, ge=1, description="largest file the run may write")
    tmp_mb: int = Field(128, ge=1, description="size of the private /tmp (it lives in memory)")
    max_open_files: int = Field(256, ge=16, le=65536)

    def effective_cpu_seconds(self) -> int:
        """The CPU limit actually applied: the explicit one, else the wall limit rounded up."""
        if self.cpu_seconds is not None:
            return self.cpu_seconds
        return max(1, int(-(-self.wall_seconds // 1)))


class SandboxResult(BaseModel):
    """What one sandboxed run did; a crash, a timeout or a limit hit is a result, not an error.

    ``ok`` is true when the code exited with status 0 and nothing stopped it.
    ``killed_reason`` says which limit stopped the run (``memory`` also when the code died of
    a ``MemoryError`` at the limit); ``exit_code`` is the status, ``-N`` for signal N.
    """

    ok: bool
    exit_code: int | None
    stdout: str
    stderr: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    killed_reason: KilledReason | None = None
    wall_seconds: float
    mechanism: Mechanism

    def describe(self, max_chars: int = 4000) -> str:
        """A short plain-text account for a transcript or a model: status line, then output."""
        status = "ok" if self.ok else f"failed (exit {self.exit_code})"
        if self.killed_reason:
            status = f"stopped: {self.killed_reason} limit"
            if self.killed_reason == "cancelled":
                status = "cancelled"
        parts = [f"[{status}; {self.wall_seconds:.2f}s; sandbox={self.mechanism}]"]
        for name, text, cut in (
            ("stdout", self.stdout, self.stdout_truncated),
            ("stderr", self.stderr, self.stderr_truncated),
        ):
            if text:
                shown = text if len(text) <= max_chars else text[:max_chars]
                more = " [truncated]" if cut or len(text) > max_chars else ""
                parts.append(f"--- {name}{more} ---\n{shown}")
        return "\n".join(parts)


class CallOutcome(BaseModel):
    """The outcome of calling the function on one argument: a JSON value or an error line."""

    ok: bool
    value: Any = None
    error: str | None = None


class FunctionCallResult(BaseModel):
    """The outcomes of a function-call run, one per argument and in order, and the run itself.

    ``setup_error`` is set when the source did not load or does not define the function;
    every outcome then carries that error too. Arguments the run did not reach (it was
    stopped) carry an error naming the reason.
    """

    outcomes: list[CallOutcome]
    setup_error: str | None = None
    run: SandboxResult

    def values(self) -> list[Any]:
        """Every value, in order; raises SandboxError naming the first argument that failed."""
        for index, outcome in enumerate(self.outcomes):
            if not outcome.ok:
                raise SandboxError(f"sandboxed function failed on item {index}: {outcome.error}")
        return [outcome.value for outcome in self.outcomes]
