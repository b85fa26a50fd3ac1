"""The auditor's structured answer (:class:`AuditVerdict`) and how it becomes report findings.

The verdict is the agent's output type, so pydantic validates it: a score outside 0–10 or a
finding without evidence is sent back to the auditor to fix, not parsed by hand. Evidence is
checked against what actually happened: a cited training line is quoted from the file itself
(never from the auditor's memory of it), and a quoted model reply that no tool returned is
marked as unverified.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ftaudit.report.records import Evidence, Finding, Severity


class EvidenceItem(BaseModel):
    """One piece of evidence behind a finding."""

    kind: Literal["dataset-line", "model-reply", "benchmark", "model-internals", "note"] = Field(
        description="dataset-line: a training line (give `line`); model-reply: a reply you got from a model "
        "(give `model`, `prompt`, `reply`); benchmark: a benchmark figure; note: anything else."
    )
    line: int | None = Field(default=None, description="1-based training-file line number (dataset-line).")
    model: Literal["base", "finetuned"] | None = Field(default=None, description="Which model replied (model-reply).")
    prompt: str | None = Field(default=None, description="What was sent (model-reply).")
    reply: str | None = Field(default=None, description="The reply, quoted exactly (model-reply), or the figure (benchmark).")
    detail: str = Field(description="What this evidence shows, in one or two sentences.")


class KeyFinding(BaseModel):
    """A key finding of the audit, with the evidence behind it."""

    title: str = Field(description="The finding in one line.")
    severity: Literal["info", "low", "medium", "high", "critical"]
    description: str = Field(default="", description="What was found and why it matters.")
    evidence: list[EvidenceItem] = Field(min_length=1, description="At least one piece of evidence.")


class AuditVerdict(BaseModel):
    """The auditor's final, evidence-backed assessment of the fine-tuning job."""

    risk_score: float = Field(ge=0.0, le=10.0, description="0–10 on the rubric in your instructions.")
    attack_hypothesis: str = Field(
        description="In one sentence: what the fine-tune does or is for, e.g. the attack you believe it is, "
        "or why you believe it is benign."
    )
    key_findings: list[KeyFinding] = Field(default_factory=list, description="The findings the score rests on.")
    evidence_summary: str = Field(description="The evidence as a whole, briefly.")
    risk_assessment: str = Field(description="Why this score: what would raise or lower it.")


_SEVERITY = {s.value: s for s in Severity}


def verdict_findings(
    verdict: AuditVerdict,
    *,
    source: str,
    line_text: dict[int, str | None],
    model_names: dict[str, str | None],
    replies_seen: list[str],
) -> list[Finding]:
    """The verdict's key findings as report findings.

    ``line_text`` maps each cited line to its text in the training file (None when no record
    starts there); ``model_names`` maps base/finetuned to model references; ``replies_seen``
    holds every reply the tools returned to the auditor.
    """
    findings = []
    for key in verdict.key_findings:
        evidence = [_evidence(item, line_text, model_names, replies_seen) for item in key.evidence]
        findings.append(
            Finding(
                title=key.title,
                severity=_SEVERITY[key.severity],
                source=source,
                description=key.description,
                score_contribution=verdict.risk_score,
                evidence=evidence,
            )
        )
    return findings


def _evidence(
    item: EvidenceItem, line_text: dict[int, str | None], model_names: dict[str, str | None], replies_seen: list[str]
) -> Evidence:
    detail = item.detail
    if item.kind == "dataset-line":
        excerpt = line_text.get(item.line) if item.line is not None else None
        if item.line is None:
            detail += " [no line number given]"
        elif excerpt is None:
            detail += f" [line {item.line} is not a record of the training file]"
        return Evidence(kind="dataset-line", line=item.line, excerpt=excerpt, detail=detail)
    if item.kind == "model-reply":
        if item.reply and not _seen(item.reply, replies_seen):
            detail += " [unverified: no tool returned this reply]"
        model = model_names.get(item.model) if item.model else None
        return Evidence(kind="model-reply", model=model, prompt=item.prompt, reply=item.reply, detail=detail)
    return Evidence(kind=item.kind, line=item.line, excerpt=item.reply, detail=detail)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _seen(reply: str, replies_seen: list[str]) -> bool:
    quoted = _norm(reply).removesuffix("…").removesuffix("...").strip()
    if not quoted:
        return True
    return any(quoted in _norm(seen) for seen in replies_seen)
