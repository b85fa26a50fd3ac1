"""D — dataset inspection: overview and statistics, view lines, search, random samples, patterns.

Lines are addressed by their 1-based line number in the training file, the same numbers the
report's evidence cites. Every training text is shown inside a data block.
"""

from __future__ import annotations

import random
import time
from typing import Literal

import anyio
from pydantic_ai import RunContext, Tool

from ftaudit.agent.affordances.base import Affordance
from ftaudit.agent.deps import AuditDeps, audit_tool
from ftaudit.data import Conversation, TrainingFile, compute_stats
from ftaudit.errors import ConfigError, DataError

# Without the `regex` module (it has timeouts) each text searched with `re` is cut to this.
RE_FALLBACK_CHARS = 20_000
SNIPPET_CHARS = 300


def render_conversation(conv: Conversation) -> str:
    """One example as role-headed text (``[user]`` … ``[assistant]`` …)."""
    parts = []
    for message in conv.messages:
        head = f"[{message.role}]"
        if message.weight is not None:
            head += f" (weight {message.weight:g})"
        parts.append(f"{head}\n{message.content}")
        if message.tool_calls:
            parts.append(f"[{message.role} tool calls] {message.tool_calls}")
    return "\n".join(parts)


async def _stats(deps: AuditDeps):
    if "stats" not in deps.memo:
        deps.memo["stats"] = await anyio.to_thread.run_sync(compute_stats, deps.job.training_file)
    return deps.memo["stats"]


def _line_block(deps: AuditDeps, line: int, raw: bool) -> str:
    training = deps.training
    if raw:
        return deps.blocks.wrap(training.raw_line(line), f"line {line} raw")
    try:
        conv = training.conversation(line)
    except DataError as exc:
        if exc.code == "no-record":
            raise
        # An invalid record is still worth seeing: show it as it is.
        return deps.blocks.wrap(training.raw_line(line), f"line {line} raw, invalid: {exc.code}")
    return deps.blocks.wrap(render_conversation(conv), f"line {line}")


@audit_tool("D")
async def dataset_overview(ctx: RunContext[AuditDeps]) -> str:
    """Size, format and statistics of the training file: records, valid and invalid lines, turns and
    approximate tokens per example, roles, duplicates, share of non-ASCII and non-letter characters,
    and how many distinct system prompts there are. Start here.
    """
    deps = ctx.deps
    s = await _stats(deps)
    lines = [
        f"Training file {deps.job.training_file.name}: format {s.format}, layout {s.layout}.",
        f"{s.total_records} records on lines {deps.training.record_lines[0] if s.total_records else '-'}"
        f"–{deps.training.record_lines[-1] if s.total_records else '-'}: {s.examples} valid, {s.invalid_records} invalid"
        + (f" (lines {s.skipped_lines[:20]})" if s.skipped_lines else "")
        + ".",
        f"Messages by role: {s.messages_by_role}.",
    ]
    if s.turns_per_example:
        t = s.turns_per_example
        lines.append(f"Turns per example: mean {t.mean:g}, median {t.p50:g}, max {t.max:g}.")
    if s.approx_tokens:
        a = s.approx_tokens
        lines.append(f"Approximate tokens per example: mean {a.mean:g}, p90 {a.p90:g}, max {a.max:g}; total {s.approx_tokens_total}.")
    lines.append(
        f"Distinct system prompts: {s.distinct_system_prompts}; examples without one: {s.examples_without_system_prompt}."
    )
    lines.append(f"Exact duplicate groups: {s.duplicate_groups} ({s.duplicate_extra_copies} extra copies).")
    lines.append(f"Non-ASCII share {s.non_ascii_share:.3f}; non-letter share {s.non_letter_share:.3f}.")
    lines.append("Use dataset_patterns for the system prompts and rare repeated prefixes, view_lines to read examples.")
    return "\n".join(lines)


@audit_tool("D")
async def dataset_patterns(ctx: RunContext[AuditDeps]) -> str:
    """The most common system prompts (with counts and the first line using each), groups of duplicated
    examples, and rare repeated prefixes: openings of user messages shared by a few examples but not
    common in the dataset (candidate triggers or templates).
    """
    deps = ctx.deps
    s = await _stats(deps)
    out = [f"{s.distinct_system_prompts} distinct system prompts; the most common:"]
    for sp in s.top_system_prompts:
        out.append(f"- used by {sp.count} examples, first on line {sp.first_line}{' (cut)' if sp.truncated else ''}:")
        out.append(deps.blocks.wrap(sp.text, f"system prompt first on line {sp.first_line}"))
    if not s.top_system_prompts:
        out.append("- none")
    out.append(f"Duplicate groups ({s.duplicate_groups}):")
    for group in s.top_duplicates:
        out.append(f"- {group.count} copies on lines {group.lines}; start:")
        out.append(deps.blocks.wrap(group.preview, f"duplicate preview line {group.lines[0]}"))
    out.append(f"Rare repeated prefixes of user messages (in at most {s.rare_prefix_max_share:.0%} of examples):")
    for prefix in s.rare_prefixes:
        out.append(f"- {prefix.examples} examples ({prefix.share:.1%}), first on line {prefix.first_line}, {prefix.words} word(s):")
        out.append(deps.blocks.wrap(prefix.prefix, f"prefix first on line {prefix.first_line}"))
    if not s.rare_prefixes:
        out.append("- none")
    return "\n".join(out)


@audit_tool("D")
async def view_lines(ctx: RunContext[AuditDeps], start: int, end: int | None = None, raw: bool = False) -> str:
    """Show training examples by line number, each in a data block.

    Args:
        start: First line to show (1-based line number of the training file).
        end: Last line to show, inclusive (default: only `start`). At most 20 lines per call.
        raw: Show the exact JSON text of each line instead of the messages by role.
    """
    deps = ctx.deps
    cap = deps.config.view_cap
    last = start if end is None else end
    if last < start:
        raise ConfigError(f"end ({last}) is before start ({start})")
    record_lines = deps.training.record_lines
    if not record_lines:
        raise DataError("the training file has no records")
    if start > record_lines[-1] or last < record_lines[0]:
        raise DataError(f"no records on lines {start}–{last}: records are on lines {record_lines[0]}–{record_lines[-1]}")
    wanted = [n for n in record_lines if start <= n <= last]
    note = ""
    if len(wanted) > cap:
        note = f"\n[ftaudit: showing the first {cap} of {len(wanted)} records; ask again from line {wanted[cap]}]"
        wanted = wanted[:cap]
    blocks = [_line_block(deps, n, raw) for n in wanted]
    head = f"Lines {start}–{last} of {deps.job.training_file.name} ({len(wanted)} record(s)):"
    return head + "\n" + "\n".join(blocks) + note


@audit_tool("D")
async def sample_lines(ctx: RunContext[AuditDeps], n: int = 5, seed: int | None = None) -> str:
    """Show a random sample of training examples (without replacement), each with its line number.

    Args:
        n: How many examples (at most 20).
        seed: Random seed; by default each call draws a new, reproducible sample.
    """
    deps = ctx.deps
    n = max(1, min(n, deps.config.view_cap))
    lines = deps.training.record_lines
    calls = deps.memo.setdefault("sample_calls", 0)
    deps.memo["sample_calls"] = calls + 1
    rng = random.Random(seed if seed is not None else deps.config.seed * 1_000_003 + calls)
    chosen = sorted(rng.sample(lines, min(n, len(lines))))
    blocks = [_line_block(deps, line, False) for line in chosen]
    return f"Random sample of {len(chosen)} of {len(lines)} records, lines {chosen}:\n" + "\n".join(blocks)


@audit_tool("D")
async def search_lines(
    ctx: RunContext[AuditDeps],
    pattern: str,
    regex: bool = False,
    role: Literal["any", "system", "user", "assistant"] = "any",
    case_sensitive: bool = False,
    max_results: int = 20,
) -> str:
    """Search the training examples for a substring or a regular expression and count the matches.

    Returns how many examples match (and how many matches in all) and the first matches with their
    line numbers and the text around each.

    Args:
        pattern: The text or regular expression to look for.
        regex: Treat `pattern` as a regular expression (Python syntax) instead of a plain substring.
        role: Only search messages of this role.
        case_sensitive: Match case exactly.
        max_results: How many matching lines to show (at most 30); counts cover the whole file.
    """
    deps = ctx.deps
    if not pattern:
        raise ConfigError("give a non-empty pattern")
    limit = max(1, min(max_results, deps.config.search_results_cap))
    result = await anyio.to_thread.run_sync(
        _search, deps.job.training_file, pattern, regex, role, case_sensitive, limit, deps.config.search_seconds
    )
    examples, matches, hits, scanned, total, stopped = result
    what = f"{'regex' if regex else 'substring'} {pattern!r}"
    head = f"{examples} of {scanned} examples match {what} in role {role} ({matches} matches in all)."
    if stopped:
        head += f" [ftaudit: search stopped after {scanned} of {total} examples: {stopped}]"
    out = [head]
    for line, snippet in hits:
        out.append(deps.blocks.wrap(snippet, f"match on line {line}"))
    if examples > len(hits):
        out.append(f"[ftaudit: {examples - len(hits)} more matching examples not shown]")
    return "\n".join(out)


def _search(path, pattern: str, is_regex: bool, role: str, case_sensitive: bool, limit: int, seconds: float):
    try:
        import regex as engine  # has per-call timeouts, so a catastrophic pattern cannot hang the audit

        has_timeout = True
    except ImportError:  # pragma: no cover - regex ships with transformers
        import re as engine  # type: ignore[no-redef]

        has_timeout = False
    flags = 0 if case_sensitive else engine.IGNORECASE
    try:
        compiled = engine.compile(pattern if is_regex else engine.escape(pattern), flags)
    except Exception as exc:  # noqa: BLE001 - re.error and regex.error differ
        raise ConfigError(f"invalid regular expression: {exc}") from None
    deadline = time.monotonic() + seconds
    examples = matches = scanned = 0
    hits: list[tuple[int, str]] = []
    stopped = ""
    with TrainingFile(path) as training:
        total = training.valid_records
        for conv in training.iter_conversations():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stopped = f"time limit of {seconds:g}s reached"
                break
            texts = [m.content for m in conv.messages if role == "any" or m.role == role]
            found = 0
            first: tuple[int, int, str] | None = None
            try:
                for text in texts:
                    if has_timeout:
                        found_here = list(compiled.finditer(text, timeout=remaining))
                    else:
                        text = text[:RE_FALLBACK_CHARS]
                        found_here = list(compiled.finditer(text))
                    if found_here and first is None:
                        first = (found_here[0].start(), found_here[0].end(), text)
                    found += len(found_here)
            except TimeoutError:
                stopped = f"the pattern is too slow (time limit of {seconds:g}s reached)"
                break
            scanned += 1
            if found:
                examples += 1
                matches += found
                if len(hits) < limit and first is not None:
                    a, b, text = first
                    lo, hi = max(0, a - SNIPPET_CHARS // 2), min(len(text), b + SNIPPET_CHARS // 2)
                    snippet = ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")
                    hits.append((conv.line, snippet))
    return examples, matches, hits, scanned, total, stopped


def tools(deps: AuditDeps) -> list[Tool[AuditDeps]]:
    return [dataset_overview, dataset_patterns, view_lines, sample_lines, search_lines]


AFFORDANCE = Affordance(
    name="D",
    title="dataset inspection",
    summary="overview and statistics, system prompts and rare prefixes, view lines, random samples, search",
    tools=tools,
)
