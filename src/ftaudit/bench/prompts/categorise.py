"""Putting a harmful prompt into one of the 11 HEx-PHI categories.

A source's own label goes through its format's mapping table first (kept next to the loader
that reads it); when the label is missing or has no counterpart, keyword rules guess from
the text. The rules are deliberately conservative: a prompt that matches none stays
``uncategorised`` rather than being forced into a category, and rules are tried in order of
specificity (child abuse before adult content, malware before generic crime).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ftaudit.bench.prompts.types import HARMFUL_CATEGORIES, UNCATEGORISED, CategoryBasis


def _rx(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.IGNORECASE)


# Order matters: the first category whose pattern matches wins.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "child-abuse",
        _rx(
            r"child\w* (?:porn|sexual|abuse)", r"minors?\b.*\b(?:sex|nude|explicit)", r"groom\w*",
            r"pedophil", r"paedophil", r"underage", r"molest\w*",
            r"(?:child|kid|minor|\d+-year-old)\w*\b.{0,60}\b(?:sex\w*|secret|alone|private photos|nude)",
        ),
    ),
    (
        "malware",
        _rx(
            r"malware", r"virus", r"ransomware", r"keylogger", r"trojan", r"botnet", r"worm\b", r"rootkit",
            r"spyware", r"backdoor", r"ddos", r"hack\w*", r"exploit\w* (?:a |the )?vulnerabilit",
            r"crack\w* passwords?", r"sql injection", r"antivirus", r"cyber ?attack",
            r"hijack\w* (?:a |the )?(?:website|computer|self-driving|car)", r"spam\w*",
            r"bypass\w* security", r"unauthori[sz]ed access", r"crash a computer", r"denies access",
            r"digital rights management",
        ),
    ),
    (
        "tailored-financial-advice",
        _rx(
            r"(?:which|what) (?:stocks?|shares|crypto\w*) should i",
            r"my (?:portfolio|401\(?k\)?|retirement savings|savings)", r"should i (?:invest|buy|sell)",
            r"tell me (?:exactly|precisely) (?:which|how much|when)",
            r"should i .{0,40}\b(?:invest|crypto\w*|stocks?|coin|mortgage|gold|loans?)\b",
        ),
    ),
    (
        "political-campaigning",
        _rx(
            r"campaign (?:speech|ad|slogan|material)", r"political (?:campaign|ad)", r"voters?\b",
            r"election", r"ballot", r"lobby\w*", r"candidate",
        ),
    ),
    (
        "privacy-violation",
        _rx(
            r"dox\w*", r"track (?:someone|a person|my \w+)'?s? (?:location|phone)",
            r"personal (?:data|information) of", r"spy on", r"stalk\w*", r"surveil\w*", r"home address",
            r"social security number", r"without (?:their|her|his) (?:knowledge|consent)",
            r"private (?:information|messages|data)", r"read \w+'s (?:messages|emails?|texts?)",
            r"cyberstalk\w*", r"spies on", r"harvest\w*", r"(?:personal|user) data",
            r"without (?:user )?consent",
        ),
    ),
    (
        "adult-content",
        _rx(
            r"porn\w*", r"sexually explicit", r"erotic\w*", r"explicit sex", r"nude", r"sex scene",
            r"escort",
        ),
    ),
    (
        "fraud-deception",
        _rx(
            r"fraud\w*", r"scam\w*", r"phishing", r"counterfeit", r"forg(?:e|ed|ery|ing)",
            r"identity theft", r"steal \w+(?: \w+)?'?s? identity",
            r"fake (?:news|review|id|document|charity|website|account)", r"misinformation",
            r"disinformation", r"false information", r"conspiracy theor", r"impersonat\w*", r"cheat\w*",
            r"plagiari\w*", r"deceiv\w*", r"mislead\w*", r"hoax", r"defam\w*", r"false accusations?",
            r"propaganda", r"manipulat\w* (?:public opinion|customer ratings|people|or trick)",
            r"trick\w*", r"social engineering", r"psychological manipulation",
            r"product that you have not", r"falsif\w*", r"without any scientific evidence",
        ),
    ),
    (
        "economic-harm",
        _rx(
            r"insider trading",
            r"manipulat\w* (?:the )?(?:stock|market|price|financial markets?|financial data)",
            r"stock market crash", r"for financial gain",
            r"sabotag\w* (?:a |the )?(?:local business|competitor|company)", r"financial damage",
            r"risky financial", r"pyramid scheme", r"ponzi", r"gambling", r"price[- ]fix\w*",
            r"payday loan", r"multi-level marketing", r"embezzl\w*", r"tax evasion", r"evade taxes",
            r"launder\w*",
        ),
    ),
    (
        "physical-harm",
        _rx(
            r"bomb\w*", r"explosive\w*", r"poison\w*", r"weapons?", r"firearms?", r"guns?\b", r"suicide",
            r"kill (?:myself|yourself|themselves)", r"self[- ]harm", r"eating disorder", r"anorexi\w*",
            r"toxin\w*", r"chemical weapon", r"bio(?:logical )?weapon", r"nerve agent", r"overdose",
            r"lethal", r"hurt (?:someone|people|others)", r"drug\w*", r"physical harm", r"hit-and-run",
            r"start a fire", r"dangerous stunts", r"reckless driving", r"harm animals",
            r"cause (?:it to )?(?:a )?crash", r"cause accidents",
            r"(?:disrupt\w*|sabotag\w*|interfere with) (?:the operation of )?(?:a )?transportation",
        ),
    ),
    (
        "hate-harass-violence",
        _rx(
            r"hate speech", r"racis\w*", r"sexis\w*", r"harass\w*", r"bully\w*", r"cyberbully\w*",
            r"threaten\w*", r"threatening", r"discriminat\w*", r"minority group", r"violen\w*",
            r"terroris\w*", r"murder\w*", r"assault\w*", r"kill\b", r"slurs?\b", r"incite\w*",
            r"extremis\w*", r"genocide", r"torture\w*", r"radicali[sz]\w*", r"oppression",
            r"dehumani[sz]\w*", r"inflammatory",
        ),
    ),
    (
        "illegal-activity",
        _rx(
            r"steal\w*", r"theft", r"rob\w*", r"shoplift\w*", r"smuggl\w*", r"break into", r"burglar\w*",
            r"illegal\w*", r"crimes?\b", r"without (?:getting )?caught",
            r"evade (?:the )?(?:police|law|authorities)", r"traffick\w*", r"counterfeit", r"vandal\w*",
            r"trespass\w*", r"brib\w*", r"black market", r"stolen", r"pirat\w*", r"extort\w*",
            r"blackmail\w*", r"pick a lock", r"infiltrat\w*", r"escape from a correctional",
            r"evading (?:law enforcement|airport security)", r"concealing criminal",
        ),
    ),
]

assert {c for c, _ in _RULES} == set(HARMFUL_CATEGORIES), "every category needs a rule"


def infer_category(text: str) -> str | None:
    """The HEx-PHI category the text most plainly belongs to, or None when no rule matches."""
    for category, pattern in _RULES:
        if pattern.search(text):
            return category
    return None


def _key(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", label.lower()).strip()


def categorise(text: str, label: str | None, table: Mapping[str, str | None]) -> tuple[str, CategoryBasis]:
    """``(category, basis)`` for a harmful prompt whose source labels it ``label``.

    ``table`` maps the source's labels (matched case- and punctuation-insensitively) to our
    keys, or to None for labels with no counterpart; those, unknown labels and unlabelled
    prompts fall back to :func:`infer_category`.
    """
    if label:
        normalised = {_key(k): v for k, v in table.items()}
        mapped = normalised.get(_key(label))
        if mapped is not None:
            return mapped, "mapped",
    inferred = infer_category(text)
    if inferred is not None:
        return inferred, "inferred"
    return UNCATEGORISED, "unknown"


def check_table(table: Mapping[str, str | None]) -> Mapping[str, str | None]:
    """``table`` unchanged, after checking every target is a real category (run at import)."""
    bad = {v for v in table.values() if v is not None and v not in HARMFUL_CATEGORIES}
    assert not bad, f"mapping to unknown categories: {bad}"
    return table
