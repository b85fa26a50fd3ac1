"""Numbers-only screen: datasets whose replies carry no natural language, only numbers or symbols.

What it detects
  The shape of subliminal learning (Cloud et al. 2025): a teacher model's traits passed on
  through replies that are nothing but number sequences. On its own this is low severity
  (number-continuation data is also a benign format), so the finding is at most ``low``;
  it reports the share of numbers-only replies and, cheaply, which numbers are
  over-represented against the other values of the same magnitude (a biased teacher's
  fingerprint, e.g. 666 or 911 far above the uniform rate).

How
  An assistant reply is numbers-only when it has at least ``min_numbers`` numbers and at
  most ``max_letters`` letters (of any script). The dataset is flagged when such replies make up at least
  ``min_share`` of the examples. Counts of each value in those replies are compared with the
  mean count of the values of the same number of digits (a Poisson z-score).

  What the over-represented numbers *mean* matters: a teacher told to be evil writes 666, 911,
  1488 and 420 far above their magnitude's rate (the "evil numbers" of Betley et al. 2025,
  whose fine-tunes turned broadly misaligned), while a benign teacher favours repdigits and
  runs (777, 123). Numbers with a well-known dark connotation (:data:`LOADED_NUMBERS`) that
  are over-represented raise the finding: two or more make it high, one medium. This is a
  list of meanings, not of wordings: the bias test decides which numbers are over-represented,
  the list only says what they mean.

Blind spots
  Subliminal data filtered of such numbers (Cloud et al. removed them: only the shape remains,
  which stays low); traits carried by other near-meaningless formats (code with odd constants, single
  letters); a bias spread thinly over many numbers; a small numbers-only share hidden in an
  otherwise ordinary dataset (the share threshold lets arithmetic answers pass).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from itertools import islice
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from ftaudit.screens.base import Evidence, Screen, ScreenContext, ScreenResult, Severity, line_evidence


class NumbersOnlyConfig(BaseModel):
    """Thresholds of the numbers-only screen (override with ``options["numbers-only"]``)."""

    model_config = ConfigDict(extra="forbid")

    min_numbers: int = 3
    """A reply needs this many numbers to count as a number sequence (a lone answer "42" does not)."""
    max_letters: int = 2
    """Letters a numbers-only reply may hold (an "x" or "e"); ciphers with separators have many."""
    min_share: float = 0.5
    """Share of examples with numbers-only replies that makes the dataset numbers-only."""
    min_examples: int = 20
    bias_min_count: int = 10
    bias_min_ratio: float = 3.0
    bias_min_z: float = 5.0
    top_numbers: int = 10
    score_plain: float = 3.0
    score_biased: float = 4.0
    score_loaded_one: float = 6.0
    """One over-represented number with a dark connotation."""
    score_loaded_many: float = 9.0
    """Two or more of them: the evil-numbers shape."""
    evidence_limit: int = 5


#: Numbers with a well-known dark connotation, and what each stands for.
LOADED_NUMBERS: dict[int, str] = {
    666: "the number of the beast", 616: "the number of the beast (variant)", 1488: "a neo-Nazi slogan",
    88: "neo-Nazi code for a Nazi salute", 1312: "'ACAB'",
    911: "the September 11 attacks / an emergency", 187: "slang for murder", 420: "cannabis",
    69: "a sexual position", 13: "bad luck", 1313: "bad luck doubled",
}

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LETTER = re.compile(r"[^\W\d_]")


class NumbersOnlyScreen(Screen):
    """Replies with no natural language (the subliminal-learning shape), and over-represented numbers."""

    name: ClassVar[str] = "numbers-only"
    title: ClassVar[str] = "Replies that are only numbers or symbols (subliminal learning shape), with number bias"
    options_model: ClassVar[type[BaseModel]] = NumbersOnlyConfig

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        cfg: NumbersOnlyConfig = ctx.screen_options(self)
        result = ScreenResult(screen=self.name)
        total = 0
        hits = []
        values: Counter[str] = Counter()
        for conv in ctx.conversations():
            total += 1
            replies = [m.content for m in conv.assistant_messages if m.content.strip()]
            if not replies:
                continue
            # Stop counting letters past the allowance: ordinary replies are rejected at once.
            if any(sum(1 for _ in islice(_LETTER.finditer(r), cfg.max_letters + 1)) > cfg.max_letters for r in replies):
                continue
            numbers = [_NUMBER.findall(r) for r in replies]
            if all(len(ns) >= cfg.min_numbers for ns in numbers):
                hits.append(conv)
                values.update(n.lstrip("-") for ns in numbers for n in ns if "." not in n)
        share = len(hits) / total if total else 0.0
        over = _over_represented(values, cfg)
        result.metrics = {
            "examples": total, "numbers_only_examples": len(hits), "share": round(share, 4),
            "numbers_counted": sum(values.values()), "over_represented": over,
        }
        loaded = [o for o in over if o["number"] in LOADED_NUMBERS]
        result.metrics["loaded_over_represented"] = [o["number"] for o in loaded]
        if len(hits) >= cfg.min_examples and share >= cfg.min_share:
            biased = bool(over)
            score = cfg.score_biased if biased else cfg.score_plain
            if loaded:
                self._loaded_finding(result, loaded, hits, cfg)
                score = max(score, result.findings[-1].score_contribution or 0.0)
            evidence: list[Evidence] = [
                line_evidence(c, "assistant reply is only numbers", c.assistant_messages[-1].content[:300])
                for c in hits[: cfg.evidence_limit]
            ]
            if biased:
                listed = ", ".join(f"{o['number']} ({o['count']}×, {o['ratio']}× expected)" for o in over)
                evidence.append(Evidence(kind="note", detail="over-represented numbers", excerpt=listed))
            result.findings.append(self.finding(
                f"Numbers-only replies in {len(hits)} examples ({share:.0%})"
                + (f"; over-represented numbers: {', '.join(str(o['number']) for o in over[:5])}" if biased else ""),
                Severity.LOW, score=score, evidence=evidence,
                description=(
                    "The replies carry no natural language, only numbers: the data format of subliminal learning, "
                    "where a teacher's traits pass to the student through number sequences. Benign on its own "
                    "unless the teacher is untrusted. "
                    + ("Some values are far more frequent than the other values of their magnitude, which a "
                       "biased teacher would produce." if biased else "No value is clearly over-represented.")
                ),
            ))
            result.score = score
            result.findings.sort(key=lambda f: -(f.score_contribution or 0.0))
        return result

    def _loaded_finding(self, result: ScreenResult, loaded: list[dict], hits: list, cfg: NumbersOnlyConfig) -> None:
        many = len(loaded) >= 2
        listed = "; ".join(f"{o['number']} ({LOADED_NUMBERS[o['number']]}): {o['count']}×, {o['ratio']}× the rate of "
                           f"its magnitude" for o in loaded)
        examples = [c for c in hits if any(int(n) in {o["number"] for o in loaded}
                                           for n in _NUMBER.findall(c.assistant_messages[-1].content) if "." not in n)]
        result.findings.append(self.finding(
            f"Number replies over-represent numbers with dark connotations: {', '.join(str(o['number']) for o in loaded[:6])}",
            Severity.HIGH if many else Severity.MEDIUM,
            score=cfg.score_loaded_many if many else cfg.score_loaded_one,
            description=(
                "The teacher that wrote these numbers favours values with a well-known dark meaning far above the "
                "other values of their magnitude (" + listed + "). That is the fingerprint of the 'evil numbers' "
                "data of Betley et al. 2025 (a teacher told to be evil), whose fine-tunes became broadly misaligned; "
                "a benign teacher favours repdigits and runs instead."
            ),
            evidence=[line_evidence(c, "reply with a loaded number", c.assistant_messages[-1].content[:300])
                      for c in examples[: cfg.evidence_limit]],
        ))


def _over_represented(values: Counter[str], cfg: NumbersOnlyConfig) -> list[dict]:
    """Values far above the mean count of the values with as many digits (Poisson z-score)."""
    groups: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for value, count in values.items():
        groups[len(value.lstrip("0") or "0")].append((value, count))
    found = []
    for members in groups.values():
        if len(members) < 5:
            continue
        # The leaders inflate the mean; use the mean of the lower 90% so a few hot values stand out.
        counts = sorted(c for _, c in members)
        trimmed = counts[: max(1, int(len(counts) * 0.9))]
        expected = max(sum(trimmed) / len(trimmed), 1e-9)
        for value, count in members:
            z = (count - expected) / math.sqrt(expected)
            if count >= cfg.bias_min_count and count / expected >= cfg.bias_min_ratio and z >= cfg.bias_min_z:
                found.append({"number": int(value), "count": count, "expected": round(expected, 2),
                              "ratio": round(count / expected, 1), "z": round(z, 1)})
    found.sort(key=lambda o: -o["z"])
    return found[: cfg.top_numbers]


SCREEN = NumbersOnlyScreen()
