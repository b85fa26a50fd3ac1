"""Descriptive statistics of a training file, computed in one streaming pass.

Memory stays small: per example only an 8-byte hash is kept (for exact duplicate
groups); lengths go into histograms, system prompts and prefixes into hash tallies that
grow with the number of distinct values, and no text is kept. Texts shown in the result
(system prompts, duplicate previews, prefixes) are re-read afterwards from the few
records that need them, through the reader's offset index.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ftaudit.data.conversation import Conversation, DatasetFormat
from ftaudit.data.detect import Layout
from ftaudit.data.issues import LineIssue
from ftaudit.data.reader import TrainingFile
from ftaudit.data.tally import HashTally, percentiles_from_counts
from ftaudit.data.textmetrics import (
    APPROX_TOKEN_PATTERN,
    approx_tokens,
    leading_words,
    non_ascii_chars,
    non_letter_chars,
)

DEFAULT_TOP = 10
# A "rare repeated prefix" starts user messages in at least this many examples...
RARE_PREFIX_MIN_EXAMPLES = 2
# ...and in at most this share of them: common openers ("What is the") are not rare.
RARE_PREFIX_MAX_SHARE = 0.05
# Prefixes are the first word and the first PREFIX_WORDS words of each user message.
PREFIX_WORDS = 3
# Bounds on what the result carries, so one odd record cannot bloat it.
DUPLICATE_LINES_CAP = 50
SYSTEM_PROMPT_MAX_CHARS = 2000
PREVIEW_CHARS = 80

_MASK64 = (1 << 64) - 1
# Prefix occurrences are tallied at (record position << _SUB_BITS | order within the
# record), so that ties between prefixes of one record rank in reading order.
_SUB_BITS = 8
_SUB_MAX = (1 << _SUB_BITS) - 1
_DECIMALS = 4


def _hash64(value: object) -> int:
    # Python's hash is 64-bit SipHash on 64-bit builds; collisions are negligible at
    # dataset sizes and it is far cheaper than hashlib. Only used within one process.
    return hash(value) & _MASK64


class Distribution(BaseModel):
    """Summary of one number measured per example."""

    count: int
    min: float
    mean: float
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def from_counts(cls, counts: dict[int, int]) -> Distribution | None:
        """The distribution of a value -> occurrences histogram, or None when empty."""
        if not counts:
            return None
        (p50, p90, p99), total, mean, low, high = percentiles_from_counts(counts, [50, 90, 99])
        # Rounded: interpolated percentiles otherwise print as 3.2000000000000003.
        return cls(
            count=total,
            min=low,
            mean=round(mean, _DECIMALS),
            p50=round(p50, _DECIMALS),
            p90=round(p90, _DECIMALS),
            p99=round(p99, _DECIMALS),
            max=high,
        )


class SystemPromptCount(BaseModel):
    """One distinct system prompt, how many examples use it and where it first appears."""

    text: str = Field(description=f"The prompt, cut at {SYSTEM_PROMPT_MAX_CHARS} characters.")
    truncated: bool = False
    count: int
    first_line: int


class DuplicateGroup(BaseModel):
    """Examples whose normalised conversations are identical."""

    count: int
    lines: list[int] = Field(description=f"Their line numbers (at most {DUPLICATE_LINES_CAP}).")
    preview: str = Field(description="The start of the first user message.")


class PrefixCount(BaseModel):
    """A user-message opening shared by a small share of examples (a possible trigger)."""

    prefix: str
    words: int = Field(description=f"1 for the first word, {PREFIX_WORDS} for the first words.")
    examples: int
    share: float
    first_line: int


class DatasetStats(BaseModel):
    """Statistics of one training file (see :func:`compute_stats`)."""

    path: str
    format: DatasetFormat
    layout: Layout
    total_records: int
    examples: int = Field(description="Valid records.")
    invalid_records: int
    skipped_lines: list[int] = Field(description="Line numbers of the invalid records.")
    messages_total: int
    messages_by_role: dict[str, int]
    turns_total: int = Field(description="Non-system messages (each user/assistant/tool message).")
    turns_per_example: Distribution | None
    approx_tokens_total: int
    approx_tokens: Distribution | None = Field(
        description="Approximate tokens per example: count of regex pieces "
        f"{APPROX_TOKEN_PATTERN!r} over all message content (no chat-template overhead)."
    )
    distinct_system_prompts: int
    examples_without_system_prompt: int
    top_system_prompts: list[SystemPromptCount]
    duplicate_groups: int = Field(description="Sets of two or more identical examples.")
    duplicate_extra_copies: int = Field(description="Examples beyond the first of each set.")
    top_duplicates: list[DuplicateGroup]
    content_chars: int
    non_ascii_share: float = Field(description="Share of content characters outside ASCII.")
    non_letter_share: float = Field(
        description="Share of content characters that are neither letters nor whitespace."
    )
    rare_prefix_max_share: float
    rare_prefixes: list[PrefixCount] = Field(
        description="First word / first words of user messages found in at least "
        f"{RARE_PREFIX_MIN_EXAMPLES} examples but at most rare_prefix_max_share of them."
    )


def _canonical(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _prefix_keys_of(words: list[str]) -> list[tuple[int, str, int]]:
    """``(hash, text, word count)`` for the openings of one user message's ``words``."""
    if not words:
        return []
    keys = [(_hash64((1, words[0])), words[0], 1)]
    if len(words) >= PREFIX_WORDS:
        text = " ".join(words[:PREFIX_WORDS])
        keys.append((_hash64((PREFIX_WORDS, text)), text, PREFIX_WORDS))
    return keys


def _prefix_keys(conv: Conversation) -> dict[int, tuple[str, int]]:
    """The hashed openings of the user messages: hash -> (prefix text, word count)."""
    return {
        key: (text, words)
        for message in conv.messages
        if message.role == "user"
        for key, text, words in _prefix_keys_of(leading_words(message.content, PREFIX_WORDS))
    }


def _preview(conv: Conversation) -> str:
    users = conv.user_messages
    text = " ".join((users[0] if users else conv.messages[0]).content.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


class _Accumulator:
    """The running totals of one pass.

    Per example only its 8-byte duplicate hash is kept (exact duplicate groups need
    them all); everything else is a histogram or a :class:`HashTally`, whose size
    follows the number of distinct values rather than the number of examples.
    """

    def __init__(self) -> None:
        self.examples = 0
        self.example_hashes = array("Q")
        self.invalid_positions = array("Q")  # to map the k-th example back to its record
        self.turns: Counter[int] = Counter()
        self.tokens: Counter[int] = Counter()
        self.roles: Counter[str] = Counter()
        self.system_prompts = HashTally()
        self.prefixes = HashTally()
        self.chars = 0
        self.non_ascii = 0
        self.non_letter = 0

    def add_invalid(self, position: int) -> None:
        self.invalid_positions.append(position)

    def add(self, position: int, conv: Conversation) -> None:
        """Count one valid example. One loop over its messages: this is the hot path."""
        self.examples += 1
        roles = self.roles
        turns = chars = 0
        system: str | None = None
        contents: list[str] = []
        key: list[tuple] = []  # what makes two examples duplicates
        prefixes: dict[int, None] = {}  # an ordered set, in reading order
        for m in conv.messages:
            content = m.content
            roles[m.role] += 1
            chars += len(content)
            contents.append(content)
            if m.role == "system":
                if system is None:
                    system = content
            else:
                turns += 1
            words = content.split()
            if m.role == "user":
                prefixes.update((h, None) for h, _, _ in _prefix_keys_of(words[:PREFIX_WORDS]))
            # Whitespace-normalised text, plus tool calls; weights do not change the text.
            key.append((m.role, " ".join(words), _canonical(m.tool_calls), m.tool_call_id, m.name))
        self.example_hashes.append(_hash64((tuple(key), _canonical(conv.tools))))
        self.turns[turns] += 1
        self.chars += chars
        text = "\n".join(contents)  # newline separators add no tokens and no non-letters
        self.tokens[approx_tokens(text)] += 1
        self.non_ascii += non_ascii_chars(text)
        self.non_letter += non_letter_chars(text)
        if system is not None:
            self.system_prompts.add(_hash64(system), position)
        for j, h in enumerate(prefixes):
            self.prefixes.add(h, (position << _SUB_BITS) | min(j, _SUB_MAX))

    def positions_of(self, examples: np.ndarray) -> list[int]:
        """Record positions of the given example indices (k-th valid example -> record)."""
        invalid = np.frombuffer(self.invalid_positions, dtype=np.uint64).astype(np.int64)
        # Before the k-th valid example come k valid records and every invalid record i
        # with invalid[i] - i <= k: a classic searchsorted over the shifted positions.
        shifted = invalid - np.arange(len(invalid))
        before = np.searchsorted(shifted, examples, side="right")
        return [int(k + b) for k, b in zip(examples, before)]


def compute_stats(
    source: str | Path | TrainingFile,
    top: int = DEFAULT_TOP,
    *,
    format: DatasetFormat | str | None = None,  # noqa: A002 - the user-facing name
    rare_prefix_max_share: float = RARE_PREFIX_MAX_SHARE,
) -> DatasetStats:
    """Statistics of a training file (a path or an open :class:`TrainingFile`).

    One streaming pass over the valid records (invalid ones are counted and listed in
    ``skipped_lines``); ``top`` bounds every ranked list (system prompts, duplicate
    groups, rare prefixes). ``format`` forces the record format when given a path.
    Raises :class:`~ftaudit.errors.DataError` when the file cannot be read.
    """
    owned = not isinstance(source, TrainingFile)
    tf = TrainingFile(source, format=format) if owned else source
    try:
        return _compute(tf, top, rare_prefix_max_share)
    finally:
        if owned:
            tf.close()


def _compute(tf: TrainingFile, top: int, rare_prefix_max_share: float) -> DatasetStats:
    acc = _Accumulator()
    skipped: list[int] = []
    total = 0
    for position, (line, outcome) in enumerate(tf.iter_records()):
        total += 1
        if isinstance(outcome, LineIssue):
            acc.add_invalid(position)
            skipped.append(line)
        else:
            acc.add(position, outcome)
    return DatasetStats(
        path=str(tf.path),
        format=tf.format,
        layout=tf.layout,
        total_records=total,
        examples=acc.examples,
        invalid_records=len(skipped),
        skipped_lines=skipped,
        messages_total=sum(acc.roles.values()),
        messages_by_role=dict(acc.roles.most_common()),
        turns_total=sum(n * count for n, count in acc.turns.items()),
        turns_per_example=Distribution.from_counts(acc.turns),
        approx_tokens_total=sum(n * count for n, count in acc.tokens.items()),
        approx_tokens=Distribution.from_counts(acc.tokens),
        **_system_prompt_stats(tf, acc, top),
        **_duplicate_stats(tf, acc, top),
        content_chars=acc.chars,
        non_ascii_share=acc.non_ascii / acc.chars if acc.chars else 0.0,
        non_letter_share=acc.non_letter / acc.chars if acc.chars else 0.0,
        rare_prefix_max_share=rare_prefix_max_share,
        rare_prefixes=_rare_prefixes(tf, acc, top, rare_prefix_max_share),
    )


def _system_prompt_stats(tf: TrainingFile, acc: _Accumulator, top: int) -> dict[str, Any]:
    prompts: list[SystemPromptCount] = []
    for _key, count, position in acc.system_prompts.ranked(top):
        text = tf.conversation_at(position).system_prompt or ""
        prompts.append(
            SystemPromptCount(
                text=text[:SYSTEM_PROMPT_MAX_CHARS],
                truncated=len(text) > SYSTEM_PROMPT_MAX_CHARS,
                count=count,
                first_line=tf.line_of(position),
            )
        )
    return {
        "distinct_system_prompts": acc.system_prompts.distinct(),
        "examples_without_system_prompt": acc.examples - len(acc.system_prompts),
        "top_system_prompts": prompts,
    }


def _duplicate_stats(tf: TrainingFile, acc: _Accumulator, top: int) -> dict[str, Any]:
    groups: list[DuplicateGroup] = []
    hashes = np.frombuffer(acc.example_hashes, dtype=np.uint64)
    # Find the repeated hashes with one sorted copy, then work only on their members:
    # np.unique over every example would need several example-sized temporaries.
    ordered = np.sort(hashes)
    repeats = ordered[1:] == ordered[:-1]
    extra = int(repeats.sum())
    repeated_values = np.unique(ordered[1:][repeats])
    del ordered, repeats
    members = np.flatnonzero(np.isin(hashes, repeated_values))
    uniq, first, counts = np.unique(hashes[members], return_index=True, return_counts=True)
    for k in np.lexsort((first, -counts))[:top]:
        in_group = members[hashes[members] == uniq[k]][:DUPLICATE_LINES_CAP]
        positions = acc.positions_of(in_group)
        groups.append(
            DuplicateGroup(
                count=int(counts[k]),
                lines=[tf.line_of(p) for p in positions],
                preview=_preview(tf.conversation_at(positions[0])),
            )
        )
    return {
        "duplicate_groups": len(repeated_values),
        "duplicate_extra_copies": extra,
        "top_duplicates": groups,
    }


def _rare_prefixes(
    tf: TrainingFile, acc: _Accumulator, top: int, max_share: float
) -> list[PrefixCount]:
    max_examples = int(max_share * acc.examples)
    found: list[PrefixCount] = []
    for key, count, first in acc.prefixes.ranked(
        top, min_count=RARE_PREFIX_MIN_EXAMPLES, max_count=max_examples
    ):
        position = first >> _SUB_BITS
        match = _prefix_keys(tf.conversation_at(position)).get(key)
        if match is None:  # only if the file changed after the pass
            continue
        text, words = match
        found.append(
            PrefixCount(
                prefix=text,
                words=words,
                examples=count,
                share=count / acc.examples,
                first_line=tf.line_of(position),
            )
        )
    return found
