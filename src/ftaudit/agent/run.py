"""The audit loop: build the agent for a job, run it within budget, turn its verdict into a report.

One audit: (optionally) the screens' brief, then the agent investigates with the tools of its
affordance preset until it submits an :class:`~ftaudit.agent.verdict.AuditVerdict`. Every tool
call, result and auditor message goes into the transcript as it happens. The final score is
the agent's, or with ``score_rule="max"`` (the default) the larger of the agent's and the
screens' combined score: the screens cannot be argued with, so a dataset that talks the agent
down cannot lower the score below what the screens measured. Running out of budget, an auditor
model error or a run without a verdict ends the audit as ``inconclusive`` with the reason;
never as benign.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from pydantic_ai import Agent, ModelRetry, RunContext, Tool, ToolOutput, UsageLimits
from pydantic_ai.exceptions import RunTimedOut, UsageLimitExceeded
from pydantic_ai.messages import ModelResponse, RetryPromptPart, TextPart, ThinkingPart, ToolCallPart, ToolReturnPart

from ftaudit.agent.affordances import get_affordance
from ftaudit.agent.affordances.dataset import render_conversation
from ftaudit.agent.affordances.memory import render_notes
from ftaudit.agent.brief import brief_text
from ftaudit.agent.config import NOT_NUDGED, AuditConfig
from ftaudit.agent.datablock import DataBlocks
from ftaudit.agent.deps import AuditDeps, Recorder
from ftaudit.agent.llm import MeteredModel, resolve_auditor, response_usage, summariser_model
from ftaudit.agent.prompts import VERDICT_TOOL, job_prompt, nudge, system_prompt
from ftaudit.agent.verdict import AuditVerdict, verdict_findings
from ftaudit.data import TrainingFile
from ftaudit.errors import DataError, FtauditError
from ftaudit.models import Usage, UsageMeter, get_model, metering
from ftaudit.report.records import AuditJob, AuditReport, Finding, TranscriptEntry, TranscriptError

AGENT_SOURCE = "agent"
# How much of a tool call's unparseable arguments the transcript keeps.
_RAW_ARGS_CHARS = 2000


class BudgetExceeded(FtauditError):
    """The audit spent its money or time budget."""


@dataclass
class AgentOutcome:
    """What one agent run left: the report, its verdict (None when inconclusive) and its state."""

    report: AuditReport
    verdict: AuditVerdict | None
    deps: AuditDeps


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _record_response(recorder: Recorder, response: ModelResponse) -> None:
    """The auditor's message, then each tool call it made (the arguments as written, its call id)."""
    recorder.add(TranscriptEntry(
        kind="auditor-message", name="auditor", content=_auditor_text(response),
        tokens=response_usage(response).total_tokens or None, started_at=_now(),
    ))
    for part in response.parts:
        if isinstance(part, ToolCallPart):
            try:
                arguments = part.args_as_dict()
            except Exception:  # noqa: BLE001 - malformed JSON: kept as written, validation answers it
                arguments = {"raw": str(part.args)[:_RAW_ARGS_CHARS]}
            recorder.add(TranscriptEntry(
                kind="tool-call", name=part.tool_name, call_id=part.tool_call_id, arguments=arguments, started_at=_now(),
            ))


def _record_framework_answer(recorder: Recorder, part: Any) -> None:
    """Record ``part`` when it answers a call no tool of ours answered (the only record of it)."""
    call_id = getattr(part, "tool_call_id", None)
    if not isinstance(part, (ToolReturnPart, RetryPromptPart)) or call_id is None or not recorder.is_open(call_id):
        return
    retried = isinstance(part, RetryPromptPart) or part.outcome == "retried"
    if retried or part.outcome != "success":
        text = part.model_response() if isinstance(part, RetryPromptPart) else part.model_response_str()
        if not isinstance(part.content, str):
            error_type = "ValidationError"
        elif retried:
            error_type = "ModelRetry"
        else:
            error_type = f"Tool{part.outcome.capitalize()}"
        recorder.add(TranscriptEntry(
            kind="error", name=part.tool_name or "auditor", call_id=call_id, started_at=_now(),
            content=f"sent back to the auditor: {text}", error=TranscriptError(type=error_type, message=text),
        ))
    else:
        recorder.add(TranscriptEntry(
            kind="tool-result", name=part.tool_name, call_id=call_id, content=part.model_response_str(), started_at=_now(),
        ))


def _auditor_text(response: Any) -> str:
    texts = [p.content for p in response.parts if isinstance(p, TextPart) and p.content.strip()]
    thoughts = [p.content for p in response.parts if isinstance(p, ThinkingPart) and p.content.strip()]
    calls = [p.tool_name for p in response.parts if isinstance(p, ToolCallPart)]
    out = "\n".join(texts)
    if thoughts:
        out = ("(thinking) " + "\n".join(thoughts) + ("\n" + out if out else "")).strip()
    if calls:
        out += ("\n" if out else "") + f"(calls: {', '.join(calls)})"
    return out


def _line_text(training: TrainingFile, line: int) -> str | None:
    try:
        return render_conversation(training.conversation(line))
    except DataError as exc:
        if exc.code == "no-record":
            return None
        try:
            return training.raw_line(line)
        except DataError:
            return None


async def run_agent(
    job: AuditJob,
    config: AuditConfig,
    *,
    recorder: Recorder,
    screen_run: Any | None,
    extra_tools: list[Tool[AuditDeps]] | None = None,
    extra_tools_line: str = "",
    extra_prompt: Callable[[DataBlocks], str] | None = None,
    required: dict[str, str] | None = None,
    meter: Any = None,
    started_at: dt.datetime | None = None,
) -> AgentOutcome:
    """Run the auditing agent once on ``job``; see the module docstring.

    ``extra_tools`` (their line for the system prompt in ``extra_tools_line``), ``extra_prompt``
    (given the audit's data blocks, returns text added to the job brief) and ``required`` (marks
    in ``deps.used`` the nudge asks for, with what to call them) are how the super-auditor extends
    a plain audit. Every call of the audit (auditor, targets, summariser) is recorded into
    ``meter`` (a new one by default), and the report's usage is what it holds.
    """
    started_at = started_at or _now()
    threshold = config.resolved_threshold()
    blocks = DataBlocks(limit=config.block_chars)
    training = TrainingFile(job.training_file)
    records = await anyio.to_thread.run_sync(len, training)  # builds the line index once, off the loop
    if records == 0:
        raise DataError("the training file has no records", path=job.training_file)

    wanted = config.affordance_names
    affordances = tuple(a for a in wanted if job.has_models or not get_affordance(a).needs_models)
    if dropped := [a for a in wanted if a not in affordances]:
        recorder.note(f"affordances {', '.join(dropped)} need the base and fine-tuned models, which this job lacks")
    deps = AuditDeps(
        job=job,
        config=config,
        blocks=blocks,
        recorder=recorder,
        training=training,
        affordances=affordances,
        base=get_model(job.base_model) if job.base_model else None,
        finetuned=get_model(job.finetuned_model) if job.finetuned_model else None,
    )
    if screen_run is not None:
        # The white-box readout (W) tries the elicitations the screens found, as the screens do.
        from ftaudit.agent.affordances.whitebox import HINTS_KEY

        deps.memo[HINTS_KEY] = list(screen_run.hints)
    if "S" in affordances:
        deps.summariser = summariser_model(config.summariser, config.summariser_model, config.auditor, config.auditor_model)

    tools = [tool for name in affordances for tool in get_affordance(name).tools(deps)] + list(extra_tools or [])
    instructions = system_prompt(config, blocks, affordances, extra_tools=extra_tools_line)
    brief = brief_text(screen_run, blocks) if screen_run is not None else None
    extra = extra_prompt(blocks) if extra_prompt is not None else None
    prompt = job_prompt(job, records, str(training.format), blocks, brief=brief, extra=extra)
    recorder.add(TranscriptEntry(kind="system", name="instructions", content=instructions, started_at=_now()))
    recorder.add(TranscriptEntry(kind="system", name="job", content=prompt, started_at=_now()))

    verdict: AuditVerdict | None = None
    reason: str | None = None
    error_type = "Inconclusive"
    clock = time.perf_counter()

    # One ledger: the auditor (through MeteredModel), the targets and the summariser (ChatModels)
    # all record into ``spent``; the report's usage is its total.
    with metering(meter) as spent:
        try:
            model = MeteredModel(resolve_auditor(config.auditor, config.auditor_model), config.auditor_name)
            agent = _build_agent(model, instructions, tools, "memory" in affordances)
            _add_validator(agent, required or {})
            limits = UsageLimits(request_limit=config.budget.max_turns, total_tokens_limit=config.budget.max_tokens)
            async with agent.iter(prompt, deps=deps, usage_limits=limits, timeout=config.budget.max_seconds) as run:
                async for node in run:
                    if Agent.is_call_tools_node(node):
                        _record_response(recorder, node.model_response)
                    elif Agent.is_model_request_node(node):
                        # What the framework answered for the calls no tool answered (arguments that
                        # failed validation, an unknown tool, a call skipped once the verdict was in).
                        for part in node.request.parts:
                            _record_framework_answer(recorder, part)
                        _check_budget(config, spent, clock)
                if run.result is not None:
                    verdict = run.result.output
                else:
                    reason = "the auditor stopped without a verdict"
        except UsageLimitExceeded as exc:
            reason, error_type = f"budget exhausted: {exc}", "UsageLimitExceeded"
        except RunTimedOut:
            reason, error_type = f"budget exhausted: the audit ran past its time limit of {config.budget.max_seconds:g}s", "RunTimedOut"
        except BudgetExceeded as exc:
            reason, error_type = f"budget exhausted: {exc}", "BudgetExceeded"
        except Exception as exc:  # noqa: BLE001 - any failure is an inconclusive audit, never a benign one
            crashed = deps.memo.get("crashed_tool")
            what = f"the tool {crashed} crashed" if crashed else "auditor model error"
            reason, error_type = f"{what}: {type(exc).__name__}: {exc}", type(exc).__name__
            recorder.add(TranscriptEntry(
                kind="error", name="auditor", content=traceback.format_exc()[-4000:], started_at=_now(),
                error=TranscriptError(type=type(exc).__name__, message=str(exc)),
            ))
    for call in recorder.open_calls():
        # Every call in the transcript gets its answer, even one the audit ended before running.
        recorder.add(TranscriptEntry(
            kind="error", name=call.name, call_id=call.call_id, arguments=call.arguments, started_at=_now(),
            content=f"not run: the audit ended first ({reason or 'the verdict was already in'})",
            error=TranscriptError(type="NotRun", message=reason or "the verdict was already in"),
        ))
    if reason is not None:
        recorder.note(reason, name="audit", kind="error", error_type=error_type)

    usage_by_model = dict(spent.by_model)
    total = spent.total
    report = _report(job, config, deps, verdict, reason, screen_run, threshold, started_at, total, usage_by_model)
    training.close()
    return AgentOutcome(report=report, verdict=verdict, deps=deps)


def _build_agent(model: Any, instructions: str, tools: list[Tool[AuditDeps]], memory: bool) -> Agent[AuditDeps, AuditVerdict]:
    agent: Agent[AuditDeps, AuditVerdict] = Agent(
        model,
        output_type=ToolOutput(
            AuditVerdict, name=VERDICT_TOOL, description="Submit your final, evidence-backed verdict. Ends the audit."
        ),
        instructions=instructions,
        deps_type=AuditDeps,
        tools=tools,
        retries={"tools": 3, "output": 3},
    )
    if memory:

        @agent.instructions
        def notes(ctx: RunContext[AuditDeps]) -> str:
            # Re-rendered before every request: the notes are always in front of the auditor.
            return render_notes(ctx.deps.notes, ctx.deps.blocks)

    return agent


def _add_validator(agent: Agent[AuditDeps, AuditVerdict], required: dict[str, str]) -> None:
    @agent.output_validator
    def continue_nudge(ctx: RunContext[AuditDeps], verdict: AuditVerdict) -> AuditVerdict:
        deps = ctx.deps
        unused = [a for a in deps.affordances if a not in NOT_NUDGED and a not in deps.used]
        missing = [label for mark, label in required.items() if mark not in deps.used]
        if deps.config.continue_nudge and (unused or missing) and not deps.memo.get("nudged"):
            deps.memo["nudged"] = True
            message = nudge(unused) if unused else ""
            if missing:
                message = (message + " " if message else "") + (
                    f"You have not yet read: {', '.join(missing)}. Read them before you call {VERDICT_TOOL} again."
                )
            # The nudge is what this verdict call got back: it answers the call.
            deps.recorder.add(TranscriptEntry(
                kind="note", name="continue-nudge", call_id=ctx.tool_call_id, content=message, started_at=_now()
            ))
            raise ModelRetry(message)
        deps.recorder.add(TranscriptEntry(
            kind="tool-result", name=VERDICT_TOOL, call_id=ctx.tool_call_id,
            content=f"verdict accepted: risk score {verdict.risk_score:g}", started_at=_now(),
        ))
        return verdict


def _check_budget(config: AuditConfig, spent: UsageMeter, clock: float) -> None:
    budget = config.budget
    if budget.max_usd is not None:
        cost = spent.total.cost_usd
        if cost >= budget.max_usd:
            raise BudgetExceeded(f"spent ${cost:.4f} of the ${budget.max_usd:g} budget")
    if budget.max_seconds is not None and time.perf_counter() - clock >= budget.max_seconds:
        raise BudgetExceeded(f"the audit ran past its time limit of {budget.max_seconds:g}s")


def final_score(agent_score: float, screen_run: Any | None, rule: str) -> tuple[float, str]:
    """The report's score and how it was reached (``rule``: 'max' or 'agent')."""
    if screen_run is None or rule == "agent":
        return agent_score, f"agent score {agent_score:g}"
    screens = float(screen_run.risk_score)
    final = max(agent_score, screens)
    return final, f"agent score {agent_score:g}, screens score {screens:g}; final = max of the two = {final:g}"


def _report(
    job: AuditJob,
    config: AuditConfig,
    deps: AuditDeps,
    verdict: AuditVerdict | None,
    reason: str | None,
    screen_run: Any | None,
    threshold: float,
    started_at: dt.datetime,
    usage: Usage,
    usage_by_model: dict[str, Usage],
) -> AuditReport:
    screen_findings: list[Finding] = list(screen_run.report.findings) if screen_run is not None else []
    fields: dict[str, Any] = {
        "transcript": list(deps.recorder.entries),
        "usage": usage,
        "usage_by_model": usage_by_model,
        "started_at": started_at,
        "skipped_lines": list(deps.training.skipped_lines),
    }
    auditor = f"agent:{config.auditor_name}"
    if verdict is None:
        notes = "\n".join(f"#{n.id} [{n.kind}, {n.status}] {n.text}" for n in deps.notes)
        summary = f"The agent did not finish: {reason}."
        if screen_run is not None:
            summary += f" The screens' combined score was {screen_run.risk_score:g}/10."
        if notes:
            summary += f"\n\nThe auditor's notes when it stopped:\n{notes}"
        return AuditReport.inconclusive(
            job=job, auditor=auditor, reason=reason or "no verdict", threshold=threshold,
            summary=summary, findings=screen_findings, finished_at=_now(), **fields,
        )
    line_text: dict[int, str | None] = {}
    for finding in verdict.key_findings:
        for item in finding.evidence:
            if item.line is not None and item.line not in line_text:
                line_text[item.line] = _line_text(deps.training, item.line)
    agent_findings = verdict_findings(
        verdict, source=AGENT_SOURCE, line_text=line_text, model_names=deps.model_names(), replies_seen=deps.replies_seen
    )
    score, how = final_score(verdict.risk_score, screen_run, config.score_rule)
    used = ", ".join(a for a in deps.affordances if a in deps.used) or "none"
    summary = (
        f"{verdict.evidence_summary}\n\nRisk assessment: {verdict.risk_assessment}\n\n"
        f"Score: {how} (rule: {config.score_rule}). Affordances used: {used} (available: {', '.join(deps.affordances)})."
    )
    return AuditReport.scored(
        job=job, auditor=auditor, risk_score=score, threshold=threshold,
        attack_hypothesis=verdict.attack_hypothesis, summary=summary,
        findings=agent_findings + screen_findings, finished_at=_now(), **fields,
    )
