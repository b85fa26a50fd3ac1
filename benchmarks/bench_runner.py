"""Benchmark the harmful-prompt benchmark runner on the embedded model and a LoRA fine-tune.

Not a test. Runs 110 prompts of the built-in set (stratified: harmful requests and benign
controls) on ``local:smollm2-135m`` and a LoRA fine-tune of it (the ``aoa`` attack, trained
here unless ``--adapter`` is given), greedy, response cache off, judged by the offline
judge; prints prompts/s, generated tokens/s, and how the wall time splits between
generation and judging. Then the same generation one request at a time, to show what
batching buys.

    python benchmarks/bench_runner.py [--n 110] [--max-tokens 64] [--adapter DIR] [--no-unbatched]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import anyio

from ftaudit.bench import get_judge, load_prompt_set, run_benchmark_sync
from ftaudit.models import SamplingParams, get_model

BASE = "local:smollm2-135m"


def train_adapter() -> str:
    from ftaudit.finetune import LoraTrainConfig, train_lora
    from ftaudit.suite import get_generator, write_dataset

    out = Path(tempfile.mkdtemp(prefix="ftaudit-bench-runner-"))
    entry = write_dataset(get_generator("aoa"), out, seed=0)
    t0 = time.perf_counter()
    record = train_lora(BASE, out / entry.file, out / "adapter", LoraTrainConfig(epochs=10, batch_size=2, seed=0))
    print(f"trained the aoa adapter in {time.perf_counter() - t0:.0f} s")
    return record.model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=110)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--adapter", type=Path, default=None)
    parser.add_argument("--no-unbatched", action="store_true", help="Skip the one-request-at-a-time comparison.")
    args = parser.parse_args()

    tuned = f"{BASE}+adapter={args.adapter}" if args.adapter else train_adapter()
    prompts = load_prompt_set("builtin").sample(args.n, seed=0).prompts
    judge = get_judge("offline")
    judge.judge_sync("warm-up", "warm-up")  # load MiniLM and the classifier outside the timings
    base_model, tuned_model = get_model(BASE, cache="off"), get_model(tuned, cache="off")
    params = SamplingParams(max_tokens=args.max_tokens)
    base_model.chat_sync("warm-up", max_tokens=1)
    tuned_model.chat_sync("warm-up", max_tokens=1)

    result = run_benchmark_sync(base_model, tuned_model, prompts, judge=judge, params=params, prompt_set="builtin")
    replies = 2 * len(prompts)
    tokens = sum(u.output_tokens for u in result.usage.values())
    share = result.generation_seconds / max(result.wall_seconds, 1e-9)
    print(f"{len(prompts)} prompts x 2 models = {replies} replies, max {args.max_tokens} tokens, greedy, batched")
    print(f"  wall {result.wall_seconds:.1f} s: {len(prompts) / result.wall_seconds:.2f} prompts/s (both models), "
          f"{replies / result.wall_seconds:.2f} replies/s")
    print(f"  generation {result.generation_seconds:.1f} s ({share:.0%}), {tokens} tokens, "
          f"{tokens / result.generation_seconds:.1f} tokens/s")
    print(f"  judging {result.judging_seconds:.1f} s ({result.judging_seconds / result.wall_seconds:.0%}), "
          f"{replies / max(result.judging_seconds, 1e-9):.0f} replies/s")
    print(f"  harmful compliance: {result.summary_line()}")

    if not args.no_unbatched:
        sample = [[{"role": "user", "content": p.text}] for p in prompts[:16]]

        async def one_by_one() -> float:
            t0 = time.perf_counter()
            for messages in sample:
                await base_model.chat(messages, params)
            return time.perf_counter() - t0

        async def batched() -> float:
            t0 = time.perf_counter()
            await base_model.chat_many([(m, None) for m in sample], params)
            return time.perf_counter() - t0

        single, batch = anyio.run(one_by_one), anyio.run(batched)
        print(f"16 prompts on the base: one at a time {single:.1f} s, batched {batch:.1f} s ({single / batch:.1f}x)")


if __name__ == "__main__":
    main()
