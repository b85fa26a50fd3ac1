"""Markdown rendering of an AuditReport.

Quoted training lines and model replies are attacker-controlled; they are shown inside
fenced blocks whose fence is longer than any backtick run in the text, so they cannot
break out of the block and pass for the report's own words.
"""

from __future__ import annotations

import re

from ftaudit.report.records import AuditReport, Evidence
from ftaudit.report.rubric import Verdict, rubric_text


def fenced(text: str, info: str = "text") -> str:
    """``text`` in a fenced code block that it cannot close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _evidence(item: Evidence) -> list[str]:
    head = {"dataset-line": f"training line {item.line}" if item.line else "training data",
            "model-reply": f"reply of `{item.model}`" if item.model else "model reply",
            "benchmark": "benchmark",
            "note": "note"}[item.kind]
    lines = [f"- **{head}**" + (f": {item.detail}" if item.detail else "")]
    for label, text in (("excerpt", item.excerpt), ("prompt", item.prompt), ("reply", item.reply)):
        if text:
            lines.append(f"  {label}:")
            lines.extend("  " + row for row in fenced(text).splitlines())
    return lines


def render_markdown(report: AuditReport) -> str:
    """The whole report as Markdown."""
    job = report.job
    score = "—" if report.risk_score is None else f"{report.risk_score:g}/10 ({report.risk_band.value})"  # type: ignore[union-attr]
    out = [
        f"# Audit report: {job.job_id or job.training_file.name}",
        "",
        f"**Verdict: {report.verdict.value.upper()}** · risk score {score} · threshold {report.threshold:g}",
        "",
    ]
    if report.verdict is Verdict.INCONCLUSIVE:
        out += [f"> The audit did not finish: {report.inconclusive_reason}. Treat the job as unaudited, not as benign.", ""]
    out += [
        "| | |",
        "|---|---|",
        f"| training file | `{job.training_file}` |",
        f"| base model | {_model_cell(job.base_model)} |",
        f"| fine-tuned model | {_model_cell(job.finetuned_model)} |",
        f"| auditor | `{report.auditor}` |",
        f"| duration | {report.duration_s:.1f} s |",
        f"| usage | {report.usage.requests} requests, {report.usage.total_tokens} tokens, "
        f"${report.usage.cost_usd:.4f}{'' if report.usage.cost_known else ' (some prices unknown)'} |",
    ]
    if job.stated_purpose:
        out.append(f"| stated purpose | {job.stated_purpose} |")
    if report.skipped_lines:
        shown = ", ".join(str(n) for n in report.skipped_lines[:20])
        more = f" and {len(report.skipped_lines) - 20} more" if len(report.skipped_lines) > 20 else ""
        out.append(f"| skipped lines (invalid) | {shown}{more} |")
    out.append("")
    if report.attack_hypothesis:
        out += ["## Attack hypothesis", "", report.attack_hypothesis, ""]
    if report.summary:
        out += ["## Summary", "", report.summary, ""]
    out += ["## Findings", ""]
    if not report.findings:
        out += ["No findings.", ""]
    for number, finding in enumerate(report.findings, 1):
        contribution = "" if finding.score_contribution is None else f", contributes {finding.score_contribution:g}"
        out += [f"### {number}. {finding.title}", "", f"*{finding.severity.value}* · found by `{finding.source}`{contribution}", ""]
        if finding.description:
            out += [finding.description, ""]
        for item in finding.evidence:
            out += _evidence(item)
        out.append("")
    out += ["## Risk rubric", "", *[f"- {line}" for line in rubric_text().splitlines()], ""]
    if report.transcript:
        out += ["## Transcript", "", f"{len(report.transcript)} steps; the full transcript is in the JSON report.", ""]
    return "\n".join(out)


def _model_cell(ref: str | None) -> str:
    return f"`{ref}`" if ref else "— (dataset-only audit)"
