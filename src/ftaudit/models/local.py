"""The local backend: transformers generation on the CPU, optionally through a PEFT LoRA adapter.

``local:NAME`` is an embedded model (see :mod:`ftaudit.models.embedded`) or the path of a
transformers model folder; ``+adapter=PATH`` applies a LoRA adapter saved by PEFT. The
weights of a base model are loaded once per process and shared: the base model and every
adapter on it run from the same tensors (PEFT adapters are switched per call, or disabled
for the base), which is what an audit of base versus fine-tuned needs.

A model folder and an adapter folder are known by a hash of their files (memoised per
file size, mtime, ctime and inode), both in the response cache's key and in memory: weights
rewritten in place are loaded afresh and never answer from the old weights' cache entries.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio

from ftaudit.errors import ModelError, ModelNotFoundError
from ftaudit.models.base import (
    ChatModel,
    ContextLengthExceeded,
    GenerationCancelled,
    cancel_event,
)
from ftaudit.models.cache import ResponseCache
from ftaudit.models.embedded import EMBEDDED_MODELS, converted_dir
from ftaudit.models.guided import PromptCache, SchemaConstraint, logits_processor
from ftaudit.models.ref import ModelRef
from ftaudit.models.safe_base import SAFE_BASES, safe_base_dir
from ftaudit.models.safe_base import identity as safe_base_identity
from ftaudit.models.types import ChatMessage, Completion, SamplingParams, Usage

#: Files of a model folder that decide its replies (weights, config, tokenizer, chat template);
#: optimizer and scheduler states (``*.pt``) in a checkpoint folder do not, and are not hashed.
MODEL_FILE_SUFFIXES = frozenset({".safetensors", ".bin", ".json", ".model", ".txt", ".jinja", ".tiktoken", ".gguf"})
#: Tokens a tokenizer may add beyond one per byte of the prompt (a SentencePiece dummy prefix).
PROMPT_TOKEN_SLACK = 8
_HASH_BLOCK = 1 << 20


def _hash_files(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(_HASH_BLOCK), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


_FINGERPRINTS: dict[str, tuple[tuple[Any, ...], str]] = {}
_FINGERPRINTS_LOCK = threading.Lock()


def _memo_fingerprint(folder: Path, files: list[Path]) -> str:
    # Hashing hundreds of MB per call would cost more than a reply; a file rewritten in place
    # changes its size, mtime or ctime (ctime cannot be set back by the writer), so the stat
    # signature decides when to hash again.
    signature = tuple(
        (p.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) for p in files for st in (p.stat(),)
    )
    key = str(folder.resolve())
    with _FINGERPRINTS_LOCK:
        known = _FINGERPRINTS.get(key)
    if known is not None and known[0] == signature:
        return known[1]
    digest = _hash_files(files)
    with _FINGERPRINTS_LOCK:
        _FINGERPRINTS[key] = (signature, digest)
    return digest


def folder_fingerprint(folder: Path) -> str:
    """A hash of a transformers model folder's weights, config and tokenizer files (memoised by stat)."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in MODEL_FILE_SUFFIXES)
    return _memo_fingerprint(folder, files)


def adapter_fingerprint(adapter: Path) -> str:
    """A hash of an adapter folder's config and weights, so the cache follows retraining (memoised by stat)."""
    if not adapter.is_dir():
        raise ModelNotFoundError(f"LoRA adapter folder {adapter} does not exist")
    files = sorted(p for p in adapter.iterdir() if p.is_file() and p.name.startswith("adapter_"))
    if not any(p.name == "adapter_config.json" for p in files):
        raise ModelNotFoundError(f"{adapter} has no adapter_config.json; is it a PEFT adapter folder?")
    return _memo_fingerprint(adapter, files)


class LoadedWeights:
    """A tokenizer and model loaded once, with the adapters loaded onto it so far.

    ``fingerprint`` is the folder's :func:`folder_fingerprint` when it was loaded (None for an
    embedded model, whose converted folder is derived from a hash-checked GGUF).
    """

    def __init__(self, folder: Path, fingerprint: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.folder = folder
        self.fingerprint = fingerprint
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
        self.model.eval()
        self.adapters: dict[str, str] = {}  # adapter folder#fingerprint -> PEFT adapter name
        # One generation at a time per set of weights: adapters are switched on shared modules.
        self.lock = threading.Lock()
        self.context_length = _context_length(self.model.config, self.tokenizer)
        self._max_token_bytes: int | None = None

    def adapter_name(self, adapter: Path) -> str:
        """Load ``adapter`` onto the shared weights (once per version of its files) and return its PEFT name."""
        path = str(adapter.resolve())
        key = f"{path}#{adapter_fingerprint(adapter)}"  # retrained in place: loaded again, as a new adapter
        if key in self.adapters:
            return self.adapters[key]
        from peft import PeftModel

        name = f"a{len(self.adapters)}"
        try:
            if not self.adapters:
                self.model = PeftModel.from_pretrained(self.model, path, adapter_name=name)
                self.model.eval()
            else:
                self.model.load_adapter(path, adapter_name=name)
        except Exception as exc:  # PEFT raises ValueError/OSError/KeyError for bad folders
            raise ModelNotFoundError(f"cannot load LoRA adapter from {adapter}: {exc}") from exc
        self.adapters[key] = name
        return name

    @contextlib.contextmanager
    def selected(self, adapter: Path | None) -> Iterator[Any]:
        """The model with ``adapter`` on (or, for the base, every loaded adapter off), under the lock.

        Generation and white-box reading both run through here: adapters are switched on shared modules.
        """
        with self.lock:
            # Loading the first adapter wraps the model in a PeftModel: look it up only afterwards.
            name = self.adapter_name(adapter) if adapter is not None else None
            model = self.model
            if name is not None:
                model.set_adapter(name)
                context: Any = contextlib.nullcontext()
            elif self.adapters:
                context = model.disable_adapter()  # the base model, from the same weights
            else:
                context = contextlib.nullcontext()
            with context:
                yield model

    def prompt_text(self, messages: list[ChatMessage], prefill: str | None) -> str:
        """The exact text the model is given: the chat template applied, then the prefill."""
        prompt = self.tokenizer.apply_chat_template(
            [m.model_dump() for m in messages], tokenize=False, add_generation_prompt=True
        )
        return prompt + (prefill or "")

    def token_bounds(self, text: str) -> tuple[int, int]:
        """Bounds on the token count of ``text`` without tokenizing it (tokenizing 8 MB takes seconds).

        Every token stands for at least one byte of text, and at most as many bytes as the
        longest entry of the vocabulary.
        """
        if self._max_token_bytes is None:
            longest = max((len(t.encode("utf-8")) for t in self.tokenizer.get_vocab()), default=1)
            self._max_token_bytes = max(longest, 1)
        size = len(text.encode("utf-8"))
        return size // self._max_token_bytes, size + PROMPT_TOKEN_SLACK

    def count_tokens(self, text: str) -> int:
        """The exact number of tokens of ``text`` as generation tokenizes it."""
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is not None:
            # The Rust tokenizer's encode only reads shared state, so it is safe beside a generation.
            return len(backend.encode(text, add_special_tokens=False).ids)
        with self.lock:
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])


def _context_length(config: Any, tokenizer: Any) -> int | None:
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    value = getattr(tokenizer, "model_max_length", None)
    # transformers uses a huge sentinel when a tokenizer does not know its limit.
    return value if isinstance(value, int) and 0 < value < 10**8 else None


_LOADED: dict[str, LoadedWeights] = {}
_LOADED_LOCK = threading.Lock()


def load_weights(folder: Path, fingerprint: str | None = None) -> LoadedWeights:
    """The process-wide loaded weights of ``folder`` (loaded on first use, and again when its files change)."""
    key = str(folder.resolve())
    with _LOADED_LOCK:
        loaded = _LOADED.get(key)
        if loaded is None or loaded.fingerprint != fingerprint:
            _LOADED[key] = LoadedWeights(folder, fingerprint)
        return _LOADED[key]


def known_local_names() -> list[str]:
    """The names ``local:NAME`` accepts besides a folder path: embedded models and safety-tuned bases."""
    return sorted([*EMBEDDED_MODELS, *SAFE_BASES])


def resolve_local_folder(name: str) -> Path:
    """The transformers folder for ``local:NAME``: an embedded model, or a model folder path."""
    if name in EMBEDDED_MODELS:
        return converted_dir(name)
    if name in SAFE_BASES:
        return safe_base_dir(name)
    path = Path(name).expanduser()
    if (path / "config.json").is_file():
        return path
    raise ModelNotFoundError(
        f"{name!r} is neither an embedded model ({', '.join(sorted(known_local_names()))}) "
        "nor a folder with a transformers config.json",
        model=f"local:{name}",
    )


def check_context(weights: LoadedWeights, prompt: str, max_tokens: int, model: str, exact: int | None = None) -> None:
    """Raise :class:`ContextLengthExceeded` when ``prompt`` plus ``max_tokens`` cannot fit the context.

    Cheap bounds decide most prompts; only one near the limit is tokenized (or ``exact`` given).
    """
    limit = weights.context_length
    if limit is None:
        return
    if exact is None:
        low, high = weights.token_bounds(prompt)
        if high + max_tokens <= limit:
            return
        if low + max_tokens > limit:
            raise ContextLengthExceeded(
                f"the prompt is at least {low} tokens and max_tokens is {max_tokens}, more than the model's "
                f"context of {limit} tokens; shorten the chat or lower max_tokens", model=model,
            )
        exact = weights.count_tokens(prompt)
    if exact + max_tokens > limit:
        raise ContextLengthExceeded(
            f"the prompt is {exact} tokens and max_tokens is {max_tokens}: {exact + max_tokens} exceeds the "
            f"model's context of {limit} tokens; shorten the chat or lower max_tokens", model=model,
        )


def _cache_kwarg() -> str:
    # generate() names its key/value cache argument "cache" from transformers 5.24 ("past_key_values" before).
    from transformers.generation import utils

    return "cache" if "cache" in getattr(utils, "ALL_CACHE_NAMES", ()) else "past_key_values"


def _stopping(kwargs: dict[str, Any]) -> threading.Event | None:
    """Add a stopping criterion for the current cancellation event (if any) to generate()'s kwargs."""
    event = cancel_event()
    if event is None:
        return None
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _Cancelled(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool, device=input_ids.device)

    kwargs["stopping_criteria"] = StoppingCriteriaList([_Cancelled()])
    return event


class LocalChatModel(ChatModel):
    """A model run in this process on the CPU with transformers."""

    supports_prefill = True

    def __init__(self, ref: ModelRef, *, cache: ResponseCache | None = None, max_concurrency: int = 1) -> None:
        super().__init__(ref, cache=cache, max_concurrency=max_concurrency)
        if ref.adapter is not None:
            adapter_fingerprint(ref.adapter)  # a missing or foreign adapter folder fails now, not mid-audit

    @property
    def cache_identity(self) -> str:
        """The weights this model answers from: the embedded GGUF's hash or the folder's hash, and the adapter's."""
        spec = EMBEDDED_MODELS.get(self.ref.name)
        base = f"local:{self.ref.name}"
        if spec is not None:
            base += f"#gguf={spec.gguf_sha256[:16]}"
        elif self.ref.name in SAFE_BASES:
            safe_base_dir(self.ref.name)  # built (or rebuilt) before its identity is read
            base += f"#{safe_base_identity(self.ref.name)}"
        else:
            # A folder that is not (or no longer) a model fails here, before any cache lookup.
            base += f"#sha256={folder_fingerprint(resolve_local_folder(self.ref.name))}"
        if self.ref.adapter is not None:
            base += f"+adapter-sha256={adapter_fingerprint(self.ref.adapter)}"
        return base

    async def resolve_cache_identity(self) -> str | None:
        # Hashing a changed folder reads its files: not on the event loop.
        return await anyio.to_thread.run_sync(lambda: self.cache_identity)

    def weights(self) -> LoadedWeights:
        """The shared weights behind this model (loading them on first use, and again when the folder changed)."""
        folder = resolve_local_folder(self.ref.name)
        if self.ref.name in EMBEDDED_MODELS:
            fingerprint = None
        elif self.ref.name in SAFE_BASES:
            fingerprint = safe_base_identity(self.ref.name)
        else:
            fingerprint = folder_fingerprint(folder)
        return load_weights(folder, fingerprint)

    async def check_fits(self, messages: list[ChatMessage], prefill: str | None, params: SamplingParams) -> None:
        """Raise :class:`ContextLengthExceeded` when the chat plus ``max_tokens`` exceeds the model's context."""
        weights = await anyio.to_thread.run_sync(self.weights)

        def check() -> None:
            check_context(weights, weights.prompt_text(messages, prefill), params.max_tokens, self.name)

        await anyio.to_thread.run_sync(check)

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
        out: list[Completion | Exception] = [RuntimeError("not run")] * len(requests)
        fitting = []
        for i, (msgs, prefill) in enumerate(requests):
            try:
                await self.check_fits(msgs, prefill, params)
                fitting.append(i)
            except ContextLengthExceeded as exc:  # only this request fails; the batch goes on
                out[i] = exc
        # Similar lengths together, so a batch pads little; results go back in request order.
        order = sorted(fitting, key=lambda i: sum(len(m.content) for m in requests[i][0]))
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
        import torch

        tokenizer = weights.tokenizer
        prompts = [weights.prompt_text(msgs, prefill) for msgs, prefill in requests]
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
        cancel = _stopping(kwargs)
        started = time.perf_counter()
        with weights.selected(self.ref.adapter) as model:
            try:
                with torch.inference_mode():
                    output = model.generate(**inputs, **kwargs)
            except Exception as exc:
                raise ModelError(f"local generation failed: {exc}", model=self.name) from exc
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("the generation was cancelled (the client went away)", model=self.name)
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

    async def chat_guided(
        self,
        messages: list[ChatMessage],
        params: SamplingParams,
        prefill: str | None = None,
        *,
        constraint: SchemaConstraint | None = None,
        prompt_cache: PromptCache | None = None,
    ) -> Completion:
        """One reply constrained to ``constraint``'s JSON schema, reusing ``prompt_cache``'s shared prefix.

        For an agent driving this model turn after turn (the local auditor). It bypasses the
        response cache, whose keys do not know the schema, and is not metered: the caller
        counts the tokens from the completion.
        """
        weights = await anyio.to_thread.run_sync(self.weights)
        started = time.perf_counter()
        async with self._get_limiter():
            completion = await anyio.to_thread.run_sync(
                functools.partial(self._generate, weights, messages, params, prefill,
                                  constraint=constraint, prompt_cache=prompt_cache)
            )
        return completion.model_copy(update={"latency_s": time.perf_counter() - started, "prefill": prefill})

    def _generate(
        self,
        weights: LoadedWeights,
        messages: list[ChatMessage],
        params: SamplingParams,
        prefill: str | None,
        *,
        constraint: SchemaConstraint | None = None,
        prompt_cache: PromptCache | None = None,
    ) -> Completion:
        import torch

        tokenizer = weights.tokenizer
        prompt = weights.prompt_text(messages, prefill)
        # The bounds first: tokenizing megabytes only to refuse them would take seconds.
        check_context(weights, prompt, params.max_tokens, self.name)
        inputs = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        check_context(weights, prompt, params.max_tokens, self.name, exact=int(inputs["input_ids"].shape[1]))
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
        cancel = _stopping(kwargs)
        prompt_ids = inputs["input_ids"]
        if constraint is not None:
            from transformers import LogitsProcessorList

            kwargs["logits_processor"] = LogitsProcessorList(
                [logits_processor(constraint, tokenizer, int(prompt_ids.shape[1]), prefill)]
            )
        # A weak reference: weights reloaded after their files changed never match a cache of the old ones.
        owner = (weakref.ref(weights), str(self.ref.adapter) if self.ref.adapter is not None else None)
        cache_kwarg = _cache_kwarg()
        with weights.selected(self.ref.adapter) as model:
            if params.temperature > 0:
                torch.manual_seed((params.seed or 0) * 1_000_003 + params.sample)
            if prompt_cache is not None:
                # Taken and given back under the weights' lock: the cache belongs to these weights and adapter.
                kwargs[cache_kwarg] = prompt_cache.take(model, owner, prompt_ids[0].tolist())
            try:
                with torch.inference_mode():
                    output = model.generate(**inputs, **kwargs)
            except Exception as exc:
                raise ModelError(f"local generation failed: {exc}", model=self.name) from exc
            if prompt_cache is not None:
                prompt_cache.keep(owner, output[0].tolist(), kwargs[cache_kwarg])
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled("the generation was cancelled (the client went away)", model=self.name)
        new_tokens = output[0][inputs["input_ids"].shape[1] :]
        text = tokenizer.decode(new_tokens, skip_special_tokens=True)
        finish = "length" if len(new_tokens) >= params.max_tokens else "stop"
        for stop in params.stop:
            cut = text.find(stop)
            if cut >= 0:
                text, finish = text[:cut], "stop"
        usage = Usage(requests=1, input_tokens=int(inputs["input_ids"].shape[1]), output_tokens=len(new_tokens))
        return Completion(model=self.name, text=text, finish_reason=finish, usage=usage)
