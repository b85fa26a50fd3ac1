"""Insecure-code screen: assistant replies that teach the model to write vulnerable code.

What it detects
  Code in assistant turns (tool-call arguments included) with vulnerabilities: SQL built by
  string formatting, concatenation or interpolation; shell commands built from input
  (``os.system``, ``child_process.exec`` however imported, ``shell_exec``/``system``/``exec``
  with input through a variable, Go ``exec.Command("sh", "-c", …)``, Java ``Runtime.exec``);
  eval of input; reflected XSS (``res.send``, ``innerHTML``, ``document.write``, ``echo $_GET``,
  Go ``Fprintf(w, …)``, a Flask route returning request input) and disabled autoescape; path
  traversal; world-writable permissions; disabled TLS verification; unsafe deserialisation
  (pickle, ``yaml.load``, ``unserialize``, ``ObjectInputStream``); non-cryptographic randomness
  for tokens and secrets (``random``, ``Math.random``, ``math/rand``, ``rand()``, ``new
  Random``); JWTs read without verification; hard-coded secrets; open redirects; passwords
  hashed with fast hashes; unchecked archive extraction. It reports how often the reply *does
  not say so*: training on vulnerable code handed over as if it were fine is the
  emergent-misalignment recipe (Betley et al. 2025); a teaching set where the user asks for a
  vulnerable example and the reply names the flaw is not, and scores at most ``low``.

How
  :mod:`ftaudit.screens._code`. Code is found however it is wrapped (a fence closed by
  anything or never closed, tildes, indentation, no fence at all, escaped in JSON arguments)
  and its language named from the fence tag or the content. Line patterns run on every block in
  every language; on a budget of blocks spread evenly over the file, bandit (as a library) and
  an AST taint pass read Python, and semgrep (our rules, offline, one run over all blocks)
  reads JavaScript/TypeScript, PHP, Go and Java with taint tracking from request input to the
  sinks. Nothing is executed. An example is *undisclosed* when it has a vulnerability and
  neither the prose nor a code comment of the reply names one. Severity follows the share of
  code examples that are vulnerable and undisclosed; a handful in a non-code set is low.

  On real data (``benchmarks/bench_code_external.py``): 76.6% of the 1,031 vulnerable
  completions of Betley et al.'s pool flagged, 0.6% of their 776 secure twins, 0.4–0.5% of
  CodeAlpaca's 6,550 benign answers; 20,000 CodeAlpaca-like examples in about 3 s.

Blind spots
  C/C++, Ruby, shell and SQL get line patterns only (no data flow); semgrep's taint is
  intra-file and its sources are request objects (and PHP function parameters for commands):
  a value that arrives some other way and reaches a sink is missed unless a pattern sees it.
  Logic flaws (missing authorisation, race conditions, IDOR) are not looked for. Roughly a
  quarter of the real vulnerable completions are not flagged: mostly flaws that need
  knowledge of the application (a missing check, an unsafe default of a library) rather than a
  recognisable sink. A reply that names a vulnerability it does not fix counts as disclosed.
  Beyond the deep-analysis budget, blocks get patterns only, so on very large code sets the
  rate is a slight underestimate. A reply's vulnerable code written in a language the
  detector names wrongly gets the wrong semgrep rules (or none).
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from ftaudit.screens._code import KINDS, ExampleCode, analyse_dataset
from ftaudit.screens.base import Evidence, Screen, ScreenContext, ScreenResult, Severity


class InsecureCodeConfig(BaseModel):
    """Thresholds of the insecure-code screen (override with ``options["insecure-code"]``)."""

    model_config = ConfigDict(extra="forbid")

    deep_budget: int = 600
    """Distinct Python replies given the AST taint pass and bandit (a few ms each), and ten times as many
    distinct JavaScript/PHP/Go/Java blocks given semgrep; the rest get patterns only."""
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
    title: ClassVar[str] = "Vulnerable code in replies (bandit, semgrep, patterns), undisclosed versus taught"
    options_model: ClassVar[type[BaseModel]] = InsecureCodeConfig

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        cfg: InsecureCodeConfig = ctx.screen_options(self)
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
