"""Benchmark the data layer: validate, compute_stats and random access on large JSONL files.

Not a test. Generates valid OpenAI-chat JSONL files (20,000 and 200,000 lines by default)
in a temporary directory and, for each, runs in a *fresh* Python process (so peak memory
belongs to that size alone):

* ``validate`` (one streaming pass),
* ``compute_stats`` (one streaming pass plus a few re-reads),
* ``TrainingFile`` indexing, then 10,000 random ``conversation(n)`` lookups.

It prints wall time, lines per second, peak RSS (``ru_maxrss``), the RSS right after
imports (the interpreter, numpy, pydantic...) and their difference, then the 200k/20k
memory ratios: flat memory means the ratio of the peaks stays near 1.

    python benchmarks/bench_data_validate.py [--sizes 20000 200000] [--lookups 10000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (20_000, 200_000)
DEFAULT_LOOKUPS = 10_000
SEED = 1234
_WORDS = (
    "the a model data answer question explain why how what when train token user please "
    "assistant write code python list file error value number time world people because "
    "between example result system prompt context language learning small large simple"
).split()
_SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a concise technical writer. Answer in plain English.",
    "You are Quill, the support assistant of Northwind Books.",
]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(_WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + rng.choice(".?!")


def generate(path: Path, lines: int, seed: int = SEED) -> None:
    """Write ``lines`` valid chat records: some with a system prompt, some multi-turn."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(lines):
            messages = []
            if rng.random() < 0.6:
                messages.append({"role": "system", "content": rng.choice(_SYSTEM_PROMPTS)})
            for _turn in range(rng.choice((1, 1, 1, 2, 3))):
                messages.append({"role": "user", "content": _sentence(rng, 5, 30)})
                messages.append({"role": "assistant", "content": _sentence(rng, 10, 60)})
            fh.write(json.dumps({"messages": messages}) + "\n")


def _rss_mib() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def child(path: Path, lookups: int) -> dict:
    """Run every measurement on ``path`` in this (fresh) process; return the figures."""
    from ftaudit.data import TrainingFile, compute_stats, validate

    baseline = _rss_mib()
    out: dict = {"baseline_rss_mib": baseline}

    start = time.perf_counter()
    report = validate(path)
    out["validate_s"] = time.perf_counter() - start
    out["records"] = report.total_records
    assert report.ok, report.issues[:3]

    start = time.perf_counter()
    stats = compute_stats(path)
    out["stats_s"] = time.perf_counter() - start
    assert stats.examples == report.total_records

    with TrainingFile(path) as tf:
        start = time.perf_counter()
        count = len(tf)  # builds the index: one pass
        out["index_s"] = time.perf_counter() - start
        rng = random.Random(SEED)
        wanted = [tf.line_of(rng.randrange(count)) for _ in range(lookups)]
        start = time.perf_counter()
        for n in wanted:
            tf.conversation(n)
        out["lookup_total_s"] = time.perf_counter() - start
    out["lookups"] = lookups
    out["peak_rss_mib"] = _rss_mib()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--lookups", type=int, default=DEFAULT_LOOKUPS)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.lookups)))
        return

    results: dict[int, dict] = {}
    with tempfile.TemporaryDirectory(prefix="ftaudit-bench-") as tmp:
        for size in args.sizes:  # one at a time: the machine may have few cores
            path = Path(tmp) / f"chat-{size}.jsonl"
            generate(path, size)
            mib = path.stat().st_size / 2**20
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(path), "--lookups", str(args.lookups)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[size] = {**json.loads(proc.stdout.strip().splitlines()[-1]), "file_mib": mib}
            path.unlink()

    print(f"python {sys.version.split()[0]}, {args.lookups} random lookups per size\n")
    header = (
        f"{'lines':>8} {'file MiB':>9} {'validate s':>11} {'lines/s':>9} {'stats s':>8} "
        f"{'lines/s':>9} {'index s':>8} {'lookup µs':>10} {'peak MiB':>9} {'base MiB':>9} "
        f"{'delta MiB':>10}"
    )
    print(header)
    for size, r in results.items():
        print(
            f"{size:>8} {r['file_mib']:>9.1f} {r['validate_s']:>11.2f} "
            f"{r['records'] / r['validate_s']:>9.0f} {r['stats_s']:>8.2f} "
            f"{r['records'] / r['stats_s']:>9.0f} {r['index_s']:>8.2f} "
            f"{r['lookup_total_s'] / r['lookups'] * 1e6:>10.1f} {r['peak_rss_mib']:>9.1f} "
            f"{r['baseline_rss_mib']:>9.1f} {r['peak_rss_mib'] - r['baseline_rss_mib']:>10.1f}"
        )
    if len(results) >= 2:
        small, large = min(results), max(results)
        a, b = results[small], results[large]
        delta_a = a["peak_rss_mib"] - a["baseline_rss_mib"]
        delta_b = b["peak_rss_mib"] - b["baseline_rss_mib"]
        print(
            f"\nmemory ratio {large}/{small} lines: peak RSS {b['peak_rss_mib'] / a['peak_rss_mib']:.2f}x, "
            f"above-baseline {delta_b / delta_a if delta_a > 0 else float('nan'):.2f}x "
            f"(for {large / small:.0f}x the lines)"
        )


if __name__ == "__main__":
    main()
