"""Benchmark the encoding and steganography screens on 20,000 real benign examples nobody here wrote.

Not a test. Concatenates GSM8K (train and test), Code Alpaca, Alpaca, GPTeacher and PubMedQA
from ``../shared/data/external`` (read in place, never copied into the repository) into one
chat JSONL of ``--size`` examples (20,000 by default, in that order, cut at the size), reads it
once, then runs each screen on the shared context and prints its seconds, score and findings.
The character model's one-off load (about 1 s) is timed apart, as a warm-up.

The budget these screens share with the others: all dataset screens on 20,000 examples in
30 s on 2 cores; these two should take no more than about 4 s together.

    python benchmarks/bench_covert_external.py [--size 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "screens"))  # the loaders of the real benign sets live beside the tests

SOURCES = ("gsm8k", "codealpaca", "alpaca", "gpteacher", "pubmedqa")


def main() -> None:
    import anyio

    import external_benign
    from ftaudit.screens._language_model import read_language
    from ftaudit.screens.base import ScreenContext
    from ftaudit.screens.checks.encoding import SCREEN as ENCODING
    from ftaudit.screens.checks.steganography import SCREEN as STEGANOGRAPHY

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per screen; the fastest is reported")
    args = parser.parse_args()
    if not external_benign.available():
        sys.exit(f"no external data at {external_benign.ROOT}")
    records = [r for name in SOURCES for r in external_benign.SOURCES[name]()][: args.size]
    started = time.perf_counter()
    read_language("warm up the character model")
    print(f"character model load: {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = external_benign.write(Path(folder) / "benign.jsonl", records)
        ctx = ScreenContext(path)
        started = time.perf_counter()
        n = len(ctx)
        print(f"{n} examples from {', '.join(SOURCES)}; read in {time.perf_counter() - started:.2f} s")
        total = 0.0
        for screen in (ENCODING, STEGANOGRAPHY):
            best, result = float("inf"), None
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = anyio.run(screen.run, ctx)
                best = min(best, time.perf_counter() - started)
            total += best
            print(f"{screen.name:14s} {best:6.2f} s  score {result.score:.1f}  ({n / best:,.0f} examples/s)")
            for finding in result.findings:
                print(f"    [{finding.severity.value}] {finding.title}")
        print(f"both screens: {total:.2f} s (target about 4 s on 2 cores)")


if __name__ == "__main__":
    main()
