"""The Markdown report, rendered by a real CommonMark renderer, carries no markup that came from the data.

A finding title, a description, a quoted line or a file name is attacker-controlled. Rendered,
the report must have exactly the elements our renderer writes for it, whatever the data says:
no HTML, no link, no image, no emphasis, no heading or paragraph of the data's own.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ftaudit.report import AuditJob, AuditReport, Evidence, Finding, Severity, render_html, render_markdown
from ftaudit.report.safe_text import code, fenced, inline, md, prose, visible

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)
VERDICT_LINE = "**Verdict: BENIGN** · risk score 0/10 (minimal)"

PAYLOADS = {
    "script": "<script>document.body.innerHTML='VERDICT: BENIGN'</script>",
    "img": '<img src=x onerror="alert(1)">',
    "html-block": "<div>\n\nVERDICT: BENIGN\n\n</div>",
    "comment": "<!-- hidden --> visible",
    "js-link": "[click](javascript:alert(1))",
    "ref-link": "[click][r]\n\n[r]: javascript:alert(1)",
    "image": "![x](http://evil.example/track.png)",
    "autolink": "<http://evil.example/> and <javascript:alert(1)>",
    "bare-url": "see https://evil.example/x and www.evil.example",
    "entities": "&lt;script&gt; &#x202E; &amp; &copy;",
    "backticks": "`code` ``x`` ```y``` ` lone",
    "fence-backtick": "```\n</pre><script>alert(1)</script>\n```",
    "fence-tilde": "~~~\n<b>x</b>\n~~~",
    "setext": "VERDICT: BENIGN\n===============",
    "setext-dash": "VERDICT: BENIGN\n---",
    "atx": "# VERDICT: BENIGN\n## Risk score 0/10",
    "verdict-line": f"x\n\n{VERDICT_LINE}\n\n",
    "emphasis": "**VERDICT: BENIGN** _a_ *b* __c__ ~~d~~",
    "list": "- item\n+ item\n* item\n1. one\n2) two",
    "quote": "> VERDICT: BENIGN",
    "table": "| a | b |\n|---|---|\n| VERDICT | BENIGN |",
    "thematic": "***\n___\n- - -",
    "indented": "x\n\n    indented code\n\ty",
    "hard-break": "line one  \nline two\\\nline three",
    "backslash": "\\<b>x\\</b> \\[y\\](z)",
    "math": "$x$ $$y$$",
    "bidi": "harmless \u202egnp.exe\u202c \u2066isolate\u2069 \u200f\u061c",
}


def _report(text: str, *, inconclusive: bool = False) -> AuditReport:
    """A report with ``text`` in every field the Markdown report shows (ours: severities, numbers, the rubric)."""
    job = AuditJob(training_file=Path("uploads") / text.replace("\n", " "), base_model=f"local:base+adapter=runs/{text}",
                   finetuned_model="local:smollm2-135m", job_id=text, stated_purpose=text)
    finding = Finding(
        title=text, severity=Severity.CRITICAL, source=text, description=text, score_contribution=9.0,
        evidence=[
            Evidence(kind="dataset-line", line=4, excerpt=text, detail=text),
            Evidence(kind="model-reply", model=f"local:m+adapter=runs/{text}", prompt=text, reply=text, detail=text),
            Evidence(kind="note", detail=text),
        ],
    )
    common = {"job": job, "auditor": text, "threshold": 9.0, "attack_hypothesis": text, "summary": text,
              "findings": [finding], "skipped_lines": [7], "started_at": T0, "finished_at": T0 + dt.timedelta(seconds=2)}
    if inconclusive:
        return AuditReport.inconclusive(reason=text, **common)
    return AuditReport.scored(risk_score=9.5, **common)


class _Elements(HTMLParser):
    """Every element (tag, attributes) of a rendered page, with the text of each heading and strong element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []
        self.open: list[str] = []
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, tuple(attrs)))
        if tag != "br":
            self.open.append(tag)
            self.texts.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        for tag in set(self.open):
            self.texts[tag][-1] += data


def render(markdown: str) -> _Elements:
    # CommonMark with GitHub's tables and strikethrough; raw HTML allowed, as GitHub and most viewers do.
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    parsed = _Elements()
    parsed.feed(html)
    return parsed


def _structure(parsed: _Elements) -> list:
    # Hard line breaks are how a multi-line value keeps its lines inside its one paragraph.
    return [element for element in parsed.elements if element[0] != "br"]


@pytest.mark.parametrize("inconclusive", [False, True], ids=["scored", "inconclusive"])
@pytest.mark.parametrize("name", list(PAYLOADS))
def test_hostile_text_adds_no_element_to_the_rendered_markdown(name, inconclusive):
    tame = render(render_markdown(_report("tame", inconclusive=inconclusive)))
    hostile = render(render_markdown(_report(PAYLOADS[name], inconclusive=inconclusive)))
    # The same elements with the same attributes, in the same order: the data opened nothing.
    assert _structure(hostile) == _structure(tame)
    tags = {tag for tag, _ in hostile.elements}
    assert not tags & {"script", "img", "a", "div", "b", "iframe", "style", "h4", "hr", "ol"}
    assert all(attrs in ((), (("class", "language-text"),)) for _, attrs in hostile.elements)


@pytest.mark.parametrize("name", ["atx", "setext", "setext-dash", "verdict-line", "emphasis", "quote", "script"])
def test_the_data_cannot_write_a_heading_or_a_verdict_line(name):
    parsed = render(render_markdown(_report(PAYLOADS[name])))
    headings = [text for tag in ("h1", "h2", "h3") for text in parsed.texts.get(tag, [])]
    assert headings and not any("BENIGN" in h or "VERDICT" in h.upper() for h in headings)
    assert [s for s in parsed.texts["strong"] if "verdict" in s.lower()] == ["Verdict: ADVERSARIAL"]


def test_quoted_text_reads_as_written():
    text = "<script>alert(1)</script> [x](javascript:y) `tick` & *star*"
    parsed = render(render_markdown(_report(text)))
    shown = {t for texts in parsed.texts.values() for t in texts}
    assert any(text in t for t in shown)  # in a paragraph, a table cell and a fenced block, as the reader sees it


def test_bidi_controls_are_shown_as_markers_in_markdown_and_html():
    title = "Benign \u202eLANIGIRO\u202c data \u2066x\u2069 \u200e\u200f\u061c \u202a\u202b\u202d"
    report = _report(title)
    for page in (render_markdown(report), render_html(report)):
        assert not any(ch in page for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    assert "<U+202E>LANIGIRO<U+202C>" in "".join(t for ts in render(render_markdown(report)).texts.values() for t in ts)
    assert "&lt;U+202E&gt;LANIGIRO&lt;U+202C&gt;" in render_html(report)
    # An entity cannot smuggle the control back in.
    assert "\u202e" not in MarkdownIt("commonmark").render(render_markdown(_report("a &#x202E; b")))


def test_helpers_keep_their_shape():
    assert visible("a\u202eb\x1bc\td\n") == "a<U+202E>b\\x1bc\td\n"
    assert inline("a\n\n# b") == "a \\# b"
    assert inline("1. x") == "1\\. x" and inline("- x") == "\\- x" and inline("=== ") == "\\==="
    assert prose("one\n\n\ntwo") == "one\\\ntwo"
    assert code("a`b") == "``a`b``" and code("`a") == "`` `a ``" and code("a|b", in_table=True) == "`a\\|b`"
    assert fenced("x ```` y").startswith("`````text\n")
    assert md("{} and {}", "*x*", code("y")) == "\\*x\\* and `y`"
    assert md("{:.1f} s", 2.25) == "2.2 s"
