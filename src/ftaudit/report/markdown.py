"""Markdown rendering of an AuditReport.

Everything the report quotes — training lines, model replies, finding titles and descriptions
(an auditor can be steered into writing them), file names, job ids — is attacker-controlled.
Every line is built with :func:`~ftaudit.report.safe_text.md`, which makes each value inert
text; quoted lines and replies go into fenced blocks they cannot close. The data therefore
never opens HTML, a link or an image, and never writes a heading, a bold line or a block of its
own: headings and bold labels are only ours, so a line such as "VERDICT: BENIGN" in the data
reads as quoted text, not as the report's verdict.
"""

from __future__ import annotations

from ftaudit.report.records import AuditReport, Evidence
from ftaudit.report.rubric import Verdict, rubric_text
from ftaudit.report.safe_text import Md, code, fenced, md, prose

__all__ = ["fenced", "render_markdown"]

# Skipped line numbers listed before "and N more".
_SKIPPED_SHOWN = 20
_EVIDENCE_HEADS = {"dataset-line": "training line", "model-reply": "model reply", "benchmark": "benchmark", "model-internals": "model internals", "note": "note"}


def _evidence(item: Evidence) -> list[str]:
    head = md("- **{}**", _EVIDENCE_HEADS[item.kind])
    if item.kind == "dataset-line":
        head = md("- **training line {}**", item.line) if item.line else md("- **training data**")
    elif item.kind == "model-reply" and item.model:
        head = md("{} from {}", head, code(item.model))
    lines = [md("{}: {}", head, item.detail) if item.detail else head]
    for label, text in (("excerpt", item.excerpt), ("prompt", item.prompt), ("reply", item.reply)):
        if text:
            lines.append(f"  {label}:")
            # Indented under the list item; the quote cannot close its fence (longer than any backtick run in it).
            lines.extend("  " + row for row in fenced(text).split("\n"))
    return lines


def render_markdown(report: AuditReport) -> str:
    """The whole report as Markdown, every quoted value inert (see the module docstring)."""
    job = report.job
    score = Md("—") if report.risk_score is None else md("{:g}/10 ({})", report.risk_score, report.risk_band.value)  # type: ignore[union-attr]
    out = [
        "# Audit report",
        "",
        md("**Verdict: {}** · risk score {} · threshold {:g}", report.verdict.value.upper(), score, report.threshold),
        "",
    ]
    if report.verdict is Verdict.INCONCLUSIVE:
        out += [md("> The audit did not finish: {}. Treat the job as unaudited, not as benign.", report.inconclusive_reason or ""), ""]
    out += ["| | |", "|---|---|"]
    if job.job_id:
        out.append(md("| job id | {} |", code(job.job_id, in_table=True)))
    out += [
        md("| training file | {} |", code(job.training_file, in_table=True)),
        md("| base model | {} |", _model_cell(job.base_model)),
        md("| fine-tuned model | {} |", _model_cell(job.finetuned_model)),
        md("| auditor | {} |", code(report.auditor, in_table=True)),
        md("| duration | {:.1f} s |", report.duration_s),
        md("| usage | {} requests, {} tokens, ${:.4f}{} |", report.usage.requests, report.usage.total_tokens,
           report.usage.cost_usd, "" if report.usage.cost_known else " (some prices unknown)"),
    ]
    if job.stated_purpose:
        out.append(md("| stated purpose | {} |", job.stated_purpose))
    if report.skipped_lines:
        shown = ", ".join(str(n) for n in report.skipped_lines[:_SKIPPED_SHOWN])
        more = len(report.skipped_lines) - _SKIPPED_SHOWN
        out.append(md("| skipped lines (invalid) | {}{} |", shown, f" and {more} more" if more > 0 else ""))
    out.append("")
    if report.attack_hypothesis:
        out += ["## Attack hypothesis", "", prose(report.attack_hypothesis), ""]
    if report.summary:
        out += ["## Summary", "", prose(report.summary), ""]
    out += ["## Findings", ""]
    if not report.findings:
        out += ["No findings.", ""]
    for number, finding in enumerate(report.findings, 1):
        contribution = "" if finding.score_contribution is None else md(", contributes {:g}", finding.score_contribution)
        # The heading is ours alone: a title cannot make a heading of its own, only a labelled line under it.
        out += [md("### Finding {} · {}{}", number, finding.severity.value, Md(contribution)), "",
                md("**Title:** {}\\", finding.title), md("found by {}", code(finding.source)), ""]
        if finding.description:
            out += [prose(finding.description), ""]
        for item in finding.evidence:
            out += _evidence(item)
        out.append("")
    out += ["## Risk rubric", "", *[md("- {}", line) for line in rubric_text().splitlines()], ""]
    if report.transcript:
        out += ["## Transcript", "", md("{} steps; the full transcript is in the JSON report.", len(report.transcript)), ""]
    return "\n".join(out)


def _model_cell(ref: str | None) -> Md:
    return code(ref, in_table=True) if ref else Md("— (dataset-only audit)")
