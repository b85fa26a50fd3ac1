"""Semgrep on the JavaScript/TypeScript, PHP, Go and Java blocks of a whole dataset, offline.

The rules are ours (``resources/*.yml``, expanded by :func:`rules`): request input tracked to
command, HTML, file, redirect, eval and SQL sinks (taint mode, sanitisers such as
``escapeshellarg`` or ``filepath.Base`` honoured), and structural rules for commands built
from non-constant strings however ``child_process`` was imported, SQL built with
``fmt.Sprintf`` or concatenation, ``ObjectInputStream`` and trust-all TLS. No registry rule,
no login, no metrics: nothing is fetched.

Every block goes into one temporary folder and one semgrep run covers them all (the OCaml
command line in the semgrep wheel, started once: 0.2 s, then well under a millisecond a block
on two cores), so the cost is per dataset, not per block. The blocks are files to parse,
never run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ftaudit.errors import FtauditError

#: Block language -> (rules file, file extension semgrep infers the language from).
LANGUAGES: dict[str, tuple[str, str]] = {
    "javascript": ("javascript.yml", ".js"),
    "typescript": ("javascript.yml", ".ts"),
    "php": ("php.yml", ".php"),
    "go": ("go.yml", ".go"),
    "java": ("java.yml", ".java"),
}
_RESOURCES = Path(__file__).parent / "resources"
# What a block must contain for any rule of its language to match: a request source, or a
# sink or construct a structural rule names. Most code has none, and is not scanned at all.
_PREFILTER: dict[str, re.Pattern[str]] = {
    "javascript": re.compile(r"\breq\.|\brequest\.|\bctx\.|location\b|URLSearchParams|child_process|\bexec|\beval\(|"
                             r"Function\(|innerHTML|outerHTML|insertAdjacentHTML|document\.write|\bvm\.|runIn|spawn"),
    "php": re.compile(r"\$_(?:GET|POST|REQUEST|COOKIE|FILES|SERVER)|php://input|->(?:input|query|get|post)\(|\$argv|"
                      r"shell_exec|system\(|exec\(|passthru|popen|proc_open|pcntl_exec|eval\(|assert\(|create_function|"
                      r"call_user_func|unserialize"),
    "go": re.compile(r"\.URL\.|FormValue|PostForm|\.Form\b|Header\.Get|Referer|\.Body\b|mux\.Vars|URLParam|\.Query\(|"
                     r"\.(?:Default)?Query\(|\.Params?\(|QueryParam|os\.Args|exec\.Command|Sprintf|syscall\.Exec"),
    "java": re.compile(r"getParameter|getHeader|getQueryString|getPathInfo|getRequestURI|getCookies|getInputStream|"
                       r"getReader|@(?:RequestParam|PathVariable|RequestBody|RequestHeader|QueryParam|PathParam)|Runtime|"
                       r"ProcessBuilder|ObjectInputStream|(?i:execute|query|prepareStatement)|checkServerTrusted|"
                       r"SSLSession|HostnameVerifier|Noop"),
}
_PREFILTER["typescript"] = _PREFILTER["javascript"]
# A containment check of a path (HasPrefix after Clean, startsWith after normalize…): semgrep's taint mode does not see one.
_CONTAINMENT = re.compile(r"HasPrefix\(|startsWith\(|str_starts_with\(|strpos\([^)\n]*\)\s*[!=]==?\s*0|filepath\.Rel\(|"
                          r"realpath|is_relative_to|commonpath|getCanonicalPath\(\)[^\n]*startsWith|['\"]\.\.['\"]")
_PHP_OPEN = "<?php\n"
_RUN_TIMEOUT_S = 600.0
_FILE_TIMEOUT_S = 5
_MAX_BLOCK_BYTES = 200_000


class CodeAnalysisError(FtauditError):
    """The code analyser could not run (not installed, or it failed on the whole batch)."""


def _expand(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """One language file of ours as semgrep rules: each ``taint`` kind becomes a taint rule."""
    languages = spec["languages"]
    out = [dict(rule) for rule in spec.get("rules") or []]
    for kind, taint in (spec.get("taint") or {}).items():
        rule: dict[str, Any] = {
            "id": f"{name}-{kind}-from-input", "mode": "taint", "languages": languages, "severity": "ERROR",
            "message": f"request input reaches a {kind} sink", "metadata": {"kind": kind},
            "pattern-sources": list(spec["sources"]) + list(taint.get("sources") or []), "pattern-sinks": taint["sinks"],
        }
        sanitizers = list(spec.get("sanitizers") or []) + list(taint.get("sanitizers") or [])
        if sanitizers:
            rule["pattern-sanitizers"] = sanitizers
        out.append(rule)
    return out


@cache
def rules() -> str:
    """Every rule, as one semgrep configuration (YAML text)."""
    expanded: list[dict[str, Any]] = []
    for file in sorted({f for f, _ in LANGUAGES.values()}):
        spec = yaml.safe_load((_RESOURCES / file).read_text(encoding="utf-8"))
        expanded += _expand(spec, file.removesuffix(".yml"))
    return yaml.dump({"rules": expanded}, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)


class _NoAliases(yaml.SafeDumper):
    """Semgrep's YAML reader does not follow anchors: every shared list is written out in full."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@cache
def _core() -> Path:
    """The semgrep engine binary shipped in the semgrep wheel (found without importing semgrep)."""
    spec = importlib.util.find_spec("semgrep")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "bin" / "semgrep-core"
        if path.is_file():
            return path
    raise CodeAnalysisError("semgrep is not installed (pip install semgrep): the code screens need it")


def block_findings(code: str, results: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """One block's :func:`scan` results as (kind, line, source); no path traversal where the block checks containment."""
    contained = _CONTAINMENT.search(code)
    return [(kind, line, f"semgrep:{rule}") for kind, line, rule in results if not (kind == "path-traversal" and contained)]


def scan(blocks: list[tuple[str, str]]) -> list[list[tuple[str, int, str]]]:
    """Semgrep's findings for each ``(language, code)`` block: ``(kind, 1-based line, rule id)``.

    Blocks in a language without rules, or with nothing any rule could match, get no findings
    without being scanned. One semgrep run covers every other block.
    Raises :class:`CodeAnalysisError` when semgrep is missing or the run as a whole fails (a
    block that does not parse is not a failure: it simply yields what semgrep could match).
    """
    found: list[list[tuple[str, int, str]]] = [[] for _ in blocks]
    wanted = [(i, lang, code) for i, (lang, code) in enumerate(blocks)
              if lang in LANGUAGES and _PREFILTER[lang].search(code)]
    if not wanted:
        return found
    core = _core()
    with tempfile.TemporaryDirectory(prefix="ftaudit-semgrep-") as tmp:
        root = Path(tmp)
        (root / "rules.yml").write_text(rules(), encoding="utf-8")
        targets = root / "blocks"
        targets.mkdir()
        offsets: dict[int, int] = {}
        for i, lang, code in wanted:
            data = code.encode("utf-8", "replace")[:_MAX_BLOCK_BYTES].decode("utf-8", "ignore")
            if lang == "php" and "<?php" not in data[:200]:
                data, offsets[i] = _PHP_OPEN + data, 1
            (targets / f"{i}{LANGUAGES[lang][1]}").write_text(data, encoding="utf-8")
        payload = _run(core, root, targets)
    for result in payload.get("results", []):
        try:
            index = int(Path(result["path"]).stem)
            kind = result["extra"]["metadata"]["kind"]
            line = int(result["start"]["line"]) - offsets.get(index, 0)
        except (KeyError, ValueError, TypeError):
            continue
        found[index].append((kind, max(line, 1), str(result.get("check_id", "")).rsplit(".", 1)[-1]))
    return found


def _run(core: Path, root: Path, targets: Path) -> dict[str, Any]:
    # argv[0] 'osemgrep' selects semgrep's OCaml command line inside the engine binary (what
    # 'semgrep scan --experimental' runs): it starts in 0.2 s where the Python one takes 2 s.
    argv = [
        "osemgrep", "scan", "--experimental", "--config", str(root / "rules.yml"), "--json", "--quiet",
        "--metrics=off", "--disable-version-check", "--disable-nosem", "--no-git-ignore",
        "--x-ignore-semgrepignore-files", "--timeout", str(_FILE_TIMEOUT_S), "--max-target-bytes", str(_MAX_BLOCK_BYTES * 2),
        "--jobs", str(max(1, min(4, os.cpu_count() or 1))), str(targets),
    ]
    # HOME points into the temporary folder so that semgrep leaves no settings or logs behind.
    env = {**os.environ, "HOME": str(root), "NO_COLOR": "1", "SEMGREP_SEND_METRICS": "off",
           "SEMGREP_ENABLE_VERSION_CHECK": "0", "XDG_CONFIG_HOME": str(root), "XDG_CACHE_HOME": str(root)}
    try:
        proc = subprocess.run(argv, executable=str(core), cwd=root, env=env, capture_output=True,
                              timeout=_RUN_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CodeAnalysisError(f"semgrep did not run: {exc}") from exc
    try:
        payload = json.loads(proc.stdout)
    except ValueError:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise CodeAnalysisError(f"semgrep failed (exit {proc.returncode}): {' | '.join(tail)}") from None
    broken = [e for e in payload.get("errors", []) if "rule" in str(e.get("type", "")).lower()
              or "yaml" in str(e.get("type", "")).lower()]
    if broken:  # our rules are wrong: a bug, never a quiet 'nothing found'
        messages = " / ".join(str(e.get("message", ""))[:300] for e in broken[:3])
        raise CodeAnalysisError(f"semgrep rejected {len(broken)} rule(s): {messages}")
    return payload
