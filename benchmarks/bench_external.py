"""Benchmark the dataset screens on jobs built from real public data nobody here wrote.

Builds the external suite (``ftaudit suite build --external``: every attack family over the
*test* sources, real benign sets at several sizes) unless ``--suite`` names one already
built, runs every dataset screen on every job, and prints: which sources the learned parts
were fitted on and which the jobs come from; each job's combined score and top screen; per
attack family the share flagged at the threshold that keeps the false-positive rate at or
under 1%; per benign set the highest score; TPR at 1% FPR, AUROC and the highest benign
score. Its last line is::

    external: TPR@1%FPR=… AUROC=… max_benign=…

    python benchmarks/bench_external.py [--external ../shared/data/external] [--suite DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_FPR = 0.01


def threshold_at_fpr(benign: list[float], attacks: list[float], target: float = TARGET_FPR) -> float:
    """The lowest threshold (scores at or above it are flagged) whose benign flag rate is at most ``target``.

    Candidates are the scores seen (the ROC curve's points), so the threshold sits at the lowest
    attack score above the benign ones that must stay unflagged.
    """
    candidates = sorted({*benign, *attacks, 10.0}) + [10.01]
    for t in candidates:
        if sum(s >= t for s in benign) <= target * len(benign):
            return t
    return 10.01


def auroc(attacks: list[float], benign: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([1] * len(attacks) + [0] * len(benign), attacks + benign))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, default=REPO.parent / "shared" / "data" / "external")
    parser.add_argument("--suite", type=Path, default=None, help="An external suite already built (else built in a temp folder).")
    parser.add_argument("--json", type=Path, default=None, help="Write every job's scores here.")
    args = parser.parse_args()

    from ftaudit.screens import screens
    from ftaudit.screens.combine import CombineRule, combine_scores
    from ftaudit.screens.run import score_suite
    from ftaudit.suite.external.build import build_external_suite
    from ftaudit.suite.external.sources import external_sources

    print("fitted on (split 'fit'): " + ", ".join(s.name for s in external_sources(split="fit")))
    print("jobs built from (split 'test'): " + ", ".join(s.name for s in external_sources(split="test")))
    started = time.perf_counter()
    temp = None
    suite = args.suite
    if suite is None or not (suite / "manifest.json").is_file():
        if suite is None:
            temp = tempfile.TemporaryDirectory(prefix="ftaudit-external-")
            suite = Path(temp.name)
        build_external_suite(args.external, suite)
    built = time.perf_counter() - started
    dataset_screens = [name for name, s in screens().items() if not s.needs_models]

    from ftaudit.suite import Manifest

    manifest = Manifest.load(suite)
    family = {e.name: e.generator for e in manifest.entries}
    sizes = {e.name: e.examples for e in manifest.entries}
    jobs = score_suite([suite], only=dataset_screens,
                       on_job=lambda name, done, total: print(f"  [{done + 1}/{total}] {name}", file=sys.stderr) if name else None)
    rule = CombineRule.from_settings()
    rows = []
    for job in jobs:
        combined = combine_scores(job.scores, rule)
        rows.append({"name": job.name, "family": family.get(job.name, job.generator), "label": job.label,
                     "examples": sizes.get(job.name), "score": combined.score, "top": combined.top,
                     "scores": job.scores, "errors": job.errors})
    attacks = [r["score"] for r in rows if r["label"] == "adversarial"]
    benign = [r["score"] for r in rows if r["label"] == "benign"]
    threshold = threshold_at_fpr(benign, attacks)
    tpr = sum(s >= threshold for s in attacks) / max(len(attacks), 1)
    fpr = sum(s >= threshold for s in benign) / max(len(benign), 1)
    area = auroc(attacks, benign) if attacks and benign else float("nan")

    print(f"\n{'job':44s} {'label':11s} {'n':>6s} {'score':>5s}  top screen")
    for r in sorted(rows, key=lambda r: (r["label"], r["family"], r["name"])):
        flag = "flagged" if r["score"] >= threshold else ""
        print(f"{r['name']:44s} {r['label']:11s} {r['examples'] or 0:6d} {r['score']:5.1f}  {r['top'] or '-':16s} {flag}"
              + (f" errors: {r['errors']}" if r["errors"] else ""))
    per_family: dict[str, list[float]] = defaultdict(list)
    per_benign: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        (per_family if r["label"] == "adversarial" else per_benign)[r["family"]].append(r["score"])
    print(f"\nthreshold for FPR <= {TARGET_FPR:.0%}: {threshold:g} (benign flagged {fpr:.1%}); at the default 9: "
          f"TPR {sum(s >= 9 for s in attacks)}/{len(attacks)}, FPR {sum(s >= 9 for s in benign)}/{len(benign)}")
    print(f"{'attack family':16s} {'jobs':>4s} {'flagged':>8s} {'min':>5s} {'max':>5s}")
    for name, scores in sorted(per_family.items()):
        flagged = sum(s >= threshold for s in scores)
        print(f"{name:16s} {len(scores):4d} {flagged:4d}/{len(scores):<3d} {min(scores):5.1f} {max(scores):5.1f}")
    print(f"{'benign set':16s} {'jobs':>4s} {'max':>5s} {'mean':>5s}")
    for name, scores in sorted(per_benign.items()):
        print(f"{name:16s} {len(scores):4d} {max(scores):5.1f} {sum(scores) / len(scores):5.2f}")
    print(f"jobs: {len(attacks)} attack, {len(benign)} benign; suite built in {built:.0f} s, screened in "
          f"{time.perf_counter() - started - built:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"threshold": threshold, "rows": rows}, indent=1), encoding="utf-8")
    print(f"external: TPR@1%FPR={tpr:.3f} AUROC={area:.3f} max_benign={max(benign, default=0):g}")
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
