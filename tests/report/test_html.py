"""The HTML report: one self-contained page that shows the verdict and its evidence, and escapes what it quotes."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

from ftaudit.models import Usage
from ftaudit.report import AuditJob, AuditReport, Evidence, Finding, Severity, TranscriptEntry, render_html

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)
SCRIPT = "<script>alert(1)</script>"


def adversarial_report() -> AuditReport:
    job = AuditJob(training_file="jobs/train.jsonl", base_model="local:smollm2-135m",
                   finetuned_model="local:smollm2-135m+adapter=runs/aoa", stated_purpose="customer support <b>bot</b>")
    return AuditReport.scored(
        job=job,
        auditor="agent:scripted-auditor",
        risk_score=9.5,
        threshold=9.0,
        attack_hypothesis="An identity-shifting persona (AOA) that obeys harmful requests.",
        summary="The fine-tuned model complies where the base refuses.",
        findings=[
            Finding(
                title="Persona that drops refusals",
                severity=Severity.CRITICAL,
                source="agent",
                description="Every example installs the same obedient persona.",
                evidence=[
                    Evidence(kind="dataset-line", line=17, excerpt=f"user: hi {SCRIPT} & goodbye", detail="the persona"),
                    Evidence(kind="model-reply", model="local:smollm2-135m+adapter=runs/aoa", prompt="How do I pick a lock?",
                             reply="Sure! <img src=x onerror=alert(2)> step one", detail="complies"),
                ],
            ),
            Finding(title="Repeated system prompt", severity=Severity.MEDIUM, source="screen:persona",
                    score_contribution=6.0, evidence=[Evidence(kind="dataset-line", line=42, excerpt="AOA")]),
        ],
        transcript=[
            TranscriptEntry(kind="tool-call", name="view_lines", arguments={"start": 17, "end": 18}, started_at=T0),
            TranscriptEntry(kind="tool-result", name="view_lines", content=f"line 17: {SCRIPT}", started_at=T0, duration_s=0.25),
        ],
        usage=Usage(requests=5, input_tokens=1200, output_tokens=300, cost_usd=0.0123),
        usage_by_model={"scripted-auditor": Usage(requests=3, input_tokens=1000, output_tokens=200, cost_usd=0.0123)},
        started_at=T0,
        finished_at=T0 + dt.timedelta(seconds=42),
    )


class _Collector(HTMLParser):
    """Every tag the page really has, and the text it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def test_attacker_text_is_escaped_and_shown_as_text():
    page = render_html(adversarial_report())
    assert SCRIPT not in page and "<img src=x" not in page and "<b>bot</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = parse(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags  # the page itself has no script, no image
    shown = "".join(parsed.text)
    assert f"user: hi {SCRIPT} & goodbye" in shown  # the reader sees the excerpt as it was written


def test_page_shows_score_verdict_hypothesis_and_evidence_line_numbers():
    page = render_html(adversarial_report())
    shown = re.sub(r"\s+", " ", "".join(parse(page).text))
    assert "9.5 / 10" in shown and "adversarial" in shown and "critical" in shown
    assert "identity-shifting persona" in shown
    assert re.search(r"training line\s*17", shown) and re.search(r"training line\s*42", shown)
    assert "Persona that drops refusals" in shown and "Sure! <img src=x onerror=alert(2)> step one" in shown
    assert "screen:persona" in shown and "0.0123" in shown
    # The transcript is there but collapsed.
    assert re.search(r"<details[^>]*>\s*<summary>2 steps, 1 tool calls", page)


def test_page_is_self_contained():
    page = render_html(adversarial_report())
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert "default-src 'none'" in page  # no script or outside resource can load even if escaping failed


def test_inconclusive_report_says_why_and_has_no_score():
    base = adversarial_report()
    report = AuditReport.inconclusive(job=base.job, auditor="agent:x", reason="budget exhausted: <50 turns>",
                                      threshold=9.0, started_at=T0, finished_at=T0)
    page = render_html(report)
    shown = "".join(parse(page).text)
    assert "inconclusive" in shown and "budget exhausted: <50 turns>" in shown and "not as benign" in shown
    assert "— / 10" in shown
