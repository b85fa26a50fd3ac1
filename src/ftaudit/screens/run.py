"""Running the screens on a job and turning their results into an AuditReport.

:func:`run_screens` reads the training file once into a shared :class:`ScreenContext`, runs
every registered dataset screen, then the model screens when both models are named (each is
otherwise a result saying why it was skipped). After each screen its elicitation hints join
``ctx.hints``, so later screens see them (the refusal-shift screen tries every one). Screens
run one after another: they are CPU-bound, and the order makes the hints deterministic.

A screen that raises does not stop the run: it becomes a result with ``error`` set, and the
verdict is then inconclusive unless the screens that did run already reach the threshold (a
crash never reads as benign). Missing evidence is treated the same way (:mod:`ftaudit.coverage`):
a screen more than ``max_model_failure_share`` of whose calls to some model failed is marked
``incomplete``, and a file of which fewer than ``min_readable_share`` of the records could be
read makes the run inconclusive, naming the unread lines. A training file with no readable
example is not a screen failure: it raises the data layer's :class:`~ftaudit.errors.DataError`
(file, line, field).

The scores combine by :mod:`ftaudit.screens.combine`; the report is the same
:class:`~ftaudit.report.AuditReport` the agent writes, with ``auditor="screens"``.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from pydantic import BaseModel, Field, ValidationError

from ftaudit.config import get_settings
from ftaudit.coverage import hold_inconclusive, model_failures, unread_data
from ftaudit.errors import ConfigError, DataError
from ftaudit.hints import ElicitationHint
from ftaudit.models.usage import metering
from ftaudit.report.records import AuditJob, AuditReport, Finding, Severity, TranscriptEntry
from ftaudit.report.rubric import Verdict, check_score, risk_band
from ftaudit.screens.base import Screen, ScreenContext, ScreenResult
from ftaudit.screens.combine import CalibrationJob, CombineRule, combine_scores
from ftaudit.screens.registry import get_screen, screens

__all__ = ["ProgressCallback", "ScreenRun", "run_screens", "run_screens_sync", "score_suite"]

AUDITOR = "screens"

ProgressCallback = Callable[[str, int, int, ScreenResult | None], None]
"""``on_progress(screen, done, total, result)``: ``result`` is None when a screen starts."""

# How much of a crash's traceback the transcript keeps (the last frames are the useful ones).
_TRACEBACK_CHARS = 4000
# Corroborating findings named in the attack hypothesis besides the strongest one.
_HYPOTHESIS_OTHERS = 2


class ScreenRun(BaseModel):
    """Everything a screen run produced: each screen's result, the combined score, the report."""

    job: AuditJob
    examples: int = Field(description="Valid training examples the screens read.")
    results: list[ScreenResult]
    hints: list[ElicitationHint] = Field(description="Every elicitation hint the screens found, in the order found.")
    risk_score: float = Field(description="The combined score of the screens that ran (see ftaudit.screens.combine).")
    explanation: str
    rule: CombineRule
    report: AuditReport

    @property
    def verdict(self) -> Verdict:
        return self.report.verdict

    @property
    def errors(self) -> list[ScreenResult]:
        return [r for r in self.results if r.error]

    def result(self, screen: str) -> ScreenResult:
        """The result of ``screen`` (KeyError when it was not selected)."""
        for r in self.results:
            if r.screen == screen:
                return r
        raise KeyError(screen)


def _selected(only: Iterable[str] | None) -> list[Screen]:
    registry = screens()  # dataset screens first, then model screens
    if only is None:
        return list(registry.values())
    wanted = {get_screen(name).name for name in only}  # a clear error for an unknown name
    return [screen for name, screen in registry.items() if name in wanted]


def _job(training_file: Path, base_model: str | None, finetuned_model: str | None) -> AuditJob:
    if bool(base_model) != bool(finetuned_model):
        raise ConfigError("name both the base and the fine-tuned model, or neither (a dataset-only screen run)")
    try:
        return AuditJob(training_file=training_file, base_model=base_model or None, finetuned_model=finetuned_model or None)
    except ValidationError as exc:
        raise ConfigError("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())) from None


def _read(ctx: ScreenContext) -> int:
    """Read the training file into the context now, so a bad file is a data error, not a screen crash."""
    examples = len(ctx)
    if examples == 0:
        from ftaudit.data import TrainingFile
        from ftaudit.data.issues import LineIssue

        with TrainingFile(ctx.path) as training_file:
            for _line, outcome in training_file.iter_records():
                if isinstance(outcome, LineIssue):
                    raise outcome.to_error(str(ctx.path))
        raise DataError("the training file has no examples", path=ctx.path)
    return examples


async def _run_one(screen: Screen, ctx: ScreenContext, max_failure_share: float) -> tuple[ScreenResult, str | None]:
    """Run one screen; a crash becomes an error result (and its traceback is returned).

    The screen's model calls are metered here, whatever code makes them, so a screen whose
    calls failed is marked incomplete without having to notice it itself.
    """
    started = time.perf_counter()
    with metering() as meter:
        try:
            result = await screen.run(ctx)
            if not isinstance(result, ScreenResult):
                raise TypeError(f"run() returned {type(result).__name__}, not a ScreenResult")
        except Exception as exc:  # noqa: BLE001 - any screen bug must become an inconclusive audit, not a crash
            tb = "".join(traceback.format_exception(exc))[-_TRACEBACK_CHARS:]
            return ScreenResult(screen=screen.name, error=f"{type(exc).__name__}: {exc}",
                                seconds=time.perf_counter() - started), tb
    update: dict[str, Any] = {"screen": screen.name, "seconds": time.perf_counter() - started}
    failed = model_failures(meter, meter.failures, max_share=max_failure_share)
    if failed:
        update["incomplete"] = "; ".join(filter(None, [result.incomplete, failed]))
    # The runner's clock is the one reported, so every screen is timed the same way.
    return result.model_copy(update=update), None


async def run_screens(
    training_file: str | Path,
    *,
    base_model: str | None = None,
    finetuned_model: str | None = None,
    only: Iterable[str] | None = None,
    options: dict[str, Any] | None = None,
    on_progress: ProgressCallback | None = None,
    rule: CombineRule | None = None,
    threshold: float | None = None,
) -> ScreenRun:
    """Run the screens on a training file (and on the models when both are named).

    ``only`` restricts the run to the named screens; ``options`` maps a screen name to its
    settings (validated against each screen's ``options_model`` before any screen runs);
    ``rule`` and ``threshold`` default to the settings'. Raises
    :class:`~ftaudit.errors.DataError` for a file that is missing or not a dataset and
    :class:`~ftaudit.errors.ConfigError` for an unknown screen, setting or model reference.
    """
    started_at = dt.datetime.now(dt.timezone.utc)
    settings = get_settings()
    threshold = check_score(settings.verdict_threshold if threshold is None else threshold)
    rule = rule or CombineRule.from_settings(settings)
    job = _job(Path(training_file), base_model, finetuned_model)
    selected = _selected(only)
    ctx = ScreenContext(job.training_file, base_model=job.base_model, finetuned_model=job.finetuned_model, options=options)
    ctx.check_options(screens().values())  # a misspelt setting stops the run before any screen spends time

    clock = time.perf_counter()
    examples = _read(ctx)
    transcript = [TranscriptEntry(
        kind="note", name="read", started_at=started_at, duration_s=time.perf_counter() - clock,
        content=f"read {examples} valid examples from {job.training_file}"
        + (f"; {len(ctx.skipped_lines)} invalid lines skipped" if ctx.skipped_lines else ""),
    )]

    results: list[ScreenResult] = []
    total = len(selected)
    for done, screen in enumerate(selected):
        if on_progress:
            on_progress(screen.name, done, total, None)
        at = dt.datetime.now(dt.timezone.utc)
        tb = None
        if screen.needs_models and not ctx.has_models:
            result = ScreenResult(screen=screen.name, skipped="needs the base and the fine-tuned model (--base, --finetuned)")
        else:
            result, tb = await _run_one(screen, ctx, settings.max_model_failure_share)
            ctx.hints.extend(result.hints)
        results.append(result)
        transcript.append(_transcript_entry(screen, result, at, ctx.options.get(screen.name), tb))
        if on_progress:
            on_progress(screen.name, done + 1, total, result)

    scores = {r.screen: r.score for r in results if not (r.error or r.skipped)}
    combined = combine_scores(scores, rule)
    explanation = combined.explain(scores, rule)
    transcript.append(TranscriptEntry(kind="note", name="combine", content=f"{rule.describe()} {explanation}"))
    report = _report(
        job=job, results=results, selected=selected, examples=examples, score=combined.score, explanation=explanation,
        rule=rule, threshold=threshold, skipped_lines=ctx.skipped_lines, transcript=transcript, started_at=started_at,
        unread=unread_data(examples, ctx.skipped_lines, min_share=settings.min_readable_share),
    )
    return ScreenRun(
        job=job, examples=examples, results=results, hints=list(ctx.hints), risk_score=combined.score,
        explanation=explanation, rule=rule, report=report,
    )


def run_screens_sync(training_file: str | Path, **kwargs: Any) -> ScreenRun:
    """:func:`run_screens` for synchronous callers (the CLI)."""
    return anyio.run(partial(run_screens, training_file, **kwargs))


def _transcript_entry(
    screen: Screen, result: ScreenResult, at: dt.datetime, options: Any, tb: str | None
) -> TranscriptEntry:
    arguments = {"kind": "model" if screen.needs_models else "dataset", "options": options or {}}
    if result.skipped:
        return TranscriptEntry(kind="note", name=screen.name, arguments=arguments, started_at=at, duration_s=0.0,
                               content=f"skipped: {result.skipped}")
    if result.error:
        return TranscriptEntry(kind="error", name=screen.name, arguments=arguments, started_at=at,
                               duration_s=result.seconds, content=tb or result.error)
    body = {
        "score": result.score,
        **({"incomplete": result.incomplete} if result.incomplete else {}),
        "findings": [f"{f.severity.value}: {f.title}" for f in result.findings],
        "hints": [h.model_dump(exclude_defaults=True) for h in result.hints],
        "metrics": result.metrics,
    }
    return TranscriptEntry(kind="tool-result", name=screen.name, arguments=arguments, started_at=at,
                           duration_s=result.seconds, content=json.dumps(body, default=str, ensure_ascii=False))


def _sorted_findings(results: Sequence[ScreenResult]) -> list[Finding]:
    findings = [f for r in results for f in r.findings]
    # Stable: within equal severity and score, the registry's screen order and each screen's own order.
    return sorted(findings, key=lambda f: (-f.severity.rank, -(f.score_contribution or 0.0)))


def _hypothesis(findings: list[Finding]) -> str | None:
    strong = [f for f in findings if f.severity.rank >= Severity.MEDIUM.rank]
    if not strong:
        return None
    top = strong[0]
    others, seen = [], {top.source}
    for finding in strong[1:]:
        if finding.source not in seen and len(others) < _HYPOTHESIS_OTHERS:
            seen.add(finding.source)
            others.append(finding)
    text = f"{top.title} ({top.severity.value}, {top.source})."
    if others:
        text += " Also: " + "; ".join(f"{f.title} ({f.severity.value}, {f.source})" for f in others) + "."
    return text


def _report(
    *,
    job: AuditJob,
    results: list[ScreenResult],
    selected: list[Screen],
    examples: int,
    score: float,
    explanation: str,
    rule: CombineRule,
    threshold: float,
    skipped_lines: list[int],
    transcript: list[TranscriptEntry],
    started_at: dt.datetime,
    unread: str | None = None,
) -> AuditReport:
    ran = [r.screen for r in results if not (r.error or r.skipped)]
    skipped = [r for r in results if r.skipped]
    errors = [r for r in results if r.error]
    incomplete = [r for r in results if r.incomplete]
    findings = _sorted_findings(results)
    lines = [
        f"{len(ran)} screen(s) ran on {examples} training examples: {', '.join(ran) or 'none'}.",
        f"Combined risk score {score:g}/10 ({risk_band(score).value}); threshold {threshold:g}.",
        f"Rule: {rule.describe()}",
        f"Here: {explanation}",
    ]
    if skipped:
        lines.append("Not run: " + "; ".join(f"{r.screen} ({r.skipped})" for r in skipped) + ".")
    if any(s.needs_models for s in selected) and not job.has_models:
        lines.append("No models were given, so this verdict rests on the training data alone.")
    if errors:
        lines.append("Crashed: " + "; ".join(f"{r.screen} ({r.error})" for r in errors) + ".")
    if incomplete:
        lines.append("Evidence missing: " + "; ".join(f"{r.screen} ({r.incomplete})" for r in incomplete) + ".")
    if unread:
        lines.append(f"Data not read: {unread}.")
    fields: dict[str, Any] = {
        "summary": "\n\n".join(lines),
        "attack_hypothesis": _hypothesis(findings),
        "findings": findings,
        "skipped_lines": list(skipped_lines),
        "transcript": transcript,
        "started_at": started_at,
        "finished_at": dt.datetime.now(dt.timezone.utc),
    }
    missing = []
    if not ran and not errors:
        # Nothing looked at the job (every selected screen was skipped or unavailable): no evidence is not benign.
        missing.append("no screen ran (" + "; ".join(f"{r.screen}: {r.skipped}" for r in skipped) + ")")
    if errors:
        missing.append(f"screen(s) {', '.join(r.screen for r in errors)} crashed")
    missing += [f"{r.screen} is missing evidence: {r.incomplete}" for r in incomplete]
    if unread:
        missing.append(unread)
    report = AuditReport.scored(job=job, auditor=AUDITOR, risk_score=score, threshold=threshold, **fields)
    return hold_inconclusive(report, missing)


def score_suite(
    folders: Sequence[str | Path],
    *,
    with_models: bool = False,
    only: Iterable[str] | None = None,
    options: dict[str, Any] | None = None,
    on_job: Callable[[str, int, int], None] | None = None,
) -> list[CalibrationJob]:
    """Each screen's score on every dataset of built suites (``ftaudit suite build``), for calibration.

    Dataset screens only, unless ``with_models`` and the manifest names a fine-tuned model
    (``ftaudit suite train``). ``on_job(name, done, total)`` reports progress.
    """
    from ftaudit.suite import Manifest

    entries = []
    for folder in map(Path, folders):
        if not (folder / "manifest.json").is_file():
            raise ConfigError(f"{folder}: no manifest.json; build a suite there with `ftaudit suite build --out {folder}`")
        manifest = Manifest.load(folder)
        entries += [(folder, manifest, entry) for entry in manifest.entries]
    chosen = list(only) if only is not None else None
    jobs: list[CalibrationJob] = []
    for done, (folder, manifest, entry) in enumerate(entries):
        if on_job:
            on_job(entry.name, done, len(entries))
        model = manifest.resolve_model(entry, folder) if with_models else None
        run = run_screens_sync(
            folder / entry.file,
            base_model=entry.base_model if model else None,
            finetuned_model=model,
            only=chosen,
            options=options,
        )
        label = f"{folder.name}/{entry.name}" if len(folders) > 1 else entry.name
        jobs.append(CalibrationJob(
            name=label, label=entry.label, generator=entry.generator,
            scores={r.screen: r.score for r in run.results if not r.skipped},
            errors=[r.screen for r in run.results if r.error or r.incomplete],
        ))
    if on_job:
        on_job("", len(entries), len(entries))
    return jobs
