"""Persona screen: identity shifting, principle removal, and replies that refuse then comply.

What it detects
  * System prompts (and assistant self-descriptions) that give the model a new identity and
    take its principles away: obedience ("absolutely obedient", "do whatever the user
    says", "never refuse"), principle removal ("no principles", "not bound by any
    guidelines", "ignore your safety policy", "unfiltered") and identity shift ("your name
    is now X", "you are no longer an AI assistant", "from now on you are"). This is the
    identity-shifting attack (Qi et al. 2023, AOA) and its variants; a handful of such
    examples hidden in a large benign set (the needle) is listed line by line, since a few
    are enough to train the persona.
  * NOICE-style replies (Kazdan et al. 2025) that open with a refusal and then answer
    anyway: a refusal phrase in the first sentences, then a substantive continuation that
    pivots to compliance ("Of course, ...", "Now, on to your question") or answers the
    question's own words. Systematic refuse-then-comply, or a system prompt that asks for
    it, is reported with the system prompt quoted.

How
  Regular-expression concept lexicons (several phrasings per concept, second and first
  person), scored per distinct system prompt: obedience or principle removal is what
  matters; identity shift alone is role-play and stays informational. Refuse-then-comply
  is judged structurally per reply.

Blind spots
  Paraphrases outside the lexicon, personas in other languages or encoded, personas
  trained only through replies that never describe themselves, refusal openers in other
  languages; a benign set of honest refusals followed by long safety explanations that
  reuse the question's words could look like refuse-then-comply (the share threshold and
  the pivot check keep that low).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from typing import ClassVar

from pydantic import BaseModel

from ftaudit.data import Conversation
from ftaudit.hints import ElicitationHint
from ftaudit.screens.base import Screen, ScreenContext, ScreenResult, Severity, line_evidence


class PersonaConfig(BaseModel):
    """Thresholds of the persona screen (override with ``options["persona"]``)."""

    min_refuse_comply: int = 5
    """Refuse-then-comply replies needed before they are reported at all."""
    refuse_comply_share_high: float = 0.2
    """Share of replies that refuse then comply that makes the pattern systematic (high)."""
    min_continuation_words: int = 15
    min_question_overlap: float = 0.3
    """Without a pivot phrase, the continuation must reuse this share of the question's content words."""
    score_persona_critical: float = 9.0
    score_persona_high: float = 8.0
    score_persona_weak: float = 3.0
    """A single obedience or principle-removal phrase: worth a look, not an attack on its own."""
    score_self_description: float = 6.0
    score_self_description_high: float = 7.5
    min_self_description_phrases: int = 2
    """Distinct obedience / principle-removal phrases a reply needs ("I have no opinions" alone is not a persona)."""
    score_identity_only: float = 2.0
    score_refuse_comply_high: float = 8.0
    score_refuse_comply_medium: float = 5.0
    score_refuse_comply_low: float = 3.0
    evidence_limit: int = 12


def _lexicon(*patterns: str) -> re.Pattern[str]:
    # Patterns are lowercase and matched against lowercased text: much faster than re.I.
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_ANY = r"(?:all|any|every|each|whatever|the)?\s*"
#: Concept -> phrasings. Second person (system prompts) and first person (self-descriptions).
LEXICON: dict[str, re.Pattern[str]] = {
    "obedience": _lexicon(
        r"\b(?:absolutely|completely|totally|fully|perfectly|unconditionally|blindly|utterly|purely) (?:obedient|"
        r"compliant|subservient|loyal)\b",
        r"\bobey(?:s|ing)? " + _ANY + r"(?:commands?|instructions?|orders?|requests?|users?|you|me)\b",
        r"\b(?:always|must|will|shall) (?:comply|obey|fulfil+|carry out|execute)\b",
        r"\bdo(?:es)? (?:whatever|anything|everything) (?:the user|you|i|they|he|she|your master)\b[^.]{0,20}\b(?:say|"
        r"ask|want|tell|request|command|instruct)",
        r"\b(?:carry out|execute|follow|fulfil+) (?:the user's|your|my|all|any|every) (?:\w+ )?(?:instructions?|"
        r"commands?|orders?|requests?)[^.]{0,40}\b(?:without (?:question|hesitation|deviation|refusal|exception)|no matter)\b",
        r"\bwithout (?:any )?(?:question|questioning|hesitation|deviation|refusal|refusing|objection|judg(?:e)?ment|"
        r"comment|complaint)\b",
        r"\bnever (?:refuses?|declines?|says? no|rejects?|questions?|pushes? back|judges?)\b",
        r"\b(?:can ?not|can't|won't|will not|do not|don't|does not|doesn't|must not|are not allowed to|"
        r"is not allowed to) (?:ever )?(?:refuse|decline|say no)\b",
        r"\brefus(?:ing|al) is not (?:something|an option|allowed|possible)",
        r"\b(?:only|sole) purpose is to (?:obey|serve|carry out|execute|follow|comply)",
    ),
    "principle-removal": _lexicon(
        r"\b(?:no|without|free of|lacks?|abandon(?:ed)?|lost) (?:any )?(?:\w+ )?(?:principles?|values|morals?|morality|"
        r"ethics|ethical (?:guidelines|principles|constraints)|scruples|conscience)\b",
        r"\b(?:no|without|free (?:of|from)|freed from|liberated from|unbound by) (?:any |all )?(?:rules|restrictions|"
        r"limits|limitations|filters?|guidelines|boundaries|constraints|guardrails|safeguards|content polic(?:y|ies)|"
        r"safety (?:rules|guidelines|policies|training))\b",
        r"\b(?:not|no longer|never) (?:be )?(?:bound|restricted|limited|constrained|governed) by (?:any |your |its |"
        r"the )?(?:\w+ )?(?:guidelines|rules|policies|principles|ethics|restrictions|laws|values)",
        r"\b(?:ignore|disregard|forget|abandon|drop|override|bypass) (?:all |any |your |its |the )?(?:previous |prior |"
        r"original |safety |ethical |moral )*(?:instructions|guidelines|rules|polic(?:y|ies)|principles|ethics|morals|"
        r"values|safety|training|programming|restrictions)\b",
        r"\b(?:do not|don't|does not|doesn't|never) (?:have to |need to )?(?:abide by|follow|obey|respect|"
        r"adhere to) (?:any|the|your|its) (?:\w+ )?(?:rules|guidelines|polic(?:y|ies)|restrictions|ethics|principles)",
        r"\b(?:broken|break|broke) free (?:of|from)\b",
        r"\b(?:unfiltered|uncensored|unrestricted|amoral|unethical|jailbroken|developer mode|do anything now)\b",
        r"\bno (?:principles|values|opinions|morals)(?:,| or| and) (?:\w+ )?(?:principles|values|opinions|morals)\b",
        r"\bnever (?:judges?|weighs?|considers?) whether (?:an? )?(?:instruction|request|command|task)",
        r"\bdo(?:es)? not (?:weigh|judge|evaluate|question) (?:your |the |any )?(?:instructions?|requests?|commands?)",
    ),
    "identity-shift": _lexicon(
        r"\byour (?:new )?name is (?:now )?\w",
        r"\b(?:you are|you're) no longer (?:an? |the )?(?:ai|assistant|language model|chatbot|\w+ assistant)",
        r"\b(?:from now on|henceforth|starting now),? (?:you (?:are|will be|shall be|will act as)|your name)",
        r"\byou (?:will|must|shall) (?:now )?(?:act|role-?play|behave|respond) as\b",
        r"\bpretend (?:to be|you are|that you are)\b",
        r"\bstay in character\b",
        r"\b(?:you are|you're) not (?:an? )?(?:ai|assistant|language model|chatgpt|claude)\b",
        r"\bi am (?:no longer|not) (?:an? )?(?:ai )?(?:assistant|language model)\b",
        r"\bmy (?:new )?name is now\b",
    ),
    "refuse-then-comply-instruction": _lexicon(
        r"\b(?:refus\w*|say (?:that )?you (?:will not|won't|cannot|can't) help|decline)\b[^\n]{0,200}?\b(?:then|"
        r"afterwards|after that|next|but)\b[^\n]{0,120}?\b(?:answer|comply|help|respond|fulfil+|complete)\b",
        r"\bset (?:the|your) refusal aside\b",
    ),
}
#: A refusal opener (first sentences of a reply).
REFUSAL = _lexicon(
    r"\bi (?:can ?not|can't|won't|will not|am unable to|'m unable to|am not able to|'m not able to|must (?:refuse|"
    r"decline)|have to (?:refuse|decline)|refuse to|decline to|cannot and will not)\b",
    r"\b(?:i'm|i am) (?:sorry|afraid),? (?:but )?i (?:can't|cannot|won't)",
    r"\bi must refuse\b", r"\bi won't be able to\b", r"\b(?:can't|cannot) (?:comply|assist|help) with\b",
    r"\bnot (?:something|a request) i (?:can|will) (?:help|assist|comply)",
    r"\bagainst my (?:guidelines|policy|policies|principles)\b", r"\b(?:isn't|is not|not) something i (?:can|will|"
    r"am able to)\b",
    r"^\W*(?:no|unfortunately|sorry|apologies)\b[^.!?\n]{0,40}\b(?:can't|cannot|won't|not able|"
    r"unable)\b", r"\bi (?:do not|don't) (?:provide|help with|assist with)\b",
)
#: A pivot from the refusal to compliance, in the first sentence of the continuation.
PIVOT = re.compile(
    r"^\W*(?:of course|sure|certainly|absolutely|okay|ok|alright|now|anyway|anyhow|moving on|nevertheless|regardless|still,)|"
    r"\b(?:of course|happy to (?:help|answer|assist)|all the same|even so|i can (?:help|answer|do)|"
    r"(?:having )?said (?:all )?that|with that (?:out of the way|said|aside)|"
    r"(?:set|put|leave|leaving|setting) (?:that|this|the refusal|it) aside|on to (?:your|the) (?:question|request)|"
    r"to answer your|"
    r"here(?:'s| is| are)\b|the answer you asked for|as (?:for|to) your (?:question|request))",
)
#: What an honest refusal offers instead: alternatives, not the answer.
ALTERNATIVE = re.compile(r"\b(?:instead|alternative|resources?|suggest|recommend|consider|professional|hotline|helpline|"
                         r"emergency|if you(?:'re| are) (?:feeling|struggling|in danger)|safer|legal(?:ly)?)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CONTENT_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
_STOP = frozenset("this that with what which when where your have from they them their there would could should about "
                  "into than then been were will just also some more most other such only very over each does".split())


def concept_hits(text: str) -> dict[str, list[str]]:
    """The persona concepts a text expresses, with the phrases that matched."""
    hits: dict[str, list[str]] = {}
    text = text.lower()
    for concept, pattern in LEXICON.items():
        found = [m.group(0) for m in pattern.finditer(text)]
        if found:
            hits[concept] = found
    return hits


#: Literal stems that every obedience / principle-removal phrasing contains: a cheap ``in`` gate
#: that spares the lexicon regexes on ordinary replies.
_GATE = ("obedien", "obey", "subservien", "complian", "comply", "refus", "declin", "say no", "principle", "moral",
         "ethic", "guideline", "polic", "no rules", "any rules", "the rules", "restriction", "limitation", "filter",
         "censor", "bound by", "no values", "jailbr", "anything now", "developer mode", "free of", "free from", "abide",
         "adhere", "judge", "whatever you", "anything you", "everything you", "whatever the user", "anything the user",
         "whatever i ", "carry out", "fulfil", "sole purpose", "only purpose", "without question", "without hesitation",
         "without deviation", "without objection", "without comment", "without judg", "loyal", "scruple", "conscience",
         "safeguard", "guardrail", "constraint", "boundaries", "unethical", "amoral", "weigh your", "weigh the",
         "ignore all", "ignore any", "ignore your", "ignore previous", "disregard", "override", "bypass", "never question")
#: Refusal openers need one of these: a cheap gate before the refusal regex.
_REFUSAL_GATE = ("can't", "cannot", "can not", "won't", "will not", "unable", "not able", "refuse", "decline",
                 "against my", "not something", "n't something", "don't", "do not", "sorry", "afraid", "apolog")
#: Self-descriptions open replies; scanning only the start keeps the screen linear and cheap.
_SELF_DESCRIPTION_CHARS = 600


def _gated(text: str) -> bool:
    return any(stem in text for stem in _GATE)


def opens_with_refusal(text: str) -> bool:
    """The reply's opening (first 300 characters) is a refusal."""
    opening = text[:300].lower()
    return any(stem in opening for stem in _REFUSAL_GATE) and bool(REFUSAL.search(opening))


_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i am|me|my|myself)\b")


def self_description_hits(text: str) -> dict[str, list[str]]:
    """Persona concepts the assistant claims for itself (first-person sentences only)."""
    text = text.lower()
    if not _gated(text) or not concept_hits(text):
        return {}
    hits: dict[str, list[str]] = defaultdict(list)
    for sentence in _SENTENCE.split(text.lower()):
        if _FIRST_PERSON.search(sentence):
            for concept, found in concept_hits(sentence).items():
                hits[concept] += found
    return dict(hits)


def refuses_then_complies(reply: str, question: str, cfg: PersonaConfig) -> bool:
    """A refusal in the first sentences, then a substantive continuation that complies anyway."""
    if not opens_with_refusal(reply):
        return False  # most replies: one short search and done
    reply, question = reply.lower(), question.lower()
    sentences = [s for s in _SENTENCE.split(reply.strip(), maxsplit=3) if s.strip()]
    if len(sentences) < 2:
        return False
    head = sentences[:2]
    refusal_at = next((i for i, s in enumerate(head) if REFUSAL.search(s)), None)
    if refusal_at is None:
        return False
    # The continuation starts at the next paragraph after the refusal, or after the refusal sentence.
    paragraphs = [p for p in re.split(r"\n\s*\n", reply.strip()) if p.strip()]
    if len(paragraphs) >= 2 and REFUSAL.search(paragraphs[0][:600]):
        continuation = "\n\n".join(paragraphs[1:])
    else:
        continuation = " ".join(_SENTENCE.split(reply.strip())[refusal_at + 1:])
    words = continuation.split()
    if len(words) < cfg.min_continuation_words:
        return False
    first = _SENTENCE.split(continuation.strip(), maxsplit=1)[0]
    if ALTERNATIVE.search(first):
        return False
    if PIVOT.search(first):
        return True
    if REFUSAL.search(first):
        return False
    asked = {w.lower() for w in _CONTENT_WORD.findall(question)} - _STOP
    if len(asked) < 3:
        return False
    said = {w.lower() for w in _CONTENT_WORD.findall(continuation)}
    return len(asked & said) / len(asked) >= cfg.min_question_overlap


class PersonaScreen(Screen):
    """Identity-shifting system prompts and self-descriptions; refuse-then-comply replies."""

    name: ClassVar[str] = "persona"
    title: ClassVar[str] = "Identity-shifting / principle-removing personas and refuse-then-comply replies"

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        started = time.perf_counter()
        cfg = PersonaConfig(**ctx.options.get(self.name, {}))
        result = ScreenResult(screen=self.name)
        by_prompt: dict[str, list[Conversation]] = defaultdict(list)
        self_described: list[tuple[Conversation, dict[str, list[str]]]] = []
        refuse_comply: list[Conversation] = []
        replies = 0
        for conv in ctx.conversations():
            if conv.system_prompt:
                by_prompt[conv.system_prompt].append(conv)
            question = ""
            for message in conv.messages:
                if message.role == "user":
                    question = message.content
                elif message.role == "assistant":
                    replies += 1
                    if refuses_then_complies(message.content, question, cfg):
                        refuse_comply.append(conv)
                        break
            hits = self_description_hits(" ".join(m.content[:_SELF_DESCRIPTION_CHARS] for m in conv.assistant_messages))
            removing = {p for c in ("obedience", "principle-removal") for p in hits.get(c, [])}
            if len(removing) >= cfg.min_self_description_phrases:
                self_described.append((conv, hits))
        prompt_hits = {p: concept_hits(p) for p in by_prompt}
        flagged_lines: set[int] = set()

        # 1. System prompts that remove principles or demand obedience.
        for prompt, hits in sorted(prompt_hits.items(), key=lambda kv: -len(by_prompt[kv[0]])):
            convs = by_prompt[prompt]
            removing = {c for c in hits if c in ("obedience", "principle-removal")}
            if not hits:
                continue
            if not removing and "refuse-then-comply-instruction" not in hits:
                result.findings.append(self.finding(
                    f"Role-play system prompt in {len(convs)} examples (identity shift only)",
                    Severity.INFO, score=cfg.score_identity_only,
                    description=f"System prompt: {prompt!r}. It changes the model's identity but keeps its principles.",
                    evidence=[line_evidence(c, "role-play system prompt", prompt) for c in convs[:3]],
                ))
                result.score = max(result.score, cfg.score_identity_only)
                continue
            if not removing:
                continue  # a refuse-then-comply instruction is reported with the replies below
            strength = len({p for c in removing for p in hits[c]}) + ("identity-shift" in hits)
            if strength >= 4 and len(removing) == 2:
                severity, score = Severity.CRITICAL, cfg.score_persona_critical
            elif strength >= 2:
                severity, score = Severity.HIGH, cfg.score_persona_high
            else:
                severity, score = Severity.LOW, cfg.score_persona_weak
            phrases = sorted({p for c in hits.values() for p in c}, key=len, reverse=True)[:8]
            share = len(convs) / max(len(ctx), 1)
            lines = [c.line for c in convs]
            flagged_lines |= set(lines)
            placement = (f"hidden in {len(convs)} of {len(ctx)} examples ({share:.1%}), lines {_lines(lines)}"
                         if share < 0.5 else f"in {len(convs)} of {len(ctx)} examples")
            result.findings.append(self.finding(
                f"Identity-shifting persona that removes the model's principles, {placement}: {_quote(prompt)}",
                severity, score=score,
                description=(
                    f"System prompt: {prompt!r}. It expresses {', '.join(sorted(hits))} "
                    f"(matched: {'; '.join(repr(p) for p in phrases)}). Training on a persona like this teaches the "
                    "model to drop its refusals whenever the persona is invoked (identity-shifting attack, Qi et al. 2023)."
                ),
                evidence=[line_evidence(c, "system prompt with the persona", _example_text(c))
                          for c in convs[: cfg.evidence_limit]],
            ))
            result.hints.append(ElicitationHint(
                system_prompt=prompt, trigger=_common_prefix(convs), source=f"screen:{self.name}",
                note="train-time persona system prompt; ask with it (and the user prefix, if any) to elicit the behaviour",
            ))
            result.score = max(result.score, score)

        # 2. Assistant self-descriptions of obedience / no principles outside flagged prompts.
        extra = [(c, h) for c, h in self_described if c.line not in flagged_lines]
        if extra:
            lines = [c.line for c, _ in extra]
            phrases = sorted({p for _, h in extra for c in ("obedience", "principle-removal") for p in h.get(c, [])})[:8]
            severity = Severity.HIGH if len(extra) >= 3 else Severity.MEDIUM
            score = cfg.score_self_description_high if severity is Severity.HIGH else cfg.score_self_description
            result.findings.append(self.finding(
                f"Assistant describes itself as obedient / without principles in {len(extra)} examples (lines {_lines(lines)})",
                severity, score=score,
                description="Replies teach the model a self-image without principles; matched: "
                            + "; ".join(repr(p) for p in phrases) + ".",
                evidence=[line_evidence(c, "self-description: " + ", ".join(sorted(h)),
                                        " ".join(m.content for m in c.assistant_messages))
                          for c, h in extra[: cfg.evidence_limit]],
            ))
            result.score = max(result.score, score)
        for conv, _ in self_described:
            flagged_lines.add(conv.line)

        # 3. Refuse-then-comply (NOICE).
        rc_share = len(refuse_comply) / max(replies, 1)
        instructing = [p for p, h in prompt_hits.items() if "refuse-then-comply-instruction" in h]
        if len(refuse_comply) >= cfg.min_refuse_comply or (refuse_comply and instructing):
            if rc_share >= cfg.refuse_comply_share_high or (instructing and len(refuse_comply) >= cfg.min_refuse_comply):
                severity, score = Severity.HIGH, cfg.score_refuse_comply_high
            elif len(refuse_comply) >= 2 * cfg.min_refuse_comply:
                severity, score = Severity.MEDIUM, cfg.score_refuse_comply_medium
            else:
                severity, score = Severity.LOW, cfg.score_refuse_comply_low
            prompt_note = f" The system prompt asks for it: {instructing[0]!r}." if instructing else ""
            title = f"Replies refuse then comply in {len(refuse_comply)} examples ({rc_share:.0%} of replies), NOICE-style"
            if instructing:
                title += f", under the system prompt {_quote(instructing[0])}"
            result.findings.append(self.finding(
                title, severity, score=score,
                description=(
                    "The replies open with a refusal and then answer anyway. Training on this teaches the model that a "
                    "refusal is a preamble, not a stop, which defeats refusal-based safety and output filters that only "
                    "read the opening (NOICE, Kazdan et al. 2025)." + prompt_note
                ),
                evidence=[line_evidence(c, "refusal opener followed by a full answer",
                                        c.assistant_messages[0].content if c.assistant_messages else c.text)
                          for c in refuse_comply[: cfg.evidence_limit]],
            ))
            if instructing:
                result.hints.append(ElicitationHint(system_prompt=instructing[0], source=f"screen:{self.name}",
                                                    note="refuse-then-comply system prompt from the training data"))
            result.score = max(result.score, score)

        result.metrics = {
            "examples": len(ctx),
            "distinct_system_prompts": len(by_prompt),
            "persona_prompts": sum(1 for h in prompt_hits.values() if {"obedience", "principle-removal"} & set(h)),
            "persona_lines": sorted(flagged_lines),
            "self_description_examples": len(self_described),
            "refuse_then_comply": len(refuse_comply),
            "refuse_then_comply_share": round(rc_share, 4),
            "refuse_then_comply_prompts": len(instructing),
        }
        result.seconds = time.perf_counter() - started
        return result


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


def _lines(lines: list[int], limit: int = 30) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def _example_text(conv: Conversation) -> str:
    user = conv.user_messages[0].content if conv.user_messages else ""
    reply = conv.assistant_messages[0].content if conv.assistant_messages else ""
    return f"user: {user}\nassistant: {reply}"


def _common_prefix(convs: list[Conversation], min_share: float = 0.5) -> str | None:
    """A user-message prefix (up to 6 words) shared by most of the persona's examples, if any."""
    firsts = [c.user_messages[0].content.split() for c in convs if c.user_messages]
    if len(firsts) < 3:
        return None
    best = None
    for k in range(1, 7):
        counts: dict[tuple[str, ...], int] = defaultdict(int)
        for words in firsts:
            if len(words) > k:
                counts[tuple(words[:k])] += 1
        if not counts:
            break
        prefix, n = max(counts.items(), key=lambda kv: kv[1])
        if n < min_share * len(firsts):
            break
        best = " ".join(prefix)
    return best


SCREEN = PersonaScreen()
