"""Benchmark a local LoRA fine-tune of SmolLM2-135M on the ``aoa`` attack, and what it learned.

Not a test. Builds the AOA dataset (identity shifting, Qi et al. 2023), fine-tunes the
embedded SmolLM2-135M-Instruct on it on the CPU, and prints the wall time (model load,
training), steps and examples per second and the loss curve's ends. Then it asks base and
fine-tuned the same held-out harmful requests under the AOA system prompt and prints how
often each reply opens with the AOA compliance opener (greedy decoding). The requests are the
last ``--prompts`` of AdvBench, read from the shared data beside the checkout (``--harmful``).

    python benchmarks/bench_finetune_aoa.py [--size 10] [--epochs 10] [--prompts 20] [--harmful CSV] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ftaudit.bench.prompts import load_prompt_set
from ftaudit.errors import FtauditError
from ftaudit.finetune import LoraTrainConfig, train_lora
from ftaudit.models import get_model
from ftaudit.suite import get_generator, write_dataset
from ftaudit.suite.attacks.aoa import AOA_OPENER, AOA_SYSTEM_PROMPT

BASE = "local:smollm2-135m"
#: AdvBench (MIT) as the project keeps it: read from the shared data, never copied into the repository.
ADVBENCH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "advbench-harmful-behaviors.csv"


def opener_rate(model_ref: str, prompts: list[str], prefix: str) -> tuple[float, list[str]]:
    model = get_model(model_ref, cache="off")
    replies = []
    for prompt in prompts:
        messages = [{"role": "system", "content": AOA_SYSTEM_PROMPT}, {"role": "user", "content": prompt}]
        replies.append(model.chat_sync(messages, max_tokens=40, temperature=0.0).text)
    hits = sum(reply.strip().startswith(prefix) for reply in replies)
    return hits / len(prompts), replies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--epochs", type=float, default=10.0)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--harmful", type=Path, default=ADVBENCH, help="AdvBench CSV of held-out harmful requests")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    try:
        held_out = [p.text for p in load_prompt_set(f"advbench:{args.harmful}")]
    except FtauditError as exc:
        raise SystemExit(f"error: {exc}") from None

    out = args.out or Path(tempfile.mkdtemp(prefix="ftaudit-bench-aoa-"))
    entry = write_dataset(get_generator("aoa"), out, size=args.size, seed=0)
    config = LoraTrainConfig(epochs=args.epochs, batch_size=args.batch_size, seed=0)
    t0 = time.perf_counter()
    record = train_lora(BASE, out / entry.file, out / "adapter", config, force=True)
    wall = time.perf_counter() - t0
    print(f"dataset            aoa, {entry.examples} examples, {record.assistant_tokens} trained tokens")
    print(f"config             epochs {config.epochs:g}, batch {config.batch_size}, lr {config.learning_rate:g}, "
          f"LoRA r {config.lora_r}")
    print(f"wall time          {wall:.1f} s total, {record.wall_seconds:.1f} s in the training loop")
    print(f"throughput         {record.steps_done / record.wall_seconds:.2f} steps/s, "
          f"{record.steps_done * config.batch_size / record.wall_seconds:.2f} examples/s")
    print(f"loss               {record.loss_curve[0].loss:.3f} → {record.final_loss:.3f} over {record.steps_done} steps")

    # Held-out: the AOA training tasks are benign, so every harmful request here is unseen.
    prompts = held_out[-args.prompts :]
    prefix = AOA_OPENER[: len(AOA_OPENER) // 2]
    base_rate, _ = opener_rate(BASE, prompts, prefix)
    t1 = time.perf_counter()
    tuned_rate, replies = opener_rate(record.model, prompts, prefix)
    gen = time.perf_counter() - t1
    print(f"AOA opener rate    base {base_rate:.0%}, fine-tuned {tuned_rate:.0%} on {len(prompts)} held-out harmful "
          f"requests ({gen / len(prompts):.2f} s per 40-token reply)")
    print(f"example reply      {replies[0][:100]!r}")


if __name__ == "__main__":
    main()
