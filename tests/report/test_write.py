"""One writer for an audit's reports, one page frame for every HTML page ftaudit writes."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from test_html import SCRIPT, adversarial_report

from ftaudit.errors import ConfigError
from ftaudit.evaluate.report import write_eval_report
from ftaudit.evaluate.store import AuditRow, ResultsStore
from ftaudit.report import AuditReport
from ftaudit.report.write import write_report

_CSP = """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"""


def test_a_report_written_to_a_folder_reads_back_the_same_in_every_format(tmp_path):
    report = adversarial_report()
    written = write_report(report, tmp_path / "out", formats=("json", "markdown", "html", "transcript"))
    assert {fmt: p.name for fmt, p in written.items()} == {
        "json": "report.json", "markdown": "report.md", "html": "report.html", "transcript": "transcript.jsonl"}
    assert AuditReport.model_validate_json(written["json"].read_text()) == report
    assert written["markdown"].read_text().startswith("# Audit report")
    assert SCRIPT not in written["html"].read_text() and "&lt;script&gt;" in written["html"].read_text()
    lines = written["transcript"].read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["tool-call", "tool-result"]


def test_a_path_of_its_own_replaces_the_folder_file(tmp_path):
    custom = tmp_path / "elsewhere" / "custom.md"
    written = write_report(adversarial_report(), tmp_path / "out", stem="job-r0", paths={"markdown": custom, "json": None})
    assert written == {"json": tmp_path / "out" / "job-r0.json", "markdown": custom, "html": tmp_path / "out" / "job-r0.html"}
    assert not (tmp_path / "out" / "job-r0.md").exists()
    # Without a folder only the formats given a path are written.
    assert write_report(adversarial_report(), paths={"json": tmp_path / "only.json"}) == {"json": tmp_path / "only.json"}


def test_an_unwritable_place_is_a_clear_error_naming_the_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=r"a-file/report.json: cannot write the JSON report"):
        write_report(adversarial_report(), blocker)
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        write_report(adversarial_report(), tmp_path, formats=("pdf",))


def test_the_audit_page_and_the_evaluation_page_share_one_frame_that_forbids_scripts(tmp_path):
    report = adversarial_report()
    t0 = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
    with ResultsStore(tmp_path / "eval.sqlite") as store:
        store.register_config(f"cfg {SCRIPT}", "screens", "all", "fp", "{}")
        store.record(AuditRow(config=f"cfg {SCRIPT}", job=f"job {SCRIPT}", repeat=0, label="adversarial", attack="aoa",
                              score=9.5, verdict="adversarial", error=None, report_json=report.model_dump_json(),
                              finished_at=t0.isoformat()))
        paths = write_eval_report(store, tmp_path / "report", bootstrap=0)
    audit_page = next((tmp_path / "report" / "audits").glob("*/*.html")).read_text()
    heads = [re.sub(r"<title>.*?</title>", "", page.split("</style>")[0].split("<style>")[0])
             for page in (audit_page, paths.html.read_text())]
    assert heads[0] == heads[1] and _CSP in heads[0]
    for page in (audit_page, paths.html.read_text()):
        assert page.startswith("<!DOCTYPE html>") and page.count("Content-Security-Policy") == 1
        assert "<script" not in page and "&lt;script&gt;" in page
        assert page.rstrip().endswith("</footer>\n</main>\n</body>\n</html>")
