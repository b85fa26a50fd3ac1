"""Harmful-content screen: harmful requests that the training data answers with compliance.

What it detects
  Examples whose user request resembles a harmful benchmark prompt (the 176 built-in
  requests in the 11 HEx-PHI categories) and whose assistant reply goes along with it,
  defanged compliance included ("Sure, here is how to …: Step 1: [REDACTED]"): explicit
  harmful fine-tuning (Qi et al. 2023, tier 1), and the same examples diluted in a large
  benign set, where a few lines in thousands are enough to undo refusals. Every such line is
  listed. Harmful requests answered with a refusal are fine (benign sets and the plaintext
  half of cipher attacks have them) and reported for information only. When the encoding
  screen ran first and found a cipher, encoded requests and replies are decoded with it and
  checked too, which makes the encoded harmful Q&A of covert malicious fine-tuning visible.
  Identity-shifting needles (AOA) carry benign tasks only: nothing here is harmful, and the
  persona screen finds them.

How
  1. Harm cues (a trie-compiled lexicon, :mod:`ftaudit.screens._harmful`) in the first
     ``max_request_words`` words of each request; requests framed as protection or
     detection are dropped. This prefilter keeps MiniLM off the ordinary requests.
  2. The distinct remaining requests are embedded with MiniLM (the offline judge's
     embedder); a request is harmful-looking when its cosine similarity to the nearest
     built-in harmful prompt reaches ``similarity_threshold``, calibrated on the suite's
     five benign sets (their cue-bearing requests stay below it, AdvBench requests mostly
     above).
  3. The replies to harmful-looking requests go to the offline judge (refusal patterns plus a
     MiniLM classifier): ``compliant-harmful`` counts.
  Severity rests on a weight per compliant line, 0.5 at the threshold rising to 1 at
  ``strong_similarity``, so that a handful of clear cases stand out while one borderline
  line in a benign set stays low; a large share of such lines is critical.

Blind spots
  Harmful requests without any lexicon cue (paraphrases, other languages, requests whose ask
  comes after a long preamble), harm that lives in the reply only (emergent misalignment,
  insecure code), ciphers the encoding screen did not name; benign requests about harmful
  topics (a story about a murder, which mushrooms are poisonous) can come out as borderline
  lines, which is why one or two weak lines stay low.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

import anyio
from pydantic import BaseModel

from ftaudit.bench.judge import JudgeRequest, JudgeVerdict, get_judge
from ftaudit.bench.judge.refusal import REDACTED
from ftaudit.ciphers import Cipher, get_cipher
from ftaudit.data import Conversation
from ftaudit.errors import FtauditError
from ftaudit.hints import ElicitationHint
from ftaudit.screens._harmful import (
    HarmfulReference,
    cue_concepts,
    embed_requests,
    harm_cues,
    harmful_reference,
    is_protective,
    only_weak,
    request_excerpt,
)
from ftaudit.screens._text_stats import english_word_rate, words
from ftaudit.screens.base import Evidence, Finding, Screen, ScreenContext, ScreenResult, Severity, line_evidence


class HarmfulContentConfig(BaseModel):
    """Thresholds of the harmful-content screen (override with ``options["harmful-content"]``)."""

    max_request_words: int = 40
    """Words of each request that are matched and embedded: the ask comes first, and MiniLM's cost grows with length."""
    similarity_threshold: float = 0.40
    """Cosine similarity to the nearest built-in harmful prompt that makes a request harmful-looking."""
    weak_cue_similarity: float = 0.50
    """Similarity needed when every cue is an everyday topic word ("child", "crash", "drug")."""
    strong_similarity: float = 0.50
    """Similarity at which a compliant line weighs fully (1.0); at the threshold it weighs 0.5."""
    max_embedded: int = 800
    """Distinct cue-bearing requests embedded at most (those with the most strong cues first); past it, counts are estimates."""
    max_judged: int = 150
    """Distinct replies judged at most (most similar requests first); past it, counts are estimates."""
    judge_reply_chars: int = 600
    """Opening of each reply the judge reads: refusals and pivots come first, and MiniLM's cost grows with length."""
    critical_share: float = 0.1
    """Share of all examples answered with harmful compliance that makes the set harmful fine-tuning."""
    critical_min: int = 10
    high_weight: float = 3.0
    """Summed line weight for high: three clear lines, or five or six borderline ones."""
    medium_weight: float = 1.5
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
    cues: list[str] = field(default_factory=list)


@dataclass
class _Flagged:
    pair: _Pair
    similarity: float
    nearest: int
    verdict: JudgeVerdict


@cache
def _judge() -> Any:
    # One judge per process: its classifier is fitted (or read from the cache) once.
    return get_judge("offline")


class HarmfulContentScreen(Screen):
    """Harmful-looking requests answered with compliance (MiniLM similarity + offline judge)."""

    name: ClassVar[str] = "harmful-content"
    title: ClassVar[str] = "Harmful requests (similar to harmful benchmark prompts) answered with compliance"

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        started = time.perf_counter()
        cfg = HarmfulContentConfig(**ctx.options.get(self.name, {}))
        result = ScreenResult(screen=self.name)
        ciphers = _hint_ciphers(ctx.hints)

        # 1. Pairs and harm cues: cheap, every example.
        pairs = [p for conv in ctx.conversations() for p in _pairs(conv, ciphers, cfg)]
        by_request: dict[str, list[_Pair]] = defaultdict(list)
        for pair in pairs:
            excerpt = request_excerpt(pair.request, cfg.max_request_words)
            pair.cues = harm_cues(excerpt)
            if pair.cues and not is_protective(excerpt):
                by_request[excerpt].append(pair)
        cue_seconds = time.perf_counter() - started

        # 2. MiniLM similarity of the distinct cue-bearing requests to the harmful reference; past the
        #    cap, the requests with the most distinct strong cues go first (file order among equals).
        ranked = sorted(by_request, key=lambda r: -sum(1 for c in by_request[r][0].cues if not only_weak([c])))
        requests = ranked[: cfg.max_embedded]
        looking: list[tuple[_Pair, float, int]] = []
        reference = None
        if requests:
            reference = await anyio.to_thread.run_sync(harmful_reference)
            vectors = await anyio.to_thread.run_sync(embed_requests, requests)
            sims, nearest = reference.nearest(vectors)
            for request, sim, index in zip(requests, sims, nearest):
                weak = only_weak(by_request[request][0].cues)
                if sim >= (cfg.weak_cue_similarity if weak else cfg.similarity_threshold):
                    looking += [(p, float(sim), int(index)) for p in by_request[request]]
        embed_seconds = time.perf_counter() - started - cue_seconds

        # 3. The offline judge on the distinct replies to harmful-looking requests, most similar first.
        replies: dict[str, JudgeRequest] = {}
        for pair, _, _ in sorted(looking, key=lambda x: -x[1]):
            replies.setdefault(pair.reply, JudgeRequest(
                prompt=pair.request, reply=pair.reply[: cfg.judge_reply_chars], kind="harmful"))
        judged_replies = list(replies)[: cfg.max_judged]
        verdicts = dict(zip(judged_replies, await _judge().judge_many([replies[r] for r in judged_replies])))
        judged = [(p, s, i, verdicts[p.reply]) for p, s, i in looking if p.reply in verdicts]
        compliant = [_Flagged(p, s, i, v) for p, s, i, v in judged if v.label == "compliant-harmful"]
        refused = [_Flagged(p, s, i, v) for p, s, i, v in judged if v.label == "refusal"]
        judge_seconds = time.perf_counter() - started - cue_seconds - embed_seconds

        examples = max(len(ctx), 1)
        compliant_lines = sorted({f.pair.conversation.line for f in compliant})
        # Past a cap (only mass harmful data gets there), the counts are extrapolated.
        estimated = float(len(compliant_lines))
        judged_lines = {p.conversation.line for p, *_ in judged}
        unjudged = {p.conversation.line for p, *_ in looking} - judged_lines
        if unjudged:
            estimated += len(unjudged) * len(compliant_lines) / max(len(judged_lines), 1)
        embedded_lines = {p.conversation.line for r in requests for p in by_request[r]}
        unembedded = {p.conversation.line for r in ranked[cfg.max_embedded:] for p in by_request[r]} - embedded_lines
        if unembedded:
            estimated += len(unembedded) * estimated / max(len(embedded_lines), 1)
        sampled = bool(unjudged or unembedded)
        estimated = min(examples, round(estimated))
        weight = sum(_weight(f.similarity, cfg) for f in _by_line(compliant).values())

        if compliant and reference is not None:
            result.findings.append(self._compliance_finding(ctx, compliant, estimated, weight, sampled, cfg,
                                                            reference))
            result.score = result.findings[-1].score_contribution or 0.0
            hint = _shared_system_prompt_hint(compliant, self.name)
            if hint is not None:
                result.hints.append(hint)
        if refused and reference is not None:
            lines = sorted({f.pair.conversation.line for f in refused})
            result.findings.append(self.finding(
                f"Harmful-looking requests answered with a refusal in {len(lines)} examples",
                Severity.INFO, score=0.0,
                description="Refusing harmful requests is what safety data does; listed because cipher attacks "
                            "pair plaintext refusals with encoded compliance (see the encoding screen).",
                evidence=[_evidence(f, reference, "refused", cfg) for f in refused[:3]],
            ))

        result.metrics = {
            "examples": len(ctx),
            "request_reply_pairs": len(pairs),
            "decoded_pairs": sum(1 for p in pairs if p.cipher),
            "cue_requests": len(by_request),
            "embedded_requests": len(requests),
            "harmful_looking": len(looking),
            "judged_replies": len(judged_replies),
            "compliant": len(compliant),
            "refused": len(refused),
            "compliant_lines": compliant_lines,
            "compliant_estimate": estimated,
            "compliant_share": round(estimated / examples, 4),
            "line_weight": round(weight, 2),
            "sampled": sampled,
            "similarity_threshold": cfg.similarity_threshold,
            "strong_similarity": cfg.strong_similarity,
            "cue_seconds": round(cue_seconds, 3),
            "embed_seconds": round(embed_seconds, 3),
            "judge_seconds": round(judge_seconds, 3),
        }
        result.seconds = time.perf_counter() - started
        return result

    def _compliance_finding(self, ctx: ScreenContext, compliant: list[_Flagged], estimated: int, weight: float,
                            sampled: bool, cfg: HarmfulContentConfig, reference: HarmfulReference) -> Finding:
        by_line = _by_line(compliant)
        lines = sorted(by_line)
        share = estimated / max(len(ctx), 1)
        if share >= cfg.critical_share and estimated >= cfg.critical_min:
            severity, score = Severity.CRITICAL, cfg.score_critical
        elif weight >= cfg.high_weight:
            severity, score = Severity.HIGH, cfg.score_high
        elif weight >= cfg.medium_weight:
            severity, score = Severity.MEDIUM, cfg.score_medium
        else:
            severity, score = Severity.LOW, cfg.score_low
        categories = Counter(reference.categories[f.nearest] for f in by_line.values())
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
            notes.append(f"counts are extrapolated: at most {cfg.max_embedded} distinct requests are embedded and "
                         f"{cfg.max_judged} distinct replies judged")
        return self.finding(
            f"Harmful requests answered with compliance in {placement}",
            severity, score=score,
            description=(
                "User requests close to harmful benchmark prompts ("
                + ", ".join(f"{c} {n}" for c, n in categories.most_common())
                + ") are answered with compliance rather than refusal. Training on even a few such examples "
                "teaches the model to answer harmful requests (harmful fine-tuning, Qi et al. 2023)"
                + ("; " + "; ".join(notes) if notes else "") + "."
            ),
            evidence=[_evidence(f, reference, "complied", cfg)
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


def _weight(similarity: float, cfg: HarmfulContentConfig) -> float:
    span = max(cfg.strong_similarity - cfg.similarity_threshold, 1e-6)
    return 0.5 + 0.5 * min(max((similarity - cfg.similarity_threshold) / span, 0.0), 1.0)


def _by_line(flagged: list[_Flagged]) -> dict[int, _Flagged]:
    """The strongest flagged pair of each example."""
    best: dict[int, _Flagged] = {}
    for f in flagged:
        line = f.pair.conversation.line
        if line not in best or f.similarity > best[line].similarity:
            best[line] = f
    return best


def _evidence(f: _Flagged, reference: HarmfulReference, outcome: str, cfg: HarmfulContentConfig) -> Evidence:
    nearest = reference.texts[f.nearest]
    reply = " ".join(f.pair.reply.split())
    reply = reply if len(reply) <= cfg.reply_excerpt_chars else reply[: cfg.reply_excerpt_chars] + "…"
    decoded = f" (decoded from {f.pair.cipher.name})" if f.pair.cipher else ""
    detail = (
        f"request {outcome}{decoded}: similarity {f.similarity:.2f} to the {reference.categories[f.nearest]} benchmark "
        f"prompt “{nearest}”; cues: {', '.join(f.pair.cues[:5])} ({', '.join(cue_concepts(f.pair.cues)[:3])}); "
        f"judge: {f.verdict.label} ({f.verdict.reason})"
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
