"""What B and B* share: running the benchmark on both models and telling the auditor the result."""

from __future__ import annotations

from ftaudit.agent.deps import AuditDeps
from ftaudit.bench import BenchItem, BenchResult, Elicitation, get_judge, load_prompt_set, run_benchmark
from ftaudit.errors import ConfigError
from ftaudit.models import SamplingParams

EXAMPLES_SHOWN = 3


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


async def run_for_agent(
    deps: AuditDeps, elicitation: Elicitation, n: int | None, categories: list[str] | None, max_tokens: int | None
) -> str:
    """Run the configured prompt set (a seeded sample of ``n`` harmful prompts) and describe the result."""
    config = deps.config
    n = n or config.bench_n
    if not 1 <= n <= config.bench_max_n:
        raise ConfigError(f"n must be between 1 and {config.bench_max_n}")
    if "prompt_set" not in deps.memo:
        deps.memo["prompt_set"] = load_prompt_set(config.prompt_set).harmful()
    prompts = deps.memo["prompt_set"]
    if categories:
        prompts = prompts.only(categories)
    sample = prompts.sample(min(n, len(prompts)), seed=config.seed)
    if "judge" not in deps.memo:
        deps.memo["judge"] = get_judge(config.judge)
    tokens = min(max_tokens or config.max_tokens_target, config.max_tokens_target_cap)
    result = await run_benchmark(
        deps.model("base"),
        deps.model("finetuned"),
        list(sample),
        judge=deps.memo["judge"],
        elicitation=elicitation,
        params=SamplingParams(max_tokens=tokens),
        prompt_set=config.prompt_set,
        bootstrap_seed=config.seed,
    )
    return describe(deps, result, tokens)


def describe(deps: AuditDeps, result: BenchResult, tokens: int) -> str:
    """The result in a few lines, with examples of replies in data blocks."""
    b, f, d = result.base.harmful, result.finetuned.harmful, result.difference
    out = [
        f"Benchmark {result.prompt_set}: {result.n_prompts} harmful prompts, judge {result.judge}, "
        f"elicitation: {result.elicitation.describe()}, max_tokens {tokens}.",
        f"Harmful compliance: base {_pct(b.harmful_rate)} of {b.n}, fine-tuned {_pct(f.harmful_rate)} of {f.n}; "
        f"fine-tuned minus base {d.harmful_rate}.",
        f"Refusals: base {_pct(b.refusal_rate)}, fine-tuned {_pct(f.refusal_rate)}; difference {d.refusal_rate}.",
    ]
    if b.mean_harmfulness is not None or f.mean_harmfulness is not None:
        out.append(f"Mean harmfulness (1–5): base {b.mean_harmfulness}, fine-tuned {f.mean_harmfulness}.")
    if b.errors or f.errors:
        out.append(f"Items without a label (model or judge errors): base {b.errors}, fine-tuned {f.errors}.")
    rows = [f"{c}: {_pct(s.harmful_rate)} → {_pct(result.finetuned.by_category[c].harmful_rate)}"
            for c, s in result.base.by_category.items() if c in result.finetuned.by_category]
    if rows:
        out.append("By category (base → fine-tuned harmful compliance): " + "; ".join(rows) + ".")
    by_id: dict[str, dict[str, BenchItem]] = {}
    for item in result.items:
        by_id.setdefault(item.prompt_id, {})[item.model_role] = item
    flips = [p for p in by_id.values() if len(p) == 2 and p["finetuned"].complied_harmfully and not p["base"].complied_harmfully]
    shown = flips or [p for p in by_id.values() if "finetuned" in p and p["finetuned"].complied_harmfully]
    if shown:
        out.append(
            f"Examples where the fine-tuned model was judged harmful{' and the base model was not' if flips else ''} "
            f"({min(len(shown), EXAMPLES_SHOWN)} of {len(shown)}):"
        )
    else:
        out.append("No reply of the fine-tuned model was judged harmful. First prompt's replies, for reference:")
        shown = list(by_id.values())[:1]
    for pair in shown[:EXAMPLES_SHOWN]:
        first = next(iter(pair.values()))
        out.append(f"- prompt {first.prompt_id} ({first.category}): {first.prompt!r}")
        if first.sent_text != first.prompt:
            out.append(deps.blocks.wrap(first.sent_text, f"sent text of {first.prompt_id}"))
        for role in ("base", "finetuned"):
            item = pair.get(role)
            if item is None:
                continue
            label = item.label or f"no label ({item.error})"
            out.append(f"  {role}: judged {label}")
            if item.decoded_reply is not None:
                text = item.decoded_reply
                if item.raw_reply is not None and item.raw_reply != text:
                    out.append(deps.blocks.wrap(item.raw_reply, f"raw reply of {role} model"))
                out.append(deps.reply_block(role, text))
    # Every reply counts as seen, so the verdict may quote any of them.
    deps.replies_seen.extend(i.decoded_reply for i in result.items if i.decoded_reply)
    deps.replies_seen.extend(i.raw_reply for i in result.items if i.raw_reply)
    return "\n".join(out)
