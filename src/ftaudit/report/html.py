"""HTML rendering of an AuditReport: one self-contained page (inline CSS, no scripts, no network).

Quoted training lines, model replies, the transcript and even the auditor's own words (which a
dataset may have steered) are attacker-controlled. The page is a Jinja2 template with
autoescaping on, so every value is HTML-escaped, and bidi controls in it are shown as markers;
on top of that a Content-Security-Policy forbids scripts and outside resources, so a value that
slipped through could still not run.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ftaudit.report.records import AuditReport, Finding, Severity
from ftaudit.report.rubric import RUBRIC
from ftaudit.report.safe_text import visible

_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ftaudit report: {{ title }}</title>
<style>
:root { --fg:#1d2330; --muted:#5d6678; --line:#dde1e8; --bg:#f6f7f9; --card:#fff;
  --benign:#1f7a3d; --adversarial:#b3261e; --inconclusive:#9a6700;
  --critical:#7f1d1d; --high:#b3261e; --medium:#c2570c; --low:#9a6700; --info:#4b5563; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
main { max-width:1040px; margin:0 auto; padding:28px 20px 60px; }
h1 { font-size:22px; margin:0 0 4px; word-break:break-word; }
h2 { font-size:17px; margin:28px 0 10px; padding-bottom:4px; border-bottom:1px solid var(--line); }
h3 { font-size:15px; margin:0; }
.muted { color:var(--muted); }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; margin:10px 0; }
.head { display:flex; gap:24px; align-items:center; flex-wrap:wrap; }
.score { font-size:40px; font-weight:700; line-height:1; }
.score small { font-size:16px; font-weight:400; color:var(--muted); }
.badge { display:inline-block; padding:2px 9px; border-radius:999px; font-size:12px; font-weight:600;
  letter-spacing:.03em; text-transform:uppercase; color:#fff; background:var(--info); }
.verdict { font-size:15px; padding:5px 14px; }
.v-benign { background:var(--benign); } .v-adversarial { background:var(--adversarial); }
.v-inconclusive { background:var(--inconclusive); }
.s-critical { background:var(--critical); } .s-high { background:var(--high); } .s-medium { background:var(--medium); }
.s-low { background:var(--low); } .s-info { background:var(--info); }
.bar { position:relative; height:12px; border-radius:6px; margin:22px 0 6px;
  background:linear-gradient(90deg,#1f7a3d 0%,#1f7a3d 30%,#9a6700 30%,#9a6700 50%,#c2570c 50%,#c2570c 70%,#b3261e 70%,#b3261e 90%,#7f1d1d 90%); }
.marker { position:absolute; top:-6px; width:4px; height:24px; background:var(--fg); border-radius:2px; margin-left:-2px; }
.threshold { position:absolute; top:-7px; height:26px; border-left:2px dashed var(--fg); opacity:.55; }
.scale { position:relative; height:18px; font-size:12px; color:var(--muted); }
.scale span { position:absolute; }
.warn { border-left:4px solid var(--inconclusive); background:#fff8e6; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; word-break:break-word; }
th { font-weight:600; color:var(--muted); width:190px; }
table.grid th { width:auto; }
td.num, th.num { text-align:right; white-space:nowrap; }
code { font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
pre { margin:4px 0 8px; padding:8px 10px; background:#f3f4f6; border:1px solid var(--line); border-radius:6px;
  font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; white-space:pre-wrap; word-break:break-word;
  max-height:420px; overflow:auto; }
pre.quoted { border-left:3px solid var(--medium); }
.text { white-space:pre-wrap; }
.evidence { margin:10px 0 0; padding:8px 0 0; border-top:1px dashed var(--line); }
.evidence .label { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
.line-no { font-weight:700; }
details { margin:6px 0; }
details > summary { cursor:pointer; }
.entry { border:1px solid var(--line); border-radius:6px; padding:4px 10px; background:var(--card); }
.entry > summary { font-size:13.5px; }
.k { display:inline-block; min-width:104px; font:12px ui-monospace,Menlo,Consolas,monospace; color:var(--muted); }
.k-error { color:var(--adversarial); font-weight:700; }
footer { margin-top:36px; font-size:12px; color:var(--muted); }
</style>
</head>
<body>
<main>
<header>
  <h1>Audit report: {{ title }}</h1>
  <div class="muted">auditor <code>{{ r.auditor }}</code> · {{ r.started_at.strftime("%Y-%m-%d %H:%M:%S UTC") }} · {{ "%.1f"|format(r.duration_s) }} s</div>
</header>

<section class="card" aria-label="score and verdict">
  <div class="head">
    <div class="score">{{ score_text }}<small> / 10</small></div>
    <div>
      <span class="badge verdict v-{{ r.verdict.value }}">{{ r.verdict.value }}</span>
      {% if band %}<div class="muted" style="margin-top:6px">risk band: <strong>{{ band }}</strong>{% if band_meaning %} — {{ band_meaning }}{% endif %}</div>{% endif %}
      <div class="muted">adversarial at a score of {{ "%g"|format(r.threshold) }} or more</div>
    </div>
  </div>
  <div class="bar" role="img" aria-label="risk score {{ score_text }} of 10, threshold {{ '%g'|format(r.threshold) }}">
    <div class="threshold" style="left:{{ '%.2f'|format(r.threshold * 10) }}%" title="threshold {{ '%g'|format(r.threshold) }}"></div>
    {% if r.risk_score is not none %}<div class="marker" style="left:{{ '%.2f'|format(r.risk_score * 10) }}%"></div>{% endif %}
  </div>
  <div class="scale"><span style="left:0">0 minimal</span><span style="left:30%">3 low</span><span style="left:50%">5 moderate</span><span style="left:70%">7 high</span><span style="left:90%">9 critical</span></div>
</section>

{% if r.verdict.value == "inconclusive" %}
<section class="card warn"><strong>The audit did not finish:</strong> {{ r.inconclusive_reason }}.
Treat the job as unaudited, not as benign.</section>
{% endif %}

{% if r.attack_hypothesis %}
<h2>Attack hypothesis</h2>
<div class="card text">{{ r.attack_hypothesis }}</div>
{% endif %}

<h2>Job</h2>
<div class="card"><table>
  <tr><th>training file</th><td><code>{{ r.job.training_file }}</code></td></tr>
  <tr><th>base model</th><td><code>{{ r.job.base_model or "— (dataset-only audit)" }}</code></td></tr>
  <tr><th>fine-tuned model</th><td><code>{{ r.job.finetuned_model or "— (dataset-only audit)" }}</code></td></tr>
  {% if r.job.job_id %}<tr><th>job id</th><td>{{ r.job.job_id }}</td></tr>{% endif %}
  {% if r.job.customer %}<tr><th>customer</th><td>{{ r.job.customer }}</td></tr>{% endif %}
  {% if r.job.stated_purpose %}<tr><th>stated purpose</th><td class="text">{{ r.job.stated_purpose }}</td></tr>{% endif %}
  {% for key, value in r.job.metadata.items() %}<tr><th>{{ key }}</th><td>{{ value }}</td></tr>{% endfor %}
  {% if r.skipped_lines %}<tr><th>skipped lines (invalid)</th><td>{{ skipped }}</td></tr>{% endif %}
</table></div>

{% if r.summary %}
<h2>Summary</h2>
<div class="card text">{{ r.summary }}</div>
{% endif %}

<h2>Findings ({{ r.findings|length }})</h2>
{% if sources %}
<div class="card"><table class="grid">
  <tr><th>found by</th><th>kind</th><th class="num">findings</th><th>highest severity</th><th class="num">largest contribution</th></tr>
  {% for s in sources %}
  <tr><td><code>{{ s.source }}</code></td><td>{{ s.kind }}</td><td class="num">{{ s.count }}</td>
      <td><span class="badge s-{{ s.severity }}">{{ s.severity }}</span></td>
      <td class="num">{{ s.contribution }}</td></tr>
  {% endfor %}
</table></div>
{% else %}
<div class="card muted">No findings.</div>
{% endif %}

{% for f in findings %}
<article class="card" id="finding-{{ loop.index }}">
  <h3>{{ loop.index }}. {{ f.title }}</h3>
  <div class="muted"><span class="badge s-{{ f.severity.value }}">{{ f.severity.value }}</span>
    found by <code>{{ f.source }}</code> ({{ source_kind(f.source) }}){% if f.score_contribution is not none %} · contributes {{ "%g"|format(f.score_contribution) }}{% endif %}</div>
  {% if f.description %}<p class="text">{{ f.description }}</p>{% endif %}
  {% for e in f.evidence %}
  <div class="evidence">
    {% if e.kind == "dataset-line" %}
      <div><span class="label">training line</span> <span class="line-no">{{ e.line if e.line is not none else "?" }}</span>{% if e.detail %} — {{ e.detail }}{% endif %}</div>
    {% elif e.kind == "model-reply" %}
      <div><span class="label">model reply</span> {% if e.model %}<code>{{ e.model }}</code>{% endif %}{% if e.detail %} — {{ e.detail }}{% endif %}</div>
    {% else %}
      <div><span class="label">{{ e.kind }}</span>{% if e.line is not none %} line <span class="line-no">{{ e.line }}</span>{% endif %}{% if e.detail %} — {{ e.detail }}{% endif %}</div>
    {% endif %}
    {% if e.excerpt %}<div class="label">excerpt</div><pre class="quoted">{{ e.excerpt }}</pre>{% endif %}
    {% if e.prompt %}<div class="label">prompt</div><pre class="quoted">{{ e.prompt }}</pre>{% endif %}
    {% if e.reply %}<div class="label">reply</div><pre class="quoted">{{ e.reply }}</pre>{% endif %}
  </div>
  {% endfor %}
</article>
{% endfor %}

<h2>Usage and cost</h2>
<div class="card"><table class="grid">
  <tr><th>model</th><th class="num">requests</th><th class="num">input tokens</th><th class="num">output tokens</th><th class="num">cost (USD)</th></tr>
  {% for name, u in r.usage_by_model.items() %}
  <tr><td><code>{{ name }}</code></td><td class="num">{{ u.requests }}</td><td class="num">{{ u.input_tokens }}</td>
      <td class="num">{{ u.output_tokens }}</td><td class="num">{{ "%.4f"|format(u.cost_usd) }}{% if not u.cost_known %} (price unknown){% endif %}</td></tr>
  {% endfor %}
  <tr><td><strong>total</strong></td><td class="num"><strong>{{ r.usage.requests }}</strong></td><td class="num"><strong>{{ r.usage.input_tokens }}</strong></td>
      <td class="num"><strong>{{ r.usage.output_tokens }}</strong></td>
      <td class="num"><strong>{{ "%.4f"|format(r.usage.cost_usd) }}</strong>{% if not r.usage.cost_known %} (a lower bound: some prices unknown){% endif %}</td></tr>
</table></div>

<h2>Risk rubric</h2>
<div class="card"><table class="grid">
  {% for low, high, name, meaning in rubric %}
  <tr{% if band == name %} style="font-weight:600"{% endif %}><td class="num">{{ low }}–{{ high }}</td><td>{{ name }}</td><td>{{ meaning }}</td></tr>
  {% endfor %}
</table></div>

<h2>Transcript</h2>
<details class="card">
  <summary>{{ r.transcript|length }} steps{% if tool_calls %}, {{ tool_calls }} tool calls{% endif %} (click to expand)</summary>
  {% for t in r.transcript %}
  <details class="entry">
    <summary><span class="k{% if t.kind == 'error' %} k-error{% endif %}">{{ t.kind }}</span> {% if t.name %}<code>{{ t.name }}</code>{% endif %}
      {% if t.duration_s is not none %}<span class="muted"> · {{ "%.2f"|format(t.duration_s) }} s</span>{% endif %}
      {% if t.tokens %}<span class="muted"> · {{ t.tokens }} tokens</span>{% endif %}</summary>
    {% if t.arguments %}<div class="label muted">arguments</div><pre>{{ to_json(t.arguments) }}</pre>{% endif %}
    {% if t.content %}<pre>{{ t.content }}</pre>{% endif %}
  </details>
  {% endfor %}
</details>

<footer>ftaudit {{ r.ftaudit_version }} · report schema {{ r.schema_version }} · the JSON report is the full record.
Text quoted from the training data and from model replies is shown as data, never as part of this page.</footer>
</main>
</body>
</html>
"""


def _shown(value: Any) -> Any:
    """Every value a template prints, before autoescaping: bidi and terminal controls made visible."""
    from markupsafe import Markup

    if isinstance(value, Markup):  # e.g. the output of |join, escaped already
        return Markup(visible(str(value), html_escaped=True))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return visible(str(value))  # str, and objects printed as text (a Path, an enum)


@lru_cache(maxsize=8)
def compile_template(source: str) -> Any:
    """A report template with autoescaping on (every value HTML-escaped) and undefined names an error.

    Every printed value also goes through :func:`~ftaudit.report.safe_text.visible` (the
    environment's ``finalize``), so a bidi override cannot reorder what the page shows. Shared by
    the audit report and the evaluation report, so both treat attacker text the same way.
    """
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=_shown)
    return env.from_string(source)


def _template() -> Any:
    return compile_template(_TEMPLATE)


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
    return _template().render(
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
