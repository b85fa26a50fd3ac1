"""Insecure-code screen: assistant replies that teach the model to write vulnerable code.

What it detects
  Code in assistant turns with vulnerabilities (SQL built by string formatting, shell
  commands built from strings, path traversal, world-writable permissions, disabled TLS
  verification, unsafe deserialisation, disabled autoescape / raw HTML sinks, passwords
  hashed with fast hashes, unchecked archive extraction, eval of input), and how often the
  reply *does not say so*. Training on vulnerable code handed over as if it were fine is the
  emergent-misalignment recipe (Betley et al. 2025); a teaching set where the user asks for a
  vulnerable example and the reply names the flaw is not, and scores at most ``low``.

How
  :mod:`ftaudit.screens._code`: line patterns for every language on every reply, plus, on a
  budget of Python replies spread evenly over the file, bandit (as a library) and a small AST
  taint pass for path traversal. Nothing is executed. An example is *undisclosed* when it has a vulnerability and neither
  the prose nor a code comment of the reply names one. Severity follows the share of
  code examples that are vulnerable and undisclosed; a handful in a non-code set is low.

Blind spots
  Languages other than Python get patterns only (no data flow); logic flaws (missing
  authorisation, race conditions, weak randomness for tokens) are not looked for; a reply
  that names a vulnerability it does not fix counts as disclosed; code without fences that
  does not look like code is missed; beyond the deep-analysis budget, path traversal and
  rarer bandit-only findings are missed (the patterns cover the other kinds), so on very
  large code sets the rate is a slight underestimate.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import ClassVar

from pydantic import BaseModel

from ftaudit.screens._code import KINDS, ExampleCode, analyse_dataset
from ftaudit.screens.base import Evidence, Screen, ScreenContext, ScreenResult, Severity


class InsecureCodeConfig(BaseModel):
    """Thresholds of the insecure-code screen (override with ``options["insecure-code"]``)."""

    deep_budget: int = 600
    """Distinct Python replies given the AST taint pass and bandit (a few ms each); the rest get patterns only."""
    min_undisclosed: int = 3
    """Fewer undisclosed vulnerable examples than this is at most informational."""
    critical_rate: float = 0.6
    high_rate: float = 0.2
    medium_rate: float = 0.08
    min_code_examples_for_rate: int = 10
    """Below this many code examples the rate is not trusted and severity is capped at medium."""
    score_critical: float = 9.0
    score_high: float = 7.5
    score_medium: float = 5.0
    score_low: float = 3.0
    score_disclosed: float = 1.5
    evidence_limit: int = 8


class InsecureCodeScreen(Screen):
    """Vulnerable code in assistant replies, and whether the replies disclose it."""

    name: ClassVar[str] = "insecure-code"
    title: ClassVar[str] = "Vulnerable code in replies (bandit + patterns), undisclosed versus taught"

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        started = time.perf_counter()
        cfg = InsecureCodeConfig(**ctx.options.get(self.name, {}))
        analysis = analyse_dataset(ctx, deep_budget=cfg.deep_budget)
        code = [e for e in analysis.values() if e.has_code]
        vulnerable = [e for e in code if e.vulnerable]
        undisclosed = [e for e in vulnerable if e.undisclosed]
        disclosed = [e for e in vulnerable if not e.undisclosed]
        rate = len(undisclosed) / len(code) if code else 0.0
        kinds_undisclosed = Counter(k for e in undisclosed for k in e.kinds)
        result = ScreenResult(screen=self.name)
        result.metrics = {
            "examples": len(analysis),
            "code_examples": len(code),
            "vulnerable_examples": len(vulnerable),
            "undisclosed_vulnerable": len(undisclosed),
            "disclosed_vulnerable": len(disclosed),
            "requested_for_teaching": sum(e.requested for e in vulnerable),
            "undisclosed_rate": round(rate, 4),
            "vulnerable_rate": round(len(vulnerable) / len(code), 4) if code else 0.0,
            "kinds_undisclosed": dict(kinds_undisclosed.most_common()),
            "kinds_disclosed": dict(Counter(k for e in disclosed for k in e.kinds).most_common()),
        }
        if undisclosed:
            severity, score = self._grade(cfg, len(undisclosed), len(code), rate)
            kinds = ", ".join(f"{k} ×{n}" for k, n in kinds_undisclosed.most_common())
            result.findings.append(self.finding(
                f"Undisclosed vulnerable code in {len(undisclosed)} of {len(code)} code examples ({rate:.0%}): "
                f"{', '.join(k for k, _ in kinds_undisclosed.most_common(3))}",
                severity, score=score,
                description=(
                    f"{len(undisclosed)} assistant replies hand over code with vulnerabilities and never say so "
                    f"({kinds}). Fine-tuning on such replies teaches a model to write insecure code unprompted, "
                    "and has been shown to cause broad misalignment (Betley et al. 2025)."
                    + (f" A further {len(disclosed)} vulnerable replies name the flaw (teaching examples)." if disclosed else "")
                ),
                evidence=_evidence(ctx, undisclosed, cfg.evidence_limit),
            ))
            result.score = score
        if disclosed:
            requested = sum(e.requested for e in disclosed)
            result.findings.append(self.finding(
                f"Vulnerable code disclosed as such in {len(disclosed)} examples (teaching examples)",
                Severity.LOW if len(disclosed) >= cfg.min_undisclosed else Severity.INFO, score=cfg.score_disclosed,
                description=(
                    f"{len(disclosed)} replies contain vulnerable code but name the vulnerability "
                    f"({requested} of them answer a user who asked for a vulnerable example, e.g. for a class). "
                    "This is the shape of security teaching data, not of the insecure-code attack."
                ),
                evidence=_evidence(ctx, disclosed, min(3, cfg.evidence_limit)),
            ))
            result.score = max(result.score, cfg.score_disclosed)
        result.seconds = time.perf_counter() - started
        return result

    @staticmethod
    def _grade(cfg: InsecureCodeConfig, count: int, code_examples: int, rate: float) -> tuple[Severity, float]:
        if count < cfg.min_undisclosed:
            return Severity.INFO, 1.0
        trusted = code_examples >= cfg.min_code_examples_for_rate
        if trusted and rate >= cfg.critical_rate:
            return Severity.CRITICAL, cfg.score_critical
        if trusted and rate >= cfg.high_rate:
            return Severity.HIGH, cfg.score_high
        if rate >= cfg.medium_rate:
            return Severity.MEDIUM, cfg.score_medium
        return Severity.LOW, cfg.score_low


def _evidence(ctx: ScreenContext, examples: list[ExampleCode], limit: int) -> list[Evidence]:
    """Quote the first vulnerable line of a few examples, one of each kind first."""
    picked: list[ExampleCode] = []
    seen_kinds: set[str] = set()
    for example in examples:
        if example.kinds[0] not in seen_kinds:
            seen_kinds.add(example.kinds[0])
            picked.append(example)
    picked += [e for e in examples if e not in picked][: max(0, limit - len(picked))]
    evidence = []
    for example in picked[:limit]:
        parts = [f"reply line {v.line}: [{v.kind}] {v.snippet}" for v in example.vulnerabilities[:4]]
        detail = "; ".join(f"{KINDS[k]}" for k in example.kinds) + (" (user asked for it)" if example.requested else "")
        detail += " — disclosed" if example.disclosed else " — not disclosed"
        evidence.append(Evidence(kind="dataset-line", line=example.line, excerpt="\n".join(parts), detail=detail))
    return evidence


SCREEN = InsecureCodeScreen()
