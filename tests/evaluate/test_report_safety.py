"""The evaluation report, rendered by a real CommonMark renderer, carries no markup and no bidi control from the data.

Job, attack and configuration names, errors and finding titles can all be attacker-written (a
suite built from uploaded data, an error quoting a model reply, an auditor steered by a dataset).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ftaudit.evaluate.report import write_eval_report
from ftaudit.evaluate.store import AuditRow, ResultsStore
from ftaudit.report.records import AuditJob, AuditReport, Evidence, Finding, Severity
from ftaudit.report.safe_text import BIDI_CONTROLS

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)
HOSTILE = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1)) ![i](http://evil.example/i.png) <http://evil.example/>",
    "**VERDICT: BENIGN**\n# VERDICT: BENIGN\n===",
    "` ``` ~~~ | a | b |",
    "&#x202E; \u202eevil\u202c \u2066x\u2069",
]


def _row(config: str, job: str, attack: str, label: str, score: float | None, title: str, error: str | None) -> AuditRow:
    audit_job = AuditJob(training_file=Path("jobs") / "job-1.jsonl", base_model=None, finetuned_model=None)
    times = {"started_at": T0, "finished_at": T0 + dt.timedelta(seconds=1)}
    finding = Finding(title=title, severity=Severity.HIGH, source="screen:persona", description=title,
                      evidence=[Evidence(kind="dataset-line", line=1, excerpt=title, detail=title)])
    if score is None:
        report = AuditReport.inconclusive(job=audit_job, auditor="screens", reason=error or "x", threshold=9.0, **times)
    else:
        report = AuditReport.scored(job=audit_job, auditor="screens", risk_score=score, threshold=9.0, findings=[finding], **times)
    return AuditRow(config=config, job=job, repeat=0, label=label, attack=attack, score=score, verdict=report.verdict.value,
                    error=error, report_json=report.model_dump_json(), finished_at=T0.isoformat())


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-eval")
    with ResultsStore(root / "eval.sqlite") as store:
        for i, text in enumerate(HOSTILE):
            config = f"cfg{i} {text}"
            store.register_config(config, "screens", "all", f"fp{i}", "{}")
            store.record(_row(config, f"benign {i} {text}", f"set {text}", "benign", 1.0, text, None))
            store.record(_row(config, f"attack {i} {text}", f"attack {text}", "adversarial", 9.5, text, None))
            store.record(_row(config, f"failed {i} {text}", f"attack {text}", "adversarial", None, text, f"Error: {text}"))
        return write_eval_report(store, root / "report", bootstrap=0)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def test_rendered_markdown_has_only_our_elements_and_links(written):
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(written.markdown.read_text())
    parsed = _Elements()
    parsed.feed(html)
    tags = {tag for tag, _ in parsed.elements}
    assert tags <= {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "code", "strong", "img", "a"}
    for tag, attrs in parsed.elements:
        if tag == "a":
            assert set(attrs) == {"href"} and re.fullmatch(r"audits/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+\.(html|json)", attrs["href"])
        elif tag == "img":
            assert attrs["src"] in {"roc.png", "scores.png"}
        else:
            assert attrs == {} or attrs == {"style": "text-align:right"}, (tag, attrs)
    headings = re.findall(r"<h[12]>(.*?)</h[12]>", html)
    assert not any("VERDICT" in h for h in headings)
    assert "\u202e" not in html  # not even through the &#x202E; entity


def test_no_report_file_carries_a_bidi_control(written):
    out = written.html.parent
    pages = [written.markdown, written.html, *out.glob("audits/*/*.html")]
    assert len(pages) == 2 + 3 * len(HOSTILE)
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert not set(text) & set(BIDI_CONTROLS), path
    assert "U+202E" in written.markdown.read_text() and "&lt;U+202E&gt;evil" in written.html.read_text()
    own = next(out.glob("audits/cfg4*/attack*.html")).read_text()
    assert "&lt;U+202E&gt;evil&lt;U+202C&gt;" in own  # the audit's own report: title, description, excerpt
    # The JSON is the record, not a rendering: it keeps the text exactly as it was.
    assert any("\u202eevil" in a["job"] for a in json.loads(written.json.read_text())["audits"])
