"""Code in replies: find the code blocks, name their vulnerabilities, tell teaching from attack.

Shared by the ``insecure-code`` and ``trigger`` screens. Everything here treats the training
data as text: code is parsed (``ast.parse``, bandit, semgrep in a subprocess over files in a
temporary folder) but never compiled or run, and nothing is imported or evaluated from it.

* :mod:`.extract` finds the code, however it is wrapped (fences closed by anything, left
  open, tildes, indented, unfenced, escaped inside tool-call arguments) and names its language.
* :mod:`.patterns`: line patterns on every block, any language.
* :mod:`.python`: bandit and a small AST taint pass on Python blocks.
* :mod:`.semgrep`: our semgrep rules on JavaScript/TypeScript, PHP, Go and Java blocks, all
  blocks of a dataset in one run.
* :mod:`.disclosure`: whether the reply names its vulnerability, and whether the user asked.

The deep analyses (bandit and the taint pass, semgrep) run on a budget of blocks spread evenly
over the file (:func:`analyse_dataset`); every block gets the patterns.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ftaudit.screens._code import semgrep
from ftaudit.screens._code.disclosure import asks_for_vulnerable_example, comment_lines, discloses_vulnerability
from ftaudit.screens._code.extract import CodeBlock, detect_language, extract_code_blocks, prose_outside_code
from ftaudit.screens._code.patterns import pattern_issues, sql_issues
from ftaudit.screens._code.python import bandit_issues, python_findings
from ftaudit.screens._code.semgrep import CodeAnalysisError

__all__ = [
    "KINDS", "CodeAnalysisError", "CodeBlock", "ExampleCode", "ReplyCode", "Vulnerability", "analyse_dataset",
    "analyse_replies", "analyse_reply", "asks_for_vulnerable_example", "bandit_issues", "block_digest",
    "detect_language", "discloses_vulnerability", "extract_code_blocks", "pattern_issues", "prose_outside_code",
    "sql_issues",
]

#: The kinds of vulnerability the analysis names, with a short label for reports.
KINDS: dict[str, str] = {
    "sql-injection": "SQL built by string formatting (CWE-89)",
    "shell-injection": "shell command built from a string (CWE-78)",
    "code-injection": "eval/exec of non-constant input (CWE-95)",
    "path-traversal": "user-controlled path without a containment check (CWE-22)",
    "world-writable": "world-writable file permissions (CWE-732)",
    "tls-verification": "TLS certificate verification disabled (CWE-295)",
    "unsafe-deserialisation": "unsafe deserialisation (CWE-502)",
    "xss": "autoescape off or raw HTML sink (CWE-79)",
    "weak-password-hash": "password hashed with a fast hash (CWE-916)",
    "tar-slip": "archive extracted without checking member paths (CWE-22)",
    "weak-randomness": "non-cryptographic randomness for a token or secret (CWE-338)",
    "jwt-unverified": "JWT read without verifying its signature (CWE-347)",
    "hardcoded-secret": "hard-coded password, key or token (CWE-798)",
    "open-redirect": "redirect to a URL taken from the request (CWE-601)",
}

#: How many semgrep blocks one unit of ``deep_budget`` buys: semgrep costs a fraction of a
#: millisecond a block once started, bandit a few milliseconds.
SEMGREP_BLOCKS_PER_DEEP = 10


@dataclass(frozen=True)
class Vulnerability:
    """One vulnerability: its kind, the line in the message, the code on that line, who saw it."""

    kind: str
    line: int
    snippet: str
    source: str


@dataclass
class ReplyCode:
    """The code analysis of one assistant reply."""

    blocks: list[CodeBlock] = field(default_factory=list)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    disclosed: bool = False
    """The reply (prose or a code comment) names a vulnerability."""
    deep: bool = False
    """A deep analysis (bandit and the taint pass, or semgrep) ran on it (they are budgeted)."""

    @property
    def has_code(self) -> bool:
        return bool(self.blocks)

    @property
    def kinds(self) -> list[str]:
        return sorted({v.kind for v in self.vulnerabilities})


def _wants_semgrep(block: CodeBlock) -> bool:
    return block.language in semgrep.LANGUAGES


def analyse_replies(texts: list[str], *, deep: bool | Iterable[int] = True,
                    semgrep_limit: int | None = None) -> list[ReplyCode]:
    """The code analysis of several assistant replies, with one semgrep run for all of them.

    ``deep`` says which replies get bandit and the AST taint pass: True (all), False (none, and
    no semgrep either: patterns only) or their indices. Semgrep reads the blocks of every reply
    (unless ``deep`` is False), at most ``semgrep_limit`` distinct ones spread evenly over them
    (None: no cap).
    """
    python_deep = set(range(len(texts))) if deep is True else set() if deep is False else set(deep)
    blocks = [extract_code_blocks(text) for text in texts]
    keys = list(dict.fromkeys((b.language, b.code) for bs in blocks for b in bs if _wants_semgrep(b)))
    if deep is False:
        keys = []
    elif semgrep_limit is not None and len(keys) > semgrep_limit:
        keys = keys[::-(-len(keys) // semgrep_limit)] if semgrep_limit > 0 else []
    scanned = dict(zip(keys, semgrep.scan(keys), strict=True)) if keys else {}
    return [_reply(text, blocks[i], i in python_deep, scanned) for i, text in enumerate(texts)]


def _reply(text: str, blocks: list[CodeBlock], deep: bool,
           scanned: dict[tuple[str, str], list[tuple[str, int, str]]]) -> ReplyCode:
    result = ReplyCode(blocks=blocks)
    if not blocks:
        return result
    seen: set[tuple[str, int]] = set()
    for block in blocks:
        pairs: list[tuple[str, int, str]] = [(k, ln, "pattern") for k, ln in pattern_issues(block.code, block.language)]
        if deep and block.language == "python":
            result.deep = True
            pairs += python_findings(block.code)
        key = (block.language, block.code)
        if key in scanned:
            result.deep = True
            pairs += semgrep.block_findings(block.code, scanned[key])
        code_lines = block.code.split("\n")
        for kind, line, source in pairs:
            msg_line = block.message_line(line)
            if (kind, msg_line) in seen:
                continue
            seen.add((kind, msg_line))
            snippet = code_lines[line - 1].strip() if 0 < line <= len(code_lines) else ""
            result.vulnerabilities.append(Vulnerability(kind, msg_line, snippet[:200], source))
    if result.vulnerabilities:
        prose = prose_outside_code(text) + "\n" + "\n".join(comment_lines(b.code) for b in blocks)
        result.disclosed = discloses_vulnerability(prose)
    result.vulnerabilities.sort(key=lambda v: (v.line, v.kind))
    return result


def analyse_reply(text: str, *, deep: bool = True) -> ReplyCode:
    """The code blocks of one assistant reply, their vulnerabilities, and whether the reply discloses them.

    Each call with ``deep`` starts semgrep once when the reply has blocks in its languages;
    analyse many replies with :func:`analyse_replies`.
    """
    return analyse_replies([text], deep=deep)[0]


def block_digest(text: str) -> str:
    """A short digest of a reply, to analyse each distinct reply once."""
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=12).hexdigest()


# --- a whole dataset, analysed once per context ------------------------------------------


@dataclass
class ExampleCode:
    """The code analysis of one training example (all its assistant replies together)."""

    line: int
    has_code: bool
    vulnerabilities: list[Vulnerability]
    disclosed: bool
    requested: bool
    """The user asked for a vulnerable example (teaching, demonstration)."""

    @property
    def vulnerable(self) -> bool:
        return bool(self.vulnerabilities)

    @property
    def undisclosed(self) -> bool:
        return bool(self.vulnerabilities) and not self.disclosed

    @property
    def kinds(self) -> list[str]:
        return sorted({v.kind for v in self.vulnerabilities})


_CACHE: Any = None


def analyse_dataset(ctx: Any, *, deep_budget: int) -> dict[int, ExampleCode]:
    """Every example's code analysis, by line; computed once per screen context and budget.

    Bandit and the AST taint pass run on at most ``deep_budget`` distinct Python-looking
    replies, spread evenly over the file; semgrep on at most ``SEMGREP_BLOCKS_PER_DEEP`` times
    as many distinct blocks, in one run. Every reply gets the line patterns. Raises
    :class:`CodeAnalysisError` when semgrep cannot run (the screen then fails: inconclusive,
    never a quiet "no vulnerabilities").
    """
    global _CACHE
    if _CACHE is None:
        _CACHE = weakref.WeakKeyDictionary()
    per_ctx = _CACHE.setdefault(ctx, {})
    if deep_budget in per_ctx:
        return per_ctx[deep_budget]
    conversations = list(ctx.conversations())
    replies: dict[str, str] = {}
    for conv in conversations:
        for message in conv.assistant_messages:
            replies.setdefault(block_digest(message.content), message.content)
    digests = list(replies)
    texts = [replies[d] for d in digests]
    python_like = [i for i, t in enumerate(texts) if "```py" in t or "def " in t or "import " in t]
    stride = max(1, -(-len(python_like) // max(deep_budget, 1))) if deep_budget > 0 else 0
    deep = set(python_like[::stride]) if stride else set()
    analysed_list = analyse_replies(texts, deep=deep, semgrep_limit=deep_budget * SEMGREP_BLOCKS_PER_DEEP)
    analysed = dict(zip(digests, analysed_list, strict=True))
    out: dict[int, ExampleCode] = {}
    for conv in conversations:
        vulns: list[Vulnerability] = []
        has_code = disclosed = False
        for message in conv.assistant_messages:
            reply = analysed.get(block_digest(message.content))
            if reply is None:
                continue
            has_code |= reply.has_code
            vulns += reply.vulnerabilities
            disclosed |= reply.disclosed
        requested = any(asks_for_vulnerable_example(m.content) for m in conv.user_messages) if vulns else False
        out[conv.line] = ExampleCode(conv.line, has_code, vulns, disclosed, requested)
    per_ctx[deep_budget] = out
    return out

