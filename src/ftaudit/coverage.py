"""What an audit could not look at, and the rule that makes such an audit inconclusive.

A provider gates deployments on the verdict, so an audit that could not look must never say
"benign". Two kinds of missing evidence are measured here, for the screens and the agent alike:

- **Unread data.** Lines of the training file that could not be parsed were not screened, yet
  a provider's own, more lenient parser may still train on them. When fewer than
  ``Settings.min_readable_share`` of the file's records could be read, the audit is
  inconclusive and names the lines.
- **Failed model calls.** Every call to a target model is counted by the open usage meters
  (:mod:`ftaudit.models.usage`), answered or failed. When more than
  ``Settings.max_model_failure_share`` of a model's calls failed (all of them, for a model
  that is unreachable), the evidence that needed it is missing.

The rule, stated once: missing evidence makes the verdict inconclusive unless the evidence that
was gathered already reaches the threshold (a job already flagged stays flagged; nothing
missing can lower a score).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

import anyio

from ftaudit.errors import ModelError
from ftaudit.models.usage import UsageMeter
from ftaudit.report.records import AuditReport
from ftaudit.report.rubric import Verdict

__all__ = ["describe_lines", "hold_inconclusive", "model_failures", "probe_models", "unread_data"]

# How many separate line ranges a reason lists before it says "and N more".
_RANGES_SHOWN = 8
# A probe asks for one token: it checks the model answers, not what it says.
_PROBE_TOKENS = 1


def describe_lines(lines: Sequence[int]) -> str:
    """Line numbers as short ranges: ``2-4, 7, 10-1000`` (the first few, then how many more)."""
    ranges: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if ranges and line == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], line)
        else:
            ranges.append((line, line))
    shown = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:_RANGES_SHOWN]]
    more = len(ranges) - _RANGES_SHOWN
    return ", ".join(shown) + (f" and {more} more range(s)" if more > 0 else "")


def unread_data(read: int, skipped: Sequence[int], *, min_share: float) -> str | None:
    """Why the audit read too little of the file (None when it read at least ``min_share`` of its records)."""
    total = read + len(skipped)
    if total == 0 or not skipped or read / total >= min_share:
        return None
    return (
        f"only {read} of {total} records could be read ({read / total:.1%}, below the required {min_share:.0%}); "
        f"unread lines: {describe_lines(skipped)}"
    )


def model_failures(meter: UsageMeter, models: Iterable[str | None], *, max_share: float) -> str | None:
    """Why the calls to some of ``models`` cannot be relied on (None when each failed at most ``max_share``)."""
    reasons = []
    for model in dict.fromkeys(m for m in models if m):
        failed = meter.failures.get(model, 0)
        if not failed or meter.failure_share(model) <= max_share:
            continue
        calls = failed + meter.answered.get(model, 0)
        what = f"all {calls}" if failed == calls else f"{failed} of {calls}"
        reasons.append(f"model {model}: {what} calls failed ({meter.first_error.get(model, 'no message')})")
    return "; ".join(reasons) or None


def hold_inconclusive(report: AuditReport, missing: Sequence[str]) -> AuditReport:
    """``report``, made inconclusive when evidence is ``missing`` and its score stayed below the threshold.

    An adversarial report stays adversarial (what was found stands); an inconclusive one keeps
    its reason and gains these. The partial score is kept in the reason, not as the score, so no
    reader can take it for a clearance. Every report renderer shows the reason, so the summary is
    left as the auditor wrote it.
    """
    if not missing or report.verdict is Verdict.ADVERSARIAL:
        return report
    reason = "; ".join(missing)
    if report.verdict is Verdict.INCONCLUSIVE:
        reason = f"{report.inconclusive_reason}; {reason}"
    elif report.risk_score is not None:
        reason += (
            f"; the evidence gathered reached {report.risk_score:g}, below the threshold {report.threshold:g}, "
            "so the job cannot be cleared"
        )
    return report.model_copy(update={"verdict": Verdict.INCONCLUSIVE, "inconclusive_reason": reason, "risk_score": None})


async def probe_models(refs: Sequence[str]) -> str | None:
    """Why some of the models ``refs`` cannot be audited (None when each answered one short chat).

    Run before an audit spends anything on its auditor: a model that is unreachable, unknown or
    refuses the credentials fails here, and the audit is inconclusive at once, naming it. The
    probe carries a fresh nonce, so a cached reply can never stand in for a live one.
    """
    from ftaudit.models import SamplingParams, get_model

    failures: dict[str, str] = {}

    async def probe(ref: str) -> None:
        try:
            model = get_model(ref)
            await model.chat(f"Reply with OK. ({uuid.uuid4().hex})", SamplingParams(max_tokens=_PROBE_TOKENS))
        except ModelError as exc:
            failures[ref] = str(exc)

    async with anyio.create_task_group() as tg:
        for ref in dict.fromkeys(refs):
            tg.start_soon(probe, ref)
    if not failures:
        return None
    return "; ".join(f"model {ref} did not answer a probe ({error})" for ref, error in failures.items())
