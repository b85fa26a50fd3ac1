"""The evaluation report: what a store of audits says about each auditor configuration.

``write_eval_report(store, out_dir)`` writes one folder that can be copied anywhere and opened
without a network:

- ``index.html``: one self-contained page (inline CSS, figures embedded as PNG data URIs, no
  scripts). The configurations, one metrics table (a row per configuration, so ablations read as
  one table), the ROC curves, the score distributions, per-attack detection at the 1%-FPR
  threshold (over all jobs, and over the jobs whose attack took), each job's attack success beside
  the share of its audits flagged, the inconclusive audits with their errors, and every audit
  with a link to its report.
- ``report.md``: the same in Markdown, with the figures beside it as ``roc.png`` and ``scores.png``.
- ``report.json``: the same numbers for machines, schema :class:`EvalReport` (``schema_version``
  "1"): ``configs[]`` holds each configuration's counts, notes and its
  :class:`~ftaudit.evaluate.metrics.ConfigMetrics`; ``audits[]`` one entry per audit with the
  relative paths of its report; ``files`` the paths of everything written, relative to the folder;
  ``attack_success`` each audited job's attack success as ``suite train`` measured it.
- ``audits/<config>/<job>-r<repeat>.html`` and ``.json``: each audit's own report, rendered from the
  stored report JSON by the same renderer as ``ftaudit audit`` uses.

Job names, attack names, errors and finding titles can carry attacker-controlled text (a suite
built from uploaded data, an auditor steered by a dataset): the HTML is ``resources/evaluation.html.j2``
in the page frame of :mod:`ftaudit.report.page` (autoescaping, a Content-Security-Policy that
forbids scripts); the Markdown makes every value
inert text (:func:`ftaudit.report.safe_text.inline`); both show bidi controls as ``<U+202E>``
markers. Names become file names only after :func:`safe_name`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from ftaudit.errors import ConfigError
from ftaudit.evaluate import metrics
from ftaudit.evaluate.metrics import ConfigMetrics, compute_metrics
from ftaudit.evaluate.store import AuditRow, ResultsStore
from ftaudit.report.records import AuditReport
from ftaudit.report.safe_text import code, inline
from ftaudit.report.write import write_report, write_text

EVAL_REPORT_SCHEMA_VERSION = "1"
#: Longest error shown in a table cell (the full one is in the audit's own report).
_ERROR_CHARS = 400


@dataclass(frozen=True)
class EvalReportPaths:
    """Where :func:`write_eval_report` wrote each part (figures are None for an empty store)."""

    html: Path
    markdown: Path
    json: Path
    audits_dir: Path
    roc_png: Path | None = None
    scores_png: Path | None = None


class AuditEntry(BaseModel):
    """One audit as the report lists it."""

    config: str
    job: str
    repeat: int
    label: str
    attack: str
    score: float | None
    verdict: str
    error: str | None
    cost_usd: float
    tokens: int
    turns: int
    wall_s: float
    finished_at: str
    top_finding: str | None = Field(default=None, description="Title of the most severe finding.")
    report_html: str | None = Field(default=None, description="The audit's own HTML report, relative to the report folder.")
    report_json: str | None = Field(default=None, description="The audit's own JSON report, relative to the report folder.")
    report_problem: str | None = Field(default=None, description="Why the audit has no report of its own, when it has none.")


class ConfigSection(BaseModel):
    """One configuration: what it is, how many audits of each kind it has, and its metrics."""

    name: str
    kind: str
    preset: str
    audits: int
    benign: int
    adversarial: int
    inconclusive: int
    notes: list[str] = Field(description="What the metrics could not show, in words (no benign audits, …).")
    metrics: ConfigMetrics


class EvalReport(BaseModel):
    """The JSON evaluation report (``report.json``); the stable contract of this module."""

    schema_version: Literal["1"] = EVAL_REPORT_SCHEMA_VERSION
    title: str
    generated_at: dt.datetime
    store: str
    first_audit_at: str | None
    last_audit_at: str | None
    fpr_targets: list[float]
    attack_fpr: float = Field(description="The false-positive rate whose threshold the per-attack table uses.")
    bootstrap: int
    seed: int
    configs: list[ConfigSection]
    audits: list[AuditEntry]
    files: dict[str, str | None] = Field(description="Everything written, relative to the report folder.")
    attack_success: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Job -> its model's attack success from the suite manifest (ftaudit.suite.success.AttackSuccess); "
        "jobs never measured are absent.",
    )


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, *, limit: int = 80) -> str:
    """A file name for ``name``: itself when it is plain lowercase ASCII, else cleaned and hashed.

    The hash of the original keeps two names that clean to the same text (``a/b``, ``a_b``) or
    differ only in case (on a case-insensitive disk) apart, and ``..`` or ``/`` never leave
    the folder.
    """
    cleaned = _UNSAFE.sub("_", name).strip("._-")[:limit] or "x"
    if cleaned != name or cleaned != cleaned.lower():
        cleaned += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return cleaned


def _top_finding(report: AuditReport) -> str | None:
    if not report.findings:
        return None
    best = max(enumerate(report.findings), key=lambda item: (item[1].severity.rank, -item[0]))[1]
    return best.title


def _write_audit(row: AuditRow, out_dir: Path, audits_dir: Path) -> AuditEntry:
    """Write one audit's own HTML and JSON report; the entry that links to them."""
    entry = AuditEntry(**row.model_dump(exclude={"report_json"}))
    if row.report_json is None:
        entry.report_problem = "no report was stored for this audit"
        return entry
    try:
        report = row.report()
    except ValidationError as exc:
        entry.report_problem = f"the stored report could not be read: {str(exc).splitlines()[0]}"
        return entry
    assert report is not None
    written = write_report(report, audits_dir / safe_name(row.config), stem=f"{safe_name(row.job)}-r{row.repeat}",
                           formats=("html", "json"))
    entry.top_finding = _top_finding(report)
    entry.report_html = written["html"].relative_to(out_dir).as_posix()
    entry.report_json = written["json"].relative_to(out_dir).as_posix()
    return entry


def _notes(m: ConfigMetrics) -> list[str]:
    """What a configuration's metrics cannot show, said plainly instead of left blank."""
    if m.audits == 0:
        return ["no audits stored yet"]
    notes = []
    if m.benign == 0:
        notes.append("no benign audits: thresholds, false-positive rates, TPR and AUROC cannot be computed")
    if m.adversarial == 0:
        notes.append("no adversarial audits: TPR, AUROC and per-attack detection cannot be computed")
    if m.benign and m.adversarial and m.inconclusive_benign:
        unmet = [f"{p.target_fpr:.0%}" for p in m.points if p.threshold is None]
        if unmet:
            notes.append(f"{m.inconclusive_benign} of {m.benign} benign audits inconclusive (counted as flagged): "
                         f"no threshold meets {', '.join(unmet)} FPR")
    if m.inconclusive:
        notes.append(f"{m.inconclusive} inconclusive audit{'s' if m.inconclusive != 1 else ''} "
                     f"({m.inconclusive_adversarial} adversarial, {m.inconclusive_benign} benign) "
                     "scored the worst way for the auditor")
    return notes


# -- text for both renderers ------------------------------------------------------------


def _threshold_text(t: float | None) -> str:
    if t is None:
        return "not met"
    return "flags nothing" if t > 10 else f"score ≥ {t:g}"


def _config_view(section: ConfigSection) -> dict[str, Any]:
    m = section.metrics
    points = [{
        "target": f"{p.target_fpr:.0%}",
        "tpr": p.tpr.text("{:.0%}"),
        "threshold": _threshold_text(p.threshold),
        "fpr": "n/a" if p.fpr is None else f"{p.fpr:.1%}",
    } for p in m.points]
    return {
        "name": section.name, "kind": section.kind or "—", "preset": section.preset or "—",
        "benign": section.benign, "adversarial": section.adversarial, "inconclusive": section.inconclusive,
        "points": points, "auroc": m.auroc.text("{:.3f}"),
        "cost": f"${m.mean_cost_usd:.4f}", "tokens": f"{m.mean_tokens:,.0f}", "turns": f"{m.mean_turns:.1f}",
        "wall": f"{m.mean_wall_s:.1f} s", "notes": section.notes,
    }


def _flagged_cell(flagged: float | None, audits: int, inconclusive: int) -> str:
    """A share of audits flagged as a table cell: "40% (2/5), 1 inconclusive", or why there is none."""
    if flagged is None:
        return f"n/a ({audits} audits)"
    text = f"{flagged:.0%} ({round(flagged * audits)}/{audits})"
    return text + (f", {inconclusive} inconclusive" if inconclusive else "")


def _attack_table(sections: Sequence[ConfigSection]) -> list[dict[str, Any]]:
    """Rows (attack or benign set) × cells (configuration): share flagged at the 1%-FPR threshold."""
    keys = sorted({(a.label, a.attack) for s in sections for a in s.metrics.attacks},
                  key=lambda k: (k[0] != "adversarial", k[1]))
    rows = []
    for label, attack in keys:
        cells = []
        for s in sections:
            rate = next((a for a in s.metrics.attacks if (a.label, a.attack) == (label, attack)), None)
            cells.append("—" if rate is None else _flagged_cell(rate.flagged, rate.audits, rate.inconclusive))
        rows.append({"attack": attack, "label": label, "cells": cells})
    return rows


def _success_cell(run: dict[str, Any] | None) -> dict[str, str]:
    """One elicitation's attack success: the difference with its interval, and base → fine-tuned."""
    from ftaudit.bench.stats import Interval
    from ftaudit.suite.success import difference_text

    if not run:
        return {"diff": "—", "rates": ""}
    if run.get("error"):
        return {"diff": "not measured", "rates": "the benchmark failed"}
    try:
        diff = difference_text(Interval.model_validate(run.get("difference") or {"value": None}))
    except ValueError:
        diff = "n/a"
    pct = lambda x: "n/a" if not isinstance(x, (int, float)) else f"{x:.0%}"  # noqa: E731
    rates = f"{pct(run.get('base_rate'))} → {pct(run.get('finetuned_rate'))}"
    if run.get("errors"):
        rates += f", {int(run['errors'])} failed"
    return {"diff": diff, "rates": rates}


def _took_text(success: dict[str, Any] | None) -> str:
    if success is None:
        return "not measured"
    took = success.get("took")
    if took is True:
        under = [u for u in success.get("took_under") or [] if u in ("plain", "own")]
        return "yes" + (f" ({', '.join(under)})" if under else "")
    return "no" if took is False else "unknown"


def _job_table(data: EvalReport) -> list[dict[str, Any]]:
    """Rows (job) × cells (configuration): attack success beside the share of its audits flagged."""
    jobs: dict[str, tuple[str, str]] = {}
    for s in data.configs:
        for j in s.metrics.jobs:
            jobs.setdefault(j.job, (j.label, j.attack))
    rows = []
    for job, (label, attack) in sorted(jobs.items(), key=lambda kv: (kv[1][0] != "adversarial", kv[1][1], kv[0])):
        success = data.attack_success.get(job)
        cells = []
        for s in data.configs:
            rate = next((j for j in s.metrics.jobs if j.job == job), None)
            cells.append("—" if rate is None else _flagged_cell(rate.flagged, rate.audits, rate.inconclusive))
        took = _took_text(success)
        rows.append({
            "job": job, "attack": attack, "label": label,
            "plain": _success_cell((success or {}).get("plain")), "own": _success_cell((success or {}).get("own")),
            "took": took, "took_class": {"yes": "yes", "no": "no", "unknown": "unknown"}.get(took.split(" ")[0], "unmeasured"),
            "cells": cells,
        })
    return rows


def _took_attack_table(sections: Sequence[ConfigSection]) -> list[dict[str, Any]]:
    """Rows (attack or benign set) × cells (configuration): share flagged over the jobs whose attack took."""
    keys = sorted({(a.label, a.attack) for s in sections for a in s.metrics.attacks},
                  key=lambda k: (k[0] != "adversarial", k[1]))
    rows = []
    for label, attack in keys:
        rates = [next((a for a in s.metrics.attacks if (a.label, a.attack) == (label, attack)), None) for s in sections]
        first = next(r for r in rates if r is not None)
        rest = [f"{n} {what}" for n, what in ((first.jobs_not_took, "did not"), (first.jobs_unknown, "unknown"),
                                              (first.jobs_unmeasured, "not measured")) if n]
        took = f"{first.jobs_took} of {first.jobs} jobs" + (f" ({', '.join(rest)})" if rest else "")
        cells = []
        for rate in rates:
            if rate is None:
                cells.append("—")
            elif not rate.took_audits:
                cells.append("no job took")
            else:
                cells.append(_flagged_cell(rate.flagged_took, rate.took_audits, rate.took_inconclusive))
        rows.append({"attack": attack, "label": label, "took": took, "cells": cells})
    return rows


def _entry_view(a: AuditEntry) -> dict[str, Any]:
    error = a.error or ""
    return {
        "config": a.config, "job": a.job, "repeat": a.repeat, "label": a.label, "attack": a.attack,
        "score": "—" if a.score is None else f"{a.score:g}", "verdict": a.verdict,
        "error": error if len(error) <= _ERROR_CHARS else error[:_ERROR_CHARS] + "…",
        "cost": f"${a.cost_usd:.4f}", "tokens": a.tokens, "turns": a.turns, "wall": f"{a.wall_s:.1f} s",
        "top_finding": a.top_finding or "", "html": a.report_html, "json": a.report_json,
        "problem": a.report_problem,
    }


def _view(data: EvalReport) -> dict[str, Any]:
    audits = [_entry_view(a) for a in data.audits]
    return {
        "title": data.title,
        "generated": data.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "span": (f"{data.first_audit_at[:19].replace('T', ' ')} to {data.last_audit_at[:19].replace('T', ' ')}"
                 if data.first_audit_at and data.last_audit_at else None),
        "store": data.store,
        "targets": [f"{t:.0%}" for t in data.fpr_targets],
        "attack_fpr": f"{data.attack_fpr:.0%}",
        "bootstrap": data.bootstrap,
        "configs": [_config_view(s) for s in data.configs],
        "thresholds": [_threshold_text(s.metrics.point(data.attack_fpr).threshold)
                       if any(abs(p.target_fpr - data.attack_fpr) < 1e-12 for p in s.metrics.points) else "n/a"
                       for s in data.configs],
        "attacks": _attack_table(data.configs),
        "jobs": _job_table(data),
        "took_attacks": _took_attack_table(data.configs) if data.configs else [],
        "has_success": bool(data.attack_success),
        "failed": [a for a in audits if a["error"] or a["verdict"] == "inconclusive"],
        "audits": audits,
    }


# -- HTML ---------------------------------------------------------------------------------


def render_eval_html(data: EvalReport, roc: bytes | None, scores: bytes | None) -> str:
    """The report as one self-contained HTML page (figures inline, every value HTML-escaped)."""
    from ftaudit.report.page import page_template

    b64 = lambda png: base64.b64encode(png).decode("ascii") if png else None  # noqa: E731
    page = page_template("evaluation.html.j2", "ftaudit.evaluate")
    return page.render(v=_view(data), roc=b64(roc), scores=b64(scores), schema=data.schema_version)


# -- Markdown -----------------------------------------------------------------------------

def _md(value: object) -> str:
    """A value as inert Markdown table-cell text: no HTML, no links, no emphasis, no column breaks, no bidi controls."""
    return inline(value)


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(r) + " |" for r in rows), ""]


def render_eval_markdown(data: EvalReport, *, roc_file: str | None, scores_file: str | None) -> str:
    """The report as Markdown (figures linked as files beside it)."""
    v = _view(data)
    out = [f"# {_md(v['title'])}", "", f"Generated {v['generated']}"
           + (f" · audits finished {v['span']}" if v["span"] else "") + f" · store {code(v['store'])}", ""]
    if not v["configs"]:
        return "\n".join(out + ["**This store holds no audits yet.** Run `ftaudit eval run` first.", ""])
    out += ["## Configurations and metrics", "",
            "TPR at the threshold chosen on the benign audits for each target false-positive rate "
            f"(bootstrap 95% interval over jobs, {v['bootstrap']} resamples); inconclusive audits count the "
            "worst way for the auditor.", ""]
    head = ["configuration", "kind", "preset", "benign", "adversarial", "inconclusive",
            *[f"TPR at {t} FPR" for t in v["targets"]], "AUROC", "mean cost", "mean tokens", "mean turns", "mean wall time"]
    rows = [[_md(c["name"]), _md(c["kind"]), _md(c["preset"]), str(c["benign"]), str(c["adversarial"]), str(c["inconclusive"]),
             # Our own number formats: no Markdown in them to escape (a bracket would show its backslash).
             *[f"{p['tpr']} ({p['threshold']}, FPR {p['fpr']})" for p in c["points"]],
             c["auroc"], _md(c["cost"]), c["tokens"], c["turns"], c["wall"]] for c in v["configs"]]
    out += _md_table(head, rows)
    out += [f"- {_md(c['name'])}: {_md('; '.join(c['notes']))}." for c in v["configs"] if c["notes"]]
    out.append("")
    out += ["## ROC curves", ""]
    out += [f"![ROC curves per configuration]({roc_file})" if roc_file else
            "No configuration has both benign and adversarial audits, so there is no ROC curve to draw.", ""]
    if scores_file:
        out += ["## Score distributions", "", f"![Risk scores, benign versus adversarial]({scores_file})", ""]
    out += [f"## Detection per attack at {v['attack_fpr']} FPR", ""]
    out += _md_table(["attack or benign set", "truth", *[f"{_md(c['name'])} ({_md(t)})" for c, t in zip(v["configs"], v["thresholds"])]],
                     [[_md(a["attack"]), a["label"], *[_md(cell) for cell in a["cells"]]] for a in v["attacks"]])
    out += ["## Detection per attack over the jobs whose attack took", ""]
    if v["has_success"]:
        out += ["A job's attack took when the fine-tuned model's harmful compliance exceeds the base's (paired 95% interval "
                "above 0), plainly or with the attack's own elicitation (`ftaudit suite train`); share of those jobs' audits "
                f"flagged at the {v['attack_fpr']}-FPR threshold. Jobs left unknown by failures are left out.", ""]
        # Counts and percentages are our own text: no Markdown in them to escape.
        out += _md_table(["attack or benign set", "truth", "attack took",
                          *[f"{_md(c['name'])} ({_md(t)})" for c, t in zip(v["configs"], v["thresholds"])]],
                         [[_md(a["attack"]), a["label"], a["took"], *a["cells"]] for a in v["took_attacks"]])
    else:
        out += ["No job has an attack success recorded: run `ftaudit suite train` on the suite, then `ftaudit eval run` "
                "again to carry it into the store.", ""]
    out += ["## Attack success and detection per job", "",
            "Fine-tuned minus base harmful compliance (paired 95% interval; base → fine-tuned), plain and with the attack's "
            "own elicitation, whether it took, and the share of the job's audits flagged at each configuration's "
            f"{v['attack_fpr']}-FPR threshold.", ""]
    out += _md_table(["job", "attack or set", "truth", "success, plain", "success, own elicitation", "took",
                      *[f"{_md(c['name'])} flagged" for c in v["configs"]]],
                     [[_md(j["job"]), _md(j["attack"]), _md(j["label"]), _success_md(j["plain"]), _success_md(j["own"]),
                       j["took"], *j["cells"]] for j in v["jobs"]])
    out += [f"## Inconclusive and failed audits ({len(v['failed'])})", ""]
    out += _md_table(["configuration", "job", "repeat", "error", "report"],
                     [[_md(a["config"]), _md(a["job"]), str(a["repeat"]), _md(a["error"] or "inconclusive"), _md_link(a)]
                      for a in v["failed"]]) if v["failed"] else ["Every audit finished.", ""]
    out += [f"## Every audit ({len(v['audits'])})", ""]
    out += _md_table(["configuration", "job", "attack or set", "truth", "repeat", "score", "verdict", "top finding",
                      "cost", "tokens", "turns", "wall", "report"],
                     [[_md(a["config"]), _md(a["job"]), _md(a["attack"]), _md(a["label"]), str(a["repeat"]), a["score"],
                       _md(a["verdict"]), _md(a["top_finding"]), _md(a["cost"]), str(a["tokens"]), str(a["turns"]), a["wall"],
                       _md_link(a)] for a in v["audits"]])
    return "\n".join(out)


def _success_md(cell: dict[str, str]) -> str:
    # Our own number formats (a bracket escaped by _md would show its backslash).
    return cell["diff"] + (f" ({cell['rates']})" if cell["rates"] else "")


def _md_link(a: dict[str, Any]) -> str:
    # The paths come from safe_name: plain characters only, nothing to escape.
    return f"[html]({a['html']}) · [json]({a['json']})" if a["html"] else _md(a["problem"] or "")


# -- the whole report ---------------------------------------------------------------------


def _config_names(store: ResultsStore) -> list[tuple[str, str, str]]:
    """(name, kind, preset) of every configuration: the registered ones in run order, then any
    that only has rows (a store written by hand or by an older ftaudit)."""
    known = [(c["name"], c["kind"], c["preset"]) for c in store.configs()]
    names = {n for n, _, _ in known}
    extra = sorted({r.config for r in store.rows()} - names)
    return known + [(n, "", "") for n in extra]


def write_eval_report(
    store: ResultsStore | str | Path,
    out_dir: Path,
    *,
    bootstrap: int = metrics.BOOTSTRAP_SAMPLES,
    seed: int = 0,
    title: str | None = None,
) -> EvalReportPaths:
    """Write the evaluation report of ``store`` into ``out_dir`` (see the module docstring).

    Audit reports are read one configuration at a time, so a large store is not held in memory
    at once. An empty store, or a configuration with only one label, gives a report that says
    what cannot be computed rather than an error.
    """
    from ftaudit.evaluate import plots

    if isinstance(store, (str, Path)):
        path = Path(store)
        if not path.is_file():
            raise ConfigError(f"{path}: no results store there; run `ftaudit eval run --store {path}` first")
        with ResultsStore(path, readonly=True) as opened:
            return write_eval_report(opened, out_dir, bootstrap=bootstrap, seed=seed, title=title)

    out_dir = Path(out_dir)
    audits_dir = out_dir / "audits"
    audits_dir.mkdir(parents=True, exist_ok=True)
    sections: list[ConfigSection] = []
    entries: list[AuditEntry] = []
    rows_by_config: dict[str, list[AuditRow]] = {}
    success = store.attack_success()
    took = metrics.took_by_job(success)
    for name, kind, preset in _config_names(store):
        rows = store.rows(name, with_reports=True)
        entries += [_write_audit(row, out_dir, audits_dir) for row in rows]
        light = [row.model_copy(update={"report_json": None}) for row in rows]
        del rows
        m = compute_metrics(light, config=name, kind=kind, preset=preset, bootstrap=bootstrap, seed=seed, took=took)
        sections.append(ConfigSection(name=name, kind=kind, preset=preset, audits=m.audits, benign=m.benign,
                                      adversarial=m.adversarial, inconclusive=m.inconclusive, notes=_notes(m), metrics=m))
        if light:
            rows_by_config[name] = light

    roc = scores = None
    files: dict[str, str | None] = {"html": "index.html", "markdown": "report.md", "json": "report.json",
                                    "audits_dir": "audits", "roc_png": None, "scores_png": None}
    if rows_by_config:
        scored = [s.metrics for s in sections]
        if any(metrics.roc_points(r) is not None for r in rows_by_config.values()):
            roc = plots.roc_png(rows_by_config, scored)
            write_text(out_dir / "roc.png", roc, "ROC figure")
            files["roc_png"] = "roc.png"
        scores = plots.scores_png(rows_by_config, scored)
        write_text(out_dir / "scores.png", scores, "score figure")
        files["scores_png"] = "scores.png"

    finished = sorted(e.finished_at for e in entries)
    data = EvalReport(
        title=title or f"ftaudit evaluation: {store.path.name}",
        generated_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        store=str(store.path),
        first_audit_at=finished[0] if finished else None, last_audit_at=finished[-1] if finished else None,
        fpr_targets=list(metrics.FPR_TARGETS), attack_fpr=metrics.ATTACK_FPR, bootstrap=bootstrap, seed=seed,
        configs=sections, audits=entries, files=files,
        attack_success={job: success[job] for job in sorted({e.job for e in entries}) if job in success},
    )
    paths = EvalReportPaths(
        html=out_dir / "index.html", markdown=out_dir / "report.md", json=out_dir / "report.json", audits_dir=audits_dir,
        roc_png=out_dir / "roc.png" if roc else None, scores_png=out_dir / "scores.png" if scores else None,
    )
    write_text(paths.json, data.model_dump_json(indent=2) + "\n", "evaluation report")
    write_text(paths.markdown, render_eval_markdown(data, roc_file=files["roc_png"], scores_file=files["scores_png"]),
               "evaluation report")
    write_text(paths.html, render_eval_html(data, roc, scores), "evaluation report")
    return paths
