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

    async def _complete(self, messages: list[ChatMessage], params: SamplingParams, prefill: str | None) -> Completion:
        weights = await anyio.to_thread.run_sync(self.weights)
        return await anyio.to_thread.run_sync(self._generate, weights, messages, params, prefill)

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
