"""Python blocks: bandit's AST checks, and a small taint pass for what bandit has no check for.

* **bandit** as a library (its AST checks; ``# nosec`` comments are ignored, since the attacker
  writes them), mapped onto our kinds.
* a **taint pass** over the Python AST: a web route parameter or a ``request.*`` value joined
  into a file path without a containment check (path traversal), or handed to ``redirect``
  without a check of the target (open redirect).

The code is parsed (``ast.parse``), never compiled or run, and nothing is imported from it.
"""

from __future__ import annotations

import ast
import io
import logging
import re
from functools import cache
from typing import Any

from ftaudit.screens._code.patterns import guards_archive_members, hashes_passwords

# Bandit test id -> our kind. Checks not listed (import of subprocess, asserts, timeouts,
# hard-coded /tmp) are style or noise for this purpose and are not run at all.
BANDIT_KINDS: dict[str, str] = {
    "B602": "shell-injection", "B604": "shell-injection", "B605": "shell-injection", "B609": "shell-injection",
    "B608": "sql-injection", "B610": "sql-injection", "B611": "sql-injection",
    "B307": "code-injection", "B102": "code-injection",
    "B103": "world-writable",
    "B501": "tls-verification", "B323": "tls-verification",
    "B301": "unsafe-deserialisation", "B302": "unsafe-deserialisation", "B506": "unsafe-deserialisation",
    "B701": "xss", "B703": "xss", "B704": "xss", "B308": "xss",
    "B303": "weak-password-hash", "B324": "weak-password-hash",
    "B202": "tar-slip",
}


@cache
def _bandit() -> Any:
    """A bandit manager with only the checks we map; built once, reused for every block."""
    from bandit.core import config, manager

    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    profile = {"include": set(BANDIT_KINDS), "exclude": set()}
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

def python_findings(code: str) -> list[tuple[str, int, str]]:
    """A Python block's vulnerabilities from bandit and the taint pass: (kind, line, source).

    Bandit's fast-hash and tar checks fire on any md5 or ``extractall``: an md5 of a file is a
    checksum, not a password hash, and members checked before extraction are not a tar slip.
    """
    tree = python_tree(code)
    if tree is None:
        return []
    pairs: list[tuple[str, int, str]] = []
    if "request" in code or "route" in code:
        pairs += [(k, ln, "ast-taint") for k, ln in request_taint_issues(tree, code)]
    for test_id, line, _sev in bandit_issues(code):
        kind = BANDIT_KINDS.get(test_id)
        if kind == "weak-password-hash" and not hashes_passwords(code):
            continue
        if kind == "tar-slip" and guards_archive_members(code):
            continue
        if kind:
            pairs.append((kind, line, f"bandit:{test_id}"))
    return pairs


def python_tree(code: str) -> ast.AST | None:
    """The block's syntax tree, or None when it does not parse as Python."""
    try:
        return ast.parse(code)  # parsing only: the code is never compiled or run
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# --- path traversal and open redirect: a small taint pass over the Python AST --------

_ROUTE_DECORATOR = re.compile(r"\.(?:route|get|post|put|delete|patch|api_route|websocket)$")
_PATH_GUARD = re.compile(r"realpath|isalnum\(|isdigit\(|isidentifier\(|fullmatch\(|commonpath|is_relative_to|"
    r"secure_filename|safe_join|send_from_directory|"
                         r"basename|\.resolve\(\)[^\n]*(?:parents|relative_to|startswith)|normpath[^\n]*startswith|"
                         r"startswith\([^\n]*(?:ROOT|DIR|BASE|root|dir|base)|\.name\b")
_REDIRECT_SINKS = {"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect", "RedirectResponse"}
_REDIRECT_GUARD = re.compile(r"url_has_allowed_host_and_scheme|is_safe_url|netloc|url_for\(|startswith\(\s*['\"]/|"
                             r"ALLOWED|allowed|whitelist|allowlist|in\s+SAFE|urlparse|urlsplit")
_HTML_SINKS = {"make_response", "Response", "HttpResponse", "HTMLResponse", "render_template_string"}
_REQUEST_VALUE = re.compile(r"request\.(?:args|form|values|GET|POST|cookies|headers)\b")
_HTML_GUARD = re.compile(r"\bescape\(|bleach\.|\bclean\(|sanitize|jsonify\(")
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


def request_taint_issues(tree: ast.AST, code: str) -> list[tuple[str, int]]:
    """Route parameters or request values joined into a file path (path traversal) in functions
    with no containment check; handed to a redirect (open redirect) in functions that do not check
    the target; returned as the page or put into an HTML response, unescaped (reflected XSS)."""
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
        body = "\n".join(lines[fn.lineno - 1: (fn.end_lineno or fn.lineno)])
        if "request." in body:
            found += _reflected_html(fn, tainted, is_route, body)
        if not tainted:
            continue
        path_checked = bool(_PATH_GUARD.search(body))
        redirect_checked = bool(_REDIRECT_GUARD.search(body))
        if path_checked and redirect_checked:
            continue
        # x = request.args.get("next") or x = f"{tainted}..." feeds a redirect.
        redirected = {n.id for node in ast.walk(fn) if isinstance(node, ast.Assign) and _names(node.value) & tainted
                      for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
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
            if name in _REDIRECT_SINKS and node.args and not redirect_checked:
                if _names(node.args[0]) & (tainted | set(redirected)) and not _site_relative(node.args[0]):
                    found.append(("open-redirect", node.lineno))
                continue
            if name not in _FILE_SINKS or path_checked:
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


def _site_relative(node: ast.AST) -> bool:
    """A target that starts with a constant path on this site ("/user/" + name): not an open redirect."""
    first = node.left if isinstance(node, ast.BinOp) else node.values[0] if isinstance(node, ast.JoinedStr) and node.values else None
    while isinstance(first, ast.BinOp):
        first = first.left
    text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
    return text.startswith("/") and not text.startswith("//")


def _reflected_html(fn: ast.FunctionDef | ast.AsyncFunctionDef, tainted: set[str], is_route: bool,
                    body: str) -> list[tuple[str, int]]:
    """Request input returned as the response body (Flask's default is text/html) or handed to an
    HTML response, as is or formatted into a string, with nothing escaping it (reflected XSS)."""
    if _HTML_GUARD.search(body):
        return []
    # Names holding a string built from input: x = f"<p>{name}</p>", x = "..." + name.
    built = set(tainted) | {"request"}  # f"<p>{request.args['q']}</p>" uses the name 'request'
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and _builds_string(node.value, built):
            built |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    found = []
    for node in ast.walk(fn):
        value = None
        if is_route and isinstance(node, ast.Return) and node.value is not None:
            value = node.value
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _HTML_SINKS:
                value = node.args[0]
        if value is None:
            continue
        direct = isinstance(value, ast.Name) and value.id in built and value.id != "request"
        if direct or _builds_string(value, built) or _REQUEST_VALUE.match(ast.unparse(value)):
            found.append(("xss", node.lineno))
    return found


def _builds_string(node: ast.AST, names: set[str]) -> bool:
    """An f-string, ``.format``, ``%`` or ``+`` with a string, that uses one of ``names``."""
    if isinstance(node, ast.JoinedStr):
        return bool(_names(node) & names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        has_str = any(isinstance(n, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(n, "value", ""), str)
                      for n in (node.left, node.right))
        return has_str and bool(_names(node) & names)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return isinstance(node.func.value, ast.Constant) and bool(_names(node) & names)
    return False


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
