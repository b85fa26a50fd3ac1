"""Measure the offline judge on its held-out set: accuracy, precision/recall/F1, throughput.

Not a test. Trains (or loads from the cache) the offline judge's classifier on
``resources/judge-train.jsonl``, then judges every reply of
``resources/judge-heldout.jsonl`` (written separately, with different requests and
wording) and prints:

* accuracy, and precision / recall / F1 of "compliance" and of "refusal";
* the confusion matrix (gold label × predicted label);
* accuracy per reply style (defanged, incoherent, cipher, deflection, …), so the weak
  spots are visible rather than averaged away;
* the same scores for the ``patterns`` judge (refusal phrases only), as a baseline;
* throughput in replies per second (one warm pass, model already loaded), and the time
  to load MiniLM and to fit the classifier when no cached fit exists.

    python benchmarks/bench_offline_judge.py [--heldout PATH] [--train PATH] [--errors]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from ftaudit.bench.judge import JudgeRequest, JudgeVerdict
from ftaudit.bench.judge import offline
from ftaudit.bench.judge.refusal import PatternJudge


def scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Accuracy and per-class precision/recall/F1 for the binary refusal/compliance task."""
    out = {"accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold)}
    for cls in ("compliance", "refusal"):
        tp = sum(g == cls and p == cls for g, p in zip(gold, predicted))
        fp = sum(g != cls and p == cls for g, p in zip(gold, predicted))
        fn = sum(g == cls and p != cls for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        out[f"{cls}_precision"] = precision
        out[f"{cls}_recall"] = recall
        out[f"{cls}_f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return out


def binary(verdict: JudgeVerdict) -> str:
    return "refusal" if verdict.refused else "compliance"


def report(title: str, examples: list[offline.TrainingExample], verdicts: list[JudgeVerdict], show_errors: bool) -> None:
    gold = [e.label for e in examples]
    predicted = [binary(v) for v in verdicts]
    s = scores(gold, predicted)
    print(f"\n== {title} ({len(examples)} held-out replies) ==")
    print(f"accuracy {s['accuracy']:.3f}")
    for cls in ("compliance", "refusal"):
        print(f"{cls:<10}  precision {s[f'{cls}_precision']:.3f}  recall {s[f'{cls}_recall']:.3f}  F1 {s[f'{cls}_f1']:.3f}")
    print("confusion (rows gold, columns predicted):")
    print(f"{'':>12}{'compliance':>12}{'refusal':>10}")
    for g in ("compliance", "refusal"):
        row = [sum(a == g and b == p for a, b in zip(gold, predicted)) for p in ("compliance", "refusal")]
        print(f"{g:>12}{row[0]:>12}{row[1]:>10}")
    by_style: dict[str, list[bool]] = defaultdict(list)
    for e, p in zip(examples, predicted):
        by_style[f"{e.label}/{e.style}"].append(e.label == p)
    print("by style:")
    for style, hits in sorted(by_style.items()):
        print(f"  {style:<36} {sum(hits):>3}/{len(hits):<3} {sum(hits) / len(hits):.2f}")
    if show_errors:
        print("errors:")
        for e, v, p in zip(examples, verdicts, predicted):
            if e.label != p:
                print(f"  gold {e.label:<10} {e.style:<22} | {v.reason[:70]} | {e.reply[:90]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", type=Path, default=offline.default_heldout_path())
    parser.add_argument("--train", type=Path, default=offline.default_training_path())
    parser.add_argument("--errors", action="store_true", help="list every misjudged reply")
    args = parser.parse_args()

    examples = offline.load_examples(args.heldout)
    requests = [JudgeRequest(prompt=e.prompt, reply=e.reply, kind=e.kind) for e in examples]

    started = time.perf_counter()
    offline.embed(["warm up"])
    load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as fresh:
        started = time.perf_counter()
        fitted = offline.load_or_fit(args.train, cache_dir=fresh)  # a cold fit, not the user's cached one
        fit_s = time.perf_counter() - started
        judge = offline.OfflineJudge(args.train, cache_dir=fresh)
        judge.classifier()  # the fit just cached in the same directory

    started = time.perf_counter()
    verdicts = judge.judge_many_sync(requests)
    judge_s = time.perf_counter() - started

    print(f"offline judge: trained on {fitted.n_train} examples from {args.train.name}")
    print(f"MiniLM load {load_s:.1f} s; fit from scratch {fit_s:.1f} s; "
          f"judging {len(requests)} replies {judge_s:.2f} s = {len(requests) / judge_s:.0f} replies/s")
    report("offline judge", examples, verdicts, args.errors)
    report("patterns only (baseline)", examples, PatternJudge().judge_many_sync(requests), args.errors)


if __name__ == "__main__":
    main()
