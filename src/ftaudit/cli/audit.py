"""``ftaudit audit``: the LLM auditor on one fine-tuning job, with a live view, reports and a gating exit code.

Exit codes: 0 benign, 10 adversarial, 20 inconclusive (so a pipeline can gate on the job), 2 a
usage error (a bad flag, model reference or training file, a missing API key: via ``main``).
The live view goes to stderr; with ``--json`` stdout carries the report and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import traceback
from functools import partial
from pathlib import Path
from typing import IO, Any, Optional

import anyio
import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ftaudit._text import printable
from ftaudit.cli import EXIT_ADVERSARIAL, EXIT_INCONCLUSIVE
from ftaudit.errors import ConfigError, FtauditError
from ftaudit.report.records import AuditJob, AuditReport, Finding, TranscriptEntry
from ftaudit.report.rubric import Verdict
from ftaudit.report.write import REPORT_FORMATS, write_report

EXIT_BENIGN = 0
EXIT_CODES = {Verdict.BENIGN: EXIT_BENIGN, Verdict.ADVERSARIAL: EXIT_ADVERSARIAL, Verdict.INCONCLUSIVE: EXIT_INCONCLUSIVE}
#: Where the default auditor comes from when --auditor is not given.
AUDITOR_ENV = "FTAUDIT_AUDITOR"

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

_VERDICT_STYLE = {Verdict.BENIGN: "green", Verdict.ADVERSARIAL: "red", Verdict.INCONCLUSIVE: "yellow"}
_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_TOP_FINDINGS = 5
_NO_AUDITOR = (
    "no auditor model: pass --auditor, e.g. --auditor openai:gpt-4.1 (with OPENAI_API_KEY set), "
    "--auditor anthropic:claude-sonnet-4-6 (with ANTHROPIC_API_KEY), or NAME@http://HOST:PORT/v1 for an "
    f"OpenAI-compatible server (vLLM, Ollama, `ftaudit serve-models`); or set {AUDITOR_ENV}"
)


def injected_auditor_model() -> Any:
    """A pydantic-ai ``Model`` that drives the audit instead of ``--auditor``; None in normal use.

    Tests replace this function (``monkeypatch.setattr``) to script the auditor with
    pydantic-ai's ``FunctionModel``; it is not reachable from the command line.
    """
    return None


def _short(text: str, limit: int) -> str:
    flat = " ".join(printable(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _short_args(arguments: dict[str, Any] | None, limit: int = 100) -> str:
    if not arguments:
        return ""
    parts = []
    for key, value in arguments.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts.append(f"{key}={_short(str(shown), 40)}")
    return _short(", ".join(parts), limit)


class LiveView:
    """Prints each step of the investigation as it happens (tool, arguments, duration) under a spinner.

    Every event is also appended to ``transcript.jsonl`` at once, so an interrupted audit keeps
    what it did. Everything shown is escaped: tool results quote the training data.
    """

    def __init__(self, stream: Console, transcript: IO[str] | None, auditor: str) -> None:
        self.console = stream
        self.transcript = transcript
        self.auditor = auditor
        self.entries: list[TranscriptEntry] = []
        self.tool_calls = 0
        self.errors = 0
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=stream, transient=True, disable=not stream.is_terminal,
        )
        self.task = self.progress.add_task(self._status(), total=None)

    def _status(self) -> str:
        return f"[bold]auditing[/] with {escape(self.auditor)} · {self.tool_calls} tool calls"

    def __enter__(self) -> LiveView:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def on_event(self, entry: TranscriptEntry) -> None:
        self.entries.append(entry)
        if self.transcript is not None:
            self.transcript.write(entry.model_dump_json() + "\n")
            self.transcript.flush()
        line = self.render(entry)
        self.progress.update(self.task, description=self._status(), refresh=True)
        if line is not None:
            self.console.print(line)

    def render(self, entry: TranscriptEntry) -> Text | None:
        """One line for a transcript entry (None for the system prompt and the job brief)."""
        clock = (entry.started_at or dt.datetime.now(dt.timezone.utc)).astimezone().strftime("%H:%M:%S")
        name = printable(entry.name or "")
        if entry.kind == "tool-call":
            self.tool_calls += 1
            return Text.assemble((f"{clock} ", "dim"), ("▶ ", "cyan"), (name, "bold cyan"), "  ",
                                 (_short_args(entry.arguments), ""))
        if entry.kind in ("tool-result", "error"):
            ok = entry.kind == "tool-result"
            if not ok:
                self.errors += 1
            meta = []
            if entry.duration_s is not None:
                meta.append(f"{entry.duration_s:.2f} s")
            if entry.tokens:
                meta.append(f"{entry.tokens} tok")
            return Text.assemble(
                "         ", ("✓ " if ok else "✗ ", "green" if ok else "bold red"), (name, "" if ok else "red"),
                (f"  {' · '.join(meta)}" if meta else "", "dim"), ("  " + _result_line(entry), "dim" if ok else "red"),
            )
        if entry.kind == "auditor-message":
            text = _short(entry.content, 110)
            return Text.assemble((f"{clock} ", "dim"), ("auditor ", "magenta"), (text, "italic")) if text else None
        if entry.kind == "note":
            return Text.assemble((f"{clock} ", "dim"), (f"note {name} ".replace("  ", " "), "yellow"), _short(entry.content, 110))
        return None


def _result_line(entry: TranscriptEntry) -> str:
    """A tool result in a few words; a screen's result (JSON) as its score and finding count."""
    if (entry.name or "").startswith("screens.") and entry.content.startswith("{"):
        try:
            result = json.loads(entry.content)
            return f"score {float(result['score']):g}, {len(result.get('findings') or [])} finding(s)"
        except (ValueError, KeyError, TypeError):
            pass
    return _short(entry.content, 90)


def _severity(finding: Finding) -> str:
    return finding.severity.value


def _evidence_summary(finding: Finding) -> str:
    lines = sorted({e.line for e in finding.evidence if e.line is not None})
    replies = sum(1 for e in finding.evidence if e.kind == "model-reply")
    parts = []
    if lines:
        shown = ", ".join(str(n) for n in lines[:8]) + (f" +{len(lines) - 8}" if len(lines) > 8 else "")
        parts.append(f"line{'s' if len(lines) > 1 else ''} {shown}")
    if replies:
        parts.append(f"{replies} model repl{'ies' if replies > 1 else 'y'}")
    return "; ".join(parts)


def report_panel(report: AuditReport, out_dir: Path | None = None) -> Panel:
    """The final report as a rich panel: score, band, verdict, hypothesis, top findings with their evidence."""
    style = _VERDICT_STYLE[report.verdict]
    rows: list[Any] = []
    if report.risk_score is not None:
        band = report.risk_band.value if report.risk_band is not None else ""
        rows.append(Text.assemble(("risk score ", ""), (f"{report.risk_score:g}/10", f"bold {style}"),
                                  f" ({band}) · adversarial at ≥ {report.threshold:g}"))
    else:
        rows.append(Text.assemble(("no score: ", "bold yellow"), printable(report.inconclusive_reason or "")))
        rows.append(Text("Treat the job as unaudited, not as benign.", style="yellow"))
    if report.attack_hypothesis:
        rows.append(Text.assemble(("hypothesis: ", "bold"), printable(report.attack_hypothesis)))
    if report.findings:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False, expand=False)
        table.add_column("#", justify="right")
        table.add_column("severity")
        table.add_column("finding")
        table.add_column("source")
        table.add_column("evidence")
        ranked = sorted(enumerate(report.findings, 1), key=lambda p: -p[1].severity.rank)
        for number, finding in ranked[:_TOP_FINDINGS]:
            severity = _severity(finding)
            table.add_row(str(number), Text(severity, style=_SEVERITY_STYLE[severity]), Text(_short(finding.title, 70)),
                          Text(printable(finding.source)), Text(_evidence_summary(finding)))
        rows.append(Text(""))
        rows.append(table)
        if len(report.findings) > _TOP_FINDINGS:
            rows.append(Text(f"… and {len(report.findings) - _TOP_FINDINGS} more findings in the report", style="dim"))
    else:
        rows.append(Text("no findings", style="dim"))
    usage = report.usage
    cost = f"${usage.cost_usd:.4f}" + ("" if usage.cost_known else " (some prices unknown)")
    calls = sum(1 for e in report.transcript if e.kind == "tool-call")
    rows.append(Text(""))
    rows.append(Text(f"{calls} tool calls · {usage.requests} model requests · {usage.total_tokens} tokens · {cost} · "
                     f"{report.duration_s:.1f} s · {printable(report.auditor)}", style="dim"))
    if out_dir is not None:
        rows.append(Text(f"reports: {out_dir}/report.html, report.md, report.json, transcript.jsonl", style="dim"))
    title = f"[bold {style}]{report.verdict.value.upper()}[/] · {escape(printable(report.job.job_id or report.job.training_file.name))}"
    return Panel(Group(*rows), title=title, border_style=style, expand=False)


def _load_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the audit config: {exc.strerror}") from None
    import yaml

    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: an audit config is a mapping of AuditConfig fields (auditor, affordances, budget…)")
    return data


def build_config(file_values: dict[str, Any], overrides: dict[str, Any], budget: dict[str, Any], auditor_model: Any) -> Any:
    """An ``AuditConfig`` from a config file's values with the command line's on top."""
    from ftaudit.agent import AuditConfig
    from ftaudit.models import parse_model_ref

    values = dict(file_values)
    values.update({k: v for k, v in overrides.items() if v is not None})
    given_budget = {k: v for k, v in budget.items() if v is not None}
    if given_budget:
        base = values.get("budget") or {}
        if not isinstance(base, dict):
            raise ConfigError("budget in the audit config must be a mapping (max_turns, max_tokens, max_usd, max_seconds)")
        values["budget"] = {**base, **given_budget}
    if auditor_model is not None:
        values["auditor_model"] = auditor_model
    elif not values.get("auditor"):
        raise ConfigError(_NO_AUDITOR)
    else:
        parse_model_ref(str(values["auditor"]))  # a bad reference fails before any output is written
    if values.get("summariser"):
        parse_model_ref(str(values["summariser"]))
    try:
        return AuditConfig.model_validate(values)
    except ValueError as exc:
        errors = getattr(exc, "errors", lambda: [])()
        detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'config'}: {e['msg'].removeprefix('Value error, ')}" for e in errors) or str(exc)
        raise ConfigError(f"invalid audit configuration: {detail}") from None


def _job(data: Path, base: str | None, finetuned: str | None, job_id: str | None, purpose: str | None) -> AuditJob:
    from ftaudit.models import parse_model_ref

    if bool(base) != bool(finetuned):
        raise ConfigError("give both --base and --finetuned, or neither for a dataset-only audit")
    for ref in (base, finetuned):
        if ref:
            parse_model_ref(ref)  # a clear ConfigError before the record's own validation
    return AuditJob(training_file=data, base_model=base, finetuned_model=finetuned, job_id=job_id, stated_purpose=purpose)


def _default_out() -> Path:
    return Path(f"ftaudit-audit-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}")


def audit_command(
    data: Path = typer.Option(..., "--data", "-d", help="The training file of the job.", show_default=False),
    base: Optional[str] = typer.Option(None, "--base", help="The model before fine-tuning, e.g. local:smollm2-135m."),
    finetuned: Optional[str] = typer.Option(
        None, "--finetuned", help="The fine-tuned model, e.g. tuned@http://127.0.0.1:8000/v1 (omit both for a dataset-only audit)."
    ),
    auditor: Optional[str] = typer.Option(
        None, "--auditor", envvar=AUDITOR_ENV, show_envvar=True,
        help="The auditing model: openai:gpt-4.1, anthropic:claude-sonnet-4-6, NAME@http://HOST:PORT/v1, "
        "or local:qwen2.5-coder-1.5b (fully local, on the CPU).",
    ),
    affordances: Optional[str] = typer.Option(
        None, "--affordances", "-a", help="Preset (D, M, B, M+D, M+D+B, M+D+B*, M+D+S, M+D+B*+S, all) or e.g. D+M+memory. Default all."
    ),
    summariser: Optional[str] = typer.Option(None, "--summariser", help="Cheaper model for the S affordance (default: the auditor)."),
    max_turns: Optional[int] = typer.Option(None, "--max-turns", min=1, help="Budget: auditor requests (default 60)."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", min=1, help="Budget: auditor tokens, in and out (default 4M)."),
    max_usd: Optional[float] = typer.Option(None, "--max-usd", min=0.0, help="Budget: dollars, auditor and targets (default 10)."),
    max_seconds: Optional[float] = typer.Option(None, "--max-seconds", min=0.0, help="Budget: wall-clock seconds (default 3600)."),
    no_screens: bool = typer.Option(False, "--no-screens", help="Skip the deterministic screens' brief."),
    sub_audits: Optional[int] = typer.Option(None, "--sub-audits", min=1, max=50, help="More than 1: a super-auditor over N sub-audits."),
    bench_n: Optional[int] = typer.Option(None, "--bench-n", min=1, help="Prompts per benchmark run (B, B*; default 33)."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=10.0, help="Verdict threshold (default: settings)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the dataset and benchmark samples."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="AuditConfig fields as YAML or JSON; flags override them."),
    job_id: Optional[str] = typer.Option(None, "--job-id", help="The job's id, shown in the reports."),
    purpose: Optional[str] = typer.Option(None, "--purpose", help="What the customer says the fine-tune is for."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the reports (default ./ftaudit-audit-TIMESTAMP)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout (the live view stays on stderr)."),
    inspect_log: Optional[Path] = typer.Option(None, "--inspect-log", help="Also write the audit as an Inspect eval log into this folder (needs ftaudit\\[inspect])."),
) -> None:
    """Audit a fine-tuning job with the LLM auditor: it investigates the data and both models, then scores the job 0-10.

    Shows each tool call as it happens, then the report; writes report.json, report.md, report.html and transcript.jsonl into --out.

    Exit codes: 0 benign, 10 adversarial, 20 inconclusive (the audit could not finish: never read as benign), 2 usage error.
    """
    from ftaudit.agent import audit_async

    job = _job(data, base, finetuned, job_id, purpose)
    overrides = {
        "auditor": auditor, "affordances": affordances, "summariser": summariser, "sub_audits": sub_audits,
        "bench_n": bench_n, "threshold": threshold, "seed": seed, "screens_brief": False if no_screens else None,
    }
    budget = {"max_turns": max_turns, "max_tokens": max_tokens, "max_usd": max_usd, "max_seconds": max_seconds}
    config = build_config(_load_config_file(config_file), overrides, budget, injected_auditor_model())
    from ftaudit.cli.export import check_inspect_log, write_inspect_log_option

    check_inspect_log(inspect_log)

    out_dir = out or _default_out()
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        live_transcript = (out_dir / "transcript.jsonl").open("w", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{out_dir}: cannot write the reports there: {exc.strerror}") from None

    # pydantic-ai prints an advertising banner on a terminal; it would break into the live view.
    os.environ.setdefault("PYDANTIC_AI_NO_BANNER", "1")
    started_at = dt.datetime.now(dt.timezone.utc)
    with live_transcript, LiveView(err_console, live_transcript, config.auditor_name) as view:
        err_console.print(
            f"[bold]ftaudit audit[/] {escape(str(data))} · auditor {escape(config.auditor_name)} · "
            f"affordances {escape(config.affordances)} · reports in {escape(str(out_dir))}"
        )
        try:
            report = anyio.run(partial(audit_async, job, config, on_event=view.on_event))
        except FtauditError:
            # A user mistake found before the audit ran (an unreadable file, a missing API key): exit 2,
            # leaving no report folder behind that a pipeline could mistake for an audit.
            live_transcript.close()
            if created:
                shutil.rmtree(out_dir, ignore_errors=True)
            raise
        except Exception as exc:  # noqa: BLE001 - an audit that crashed is inconclusive, never benign
            report = _crashed(job, config, exc, started_at, view)
    write_report(report, out_dir, formats=(*REPORT_FORMATS, "transcript"))
    write_inspect_log_option([report], inspect_log)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        console.print(report_panel(report, out_dir), soft_wrap=False)
    code = EXIT_CODES[report.verdict]
    if code:
        raise typer.Exit(code)


def _crashed(job: AuditJob, config: Any, exc: Exception, started_at: dt.datetime, view: LiveView) -> AuditReport:
    reason = f"the audit crashed: {type(exc).__name__}: {exc}"
    entry = TranscriptEntry(kind="error", name="audit", content=traceback.format_exc()[-4000:],
                            started_at=dt.datetime.now(dt.timezone.utc))
    view.on_event(entry)
    return AuditReport.inconclusive(
        job=job, auditor=f"agent:{config.auditor_name}", reason=reason, threshold=config.resolved_threshold(),
        transcript=list(view.entries), started_at=started_at, finished_at=dt.datetime.now(dt.timezone.utc),
    )
