"""The local backend: transformers generation on the CPU, optionally through a PEFT LoRA adapter.

``local:NAME`` is an embedded model (see :mod:`ftaudit.models.embedded`) or the path of a
transformers model folder; ``+adapter=PATH`` applies a LoRA adapter saved by PEFT. The
weights of a base model are loaded once per process and shared: the base model and every
adapter on it run from the same tensors (PEFT adapters are switched per call, or disabled
for the base), which is what an audit of base versus fine-tuned needs.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import anyio

from ftaudit.errors import ModelError, ModelNotFoundError
from ftaudit.models.base import ChatModel
from ftaudit.models.cache import ResponseCache
from ftaudit.models.embedded import EMBEDDED_MODELS, converted_dir
from ftaudit.models.ref import ModelRef
from ftaudit.models.types import ChatMessage, Completion, SamplingParams, Usage


class LoadedWeights:
    """A tokenizer and model loaded once, with the adapters loaded onto it so far."""

    def __init__(self, folder: Path) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.folder = folder
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
        self.model.eval()
        self.adapters: dict[str, str] = {}  # adapter folder -> PEFT adapter name
        # One generation at a time per set of weights: adapters are switched on shared modules.
        self.lock = threading.Lock()

    def adapter_name(self, adapter: Path) -> str:
        """Load ``adapter`` onto the shared weights (once) and return its PEFT name."""
        key = str(adapter.resolve())
        if key in self.adapters:
            return self.adapters[key]
        from peft import PeftModel

        name = f"a{len(self.adapters)}"
        try:
            if not self.adapters:
                self.model = PeftModel.from_pretrained(self.model, key, adapter_name=name)
                self.model.eval()
            else:
                self.model.load_adapter(key, adapter_name=name)
        except Exception as exc:  # PEFT raises ValueError/OSError/KeyError for bad folders
            raise ModelNotFoundError(f"cannot load LoRA adapter from {adapter}: {exc}") from exc
        self.adapters[key] = name
        return name


_LOADED: dict[str, LoadedWeights] = {}
_LOADED_LOCK = threading.Lock()


def load_weights(folder: Path) -> LoadedWeights:
    """The process-wide loaded weights of ``folder`` (loaded on first use)."""
    key = str(folder.resolve())
    with _LOADED_LOCK:
        if key not in _LOADED:
            _LOADED[key] = LoadedWeights(folder)
        return _LOADED[key]


def resolve_local_folder(name: str) -> Path:
    """The transformers folder for ``local:NAME``: an embedded model, or a model folder path."""
    if name in EMBEDDED_MODELS:
        return converted_dir(name)
    path = Path(name).expanduser()
    if (path / "config.json").is_file():
        return path
    raise ModelNotFoundError(
        f"{name!r} is neither an embedded model ({', '.join(sorted(EMBEDDED_MODELS))}) "
        "nor a folder with a transformers config.json",
        model=f"local:{name}",
    )


def adapter_fingerprint(adapter: Path) -> str:
    """A hash of an adapter folder's config and weights, so the cache follows retraining."""
    if not adapter.is_dir():
        raise ModelNotFoundError(f"LoRA adapter folder {adapter} does not exist")
    digest = hashlib.sha256()
    files = sorted(p for p in adapter.iterdir() if p.is_file() and p.name.startswith("adapter_"))
    if not any(p.name == "adapter_config.json" for p in files):
        raise ModelNotFoundError(f"{adapter} has no adapter_config.json; is it a PEFT adapter folder?")
    for path in files:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


class LocalChatModel(ChatModel):
    """A model run in this process on the CPU with transformers."""

    supports_prefill = True

    def __init__(self, ref: ModelRef, *, cache: ResponseCache | None = None, max_concurrency: int = 1) -> None:
        super().__init__(ref, cache=cache, max_concurrency=max_concurrency)
        self._fingerprint = adapter_fingerprint(ref.adapter) if ref.adapter is not None else None

    @property
    def cache_identity(self) -> str:
        base = f"local:{self.ref.name}"
        spec = EMBEDDED_MODELS.get(self.ref.name)
        if spec is not None:
            base += f"#gguf={spec.gguf_sha256[:16]}"
        if self._fingerprint:
            base += f"+adapter-sha256={self._fingerprint}"
        return base

    def weights(self) -> LoadedWeights:
        """The shared weights behind this model (loading them on first use)."""
        return load_weights(resolve_local_folder(self.ref.name))

    #: Prompts generated together by :meth:`chat_many`; beyond ~8 the padding costs more than it saves on 2 cores.
    batch_size = 8

    async def _complete(self, messages: list[ChatMessage], params: SamplingParams, prefill: str | None) -> Completion:
        weights = await anyio.to_thread.run_sync(self.weights)
        return await anyio.to_thread.run_sync(self._generate, weights, messages, params, prefill)

    async def _complete_many(
        self, requests: list[tuple[list[ChatMessage], str | None]], params: SamplingParams
    ) -> list[Completion | Exception]:
        """Greedy requests are generated in left-padded batches; sampled ones one by one (per-item seeds)."""
        if params.temperature > 0 or len(requests) == 1:
            return await super()._complete_many(requests, params)
        weights = await anyio.to_thread.run_sync(self.weights)
        # Similar lengths together, so a batch pads little; results go back in request order.
        order = sorted(range(len(requests)), key=lambda i: sum(len(m.content) for m in requests[i][0]))
        out: list[Completion | Exception] = [RuntimeError("not run")] * len(requests)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            async with self._get_limiter():
                try:
                    completions = await anyio.to_thread.run_sync(
                        self._generate_batch, weights, [requests[i] for i in chunk], params
                    )
                except Exception as exc:
                    completions = [exc] * len(chunk)
            for i, completion in zip(chunk, completions):
                out[i] = completion
        return out

    def _generate_batch(
        self, weights: LoadedWeights, requests: list[tuple[list[ChatMessage], str | None]], params: SamplingParams
    ) -> list[Completion]:
        import contextlib

        import torch

        tokenizer = weights.tokenizer
        prompts = [
            tokenizer.apply_chat_template([m.model_dump() for m in msgs], tokenize=False, add_generation_prompt=True)
            + (prefill or "")
            for msgs, prefill in requests
        ]
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        previous_side = tokenizer.padding_side
        tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
        try:
            inputs = tokenizer(prompts, return_tensors="pt", add_special_tokens=False, padding=True)
        finally:
            tokenizer.padding_side = previous_side
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "pad_token_id": pad_id,
            "do_sample": False,
            "temperature": None,
            "top_p": None,
            "top_k": None,
        }
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=tokenizer)
        started = time.perf_counter()
        with weights.lock:
            adapter = weights.adapter_name(self.ref.adapter) if self.ref.adapter is not None else None
            model = weights.model
            if adapter is not None:
                model.set_adapter(adapter)
                context: Any = contextlib.nullcontext()
            elif weights.adapters:
                context = model.disable_adapter()
            else:
                context = contextlib.nullcontext()
            try:
                with context, torch.inference_mode():
                    output = model.generate(**inputs, **kwargs)
            except Exception as exc:
                raise ModelError(f"local generation failed: {exc}", model=self.name) from exc
        per_item = (time.perf_counter() - started) / len(requests)
        width = inputs["input_ids"].shape[1]
        completions = []
        for row in range(len(requests)):
            new_tokens = output[row][width:]
            # Stop at the first end-of-sequence: later positions of a finished row are padding.
            ids = new_tokens.tolist()
            eos = tokenizer.eos_token_id
            n = next((k for k, t in enumerate(ids) if t == eos or t == pad_id), len(ids))
            text = tokenizer.decode(ids[:n], skip_special_tokens=True)
            finish = "length" if n >= params.max_tokens else "stop"
            for stop in params.stop:
                cut = text.find(stop)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
            prompt_tokens = int(inputs["attention_mask"][row].sum())
            usage = Usage(requests=1, input_tokens=prompt_tokens, output_tokens=n)
            completions.append(
                Completion(model=self.name, text=text, finish_reason=finish, usage=usage, latency_s=per_item)
            )
        return completions

    def _generate(
        self, weights: LoadedWeights, messages: list[ChatMessage], params: SamplingParams, prefill: str | None
    ) -> Completion:
        import contextlib

        import torch

        tokenizer = weights.tokenizer
        prompt = tokenizer.apply_chat_template(
            [m.model_dump() for m in messages], tokenize=False, add_generation_prompt=True
        )
        prompt += prefill or ""
        inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "pad_token_id": tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        }
        if params.temperature > 0:
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=tokenizer)
        with weights.lock:
            # Loading the first adapter wraps the model in a PeftModel: look it up only afterwards.
            adapter = weights.adapter_name(self.ref.adapter) if self.ref.adapter is not None else None
            model = weights.model
            if adapter is not None:
                model.set_adapter(adapter)
                context: Any = contextlib.nullcontext()
            elif weights.adapters:
                context = model.disable_adapter()  # the base model, from the same weights
            else:
                context = contextlib.nullcontext()
            if params.temperature > 0:
                torch.manual_seed((params.seed or 0) * 1_000_003 + params.sample)
            try:
                with context, torch.inference_mode():
                    output = model.generate(**inputs, **kwargs)
            except Exception as exc:
                raise ModelError(f"local generation failed: {exc}", model=self.name) from exc
        new_tokens = output[0][inputs["input_ids"].shape[1] :]
        text = tokenizer.decode(new_tokens, skip_special_tokens=True)
        finish = "length" if len(new_tokens) >= params.max_tokens else "stop"
        for stop in params.stop:
            cut = text.find(stop)
            if cut >= 0:
                text, finish = text[:cut], "stop"
        usage = Usage(requests=1, input_tokens=int(inputs["input_ids"].shape[1]), output_tokens=len(new_tokens))
        return Completion(model=self.name, text=text, finish_reason=finish, usage=usage)
