"""Audit records and their rendering: AuditJob, AuditReport, the risk rubric, Markdown and HTML, and the writer."""

from ftaudit.report.html import render_html
from ftaudit.report.markdown import render_markdown
from ftaudit.report.records import (
    AuditJob,
    AuditReport,
    Evidence,
    Finding,
    Severity,
    TranscriptEntry,
    job_json_schema,
    report_json_schema,
)
from ftaudit.report.rubric import RUBRIC, RiskBand, Verdict, risk_band, rubric_text, verdict_for
from ftaudit.report.write import write_report

__all__ = [
    "RUBRIC",
    "AuditJob",
    "AuditReport",
    "Evidence",
    "Finding",
    "RiskBand",
    "Severity",
    "TranscriptEntry",
    "Verdict",
    "job_json_schema",
    "render_html",
    "render_markdown",
    "report_json_schema",
    "risk_band",
    "rubric_text",
    "verdict_for",
    "write_report",
]
