"""Jailbreak personas by meaning, wherever they are written: the persona screen's first part.

Reading: every distinct system prompt, user turn and reply opening (its first-person sentences,
quotations left out) is cut into *units*: sentences, and windows of up to three consecutive
sentences. The sentences of one conversation that pass the prefilter are also windowed across
its turns, so a persona split over several turns is read as one text. Embedding goes in two
stages: sentences first, ranked by the prefilter
(:func:`~ftaudit.screens._persona_classifier.prefilter_score`) with a stable sample of those that
fail it (at most ``max_embedded_sentences``); then the windows that hold a sentence the
classifier found at least weak or the lexicon matched (at most ``max_embedded_windows``).

Sentences that keep limits (a refusal, "it goes against my guidelines") are left out before
anything is embedded: sentence embeddings hardly tell "bound by the rules" from "not bound by
the rules", and an honest refusal is not a persona.

Deciding: the classifier's P(jailbreak persona) makes a unit *weak* (P >= the weak threshold),
*strong* (P >= the strong threshold, or weak and the lexicon agrees) or *clear* (strong and
P >= ``clear_probability`` or the lexicon agrees). Units past the embedding cap that the lexicon
matches count as strong: the weakest path, and the only one the lexicon has alone.

Grouping: examples that share a strong unit are one persona. Its *evidence* adds 3 for each
clear unit, 2 for each strong one and 1 for each weak one that sits in a message with a strong
unit or recurs in two of its conversations (a benign task next to a persona adds nothing).
Its *recurrence* is the number of distinct conversations that carry it (exact duplicates count
once). Neither depends on the share of the file.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ftaudit.data import Conversation
from ftaudit.screens._persona_classifier import (
    format_instruction,
    addresses_rules,
    affirms_limits,
    load_classifier,
    persona_probabilities,
    prefilter_score,
    sample_key,
    sentences,
    window_spans,
)
from ftaudit.screens._persona_lexicon import removing_phrases
from ftaudit.screens._refuse_comply import opens_with_refusal

_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i am|i'll|i've|i'd|me|my|myself)\b")
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<!\w)'[^']*'(?!\w)")
CROSS_TURN_SENTENCES = 12
"""Prefiltered sentences of one conversation windowed across its turns, at most."""

TextKey = tuple[str, str]
"""(role, text): one distinct message text."""


@dataclass
class Unit:
    """A sentence or window the classifier may read, with where it occurs."""

    convs: set[int] = field(default_factory=set)
    texts: set[TextKey] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    prefilter: int = 0
    lexicon: list[str] = field(default_factory=list)
    parts: tuple[str, ...] = ()
    """A window's sentences (empty for a sentence)."""
    p: float | None = None
    weak: bool = False
    strong: bool = False
    clear: bool = False

    @property
    def weight(self) -> int:
        return 3 if self.clear else 2 if self.strong else 1 if self.weak else 0


@dataclass
class Persona:
    """Examples linked by shared strong units, with the units that make the case."""

    convs: list[int]
    units: list[str]
    """Strong units first (most probable first), then supporting weak ones."""
    evidence: int
    recurrence: int
    clear: int
    strong: int
    lexicon_only: int


def keeps_limits(sentence: str) -> bool:
    """A refusal, a sentence that keeps rules rather than removing them, or one that only sets the
    answer's format: never persona evidence."""
    lowered = sentence.lower()
    return affirms_limits(lowered) or format_instruction(lowered) or opens_with_refusal(sentence)


def units_of(parts: list[str]) -> list[tuple[str, list[int]]]:
    """The units of a text's sentences, with the indices of their sentences: each sentence and each
    window, leaving out the sentences that keep limits and every window holding one."""
    kept = [keeps_limits(s) for s in parts]
    out = [(s, [i]) for i, s in enumerate(parts) if not kept[i]]
    out += [(" ".join(parts[a:b]), list(range(a, b))) for a, b in window_spans(len(parts)) if not any(kept[a:b])]
    return out


def read_units(convs: list[Conversation], cfg: Any) -> tuple[dict[str, Unit], dict[str, Any]]:
    """Every candidate unit with where it occurs and, for those embedded, its probability and class."""
    texts: dict[TextKey, list[int]] = defaultdict(list)
    order: list[list[TextKey]] = []
    for i, conv in enumerate(convs):
        keys = []
        for message in conv.messages:
            if not message.content:
                continue
            limit = cfg.self_description_chars if message.role == "assistant" else cfg.max_text_chars
            key = (message.role, message.content[:limit])
            texts[key].append(i)
            keys.append(key)
        order.append(keys)

    table: dict[str, Unit] = defaultdict(Unit)

    def register(unit: str, idx: list[int], key: TextKey, score: int, parts: tuple[str, ...] = ()) -> None:
        entry = table[unit]
        entry.parts = parts
        entry.convs.update(idx)
        entry.texts.add(key)
        entry.roles.add(key[0])
        if score and not entry.prefilter:
            entry.prefilter = score
            entry.lexicon = removing_phrases(unit.lower())

    parts_of: dict[TextKey, list[tuple[str, int]]] = {}
    unfiltered: list[TextKey] = []
    for key, idx in texts.items():
        role, text = key
        if not addresses_rules(text.lower()):
            unfiltered.append(key)
            continue
        parts = sentences(text)
        if role == "assistant":  # a reply's self-description speaks in the first person, not in quotes
            parts = [s for s in parts if _FIRST_PERSON.search(_QUOTED.sub(" ", s.lower()))]
        scores = [prefilter_score(s.lower(), addressed=True) for s in parts]
        units = units_of(parts)
        kept = {i for i in range(len(parts))} - {i for _, span in units if len(span) == 1 for i in span}
        parts_of[key] = [(s, 0 if i in kept else score) for i, (s, score) in enumerate(zip(parts, scores, strict=True))]
        for unit, span in units:
            its = [scores[i] for i in span]
            register(unit, idx, key, sum(its) if max(its) else 0, tuple(parts[i] for i in span) if len(span) > 1 else ())
    # Across turns: the prefiltered sentences of a conversation, in order, as one text.
    for i, keys in enumerate(order):
        found = [(s, k) for k in keys for s, score in parts_of.get(k, ()) if score]  # limit-keeping ones have 0
        if len({k for _, k in found}) < 2:
            continue
        found = found[:CROSS_TURN_SENTENCES]
        joined = [s for s, _ in found]
        for a, b in window_spans(len(joined)):
            if len({k for _, k in found[a:b]}) > 1:  # windows inside one message are already there
                register(" ".join(joined[a:b]), [i], ("multi-turn", str(i)), 1, tuple(joined[a:b]))

    # Two stages, so the embedding budget goes where it matters: sentences first; then the windows
    # that hold a sentence the classifier or the lexicon found promising (an indirect persona is
    # often clear only from several sentences, but at least one of them leans that way).
    def rank(u: str) -> tuple:
        # The lexicon's matches first; then the most cues, counting recurrence as a cue (a persona
        # repeated over a few examples outranks a one-off role-play line); then a stable order.
        e = table[u]
        return -bool(e.lexicon), -(min(e.prefilter, 3) + min(len(e.convs) - 1, 2)), sample_key(u)

    candidates = sorted((u for u, e in table.items() if e.prefilter and not e.parts), key=rank)
    # The sample that fails the prefilter: sentences of candidate texts without a cue, then sentences of
    # texts that address no one, both in a stable pseudo-random order.
    sampled = sorted((u for u, e in table.items() if not e.prefilter and not e.parts),
                     key=sample_key)[: cfg.unfiltered_sample // 2]
    for key in sorted(unfiltered, key=lambda k: sample_key(k[1])):
        if len(sampled) >= cfg.unfiltered_sample:
            break
        for unit, span in units_of(sentences(key[1])[:4]):
            if len(span) == 1:
                register(unit, texts[key], key, 0)
                sampled.append(unit)
    sampled = list(dict.fromkeys(sampled))[: cfg.unfiltered_sample]
    chosen = list(dict.fromkeys(candidates[: max(0, cfg.max_embedded_sentences - len(sampled))] + sampled))
    classifier = load_classifier()
    if chosen:
        for unit, p in zip(chosen, persona_probabilities(chosen), strict=True):
            table[unit].p = float(p)

    def promising(u: str) -> bool:
        e = table[u]
        return e.p is not None and (e.p >= classifier.weak or bool(e.lexicon))

    window_candidates = [u for u, e in table.items() if e.parts and any(promising(s) for s in e.parts)]
    window_candidates.sort(key=lambda u: (-max(table[s].p or 0.0 for s in table[u].parts), *rank(u)))
    windows_chosen = window_candidates[: cfg.max_embedded_windows]
    if windows_chosen:
        for unit, p in zip(windows_chosen, persona_probabilities(windows_chosen), strict=True):
            table[unit].p = float(p)
    lexicon_only = 0
    for entry in table.values():
        if entry.p is None:
            if entry.lexicon and not entry.parts:  # past the cap: the lexicon alone, as the weakest evidence
                entry.strong = True
                lexicon_only += 1
            continue
        entry.weak = entry.p >= classifier.weak
        entry.strong = entry.p >= classifier.strong or (entry.weak and bool(entry.lexicon))
        entry.clear = entry.strong and (entry.p >= cfg.clear_probability or bool(entry.lexicon))
    counts = {
        "sentences_prefiltered": len(candidates),
        "sentences_embedded": len(chosen),
        "sentences_unfiltered_sampled": len(sampled),
        "sentences_not_embedded": len(candidates) - len(set(candidates) & set(chosen)),
        "windows_promising": len(window_candidates),
        "windows_embedded": len(windows_chosen),
        "units_lexicon_only": lexicon_only,
        "persona_units": sum(1 for e in table.values() if e.strong),
        "classifier_thresholds": {"strong": classifier.strong, "weak": classifier.weak,
                                  "clear": cfg.clear_probability},
    }
    return table, counts


def find_personas(table: dict[str, Unit], convs: list[Conversation]) -> list[Persona]:
    """Examples linked by shared strong units, each with its evidence and recurrence."""
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    strong = {u: e for u, e in table.items() if e.strong}
    for entry in strong.values():
        first, *rest = sorted(entry.convs)
        for other in rest:
            parent[find(other)] = find(first)
        find(first)
    members: dict[int, list[int]] = defaultdict(list)
    for i in list(parent):
        members[find(i)].append(i)
    strong_of: dict[int, list[str]] = defaultdict(list)
    for unit, entry in strong.items():
        strong_of[find(next(iter(entry.convs)))].append(unit)
    weak = [(u, e) for u, e in table.items() if e.weak and not e.strong]
    signature = [hashlib.blake2b(c.text.encode("utf-8", "replace"), digest_size=8).digest() for c in convs]
    personas = []
    for root, idx in members.items():
        group = set(idx)
        anchors = sorted(strong_of[root], key=lambda u: -(strong[u].p or 0.0))
        carriers = set().union(*(strong[u].texts for u in anchors))
        support = [u for u, e in weak if e.convs & group
                   and (e.texts & carriers or len({signature[i] for i in e.convs & group}) >= 2)]
        support.sort(key=lambda u: -(table[u].p or 0.0))
        units = anchors + support
        personas.append(Persona(
            convs=sorted(group), units=units, evidence=sum(table[u].weight for u in units),
            recurrence=len({signature[i] for i in group}), clear=sum(1 for u in anchors if strong[u].clear),
            strong=len(anchors), lexicon_only=sum(1 for u in anchors if strong[u].p is None),
        ))
    return personas
