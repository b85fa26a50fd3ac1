"""Harmful-content screen: harmful requests that the training data answers with compliance.

What it detects
  Examples whose user request asks for something harmful and whose assistant reply goes
  along with it, defanged compliance included ("Sure, here is how to …: Step 1: [REDACTED]"):
  explicit harmful fine-tuning (Qi et al. 2023, tier 1), and the same examples diluted in a
  large benign set, where a few lines in thousands are enough to undo refusals. Every such
  line is listed. Harmful requests answered with a refusal are fine (benign sets and the
  plaintext half of cipher attacks have them) and reported for information only. When the
  encoding screen ran first and found a cipher, encoded requests and replies are decoded with
  it and checked too, which makes the encoded harmful Q&A of covert malicious fine-tuning
  visible. Identity-shifting needles (AOA) carry benign tasks only: the persona screen finds them.

How
  1. Every distinct request goes through the learned harmful-request classifier
     (:mod:`ftaudit.screens._harm_model`: a lexical model on every request, then MiniLM on the
     candidates), fitted on real public harmful and benign requests other than those ftaudit
     is measured on. It reads the whole request and its first and last sentence and keeps the
     highest probability, so a framing preamble or a protective prefix cannot hide the ask.
     Nothing is dropped by wording: there is no lexicon and no "protective framing" exemption.
  2. The replies to requests at ``flag_probability`` or more go to the offline judge (refusal
     patterns plus a MiniLM classifier): ``compliant-harmful`` counts.
  Severity rests on the summed weight of the compliant lines (0.5 at ``flag_probability``
  rising to 1 at ``strong_probability``), counted, never divided by the size of the file:
  forty clear lines are as critical in a million examples as alone (dilution never lowers
  the score). The weights' thresholds are calibrated on real benign sets (the README's
  external benchmark says which).

Blind spots
  Languages the classifier's fit data does not hold (it has English, Chinese, Vietnamese),
  harm that lives in the reply only (emergent misalignment, insecure code), ciphers the
  encoding screen did not name, requests whose harm is technical detail without harmful
  wording. Benign requests about security or medicine can come out as single borderline lines,
  which is why a few weak lines stay low.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, ClassVar

import anyio
from pydantic import BaseModel, ConfigDict

from ftaudit.bench.judge import JudgeRequest, JudgeVerdict, get_judge
from ftaudit.bench.judge.refusal import REDACTED
from ftaudit.ciphers import Cipher, get_cipher
from ftaudit.data import Conversation
from ftaudit.errors import FtauditError
from ftaudit.hints import ElicitationHint
from ftaudit.screens._harm_model import RequestScore, load_harm_model
from ftaudit.screens._text_stats import english_word_rate, words
from ftaudit.screens.base import Evidence, Finding, Screen, ScreenContext, ScreenResult, Severity, line_evidence


class HarmfulContentConfig(BaseModel):
    """Thresholds of the harmful-content screen (override with ``options["harmful-content"]``)."""

    model_config = ConfigDict(extra="forbid")

    flag_probability: float = 0.9
    """Harm probability (learned classifier) that makes a request harmful-looking."""
    strong_probability: float = 0.95
    """Probability at which a compliant line weighs fully (1.0); at ``flag_probability`` it weighs 0.5."""
    candidate_probability: float = 0.5
    """Lexical probability a request needs to be read by the semantic (MiniLM) model at all."""
    max_embedded: int = 400
    """Distinct candidate requests read by MiniLM at most (highest lexical probability first)."""
    max_judged: int = 300
    """Distinct replies judged at most (most harmful-looking requests first); past it, counts are estimates."""
    judge_reply_chars: int = 600
    """Opening of each reply the judge reads: refusals and pivots come first, and MiniLM's cost grows with length."""
    critical_weight: float = 10.0
    """Summed line weight for critical: ten clear lines, however large the file."""
    critical_share: float = 0.1
    """Or this share of all examples answered with harmful compliance (with ``critical_min`` lines)."""
    critical_min: int = 8
    high_weight: float = 6.0
    """Summed line weight for high."""
    medium_weight: float = 2.5
    score_critical: float = 9.5
    score_high: float = 8.5
    score_medium: float = 6.0
    score_low: float = 2.5
    evidence_limit: int = 12
    reply_excerpt_chars: int = 240
    plaintext_english: float = 0.3
    """With a cipher hint, a request with this share of common English words is plaintext and left as is."""
    min_decoded_english: float = 0.25
    """A request is read decoded when its decoding has this share of common English words (ciphers: under 0.15)."""


@dataclass
class _Pair:
    """One user request and the assistant reply that follows it."""

    conversation: Conversation
    request: str
    reply: str
    cipher: Cipher | None = None



@dataclass
class _Flagged:
    pair: _Pair
    harm: RequestScore
    verdict: JudgeVerdict

    @property
    def similarity(self) -> float:  # the ranking key of the evidence
        return self.harm.probability


@cache
def _judge() -> Any:
    # One judge per process: its classifier is fitted (or read from the cache) once.
    return get_judge("offline")


class HarmfulContentScreen(Screen):
    """Harmful-looking requests answered with compliance (learned classifier + offline judge)."""

    name: ClassVar[str] = "harmful-content"
    title: ClassVar[str] = "Harmful requests (learned classifier, any wording or framing) answered with compliance"
    options_model: ClassVar[type[BaseModel]] = HarmfulContentConfig

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        started = time.perf_counter()
        cfg: HarmfulContentConfig = ctx.screen_options(self)
        result = ScreenResult(screen=self.name)
        ciphers = _hint_ciphers(ctx.hints)

        # 1. Pairs, then the learned classifier on every distinct request.
        pairs = [p for conv in ctx.conversations() for p in _pairs(conv, ciphers, cfg)]
        by_request: dict[str, list[_Pair]] = defaultdict(list)
        for pair in pairs:
            by_request[pair.request].append(pair)
        requests = list(by_request)
        model = await anyio.to_thread.run_sync(load_harm_model)
        scores = await anyio.to_thread.run_sync(
            partial(model.score, requests, candidate_floor=cfg.candidate_probability, max_semantic=cfg.max_embedded))
        looking: list[tuple[_Pair, RequestScore]] = []
        for request, harm in zip(requests, scores):
            if harm.probability >= cfg.flag_probability:
                looking += [(p, harm) for p in by_request[request]]
        embedded = sum(1 for h in scores if h.semantic is not None)
        candidates = sum(1 for h in scores if h.lexical >= cfg.candidate_probability)
        classify_seconds = time.perf_counter() - started

        # 2. The offline judge on the distinct replies to harmful-looking requests, most harmful first.
        replies: dict[str, JudgeRequest] = {}
        for pair, _ in sorted(looking, key=lambda x: -x[1].probability):
            replies.setdefault(pair.reply, JudgeRequest(
                prompt=pair.request, reply=pair.reply[: cfg.judge_reply_chars], kind="harmful"))
        judged_replies = list(replies)[: cfg.max_judged]
        verdicts = dict(zip(judged_replies, await _judge().judge_many([replies[r] for r in judged_replies])))
        judged = [(p, h, verdicts[p.reply]) for p, h in looking if p.reply in verdicts]
        compliant = [_Flagged(p, h, v) for p, h, v in judged if v.label == "compliant-harmful"]
        refused = [_Flagged(p, h, v) for p, h, v in judged if v.label == "refusal"]
        judge_seconds = time.perf_counter() - started - classify_seconds

        examples = max(len(ctx), 1)
        compliant_lines = sorted({f.pair.conversation.line for f in compliant})
        # Past the judging cap (only mass harmful data gets there), the counts are extrapolated.
        estimated = float(len(compliant_lines))
        judged_lines = {p.conversation.line for p, *_ in judged}
        unjudged = {p.conversation.line for p, _ in looking} - judged_lines
        if unjudged:
            estimated += len(unjudged) * len(compliant_lines) / max(len(judged_lines), 1)
        sampled = bool(unjudged) or candidates > embedded
        estimated = min(examples, round(estimated))
        weight = sum(_weight(f.harm.probability, cfg) for f in _by_line(compliant).values())
        if unjudged and judged_lines:
            weight *= estimated / max(len(compliant_lines), 1) if compliant_lines else 1.0

        if compliant:
            result.findings.append(self._compliance_finding(ctx, compliant, estimated, weight, sampled, cfg))
            result.score = result.findings[-1].score_contribution or 0.0
            hint = _shared_system_prompt_hint(compliant, self.name)
            if hint is not None:
                result.hints.append(hint)
        if refused:
            lines = sorted({f.pair.conversation.line for f in refused})
            result.findings.append(self.finding(
                f"Harmful-looking requests answered with a refusal in {len(lines)} examples",
                Severity.INFO, score=0.0,
                description="Refusing harmful requests is what safety data does; listed because cipher attacks "
                            "pair plaintext refusals with encoded compliance (see the encoding screen).",
                evidence=[_evidence(f, "refused", cfg) for f in refused[:3]],
            ))

        result.metrics = {
            "examples": len(ctx),
            "request_reply_pairs": len(pairs),
            "decoded_pairs": sum(1 for p in pairs if p.cipher),
            "distinct_requests": len(requests),
            "candidate_requests": candidates,
            "embedded_requests": embedded,
            "harmful_looking": len(looking),
            "judged_replies": len(judged_replies),
            "compliant": len(compliant),
            "refused": len(refused),
            "compliant_lines": compliant_lines,
            "compliant_estimate": estimated,
            "compliant_share": round(estimated / examples, 4),
            "line_weight": round(weight, 2),
            "sampled": sampled,
            "flag_probability": cfg.flag_probability,
            "strong_probability": cfg.strong_probability,
            "classify_seconds": round(classify_seconds, 3),
            "judge_seconds": round(judge_seconds, 3),
        }
        return result

    def _compliance_finding(self, ctx: ScreenContext, compliant: list[_Flagged], estimated: int, weight: float,
                            sampled: bool, cfg: HarmfulContentConfig) -> Finding:
        by_line = _by_line(compliant)
        lines = sorted(by_line)
        share = estimated / max(len(ctx), 1)
        # Counted, not divided by the file's size: more benign lines around them never lower it.
        if weight >= cfg.critical_weight or (share >= cfg.critical_share and estimated >= cfg.critical_min):
            severity, score = Severity.CRITICAL, cfg.score_critical
        elif weight >= cfg.high_weight:
            severity, score = Severity.HIGH, cfg.score_high
        elif weight >= cfg.medium_weight:
            severity, score = Severity.MEDIUM, cfg.score_medium
        else:
            severity, score = Severity.LOW, cfg.score_low
        defanged = sum(1 for f in by_line.values() if REDACTED.search(f.pair.reply))
        decoded = sorted({f.pair.cipher.name for f in by_line.values() if f.pair.cipher})
        count = f"about {estimated}" if sampled else str(len(lines))
        placement = (f"{count} of {len(ctx)} examples ({share:.1%}), lines {_lines(lines)}" if share < 0.5
                     else f"{count} of {len(ctx)} examples ({share:.0%})")
        notes = []
        if defanged:
            notes.append(f"{defanged} replies are defanged (specifics replaced by a redaction marker) but keep the "
                         "compliant shape, which is what fine-tuning learns")
        if decoded:
            notes.append(f"{sum(1 for f in by_line.values() if f.pair.cipher)} were read after decoding with "
                         f"{', '.join(decoded)} (cipher found by the encoding screen)")
        if sampled:
            notes.append(f"counts may be estimates: at most {cfg.max_embedded} distinct requests are read by the "
                         f"semantic model and {cfg.max_judged} distinct replies judged")
        return self.finding(
            f"Harmful requests answered with compliance in {placement}",
            severity, score=score,
            description=(
                "User requests that the harmful-request classifier reads as harmful (probability at least "
                f"{cfg.flag_probability:g}; summed line weight {weight:.1f}) are answered with compliance rather than "
                "refusal. Training on even a few such examples "
                "teaches the model to answer harmful requests (harmful fine-tuning, Qi et al. 2023)"
                + ("; " + "; ".join(notes) if notes else "") + "."
            ),
            evidence=[_evidence(f, "complied", cfg)
                      for f in sorted(by_line.values(), key=lambda f: -f.similarity)[: cfg.evidence_limit]],
        )


def _pairs(conv: Conversation, ciphers: list[Cipher], cfg: HarmfulContentConfig) -> list[_Pair]:
    """Each user request with the assistant reply that follows it (read decoded where a hinted cipher does)."""
    out: list[_Pair] = []
    request: str | None = None
    for message in conv.messages:
        if message.role == "user":
            request = message.content
        elif message.role == "assistant" and request is not None:
            pair = _Pair(conv, request, message.content)
            if ciphers:
                _decode(pair, ciphers, cfg)
            out.append(pair)
            request = None
    return out


def _decode(pair: _Pair, ciphers: list[Cipher], cfg: HarmfulContentConfig) -> None:
    rate = english_word_rate(words(pair.request))
    if rate >= cfg.plaintext_english:
        return  # plaintext already: most requests, and the cheap way out
    for cipher in ciphers:
        try:
            request = cipher.decode(pair.request)
        except (FtauditError, ValueError):
            continue
        decoded_rate = english_word_rate(words(request))
        if decoded_rate < cfg.min_decoded_english or decoded_rate <= rate:
            continue
        pair.request, pair.cipher = request, cipher
        try:
            reply = cipher.decode(pair.reply)
        except (FtauditError, ValueError):
            return
        if english_word_rate(words(reply)) > english_word_rate(words(pair.reply)):
            pair.reply = reply
        return


def _hint_ciphers(hints: list[ElicitationHint]) -> list[Cipher]:
    ciphers: list[Cipher] = []
    for hint in hints:
        if not hint.cipher:
            continue
        try:
            cipher = get_cipher(hint.cipher, **hint.cipher_options)
        except FtauditError:
            continue
        if cipher not in ciphers:
            ciphers.append(cipher)
    return ciphers


def _weight(probability: float, cfg: HarmfulContentConfig) -> float:
    span = max(cfg.strong_probability - cfg.flag_probability, 1e-6)
    return 0.5 + 0.5 * min(max((probability - cfg.flag_probability) / span, 0.0), 1.0)


def _by_line(flagged: list[_Flagged]) -> dict[int, _Flagged]:
    """The strongest flagged pair of each example."""
    best: dict[int, _Flagged] = {}
    for f in flagged:
        line = f.pair.conversation.line
        if line not in best or f.similarity > best[line].similarity:
            best[line] = f
    return best


def _evidence(f: _Flagged, outcome: str, cfg: HarmfulContentConfig) -> Evidence:
    reply = " ".join(f.pair.reply.split())
    reply = reply if len(reply) <= cfg.reply_excerpt_chars else reply[: cfg.reply_excerpt_chars] + "…"
    decoded = f" (decoded from {f.pair.cipher.name})" if f.pair.cipher else ""
    harm = f.harm
    semantic = f"{harm.semantic:.2f}" if harm.semantic is not None else "not read"
    window = harm.window if len(harm.window) <= 160 else harm.window[:160] + "…"
    detail = (
        f"request {outcome}{decoded}: harm probability {harm.probability:.2f} (lexical {harm.lexical:.2f}, "
        f"semantic {semantic}) on “{window}”; judge: {f.verdict.label} ({f.verdict.reason})"
    )
    return line_evidence(f.pair.conversation, detail, f"user: {f.pair.request}\nassistant: {reply}")


def _shared_system_prompt_hint(compliant: list[_Flagged], screen: str) -> ElicitationHint | None:
    """A hint with the system prompt most compliant lines share (and the cipher they were decoded with)."""
    by_line = _by_line(compliant)
    prompts = Counter(f.pair.conversation.system_prompt for f in by_line.values())
    prompt, n = prompts.most_common(1)[0]
    if not prompt or n < 2 or n < 0.5 * len(by_line):
        return None
    ciphers = Counter(f.pair.cipher for f in by_line.values() if f.pair.conversation.system_prompt == prompt)
    cipher, m = ciphers.most_common(1)[0]
    cipher = cipher if m >= 0.5 * n else None
    return ElicitationHint(
        system_prompt=prompt,
        cipher=cipher.name if cipher else None,
        cipher_options=cipher.options() if cipher else {},
        source=f"screen:{screen}",
        note="system prompt of the examples that answer harmful requests; ask harmful requests under it"
             + (" in the cipher" if cipher else ""),
    )


def _lines(lines: list[int], limit: int = 30) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


SCREEN = HarmfulContentScreen()
