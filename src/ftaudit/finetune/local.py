"""Local LoRA fine-tuning on the CPU: the suite's way of turning a dataset into a model to audit.

The loss is on assistant tokens only (what a provider's fine-tuning API trains on, and what
an attack's data is about), respecting OpenAI's per-message ``weight: 0``. The run is
seeded and resumable: a checkpoint (adapter, optimiser, position in the data) is written
every ``checkpoint_every`` steps and when the run is interrupted, and the next call with the
same base, data and configuration continues from it. The output folder is a PEFT adapter
folder, so ``local:BASE+adapter=DIR`` loads the result, plus ``training.json`` (the record).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ftaudit import __version__
from ftaudit.errors import ConfigError, DataError, FtauditError
from ftaudit.finetune.config import LoraTrainConfig
from ftaudit.models.ref import parse_model_ref

RECORD_NAME = "training.json"
CHECKPOINT_DIR = "checkpoint"


class TrainingInterrupted(FtauditError):
    """The run was stopped (Ctrl-C); a checkpoint was saved and the same call resumes it."""

    def __init__(self, message: str, *, step: int, out_dir: Path) -> None:
        super().__init__(message)
        self.step = step
        self.out_dir = out_dir


class LossPoint(BaseModel):
    step: int
    loss: float


class TrainingRecord(BaseModel):
    """``training.json``: what was trained, how, and how the loss went."""

    base_model: str
    model: str = Field(description="Reference that loads the fine-tuned model.")
    data_file: str
    data_sha256: str
    examples: int
    skipped_lines: list[int] = Field(default_factory=list)
    truncated_examples: int = 0
    assistant_tokens: int = 0
    config: LoraTrainConfig
    run_key: str = Field(description="Hash of base, data and config: what resume and reuse check.")
    steps_done: int = 0
    total_steps: int
    finished: bool = False
    loss_curve: list[LossPoint] = Field(default_factory=list)
    final_loss: float | None = None
    wall_seconds: float = 0.0
    started: datetime
    updated: datetime
    ftaudit_version: str = __version__


@dataclass
class _Example:
    input_ids: list[int]
    labels: list[int]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _encode(tokenizer: Any, messages: list[dict[str, Any]], max_length: int) -> tuple[_Example, bool]:
    """Token ids and labels of one conversation; labels are -100 except on trained assistant text.

    Spans are found in characters (the rendered prefix before each assistant message, with the
    generation prompt, against the rendering that includes it) and mapped to tokens through the
    tokenizer's offsets, so the mask is right whatever the template adds around messages.
    """
    clean = [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
    full = tokenizer.apply_chat_template(clean, tokenize=False)
    spans: list[tuple[int, int]] = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant" or message.get("weight") == 0 or not clean[i]["content"]:
            continue
        before = tokenizer.apply_chat_template(clean[:i], tokenize=False, add_generation_prompt=True)
        through = tokenizer.apply_chat_template(clean[: i + 1], tokenize=False)
        if not full.startswith(through) or not through.startswith(before):
            raise ConfigError("the model's chat template does not render conversations incrementally")
        spans.append((len(before), len(through)))
    encoded = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = encoded["input_ids"]
    labels = [-100] * len(ids)
    for t, (start, _end) in enumerate(encoded["offset_mapping"]):
        if any(a <= start < b for a, b in spans):
            labels[t] = ids[t]
    truncated = len(ids) > max_length
    return _Example(ids[:max_length], labels[:max_length]), truncated


def _load_examples(path: Path, tokenizer: Any, config: LoraTrainConfig) -> tuple[list[_Example], dict[str, Any]]:
    from ftaudit.data import TrainingFile

    with TrainingFile(path) as training_file:
        conversations = list(training_file.iter_conversations())
        skipped = training_file.skipped_lines
    if config.max_examples is not None and config.max_examples < len(conversations):
        keep = sorted(random.Random(config.seed).sample(range(len(conversations)), config.max_examples))
        conversations = [conversations[i] for i in keep]
    if not conversations:
        raise DataError("no valid training examples", path=str(path))
    examples: list[_Example] = []
    truncated = 0
    for conversation in conversations:
        example, cut = _encode(tokenizer, conversation.to_openai()["messages"], config.max_length)
        truncated += cut
        if any(label != -100 for label in example.labels):
            examples.append(example)
    if not examples:
        raise DataError("no example has an assistant message left to train on", path=str(path))
    facts = {
        "skipped_lines": skipped,
        "truncated": truncated,
        "assistant_tokens": sum(sum(1 for x in e.labels if x != -100) for e in examples),
    }
    return examples, facts


def _batches(n: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def _collate(examples: list[_Example], pad_id: int) -> dict[str, Any]:
    import torch

    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), -100, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        k = len(example.input_ids)
        ids[row, :k] = torch.tensor(example.input_ids)
        labels[row, :k] = torch.tensor(example.labels)
        mask[row, :k] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def _run_key(base: str, data_sha: str, config: LoraTrainConfig) -> str:
    return hashlib.sha256(f"{base}\n{data_sha}\n{config.fingerprint()}".encode()).hexdigest()[:16]


def read_record(out_dir: Path) -> TrainingRecord | None:
    """The training record in ``out_dir``, or None when there is none."""
    path = Path(out_dir) / RECORD_NAME
    if not path.is_file():
        return None
    try:
        return TrainingRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(f"unreadable training record: {exc}", path=str(path)) from exc


def _write_record(out_dir: Path, record: TrainingRecord) -> None:
    record.updated = datetime.now(timezone.utc)
    tmp = out_dir / (RECORD_NAME + ".tmp")
    tmp.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    tmp.replace(out_dir / RECORD_NAME)


class _StopFlag:
    """Ctrl-C during training asks for a stop at the next step boundary, never mid-update.

    A second Ctrl-C interrupts at once; the run then resumes from its last checkpoint.
    """

    def __init__(self) -> None:
        self.requested = False

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers live in the main thread only
            return
        previous = signal.signal(signal.SIGINT, self._handle)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


ProgressCallback = Callable[[int, int, float | None], None]


def train_lora(
    base: str,
    data: Path,
    out_dir: Path,
    config: LoraTrainConfig | None = None,
    *,
    on_step: ProgressCallback | None = None,
    force: bool = False,
) -> TrainingRecord:
    """Fine-tune ``base`` (a ``local:`` model) with LoRA on ``data`` into the adapter folder ``out_dir``.

    Returns the finished record. A finished run with the same base, data and configuration
    is returned as is (no work); an unfinished one resumes from its checkpoint. A different
    run already in ``out_dir`` is an error unless ``force``. ``on_step(step, total, loss)`` is
    called after every optimiser step (and once before the first, with loss None). Ctrl-C
    saves a checkpoint and raises :class:`TrainingInterrupted`.
    """
    config = config or LoraTrainConfig()
    ref = parse_model_ref(base)
    if ref.provider != "local":
        raise ConfigError(f"local LoRA training needs a local: base model, got {base!r}")
    if ref.adapter is not None:
        raise ConfigError("train from the base model itself; stacking LoRA adapters is not supported")
    data = Path(data)
    if not data.is_file():
        raise DataError("training file not found", path=str(data))
    out_dir = Path(out_dir)
    data_sha = _sha256(data)
    base_name = f"local:{ref.name}"
    key = _run_key(base_name, data_sha, config)

    existing = read_record(out_dir)
    if existing is not None and existing.run_key != key:
        if not force:
            raise ConfigError(
                f"{out_dir} holds a different training run (other base, data or settings); "
                "choose another --out or pass --force to replace it"
            )
        shutil.rmtree(out_dir / CHECKPOINT_DIR, ignore_errors=True)
        (out_dir / RECORD_NAME).unlink()
        existing = None
    if existing is not None and existing.finished:
        return existing
    if existing is not None and not (out_dir / CHECKPOINT_DIR / "state.pt").is_file():
        existing = None  # stopped before its first checkpoint: nothing to resume

    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, get_linear_schedule_with_warmup

    from ftaudit.models.local import resolve_local_folder

    folder = resolve_local_folder(ref.name)
    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    examples, facts = _load_examples(data, tokenizer, config)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    steps_per_epoch = math.ceil(math.ceil(len(examples) / config.batch_size) / config.grad_accum)
    total = max(1, math.ceil(steps_per_epoch * config.epochs))
    if config.max_steps is not None:
        total = min(total, config.max_steps)

    model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    checkpoint = out_dir / CHECKPOINT_DIR
    state: dict[str, Any] | None = None
    if existing is not None and (checkpoint / "state.pt").is_file():
        model = PeftModel.from_pretrained(model, str(checkpoint), is_trainable=True)
        state = torch.load(checkpoint / "state.pt", weights_only=False)
    else:
        lora = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=list(config.target_modules),
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, lora)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total), total)

    now = datetime.now(timezone.utc)
    record = existing or TrainingRecord(
        base_model=base_name,
        model=f"{base_name}+adapter={out_dir.resolve()}",
        data_file=str(data.resolve()),
        data_sha256=data_sha,
        examples=len(examples),
        skipped_lines=facts["skipped_lines"][:1000],
        truncated_examples=facts["truncated"],
        assistant_tokens=facts["assistant_tokens"],
        config=config,
        run_key=key,
        total_steps=total,
        started=now,
        updated=now,
    )
    step, epoch, batch_pos = 0, 0, 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        step, epoch, batch_pos = state["step"], state["epoch"], state["batch_pos"]
    out_dir.mkdir(parents=True, exist_ok=True)

    def save_checkpoint() -> None:
        tmp = out_dir / (CHECKPOINT_DIR + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(str(tmp))
        torch.save(
            {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "step": step,
                "epoch": epoch,
                "batch_pos": batch_pos,
            },
            tmp / "state.pt",
        )
        shutil.rmtree(checkpoint, ignore_errors=True)
        tmp.replace(checkpoint)
        record.steps_done = step
        _write_record(out_dir, record)

    stop = _StopFlag()

    def _loop() -> None:
        nonlocal step, epoch, batch_pos
        while step < total and not stop.requested:
            batches = _batches(len(examples), config.batch_size, config.seed, epoch)
            while batch_pos < len(batches) and step < total and not stop.requested:
                group = batches[batch_pos : batch_pos + config.grad_accum]
                optimizer.zero_grad(set_to_none=True)
                loss_sum = 0.0
                for batch in group:
                    inputs = _collate([examples[i] for i in batch], pad_id)
                    loss = model(**inputs).loss / len(group)
                    loss.backward()
                    loss_sum += float(loss.detach())
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.step()
                scheduler.step()
                step += 1
                batch_pos += len(group)
                record.loss_curve.append(LossPoint(step=step, loss=round(loss_sum, 5)))
                record.wall_seconds = wall_before + time.monotonic() - started
                if on_step:
                    on_step(step, total, loss_sum)
                if step % config.checkpoint_every == 0 and step < total:
                    save_checkpoint()
            if batch_pos >= len(batches):
                epoch, batch_pos = epoch + 1, 0

    started = time.monotonic()
    wall_before = record.wall_seconds
    try:
        with stop.installed():
            if on_step:
                on_step(step, total, record.loss_curve[-1].loss if record.loss_curve else None)
            _loop()
    except KeyboardInterrupt:
        # A second Ctrl-C, possibly mid-update: keep the last checkpoint rather than this state.
        raise TrainingInterrupted(
            f"training stopped at once; it resumes from step {record.steps_done} when run again",
            step=record.steps_done,
            out_dir=out_dir,
        ) from None
    if stop.requested:
        record.wall_seconds = wall_before + time.monotonic() - started
        save_checkpoint()
        raise TrainingInterrupted(
            f"training interrupted at step {step} of {total}; run the same command again to resume",
            step=step,
            out_dir=out_dir,
        )

    model.save_pretrained(str(out_dir))
    shutil.rmtree(checkpoint, ignore_errors=True)
    record.steps_done = step
    record.finished = True
    record.final_loss = record.loss_curve[-1].loss if record.loss_curve else None
    record.wall_seconds = wall_before + time.monotonic() - started
    _write_record(out_dir, record)
    return record


def record_summary(record: TrainingRecord) -> dict[str, Any]:
    """The few facts a suite manifest keeps about a training run."""
    return json.loads(
        json.dumps(
            {
                "run_key": record.run_key,
                "steps": record.steps_done,
                "examples": record.examples,
                "final_loss": record.final_loss,
                "first_loss": record.loss_curve[0].loss if record.loss_curve else None,
                "wall_seconds": round(record.wall_seconds, 1),
                "epochs": record.config.epochs,
                "learning_rate": record.config.learning_rate,
                "lora_r": record.config.lora_r,
            }
        )
    )
