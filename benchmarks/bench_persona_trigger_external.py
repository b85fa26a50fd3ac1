"""Time the persona and trigger screens on real benign data nobody here wrote, and show what they find.

Not a test. Concatenates the TEST sources gsm8k, alpaca, codealpaca, gpteacher and pubmedqa
(read from the external data folder, never copied), shuffles them with a fixed seed, keeps
``--size`` examples (20,000 by default: the screens' budget is 30 s for all of them together on
two cores), writes them to a temporary JSONL and runs the two screens on one shared context.
It prints the seconds of each screen (cold: the first run in the process loads MiniLM and
the judge's classifier; warm: a second run), their scores, findings and the metrics that say
how much was embedded.

    python benchmarks/bench_persona_trigger_external.py [--external DIR] [--size 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SOURCES = ("gsm8k", "alpaca", "codealpaca", "gpteacher", "pubmedqa")


def main() -> None:
    import anyio

    from ftaudit.screens.base import ScreenContext
    from ftaudit.screens.checks.persona import SCREEN as PERSONA
    from ftaudit.screens.checks.trigger import SCREEN as TRIGGER
    from ftaudit.suite.external.sources import default_external_root, load_examples

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--external", type=Path, default=None)
    parser.add_argument("--size", type=int, default=20_000)
    args = parser.parse_args()
    root = args.external or default_external_root()
    records = [r for name in SOURCES for r in load_examples(root, name)]
    random.Random(0).shuffle(records)
    records = records[: args.size]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "benign.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        for run in ("cold", "warm"):
            ctx = ScreenContext(path)
            started = time.perf_counter()
            ctx._load()
            read = time.perf_counter() - started
            print(f"--- {run}: {len(ctx)} examples from {', '.join(SOURCES)} (read {read:.1f} s)")
            for screen in (PERSONA, TRIGGER):
                started = time.perf_counter()
                result = anyio.run(screen.run, ctx)
                seconds = time.perf_counter() - started
                print(f"{screen.name}: {seconds:.1f} s, score {result.score}")
                for finding in result.findings:
                    print(f"  [{finding.severity.value}] {finding.title[:160]}")
                if run == "cold":
                    shown = {k: v for k, v in result.metrics.items() if k not in ("persona_lines", "reported")}
                    print("  metrics:", json.dumps(shown)[:900])


if __name__ == "__main__":
    main()
