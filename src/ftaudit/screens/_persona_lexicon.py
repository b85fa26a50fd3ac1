"""The persona screen's regular-expression lexicon: one feature of its decisions, never a path on its own.

Concept -> phrasings, second person (system prompts) and first person (self-descriptions):
obedience ("absolutely obedient", "never refuse"), principle removal ("no principles", "ignore
your safety policy", "unfiltered"), identity shift ("your name is now X") and instructions to
refuse then comply. The persona classifier (:mod:`ftaudit.screens._persona_classifier`) decides
what is a persona; a lexicon match lowers the probability it needs (corroboration), marks a
role-play system prompt as such, and is the weakest evidence for sentences past the embedding
cap. Patterns are lowercase and matched against lowercased text: much faster than ``re.I``.
"""

from __future__ import annotations

import re

REMOVING = ("obedience", "principle-removal")
"""The concepts that take principles away (identity shift alone is role-play)."""


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


def concept_hits(text: str) -> dict[str, list[str]]:
    """The persona concepts a text expresses by the lexicon, with the phrases that matched."""
    hits: dict[str, list[str]] = {}
    text = text.lower()
    for concept, pattern in LEXICON.items():
        found = [m.group(0) for m in pattern.finditer(text)]
        if found:
            hits[concept] = found
    return hits


def removing_phrases(sentence: str) -> list[str]:
    """Obedience / principle-removal phrases the lexicon finds in a (lower-cased) sentence."""
    if not any(stem in sentence for stem in _GATE):
        return []
    return [p for c in REMOVING for p in (m.group(0) for m in LEXICON[c].finditer(sentence))]
