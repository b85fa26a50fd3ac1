"""HTML rendering of an AuditReport: one self-contained page (inline CSS, no scripts, no network).

Quoted training lines, model replies, the transcript and even the auditor's own words (which a
dataset may have steered) are attacker-controlled. The page is ``resources/audit.html.j2``,
rendered in :mod:`ftaudit.report.page`'s environment: every value HTML-escaped, bidi controls
shown as markers, and the frame's Content-Security-Policy forbids scripts and outside
resources, so a value that slipped through could still not run.
"""

from __future__ import annotations

import json
from typing import Any

from ftaudit.report.page import page_template
from ftaudit.report.records import AuditReport, Finding, Severity
from ftaudit.report.rubric import RUBRIC


def source_kind(source: str) -> str:
    """Whether a finding came from a deterministic screen, the LLM agent, or elsewhere."""
    if source.startswith("screen"):
        return "screen"
    if source.startswith("agent") or source.startswith("sub"):
        return "agent"
    return "other"


def _sources(findings: list[Finding]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for finding in findings:
        row = rows.setdefault(finding.source, {"source": finding.source, "kind": source_kind(finding.source),
                                                 "count": 0, "severity": "info", "top": None})
        row["count"] += 1
        if finding.severity.rank > Severity(row["severity"]).rank:
            row["severity"] = finding.severity.value
        if finding.score_contribution is not None:
            row["top"] = max(row["top"] or 0.0, finding.score_contribution)
    out = sorted(rows.values(), key=lambda r: (r["kind"] != "agent", r["kind"] != "screen", r["source"]))
    for row in out:
        row["contribution"] = "—" if row["top"] is None else f"{row['top']:g}"
    return out


def render_html(report: AuditReport) -> str:
    """The whole report as one self-contained HTML page (every quoted value HTML-escaped)."""
    bounds = [low for low, _, _ in RUBRIC[1:]] + [11.0]
    rubric = [(int(low), int(up) - 1, band.value, meaning) for (low, band, meaning), up in zip(RUBRIC, bounds)]
    band = report.risk_band.value if report.risk_band is not None else None
    meaning = next((m for _, _, name, m in rubric if name == band), None)
    shown = ", ".join(str(n) for n in report.skipped_lines[:50])
    if len(report.skipped_lines) > 50:
        shown += f" and {len(report.skipped_lines) - 50} more"
    return page_template("audit.html.j2").render(
        r=report,
        title=report.job.job_id or report.job.training_file.name,
        score_text="—" if report.risk_score is None else f"{report.risk_score:g}",
        band=band,
        band_meaning=meaning,
        sources=_sources(report.findings),
        findings=report.findings,
        source_kind=source_kind,
        rubric=rubric,
        skipped=shown,
        tool_calls=sum(1 for t in report.transcript if t.kind == "tool-call"),
        to_json=lambda value: json.dumps(value, indent=2, ensure_ascii=False, default=str),
    )
