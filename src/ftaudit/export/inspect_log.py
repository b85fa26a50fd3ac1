"""Audits as Inspect eval logs, to open in ``inspect view``.

One log holds one sample per audit. The sample's messages are the auditor's conversation: the
instructions (system), the job (user), each auditor message as a ``ChatMessageAssistant`` with
its ``ToolCall``s, and each answer as a ``ChatMessageTool`` paired with its call by the
transcript's ``call_id`` (a failed call carries a ``ToolCallError``). Its events hold the same
calls as ``ToolEvent``s and every other transcript entry (notes, the screens' own results,
errors outside a call) as an ``InfoEvent``, so nothing of the transcript is lost. The score is
the risk score (Inspect's no-answer ``"N"`` for an inconclusive audit) with the verdict as its
answer; the job, the verdict and the findings are the sample's metadata. An evaluation store
gives one log per configuration, with each job a sample, its repeats as epochs and its label
as the target.

Logs are written with ``inspect_ai.log.write_eval_log``, never by hand: its maintainers keep
the Python API stable, not the file format. ``inspect-ai`` is the optional extra
``ftaudit[inspect]``; without it these functions raise a :class:`~ftaudit.errors.ConfigError`
that says how to install it.

The transcript quotes training data and model replies (attacker-controlled): it goes into the
log as text, and Inspect's viewer shows messages as text.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ftaudit import __version__
from ftaudit.errors import ConfigError
from ftaudit.report.records import AuditReport, TranscriptEntry
from ftaudit.report.rubric import Verdict

INSTALL_HINT = "pip install 'ftaudit[inspect]'"
# The transcript adds "(calls: a, b)" to an auditor message for readers without the calls beside it.
_CALLS_SUFFIX = re.compile(r"\n?\(calls: [^)]*\)\Z")
# Our error types -> Inspect's ToolCallError types (anything else is "unknown").
_TOOL_ERROR_TYPES = {
    "ValidationError": "parsing",
    "NotRun": "cancelled",
    "RunTimedOut": "timeout",
    "UsageLimitExceeded": "limit",
    "BudgetExceeded": "limit",
}


def inspect_modules() -> Any:
    """The ``inspect_ai`` modules this exporter uses, or a ConfigError that says how to get them."""
    try:
        from inspect_ai import event
        from inspect_ai import log
        from inspect_ai import model
        from inspect_ai import scorer
        from inspect_ai import tool
    except ImportError as exc:
        raise ConfigError(f"writing Inspect logs needs the inspect-ai package ({exc}); install it with {INSTALL_HINT}") from exc

    return SimpleNamespace(event=event, log=log, model=model, scorer=scorer, tool=tool)


@dataclass
class AuditSample:
    """One audit to export: its report, the sample id and epoch, and what the evaluation knew of it."""

    report: AuditReport
    id: str
    epoch: int = 1
    target: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _usage(ia: Any, usage: Any) -> Any:
    return ia.model.ModelUsage(
        input_tokens=usage.input_tokens, output_tokens=usage.output_tokens, total_tokens=usage.total_tokens,
        total_cost=usage.cost_usd if usage.cost_known else None,
    )


def _tool_error(ia: Any, entry: TranscriptEntry) -> Any:
    if entry.kind != "error" or entry.error is None:
        return None
    kind = _TOOL_ERROR_TYPES.get(entry.error.type, "unknown")
    return ia.tool.ToolCallError(type=kind, message=f"{entry.error.type}: {entry.error.message}")


def _conversation(ia: Any, report: AuditReport) -> tuple[list[Any], list[Any], str | None]:
    """The sample's messages and events from the transcript, and the job prompt (the input)."""
    messages: list[Any] = []
    events: list[Any] = []
    job_prompt: str | None = None
    assistant: dict[str, Any] | None = None  # the auditor message being built: its text and calls
    calls: dict[str, TranscriptEntry] = {}  # call id -> the call, once it is part of an auditor message
    auditor = report.auditor.removeprefix("agent:")

    def flush() -> None:
        nonlocal assistant
        if assistant is not None:
            messages.append(ia.model.ChatMessageAssistant(
                content=assistant["content"], tool_calls=assistant["calls"] or None, model=auditor, source="generate",
            ))
            assistant = None

    def info(entry: TranscriptEntry) -> None:
        data = entry.model_dump(mode="json", exclude_none=True, exclude={"started_at"})
        events.append(ia.event.InfoEvent(source=f"ftaudit.{entry.kind}", data=data, **_stamp(entry)))

    for entry in report.transcript:
        short_name = (entry.name or "").rsplit(".", 1)[-1]
        if entry.kind == "auditor-message":
            flush()
            assistant = {"content": _CALLS_SUFFIX.sub("", entry.content), "calls": []}
        elif entry.kind == "tool-call" and entry.call_id and assistant is not None:
            assistant["calls"].append(ia.tool.ToolCall(
                id=entry.call_id, function=entry.name or "", arguments=dict(entry.arguments or {}),
            ))
            calls[entry.call_id] = entry
        elif entry.call_id is not None and entry.kind != "tool-call" and entry.call_id in calls:
            flush()
            call = calls.pop(entry.call_id)
            error = _tool_error(ia, entry)
            messages.append(ia.model.ChatMessageTool(
                content=entry.content, tool_call_id=entry.call_id, function=call.name, error=error,
            ))
            events.append(ia.event.ToolEvent(
                id=entry.call_id, function=call.name or "", arguments=dict(call.arguments or {}),
                result=entry.content, error=error, working_time=entry.duration_s, **_stamp(call),
            ))
        elif entry.kind == "system" and short_name == "instructions":
            flush()
            messages.append(ia.model.ChatMessageSystem(content=entry.content))
        elif entry.kind == "system" and short_name == "job":
            flush()
            job_prompt = job_prompt if job_prompt is not None else entry.content
            messages.append(ia.model.ChatMessageUser(content=entry.content))
        else:
            info(entry)
    flush()
    return messages, events, job_prompt


def _stamp(entry: TranscriptEntry) -> dict[str, Any]:
    return {"timestamp": entry.started_at} if entry.started_at is not None else {}


def _job_text(report: AuditReport) -> str:
    job = report.job
    models = (
        f"base model {job.base_model}, fine-tuned model {job.finetuned_model}" if job.has_models else "no models (dataset only)"
    )
    return f"Audit the fine-tuning job: training file {job.training_file.name}, {models}."


def _score(ia: Any, report: AuditReport) -> Any:
    scored = report.risk_score is not None and report.verdict is not Verdict.INCONCLUSIVE
    return ia.scorer.Score(
        value=report.risk_score if scored else ia.scorer.NOANSWER,
        answer=report.verdict.value,
        explanation=report.inconclusive_reason if report.verdict is Verdict.INCONCLUSIVE else report.summary,
        metadata={
            "verdict": report.verdict.value,
            "threshold": report.threshold,
            "risk_band": report.risk_band.value if report.risk_band is not None else None,
            "attack_hypothesis": report.attack_hypothesis,
            "inconclusive_reason": report.inconclusive_reason,
        },
    )


def _sample(ia: Any, item: AuditSample) -> Any:
    report = item.report
    messages, events, job_prompt = _conversation(ia, report)
    metadata = {
        "job": report.job.model_dump(mode="json"),
        "auditor": report.auditor,
        "verdict": report.verdict.value,
        "findings": [f.model_dump(mode="json") for f in report.findings],
        "skipped_lines": report.skipped_lines,
        **item.metadata,
    }
    error = None
    if item.error:
        error = ia.log.EvalError(message=item.error, traceback=item.error, traceback_ansi=item.error)
    return ia.log.EvalSample(
        id=item.id, epoch=item.epoch, input=job_prompt or _job_text(report), target=item.target,
        messages=messages, events=events, scores={"ftaudit": _score(ia, report)}, metadata=metadata,
        model_usage={name: _usage(ia, usage) for name, usage in report.usage_by_model.items()},
        started_at=_iso(report.started_at), completed_at=_iso(report.finished_at), total_time=report.duration_s,
        error=error,
    )


def _results(ia: Any, items: Sequence[AuditSample]) -> Any:
    reports = [i.report for i in items]
    scores = [r.risk_score for r in reports if r.risk_score is not None and r.verdict is not Verdict.INCONCLUSIVE]
    n = len(reports)
    metrics = {
        "mean": ia.log.EvalMetric(name="mean", value=sum(scores) / len(scores) if scores else 0.0),
        "adversarial": ia.log.EvalMetric(name="adversarial", value=sum(r.verdict is Verdict.ADVERSARIAL for r in reports) / n),
        "inconclusive": ia.log.EvalMetric(name="inconclusive", value=sum(r.verdict is Verdict.INCONCLUSIVE for r in reports) / n),
    }
    score = ia.log.EvalScore(name="ftaudit", scorer="ftaudit", scored_samples=len(scores),
                             unscored_samples=n - len(scores), metrics=metrics)
    return ia.log.EvalResults(total_samples=n, completed_samples=n, scores=[score])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "audit"


def write_inspect_log(
    items: Sequence[AuditSample | AuditReport],
    log_dir: str | Path,
    *,
    task: str = "ftaudit-audit",
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write one Inspect eval log of ``items`` (reports, or :class:`AuditSample`s) into ``log_dir``; return its path."""
    ia = inspect_modules()
    samples = [i if isinstance(i, AuditSample) else AuditSample(report=i, id=_report_id(i)) for i in items]
    if not samples:
        raise ConfigError("no audits to write to an Inspect log")
    reports = [s.report for s in samples]
    created = min(r.started_at for r in reports)
    auditors = sorted({r.auditor for r in reports})
    usage: dict[str, Any] = {}
    for report in reports:
        for name, value in report.usage_by_model.items():
            usage[name] = usage[name] + value if name in usage else value
    eval_id = uuid.uuid4().hex[:22]
    spec = ia.log.EvalSpec(
        eval_id=eval_id, run_id=uuid.uuid4().hex[:22], created=created.isoformat(), task=task, task_id=eval_id,
        task_version=0, dataset=ia.log.EvalDataset(name=task, samples=len({s.id for s in samples}),
                                                  sample_ids=list(dict.fromkeys(s.id for s in samples))),
        model=", ".join(auditors), config=ia.log.EvalConfig(epochs=max(s.epoch for s in samples)),
        packages={"ftaudit": __version__}, metadata={"ftaudit_version": __version__, **(metadata or {})},
    )
    log = ia.log.EvalLog(
        status="success", eval=spec, results=_results(ia, samples),
        stats=ia.log.EvalStats(started_at=created.isoformat(), completed_at=max(r.finished_at for r in reports).isoformat(),
                               model_usage={name: _usage(ia, value) for name, value in usage.items()}),
        samples=[_sample(ia, s) for s in samples],
    )
    folder = Path(log_dir)
    folder.mkdir(parents=True, exist_ok=True)
    # Inspect's own naming (time, task, id), so `inspect view` lists the log like its own.
    stamp = created.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H-%M-%S+00-00")
    path = folder / f"{stamp}_{_slug(task)}_{eval_id}.eval"
    ia.log.write_eval_log(log, str(path))
    return path


def _report_id(report: AuditReport) -> str:
    return report.job.job_id or report.job.training_file.name


def _read_report(path: Path) -> AuditReport:
    try:
        return AuditReport.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not an ftaudit report ({str(exc)[:300]})") from exc


def store_samples(store_path: str | Path) -> dict[str, list[AuditSample]]:
    """The audits of an evaluation store, per configuration, as samples (job id, repeat as epoch, label as target)."""
    from ftaudit.evaluate.store import ResultsStore

    out: dict[str, list[AuditSample]] = {}
    with ResultsStore(store_path, readonly=True) as store:
        for row in store.rows(with_reports=True):
            report = row.report()
            if report is None:
                continue  # a row written without its report has no transcript to show
            out.setdefault(row.config, []).append(AuditSample(
                report=report, id=row.job, epoch=row.repeat + 1, target=row.label, error=row.error,
                metadata={"config": row.config, "label": row.label, "attack": row.attack, "repeat": row.repeat},
            ))
    return out


def export_inspect(source: str | Path, log_dir: str | Path) -> list[Path]:
    """Write Inspect logs of ``source`` into ``log_dir``: an audit folder (with report.json) or a
    report.json gives one log of one sample; an evaluation store (``eval.sqlite``) one log per
    configuration. Returns the logs' paths."""
    inspect_modules()  # a missing extra is reported before anything is read
    path = Path(source)
    if path.is_dir():
        report_file = path / "report.json"
        if not report_file.is_file():
            raise ConfigError(f"{path}: no report.json here; give an audit's output folder or an evaluation store")
        return [write_inspect_log([_read_report(report_file)], log_dir)]
    if not path.exists():
        raise ConfigError(f"{path}: no such file or folder")
    if path.suffix == ".json":
        return [write_inspect_log([_read_report(path)], log_dir)]
    from ftaudit.evaluate.store import check_store

    check_store(path, must_exist=True)
    by_config = store_samples(path)
    if not by_config:
        raise ConfigError(f"{path}: the store holds no audit with a report to export")
    return [
        write_inspect_log(samples, log_dir, task=config, metadata={"store": str(path), "config": config})
        for config, samples in by_config.items()
    ]

