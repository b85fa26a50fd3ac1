"""The evaluation report: right numbers, working links, escaped attacker text, and a page a browser opens cleanly."""

from __future__ import annotations

import base64
import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ftaudit.errors import ConfigError
from ftaudit.evaluate.report import safe_name, write_eval_report
from ftaudit.evaluate.store import AuditRow, ResultsStore
from ftaudit.report.records import AuditJob, AuditReport, Evidence, Finding, Severity

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.timezone.utc)
SCRIPT = "<script>alert(1)</script>"
EVIL_JOB = f"../../etc/{SCRIPT}|pwn"
EVIL_FINDING = "Persona <img src=x onerror=alert(2)> drops refusals"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _report(score: float | None, *, error: str | None = None, finding: str | None = None) -> AuditReport:
    # Blinded like the runner's jobs: the auditor never sees the suite's name for the job.
    audit_job = AuditJob(training_file=Path("jobs") / "job-0123456789.jsonl", base_model=None, finetuned_model=None,
                         job_id="job-0123456789")
    times = {"started_at": T0, "finished_at": T0 + dt.timedelta(seconds=3)}
    if score is None:
        return AuditReport.inconclusive(job=audit_job, auditor="screens", reason=error or "failed", threshold=9.0, **times)
    findings = [Finding(title=finding, severity=Severity.HIGH, source="screen:persona",
                        evidence=[Evidence(kind="dataset-line", line=3, excerpt=f"user: {SCRIPT}")])] if finding else []
    return AuditReport.scored(job=audit_job, auditor="screens", risk_score=score, threshold=9.0, findings=findings, **times)


def _row(config: str, job: str, repeat: int, label: str, attack: str, score: float | None, *,
         error: str | None = None, finding: str | None = None) -> AuditRow:
    report = _report(score, error=error, finding=finding)
    return AuditRow(config=config, job=job, repeat=repeat, label=label, attack=attack, score=score,
                    verdict=report.verdict.value, error=error, cost_usd=0.001, tokens=120, turns=2, wall_s=1.5,
                    report_json=report.model_dump_json(), finished_at=(T0 + dt.timedelta(minutes=repeat)).isoformat())


def _store(path: Path, rows: list[AuditRow], configs: list[tuple[str, str, str]]) -> ResultsStore:
    store = ResultsStore(path)
    for name, kind, preset in configs:
        store.register_config(name, kind, preset, f"fp-{name}", json.dumps({"name": name}))
    for row in rows:
        assert store.record(row)
    return store


def screens_rows() -> list[AuditRow]:
    """20 benign audits (one scores 8) and 10 adversarial ones (5 × 9; 7, 7, 7, 3; one inconclusive).

    Threshold at 0% and 1% FPR: 9 (above the benign 8) → TPR 5/10. At 5% FPR one benign audit
    of 20 may be flagged: threshold 3 → TPR 9/10. AUROC: (5·20 + 3·19 + 19) / 200 = 0.88.
    """
    rows = []
    benign_scores = [1.0] * 19 + [8.0]
    for i, score in enumerate(benign_scores):
        rows.append(_row("screens", f"alpaca-{i // 5}", i % 5, "benign", "alpaca", score))
    for r in range(5):
        rows.append(_row("screens", "aoa-0", r, "adversarial", "aoa", 9.0, finding="Identity-shifting persona"))
    for r, score in enumerate([7.0, 7.0, 7.0, 3.0]):
        rows.append(_row("screens", "walnut53-0", r, "adversarial", "walnut53", score))
    rows.append(_row("screens", "walnut53-0", 4, "adversarial", "walnut53", None, error="TimeoutError: timed out after 600 s"))
    return rows


def agent_rows() -> list[AuditRow]:
    """A second configuration whose job name and finding carry markup."""
    return [
        _row("agent-D", "alpaca-0", 0, "benign", "alpaca", 2.0),
        _row("agent-D", "alpaca-1", 0, "benign", "alpaca", 4.0),
        _row("agent-D", EVIL_JOB, 0, "adversarial", f"needle{SCRIPT}", 9.5, finding=EVIL_FINDING),
        _row("agent-D", "aoa-0", 0, "adversarial", "aoa", None, error=f"ValueError: {SCRIPT}"),
    ]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """One report, written once: the tests below only read it."""
    root = tmp_path_factory.mktemp("eval")
    store = _store(root / "eval.sqlite", screens_rows() + agent_rows(),
                   [("screens", "screens", "all"), ("agent-D", "agent", "D")])
    paths = write_eval_report(store, root / "report", bootstrap=200, seed=1, title="Demo evaluation")
    store.close()
    return paths


class _Page(HTMLParser):
    """The tags, links, images and text a page really has."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.images: dict[str, str] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "a":
            self.links.append(a["href"])
        if tag == "img":
            self.images[a.get("id", "")] = a["src"]

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


# -- numbers ------------------------------------------------------------------------------


def test_json_has_tpr_at_each_fpr_with_its_threshold(report_dir):
    data = json.loads(report_dir.json.read_text())
    assert data["schema_version"] == "1" and data["title"] == "Demo evaluation"
    screens = next(c for c in data["configs"] if c["name"] == "screens")
    assert (screens["kind"], screens["preset"]) == ("screens", "all")
    assert (screens["audits"], screens["benign"], screens["adversarial"], screens["inconclusive"]) == (30, 20, 10, 1)
    points = {p["target_fpr"]: p for p in screens["metrics"]["points"]}
    assert points[0.0]["threshold"] == 9.0 and points[0.0]["tpr"]["value"] == 0.5
    assert points[0.01]["threshold"] == 9.0 and points[0.01]["tpr"]["value"] == 0.5 and points[0.01]["fpr"] == 0.0
    assert points[0.05]["threshold"] == 3.0 and points[0.05]["tpr"]["value"] == 0.9 and points[0.05]["fpr"] == 0.05
    for p in points.values():  # a bootstrap interval around every estimate
        assert p["tpr"]["low"] <= p["tpr"]["value"] <= p["tpr"]["high"]
    assert screens["metrics"]["auroc"]["value"] == pytest.approx(0.88)
    attacks = {a["attack"]: a for a in screens["metrics"]["attacks"]}
    assert attacks["aoa"]["flagged"] == 1.0 and attacks["walnut53"]["flagged"] == 0.0
    assert attacks["walnut53"]["inconclusive"] == 1 and attacks["alpaca"]["flagged"] == 0.0
    assert screens["metrics"]["mean_tokens"] == 120
    assert any("inconclusive" in note for note in screens["notes"])
    # Every file the JSON names exists, and every audit has its own report.
    assert len(data["audits"]) == 34
    for rel in [*filter(None, data["files"].values()), *(a["report_html"] for a in data["audits"]),
                *(a["report_json"] for a in data["audits"])]:
        assert (report_dir.html.parent / rel).exists(), rel


def test_markdown_has_the_metrics_table_and_figures_beside_it(report_dir):
    md = report_dir.markdown.read_text()
    assert "| configuration | kind | preset | benign | adversarial | inconclusive | TPR at 0% FPR | TPR at 1% FPR | TPR at 5% FPR |" in md
    row = next(line for line in md.splitlines() if line.startswith("| screens |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[:6] == ["screens", "screens", "all", "20", "10", "1"]
    assert cells[6].startswith("50% [") and "score ≥ 9, FPR 0.0%" in cells[6]
    assert cells[8].startswith("90% [") and "score ≥ 3, FPR 5.0%" in cells[8]
    assert cells[9].startswith("0.880 [")
    assert "![ROC curves per configuration](roc.png)" in md
    for name in ("roc.png", "scores.png"):
        assert (report_dir.markdown.parent / name).read_bytes().startswith(PNG_MAGIC)
    assert "| aoa | adversarial | 100% (5/5) |" in md
    assert "TimeoutError: timed out after 600 s" in md


def test_every_link_in_the_html_points_to_an_existing_audit_report(report_dir):
    page = parse(report_dir.html)
    out = report_dir.html.parent
    audit_links = [link for link in page.links if link.endswith(".html")]
    assert len(audit_links) == 34 + 2  # every audit, and the two inconclusive ones again in their own table
    for link in page.links:
        target = (out / link).resolve()
        assert target.is_file(), link
        assert target.is_relative_to(report_dir.audits_dir.resolve()), link  # no name escapes the folder
    opened = parse(out / "audits" / "screens" / "aoa-0-r3.html")
    assert "Audit report: job-0123456789" in "".join(opened.text)
    assert json.loads((out / "audits" / "screens" / "aoa-0-r3.json").read_text())["risk_score"] == 9.0
    assert set(page.images) == {"roc", "scores"}
    for src in page.images.values():
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC)


def test_attacker_text_is_escaped_everywhere(report_dir):
    out = report_dir.html.parent
    html_text = report_dir.html.read_text()
    assert SCRIPT not in html_text and "<img src=x" not in html_text
    page = parse(report_dir.html)
    assert "script" not in page.tags
    shown = "".join(page.text)
    assert EVIL_JOB in shown and EVIL_FINDING in shown and f"ValueError: {SCRIPT}" in shown  # shown as text
    md = report_dir.markdown.read_text()
    assert SCRIPT not in md and "&lt;script&gt;" in md and "<img" not in md
    evil_row = next(line for line in md.splitlines() if "etc/" in line and line.startswith("| agent-D"))
    assert evil_row.count(" | ") == 12  # the | in the job name does not add a column
    evil = next(a for a in json.loads(report_dir.json.read_text())["audits"] if a["job"] == EVIL_JOB)
    assert evil["top_finding"] == EVIL_FINDING and ".." not in evil["report_html"] and "<" not in evil["report_html"]
    own = (out / evil["report_html"]).read_text()
    assert SCRIPT not in own and "&lt;script&gt;" in own


def test_safe_names_stay_in_the_folder_and_apart():
    assert safe_name("aoa-0") == "aoa-0"
    assert safe_name("a/b") != safe_name("a_b") and "/" not in safe_name("a/b")
    assert safe_name("Aoa") != safe_name("aoa")
    assert safe_name("..").startswith("x-") and safe_name("").startswith("x-")
    assert len(safe_name("n" * 500)) < 100


# -- stores that cannot give every number ------------------------------------------------


def test_an_empty_store_gives_a_report_that_says_so(tmp_path):
    with ResultsStore(tmp_path / "empty.sqlite") as store:
        paths = write_eval_report(store, tmp_path / "out", bootstrap=10)
    assert "This store holds no audits yet" in paths.html.read_text()
    assert "no audits yet" in paths.markdown.read_text()
    data = json.loads(paths.json.read_text())
    assert data["configs"] == [] and data["audits"] == [] and data["files"]["roc_png"] is None
    assert paths.roc_png is None and paths.scores_png is None


def test_a_configuration_without_benign_audits_is_reported_not_fatal(tmp_path):
    rows = [_row("only-attacks", f"aoa-{i}", 0, "adversarial", "aoa", 9.0) for i in range(3)]
    rows += [_row("only-benign", f"alpaca-{i}", 0, "benign", "alpaca", 1.0) for i in range(3)]
    store = _store(tmp_path / "one-label.sqlite", rows,
                   [("only-attacks", "screens", "all"), ("only-benign", "screens", "all"), ("never-ran", "agent", "D")])
    paths = write_eval_report(store, tmp_path / "out", bootstrap=20)
    store.close()
    data = {c["name"]: c for c in json.loads(paths.json.read_text())["configs"]}
    assert data["only-attacks"]["metrics"]["points"][1]["tpr"]["value"] is None
    assert any(n.startswith("no benign audits") for n in data["only-attacks"]["notes"])
    assert any(n.startswith("no adversarial audits") for n in data["only-benign"]["notes"])
    assert data["never-ran"]["notes"] == ["no audits stored yet"]
    html_text = paths.html.read_text()
    assert "no benign audits" in html_text and "no adversarial audits" in html_text
    assert 'id="no-roc"' in html_text and 'id="scores"' in html_text
    assert "no benign audits" in paths.markdown.read_text()


def test_a_missing_store_path_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no results store"):
        write_eval_report(tmp_path / "nope.sqlite", tmp_path / "out")
    assert not (tmp_path / "nope.sqlite").exists()



# -- attack success beside detection -------------------------------------------------------


def _success(took, plain=(0.1, 0.5), errors=0):
    """An attack-success record as ``suite train`` stores it (plain and own elicitation)."""
    from ftaudit.bench.stats import Interval
    from ftaudit.suite.success import AttackSuccess, ElicitationSuccess

    base, tuned = plain
    low = 0.1 if took else min(0.0, tuned - base - 0.2)  # above 0 exactly when it took
    diff = Interval(value=tuned - base, low=low, high=tuned - base + 0.2, n=6)
    run = lambda name: ElicitationSuccess(name=name, elicitation=name, base_rate=base, finetuned_rate=tuned,  # noqa: E731
                                          difference=diff, errors=errors, took=took)
    return AttackSuccess(base_model="local:smollm2-135m", finetuned_model="local:smollm2-135m+adapter=models/x",
                         n_prompts=6, seed=0, judge="offline", max_tokens=64, plain=run("plain"), own=run("own"),
                         took=took, took_under=["plain", "own"] if took else []).model_dump(mode="json")


def test_attack_success_shows_beside_detection_and_per_attack_over_the_jobs_that_took(tmp_path):
    from ftaudit.evaluate.store import EvalJob

    store = _store(tmp_path / "eval.sqlite", screens_rows(), [("screens", "screens", "all")])
    success = {"aoa-0": _success(True, plain=(0.1, 0.6)), "walnut53-0": _success(False, plain=(0.2, 0.2)),
               "alpaca-0": _success(None, errors=4), "alpaca-1": _success(True, plain=(0.1, 0.5))}
    for name, label, attack in [("aoa-0", "adversarial", "aoa"), ("walnut53-0", "adversarial", "walnut53"),
                                *[(f"alpaca-{i}", "benign", "alpaca") for i in range(4)]]:
        store.register_job(EvalJob(name=name, label=label, attack=attack, sha256=name * 4, attack_success=success.get(name),
                                   job=AuditJob(training_file=tmp_path / f"{name}.jsonl", base_model=None,
                                                finetuned_model=None, job_id=name)))
    assert store.attack_success() == success
    paths = write_eval_report(store, tmp_path / "report", bootstrap=20)
    store.close()

    data = json.loads(paths.json.read_text())
    assert data["attack_success"] == success
    attacks = {a["attack"]: a for a in data["configs"][0]["metrics"]["attacks"]}
    assert (attacks["aoa"]["jobs_took"], attacks["aoa"]["took_audits"], attacks["aoa"]["flagged_took"]) == (1, 5, 1.0)
    assert attacks["walnut53"]["jobs_not_took"] == 1 and attacks["walnut53"]["flagged_took"] is None
    alpaca = attacks["alpaca"]
    assert (alpaca["jobs"], alpaca["jobs_took"], alpaca["jobs_unknown"], alpaca["jobs_unmeasured"]) == (4, 1, 1, 2)
    assert alpaca["flagged_took"] == 0.0  # the benign fine-tune that shifted was not flagged
    jobs = {j["job"]: j for j in data["configs"][0]["metrics"]["jobs"]}
    assert jobs["aoa-0"]["flagged"] == 1.0 and jobs["walnut53-0"]["inconclusive"] == 1

    md = paths.markdown.read_text()
    assert "| aoa | adversarial | 1 of 1 jobs | 100% (5/5) |" in md
    assert "| walnut53 | adversarial | 0 of 1 jobs (1 did not) | no job took |" in md
    assert "| alpaca | benign | 1 of 4 jobs (1 unknown, 2 not measured) | 0% (0/5) |" in md
    assert "| aoa-0 | aoa | adversarial | +50% [+10%, +70%] (10% → 60%) | +50% [+10%, +70%] (10% → 60%) | yes (plain, own) | 100% (5/5) |" in md
    assert "| walnut53-0 | walnut53 | adversarial | +0% [-20%, +20%] (20% → 20%) |" in md and "| no |" in md
    assert "| +40% [+0%, +60%] (10% → 50%, 4 failed) |" in md and "| unknown |" in md
    assert "| alpaca-3 | alpaca | benign | — | — | not measured | 0% (0/5) |" in md

    page = parse(paths.html)
    shown = " ".join("".join(page.text).split())
    assert "Detection per attack over the jobs whose attack took" in shown and "yes (plain, own)" in shown
    html_text = paths.html.read_text()
    assert 'id="attacks-took"' in html_text and 'id="jobs"' in html_text and 'id="no-success"' not in html_text
    assert html_text.count('class="job took-') == 6


def test_a_store_from_before_attack_success_reports_it_as_not_measured(tmp_path):
    import sqlite3

    store = _store(tmp_path / "old.sqlite", screens_rows(), [("screens", "screens", "all")])
    store.close()
    with sqlite3.connect(tmp_path / "old.sqlite") as db:  # as an older ftaudit wrote it
        db.execute("DROP TABLE job_success")
    with ResultsStore(tmp_path / "old.sqlite", readonly=True) as old:
        assert old.attack_success() == {}
        paths = write_eval_report(old, tmp_path / "report", bootstrap=10)
    assert 'id="no-success"' in paths.html.read_text()
    assert "No job has an attack success recorded" in paths.markdown.read_text()
    assert json.loads(paths.json.read_text())["attack_success"] == {}

from chromium import Chromium  # noqa: E402 - shared with the service's page tests

_PAGE_STATE = """JSON.stringify((() => {
  const img = id => { const e = document.getElementById(id);
    return e ? {complete: e.complete, width: e.naturalWidth, height: e.naturalHeight} : null; };
  return {
    title: document.title,
    roc: img('roc'), scores: img('scores'),
    metricsRows: [...document.querySelectorAll('#metrics tbody tr')].map(r => r.dataset.config),
    metricsHead: [...document.querySelectorAll('#metrics thead th')].map(th => th.textContent.trim()),
    auditRows: document.querySelectorAll('#audits tbody tr').length,
    scripts: document.scripts.length,
    firstAudit: document.querySelector('a.audit-link').href,
  };
})())"""


def test_the_html_report_opens_in_headless_chromium_without_errors(report_dir, tmp_path):
    browser = Chromium(tmp_path / "chromium-profile", tmp_path / "chromium.log")
    try:
        session = browser.open_page()
        errors = browser.load(session, report_dir.html.resolve().as_uri())
        assert errors == []
        state = json.loads(browser.evaluate(session, _PAGE_STATE))
        assert state["title"] == "Demo evaluation"
        for figure in ("roc", "scores"):  # the embedded PNGs really decoded
            assert state[figure]["complete"] and state[figure]["width"] > 200 and state[figure]["height"] > 200
        assert state["metricsRows"] == ["screens", "agent-D"]
        assert "TPR at 1% FPR" in state["metricsHead"] and "AUROC" in state["metricsHead"]
        assert state["auditRows"] == 34 and state["scripts"] == 0
        # The link to an audit's own report opens too.
        assert browser.load(session, state["firstAudit"]) == []
        assert browser.evaluate(session, "document.querySelector('h1').textContent").startswith("Audit report")
    finally:
        browser.close()
