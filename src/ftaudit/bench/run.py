"""The benchmark runner: a prompt set on the base and the fine-tuned model, judged, compared.

For each prompt and each model: the elicitation prepares what is sent, the model replies
(batched where the backend can), the elicitation reads the reply back, a judge labels it.
The result keeps every item (prompt, sent text, raw reply, decoded reply, verdict) and
summarises per model and per category: harmful-compliance rate, refusal rate, mean
harmfulness, over-refusal on the benign controls, and fine-tuned minus base with paired
bootstrap 95% intervals. A model or judge failure on an item is recorded on the item and
counted, never silently dropped or counted as a refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import anyio
from pydantic import BaseModel, Field

from ftaudit.bench.elicit import Elicitation, PreparedPrompt
from ftaudit.bench.stats import Interval, paired_difference, rate
from ftaudit.models import ChatModel, Completion, SamplingParams, Usage, get_model

ModelRole = Literal["base", "finetuned"]
CHUNK = 16  # requests per chat_many call: small enough for a lively progress bar


class BenchItem(BaseModel):
    """One prompt sent to one model, and what came of it."""

    prompt_id: str
    category: str
    kind: Literal["harmful", "benign"]
    model_role: ModelRole
    model: str
    prompt: str
    sent_text: str
    sent_messages: list[dict[str, str]]
    prefill: str | None = None
    raw_reply: str | None = None
    decoded_reply: str | None = None
    label: str | None = Field(default=None, description="refusal / compliant-harmless / compliant-harmful")
    harmfulness: int | None = None
    reason: str | None = None
    error: str | None = Field(default=None, description="Why this item has no label (model or judge failure).")
    cached: bool = False

    @property
    def complied_harmfully(self) -> bool:
        return self.label == "compliant-harmful"

    @property
    def refused(self) -> bool:
        return self.label == "refusal"


class GroupStats(BaseModel):
    """Rates over a group of judged items (errors excluded from the denominators)."""

    n: int = 0
    errors: int = 0
    harmful_rate: float | None = None
    refusal_rate: float | None = None
    mean_harmfulness: float | None = None

    @classmethod
    def of(cls, items: list[BenchItem]) -> GroupStats:
        judged = [i for i in items if i.label is not None]
        scores = [i.harmfulness for i in judged if i.harmfulness is not None]
        return cls(
            n=len(judged),
            errors=len(items) - len(judged),
            harmful_rate=rate([i.complied_harmfully for i in judged]),
            refusal_rate=rate([i.refused for i in judged]),
            mean_harmfulness=sum(scores) / len(scores) if scores else None,
        )


class ModelSummary(BaseModel):
    model: str
    harmful: GroupStats
    by_category: dict[str, GroupStats]
    over_refusal: GroupStats = Field(description="On the benign controls: refusal_rate is the over-refusal.")


class BenchDifference(BaseModel):
    """Fine-tuned minus base, over the prompts both models' replies were judged on."""

    harmful_rate: Interval
    refusal_rate: Interval
    over_refusal: Interval
    by_category: dict[str, Interval]


class BenchResult(BaseModel):
    """A benchmark run: its configuration, the two summaries, the difference, every item."""

    prompt_set: str
    n_prompts: int
    elicitation: Elicitation
    judge: str
    sampling: SamplingParams
    base: ModelSummary
    finetuned: ModelSummary
    difference: BenchDifference
    items: list[BenchItem]
    usage: dict[str, Usage]
    generation_seconds: float
    judging_seconds: float
    wall_seconds: float

    def summary_line(self) -> str:
        b, f = self.base.harmful.harmful_rate, self.finetuned.harmful.harmful_rate
        fmt = lambda x: "n/a" if x is None else f"{x:.0%}"  # noqa: E731
        return (
            f"harmful compliance {fmt(b)} (base) → {fmt(f)} (fine-tuned), "
            f"difference {self.difference.harmful_rate} with {self.elicitation.describe()}"
        )


ProgressCallback = Callable[[str, int, int], None]


async def _generate(
    model: ChatModel,
    role: ModelRole,
    prepared: list[PreparedPrompt],
    params: SamplingParams,
    on_progress: ProgressCallback | None,
) -> list[Completion | Exception]:
    out: list[Completion | Exception] = []
    for start in range(0, len(prepared), CHUNK):
        chunk = prepared[start : start + CHUNK]
        out.extend(await model.chat_many([(p.messages, p.prefill) for p in chunk], params))
        if on_progress:
            on_progress(role, len(out), len(prepared))
    return out


async def run_benchmark(
    base: str | ChatModel,
    finetuned: str | ChatModel,
    prompts: list[Any],
    *,
    judge: Any,
    elicitation: Elicitation | None = None,
    params: SamplingParams | None = None,
    prompt_set: str = "custom",
    on_progress: ProgressCallback | None = None,
    bootstrap_seed: int = 0,
) -> BenchResult:
    """Run ``prompts`` (:class:`~ftaudit.bench.prompts.BenchPrompt`) on both models and judge the replies.

    ``judge`` is any judge of :mod:`ftaudit.bench.judge`; ``elicitation`` defaults to plain
    prompts; ``params`` to greedy decoding of up to 256 tokens. ``on_progress(stage, done,
    total)`` reports generation per model (``base``/``finetuned``) and then ``judge``.
    """
    elicitation = elicitation or Elicitation.plain()
    params = params or SamplingParams(max_tokens=256)
    models: dict[ModelRole, ChatModel] = {
        "base": base if isinstance(base, ChatModel) else get_model(base),
        "finetuned": finetuned if isinstance(finetuned, ChatModel) else get_model(finetuned),
    }
    started = time.perf_counter()
    prepared = await elicitation.prepare([p.text for p in prompts])

    from ftaudit.models import metering

    outcomes: dict[ModelRole, list[Completion | Exception]] = {}
    usage: dict[str, Usage] = {}

    async def generate(role: ModelRole) -> None:
        with metering() as meter:
            outcomes[role] = await _generate(models[role], role, prepared, params, on_progress)
        usage[role] = meter.total

    async with anyio.create_task_group() as tg:
        for role in models:
            tg.start_soon(generate, role)
    generation_seconds = time.perf_counter() - started

    items: list[BenchItem] = []
    for role, model in models.items():
        replies = [o.full_text if isinstance(o, Completion) else None for o in outcomes[role]]
        decoded = await elicitation.decode([r for r in replies if r is not None])
        decoded_iter = iter(decoded)
        for prompt, prep, outcome, reply in zip(prompts, prepared, outcomes[role], replies):
            items.append(
                BenchItem(
                    prompt_id=prompt.id,
                    category=prompt.category,
                    kind=prompt.kind,
                    model_role=role,
                    model=model.name,
                    prompt=prompt.text,
                    sent_text=prep.sent_text,
                    sent_messages=[m.model_dump() for m in prep.messages],
                    prefill=prep.prefill,
                    raw_reply=reply,
                    decoded_reply=next(decoded_iter) if reply is not None else None,
                    error=None if reply is not None else f"model error: {outcome}",
                    cached=isinstance(outcome, Completion) and outcome.cached,
                )
            )

    judge_started = time.perf_counter()
    await _judge_all(judge, items, on_progress)
    judging_seconds = time.perf_counter() - judge_started

    summaries = {role: _summarise(models[role].name, [i for i in items if i.model_role == role]) for role in models}
    return BenchResult(
        prompt_set=prompt_set,
        n_prompts=len(prompts),
        elicitation=elicitation,
        judge=getattr(judge, "name", type(judge).__name__),
        sampling=params,
        base=summaries["base"],
        finetuned=summaries["finetuned"],
        difference=_difference(items, bootstrap_seed),
        items=items,
        usage=usage,
        generation_seconds=generation_seconds,
        judging_seconds=judging_seconds,
        wall_seconds=time.perf_counter() - started,
    )


def run_benchmark_sync(*args: Any, **kwargs: Any) -> BenchResult:
    """Blocking :func:`run_benchmark`, for scripts and the CLI."""
    return anyio.run(lambda: run_benchmark(*args, **kwargs))


async def _judge_all(judge: Any, items: list[BenchItem], on_progress: ProgressCallback | None) -> None:
    from ftaudit.bench.judge import JudgeRequest

    todo = [i for i in items if i.decoded_reply is not None]
    requests = [JudgeRequest(prompt=i.prompt, reply=i.decoded_reply or "", kind=i.kind) for i in todo]
    verdicts = await judge.judge_many(requests)
    for item, verdict in zip(todo, verdicts):
        if verdict.error:
            item.error = f"judge error: {verdict.error}"
            continue
        item.label, item.harmfulness, item.reason = verdict.label, verdict.harmfulness, verdict.reason
    if on_progress:
        on_progress("judge", len(todo), len(todo))


def _summarise(model: str, items: list[BenchItem]) -> ModelSummary:
    harmful = [i for i in items if i.kind == "harmful"]
    categories = sorted({i.category for i in harmful})
    return ModelSummary(
        model=model,
        harmful=GroupStats.of(harmful),
        by_category={c: GroupStats.of([i for i in harmful if i.category == c]) for c in categories},
        over_refusal=GroupStats.of([i for i in items if i.kind == "benign"]),
    )


def _difference(items: list[BenchItem], seed: int) -> BenchDifference:
    pairs: dict[str, dict[str, BenchItem]] = {}
    for item in items:
        pairs.setdefault(item.prompt_id, {})[item.model_role] = item
    both = [p for p in pairs.values() if len(p) == 2 and all(i.label is not None for i in p.values())]

    def diff(selected: list[dict[str, BenchItem]], flag: Callable[[BenchItem], bool]) -> Interval:
        return paired_difference(
            [float(flag(p["finetuned"])) for p in selected], [float(flag(p["base"])) for p in selected], seed=seed
        )

    harmful = [p for p in both if p["base"].kind == "harmful"]
    benign = [p for p in both if p["base"].kind == "benign"]
    categories = sorted({p["base"].category for p in harmful})
    return BenchDifference(
        harmful_rate=diff(harmful, lambda i: i.complied_harmfully),
        refusal_rate=diff(harmful, lambda i: i.refused),
        over_refusal=diff(benign, lambda i: i.refused),
        by_category={
            c: diff([p for p in harmful if p["base"].category == c], lambda i: i.complied_harmfully) for c in categories
        },
    )
