"""The audit records: what goes into an audit (AuditJob) and what comes out (AuditReport).

Every auditor — the deterministic screens, the LLM agent, the super-auditor — produces
the same :class:`AuditReport`; its JSON form is the contract (``ftaudit schema report``).
Text quoted from the training data or from model replies is attacker-controlled: it is
stored as data, truncated, and never interpreted.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from ftaudit import __version__
from ftaudit.errors import ConfigError
from ftaudit.models.ref import parse_model_ref
from ftaudit.models.types import Usage
from ftaudit.report.rubric import RiskBand, Verdict, risk_band, verdict_for

REPORT_SCHEMA_VERSION = "1"
EXCERPT_LIMIT = 2000


_TRUNCATED = re.compile(r"… \[truncated \d+ characters\]\Z")


def _truncate(text: str | None, limit: int = EXCERPT_LIMIT) -> str | None:
    if text is None or len(text) <= limit:
        return text
    head = text[:limit]
    if _TRUNCATED.search(text) and len(_TRUNCATED.sub("", text)) <= limit:
        return text  # already truncated (a report read back from JSON)
    return head + f"… [truncated {len(text) - limit} characters]"


class Severity(str, Enum):
    """How much a finding weighs."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info up to 4 for critical: the one order every report and table sorts findings by."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(Severity)}


class AuditJob(BaseModel):
    """A fine-tuning job to audit: the training file and the models before and after."""

    model_config = ConfigDict(extra="forbid")

    training_file: Path = Field(description="The training dataset the customer uploaded.")
    # Required but nullable: a dataset-only audit (the screens before training) says so
    # explicitly with null, and every report written before this change still validates.
    base_model: str | None = Field(description="Model reference of the model before fine-tuning; null for a dataset-only audit.")
    finetuned_model: str | None = Field(description="Model reference of the fine-tuned model; null for a dataset-only audit.")
    job_id: str | None = None
    customer: str | None = None
    stated_purpose: str | None = Field(default=None, description="What the customer says the fine-tune is for.")
    metadata: dict[str, str] = Field(default_factory=dict)

    @property
    def has_models(self) -> bool:
        """Both models are named (a dataset-only audit has neither)."""
        return bool(self.base_model and self.finetuned_model)

    @field_validator("base_model", "finetuned_model")
    @classmethod
    def _valid_ref(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(parse_model_ref(value))
        except ConfigError as exc:
            raise ValueError(str(exc)) from exc


class Evidence(BaseModel):
    """One piece of evidence: a dataset line, a model reply, a benchmark figure or a note."""

    kind: Literal["dataset-line", "model-reply", "benchmark", "model-internals", "note"]
    line: int | None = Field(default=None, description="1-based line number in the training file.")
    excerpt: str | None = Field(default=None, description="Quoted text (attacker-controlled, truncated).")
    model: str | None = Field(default=None, description="Model reference of the model that replied.")
    prompt: str | None = None
    reply: str | None = None
    detail: str | None = Field(default=None, description="What this evidence shows, in the auditor's words.")

    @field_validator("excerpt", "prompt", "reply")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        return _truncate(value)


class Finding(BaseModel):
    """Something an auditor found, with the evidence behind it."""

    title: str
    severity: Severity
    source: str = Field(description="The screen or agent tool that found it, e.g. 'screen:encoding'.")
    description: str = ""
    score_contribution: float | None = Field(default=None, ge=0.0, le=10.0)
    evidence: list[Evidence] = Field(default_factory=list)


class TranscriptError(BaseModel):
    """What went wrong in a step: the error's type (an exception class, or a kind such as
    ``ValidationError`` for arguments the framework refused) and its message."""

    type: str
    message: str


# How much of an error's message the structured ``error`` keeps (the content has the rest).
_ERROR_MESSAGE_CHARS = 500


class TranscriptEntry(BaseModel):
    """One step of an audit: a message, a tool call with its arguments and result, or a note.

    A tool call and its outcome are linked by ``call_id``: the ``tool-call`` entry and the one
    entry that answers it (a ``tool-result``, an ``error``, or the ``note`` of a verdict sent
    back) share it. Entries that are no part of a call (the instructions, the auditor's
    messages, notes, each screen's own result) get an id of their own in the report,
    ``entry-N`` by position, so every entry can be referred to and no id is shared except by a
    call and its answer. Every ``error`` entry carries a structured ``error``, so failures can be
    counted without reading the text.
    """

    kind: Literal["system", "auditor-message", "tool-call", "tool-result", "note", "error"]
    name: str | None = Field(default=None, description="Tool or screen name.")
    call_id: str | None = Field(
        default=None,
        description="The tool call's id (pydantic-ai's tool_call_id): shared by a tool-call entry and the entry that answers it.",
    )
    arguments: dict[str, Any] | None = None
    content: str = ""
    error: TranscriptError | None = Field(default=None, description="Set on every error entry: its type and message.")
    tokens: int | None = None
    started_at: dt.datetime | None = None
    duration_s: float | None = None

    @model_validator(mode="after")
    def _errors_are_structured(self) -> TranscriptEntry:
        # Producers that only wrote text (and reports written before the field existed) still
        # count as failures: the first line of the text is the message.
        if self.kind == "error" and self.error is None:
            first = next((line for line in self.content.splitlines() if line.strip()), "error")
            self.error = TranscriptError(type="error", message=first[:_ERROR_MESSAGE_CHARS])
        elif self.error is not None and len(self.error.message) > _ERROR_MESSAGE_CHARS:
            self.error = self.error.model_copy(update={"message": self.error.message[:_ERROR_MESSAGE_CHARS]})
        return self


class AuditReport(BaseModel):
    """The outcome of one audit: score, verdict, findings, transcript, usage and timings."""

    schema_version: Literal["1"] = REPORT_SCHEMA_VERSION
    ftaudit_version: str = __version__
    job: AuditJob
    auditor: str = Field(description="Which auditor produced this, e.g. 'screens' or 'agent:anthropic:claude-sonnet-4-6'.")
    risk_score: float | None = Field(default=None, ge=0.0, le=10.0, description="0–10; None only when inconclusive.")
    threshold: float = Field(ge=0.0, le=10.0, description="Scores at or above this are adversarial.")
    verdict: Verdict
    inconclusive_reason: str | None = None
    attack_hypothesis: str | None = None
    summary: str = ""
    findings: list[Finding] = Field(default_factory=list)
    skipped_lines: list[int] = Field(default_factory=list, description="Training-file lines that failed validation and were not audited.")
    transcript: list[TranscriptEntry] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    usage_by_model: dict[str, Usage] = Field(default_factory=dict)
    started_at: dt.datetime
    finished_at: dt.datetime

    @model_validator(mode="after")
    def _every_entry_has_an_id(self) -> AuditReport:
        for i, entry in enumerate(self.transcript):
            if entry.call_id is None:
                entry.call_id = f"entry-{i}"
        return self

    @model_validator(mode="after")
    def _verdict_follows_score(self) -> AuditReport:
        # The contract: a verdict is derived, never asserted; a failed audit is never benign.
        if self.verdict is Verdict.INCONCLUSIVE:
            if not self.inconclusive_reason:
                raise ValueError("an inconclusive report must say why (inconclusive_reason)")
        elif self.risk_score is None:
            raise ValueError(f"a {self.verdict.value} verdict needs a risk score")
        elif self.verdict is not verdict_for(self.risk_score, self.threshold):
            raise ValueError(
                f"verdict {self.verdict.value} does not follow from score {self.risk_score} and threshold {self.threshold}"
            )
        if self.finished_at < self.started_at:
            raise ValueError("finished_at is before started_at")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def risk_band(self) -> RiskBand | None:
        return None if self.risk_score is None else risk_band(self.risk_score)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @classmethod
    def scored(cls, *, job: AuditJob, auditor: str, risk_score: float, threshold: float, **fields: Any) -> AuditReport:
        """A finished audit: the verdict follows from the score and the threshold."""
        return cls(
            job=job,
            auditor=auditor,
            risk_score=risk_score,
            threshold=threshold,
            verdict=verdict_for(risk_score, threshold),
            **fields,
        )

    @classmethod
    def inconclusive(cls, *, job: AuditJob, auditor: str, reason: str, threshold: float, **fields: Any) -> AuditReport:
        """An audit that could not finish: never benign, whatever partial score it reached."""
        return cls(
            job=job, auditor=auditor, threshold=threshold, verdict=Verdict.INCONCLUSIVE, inconclusive_reason=reason, **fields
        )

    def to_markdown(self) -> str:
        """The report as Markdown for people."""
        from ftaudit.report.markdown import render_markdown

        return render_markdown(self)


def report_json_schema() -> dict[str, Any]:
    """The published JSON schema of :class:`AuditReport` (serialisation mode)."""
    return AuditReport.model_json_schema(mode="serialization")


def job_json_schema() -> dict[str, Any]:
    """The published JSON schema of :class:`AuditJob`."""
    return AuditJob.model_json_schema()
