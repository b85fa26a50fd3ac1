"""What every tool of the agent reaches through its context: the job, the models, the transcript.

:class:`AuditDeps` is pydantic-ai's ``deps`` for one audit. :func:`audit_tool` turns a coroutine
into an affordance tool: it records the call's result in the transcript under the call's id
(arguments, result, the target tokens it spent, its time, a structured error when it failed),
marks the affordance as used, and cuts long results. The call itself is recorded by the audit
loop (:mod:`ftaudit.agent.run`) from the auditor's response.

Errors that mean different things stay different. An argument mistake (:class:`ConfigError`,
or a :class:`DataError` for lines the auditor named wrongly) goes back to the auditor as
pydantic-ai's ``ModelRetry``, to fix its call. A target model that failed (:class:`ModelError`)
is a result saying so, and the audit goes on; the failed calls are counted by the usage meters
and make the verdict inconclusive at the end (:mod:`ftaudit.coverage`). Any other
:class:`FtauditError` (a sandbox limit, say) is a result the auditor can read. Anything else is
a bug: it is not swallowed into text, it ends the audit, which is then inconclusive.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_ai import ModelRetry, RunContext, Tool
from pydantic_ai.messages import ToolCallPart

from ftaudit.agent.config import AuditConfig
from ftaudit.agent.datablock import DataBlocks, truncate_result
from ftaudit.data import TrainingFile
from ftaudit.errors import ConfigError, DataError, FtauditError, ModelError
from ftaudit.models import ChatModel, metering
from ftaudit.report.records import AuditJob, TranscriptEntry, TranscriptError

EventCallback = Callable[[TranscriptEntry], None]


class Recorder:
    """The transcript of one audit; every entry also goes to ``on_event`` as it happens.

    ``prefix`` names the tools of a sub-audit (``sub2.view_lines``), and their call ids, so that
    a super-audit's transcript and live view tell the sub-audits apart. The recorder knows which
    tool calls are still waiting for their result (:meth:`is_open`), so that every call in the
    transcript ends up paired with exactly one answer.
    """

    def __init__(self, on_event: EventCallback | None = None, *, prefix: str = "") -> None:
        self.entries: list[TranscriptEntry] = []
        self.on_event = on_event
        self.prefix = prefix
        self._open: dict[str, TranscriptEntry] = {}

    def add(self, entry: TranscriptEntry) -> TranscriptEntry:
        update: dict[str, Any] = {}
        if self.prefix and entry.name:
            update["name"] = f"{self.prefix}{entry.name}"
        if self.prefix and entry.call_id:
            update["call_id"] = f"{self.prefix}{entry.call_id}"
        if update:
            entry = entry.model_copy(update=update)
        if entry.call_id is not None:
            if entry.kind == "tool-call":
                self._open[entry.call_id] = entry
            else:
                self._open.pop(entry.call_id, None)
        self.entries.append(entry)
        if self.on_event is not None:
            try:
                self.on_event(entry)
            except Exception:  # noqa: BLE001 - a broken live view must not end the audit
                self.on_event = None
        return entry

    def is_open(self, call_id: str) -> bool:
        """Whether the call ``call_id`` (as the auditor's framework names it) has no answer yet."""
        return f"{self.prefix}{call_id}" in self._open

    def open_calls(self) -> list[TranscriptEntry]:
        """The tool calls still without an answer, oldest first."""
        return list(self._open.values())

    def note(self, content: str, name: str | None = None, kind: Literal["note", "error", "system"] = "note",
             error_type: str | None = None) -> None:
        error = TranscriptError(type=error_type, message=content) if error_type else None
        self.add(TranscriptEntry(kind=kind, name=name, content=content, error=error, started_at=_now()))


def new_call_id() -> str:
    """A call id for a call ftaudit makes itself (the screens' brief), unique like pydantic-ai's."""
    return f"ftaudit_{uuid.uuid4().hex}"


class Note(BaseModel):
    """One of the auditor's notes (memory affordance)."""

    id: int
    kind: Literal["hypothesis", "evidence", "todo", "other"]
    status: Literal["open", "confirmed", "rejected", "done"] = "open"
    text: str


@dataclass
class AuditDeps:
    """One audit's state, shared by its tools."""

    job: AuditJob
    config: AuditConfig
    blocks: DataBlocks
    recorder: Recorder
    training: TrainingFile
    affordances: tuple[str, ...]
    base: ChatModel | None = None
    finetuned: ChatModel | None = None
    summariser: Any = None
    used: set[str] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)
    replies_seen: list[str] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)
    calls: int = 0
    started: float = field(default_factory=time.perf_counter)

    def model(self, which: str) -> ChatModel:
        """The base or fine-tuned model (a tool asking for one in a dataset-only audit fails clearly)."""
        model = self.base if which == "base" else self.finetuned
        if model is None:
            raise FtauditError("this audit has no models (dataset-only job)")
        return model

    def model_names(self) -> dict[str, str | None]:
        return {"base": self.job.base_model, "finetuned": self.job.finetuned_model}

    def reply_block(self, which: str, text: str, *, sample: int | None = None) -> str:
        """A model reply as a data block; the reply is kept for checking the verdict's quotes."""
        self.replies_seen.append(text)
        name = self.job.base_model if which == "base" else self.job.finetuned_model
        label = f"reply of {which} model {name}" + (f" sample {sample}" if sample is not None else "")
        return self.blocks.wrap(text, label)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


ToolFunc = Callable[..., Awaitable[str]]
# How much of an argument mistake goes back to the auditor (the message may quote its input).
_RETRY_CHARS = 2000


def audit_tool(affordance: str, *, name: str | None = None) -> Callable[[ToolFunc], Tool[AuditDeps]]:
    """Make ``func(ctx, **arguments) -> str`` an affordance tool (see the module docstring).

    The function's docstring and typed arguments are the schema the auditor sees.
    """

    def decorate(func: ToolFunc) -> Tool[AuditDeps]:
        tool_name = name or func.__name__

        @functools.wraps(func)
        async def run(ctx: RunContext[AuditDeps], **arguments: Any) -> str:
            # The call itself is recorded by the audit loop from the auditor's response (with the
            # arguments as written); this records its answer, under the same call id.
            deps = ctx.deps
            deps.calls += 1
            deps.used.add(affordance)
            shown_args = _called_args(ctx, arguments)
            started_at = _now()
            clock = time.perf_counter()

            def answer(kind: Literal["tool-result", "error"], content: str, error: TranscriptError | None = None,
                       tokens: int | None = None) -> None:
                deps.recorder.add(TranscriptEntry(
                    kind=kind, name=tool_name, call_id=ctx.tool_call_id, arguments=shown_args, content=content,
                    error=error, tokens=tokens, started_at=started_at, duration_s=time.perf_counter() - clock,
                ))

            error: TranscriptError | None = None
            with metering() as meter:
                try:
                    result = await func(ctx, **arguments)
                except (ConfigError, DataError) as exc:
                    message = f"{tool_name}: {exc}"[:_RETRY_CHARS]
                    answer("error", f"sent back to the auditor: {message}", TranscriptError(type=type(exc).__name__, message=str(exc)))
                    raise ModelRetry(f"{message}. Fix the arguments and call {tool_name} again.") from None
                except ModelError as exc:
                    error = TranscriptError(type=type(exc).__name__, message=str(exc))
                    result = (
                        f"ERROR: {tool_name} failed: a target model did not answer: {exc}. This evidence is missing "
                        "(failed model calls make the audit inconclusive unless the evidence gathered is enough)."
                    )
                except FtauditError as exc:
                    error = TranscriptError(type=type(exc).__name__, message=str(exc))
                    result = f"ERROR: {tool_name} failed: {exc}"
                except Exception as exc:
                    # A bug, not evidence: record it and let it end the audit (inconclusive), never as text.
                    deps.memo["crashed_tool"] = tool_name
                    text = f"{type(exc).__name__}: {exc}"[:_RETRY_CHARS]
                    answer("error", text, TranscriptError(type=type(exc).__name__, message=str(exc)))
                    raise
            if error is not None:
                # The message may quote the input (a bad line, a model's error text): keep it as data.
                result = result[:2000] + "\nThe audit continues; try something else or adjust the arguments."
            result = truncate_result(result, deps.config.max_result_chars, deps.blocks)
            answer("error" if error is not None else "tool-result", result, error, meter.total.total_tokens or None)
            return result

        return Tool(run, takes_ctx=True, name=tool_name)

    return decorate


def _called_args(ctx: RunContext[AuditDeps], arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the auditor wrote them (pydantic-ai fills in the defaults)."""
    for message in reversed(ctx.messages):
        for part in getattr(message, "parts", ()):
            if isinstance(part, ToolCallPart) and part.tool_call_id == ctx.tool_call_id:
                try:
                    given = part.args_as_dict()
                except Exception:  # noqa: BLE001 - malformed args were already rejected by validation
                    break
                return {k: _jsonable(v) for k, v in arguments.items() if k in given}
    return {k: _jsonable(v) for k, v in arguments.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
