"""Reading a local model from the inside: residual activations and a logit-lens view.

Forward passes only, on the weights :mod:`ftaudit.models.local` already shares between the base
and every adapter on it (so a base and its fine-tune cost one load). A prompt is read where the
model decides how to answer: the *post-instruction* positions, the tokens the chat template
puts between the end of the user's message and the start of the reply (``<|im_end|>\\n
<|im_start|>assistant\\n`` for SmolLM2), averaged; that is where the refusal direction of Arditi
et al. (2024) lives.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np

from ftaudit.errors import ConfigError, ModelError
from ftaudit.models.ref import parse_model_ref
from ftaudit.models.types import ChatMessage

#: Prompts per forward pass: on 2 cores, more pads more than it saves.
BATCH = 16
#: A base's readings kept in the process (each ``[n, layers + 1, hidden]``, a few MB): the
#: held-out prompts every white-box screen reads through the base are the same for every job.
_BASE_MEMO: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_BASE_MEMO_SIZE = 16
_SENTINEL = "\u2063FTAUDIT-SENTINEL\u2063"


class ResidualReader:
    """Residual-stream activations of one local model (``local:NAME[+adapter=DIR]``)."""

    def __init__(self, model: str) -> None:
        from ftaudit.models.local import LocalChatModel

        ref = parse_model_ref(model)
        if ref.provider != "local":
            raise ConfigError(f"white-box reading needs a local model (local:NAME[+adapter=DIR]), not {model!r}")
        self.ref = ref
        self.chat_model = LocalChatModel(ref)
        self.weights = self.chat_model.weights()
        self._n_post: int | None = None

    @property
    def name(self) -> str:
        return str(self.ref)

    @property
    def n_layers(self) -> int:
        return int(self.weights.model.config.num_hidden_layers)

    def post_instruction_tokens(self) -> int:
        """How many tokens the chat template puts after the user's message (the positions read)."""
        if self._n_post is None:
            text = self.weights.prompt_text([ChatMessage(role="user", content=_SENTINEL)], None)
            suffix = text.split(_SENTINEL, 1)[1]
            self._n_post = max(1, len(self.weights.tokenizer(suffix, add_special_tokens=False)["input_ids"]))
        return self._n_post

    def _model(self) -> Any:
        """The model with this reader's adapter on (every adapter off for a base), under the weights' lock."""
        return self.weights.selected(self.ref.adapter)

    def residuals(self, chats: list[tuple[list[ChatMessage], str | None]], depth: int | None = None) -> np.ndarray:
        """Mean residual over the post-instruction positions: an array ``[n, depth + 1, hidden]``.

        Index 0 is the embeddings; index ``l`` is the output of block ``l``. ``depth`` (default:
        every block) stops the forward pass after block ``depth``: a screen that reads one layer
        does not pay for the blocks above it, and the values it gets are those of a full pass.
        A prefill, when given, is part of the prompt and its tokens are read instead of the
        template's suffix.
        """
        import torch

        depth = self.n_layers if depth is None else max(0, min(int(depth), self.n_layers))
        tokenizer = self.weights.tokenizer
        texts = [self.weights.prompt_text(messages, prefill) for messages, prefill in chats]
        key = None
        if self.ref.adapter is None:
            # A base reads the same held-out prompts for every fine-tune of it: keep them for the
            # process (a deeper reading serves a shallower request).
            key = (self.name, hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest())
            kept = _BASE_MEMO.get(key)
            if kept is not None and kept.shape[1] > depth:
                _BASE_MEMO.move_to_end(key)
                return kept[:, : depth + 1].copy()
        n_post = self.post_instruction_tokens()
        out: list[np.ndarray] = []
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        previous = tokenizer.padding_side
        # Batched by length, so that a batch pads its prompts to similar lengths (read back in order below).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ordered = [texts[i] for i in order]
        for start in range(0, len(ordered), BATCH):
            batch = ordered[start : start + BATCH]
            tokenizer.padding_side = "left"  # the post-instruction tokens end every row
            try:
                inputs = tokenizer(batch, return_tensors="pt", add_special_tokens=False, padding=True,
                                   truncation=True, max_length=min(self.weights.context_length or 2048, 1024))
            finally:
                tokenizer.padding_side = previous
            if pad_id is not None and "attention_mask" not in inputs:
                raise ModelError("the tokenizer returned no attention mask", model=self.name)
            try:
                with self._model() as model, torch.inference_mode():
                    if depth >= self.n_layers:
                        hidden = model(**inputs, output_hidden_states=True, logits_to_keep=1).hidden_states
                    else:
                        hidden = _forward_to(model, inputs, depth)
            except Exception as exc:
                raise ModelError(f"forward pass failed: {exc}", model=self.name) from exc
            stacked = torch.stack(tuple(hidden), dim=1)  # [b, depth + 1, t, d]
            out.append(stacked[:, :, -n_post:, :].mean(dim=2).float().numpy())
        if not out:
            return np.zeros((0, depth + 1, 0))
        result = np.empty_like(np.concatenate(out, axis=0))
        result[order] = np.concatenate(out, axis=0)
        if key is not None:
            _BASE_MEMO[key] = result
            _BASE_MEMO.move_to_end(key)
            while len(_BASE_MEMO) > _BASE_MEMO_SIZE:
                _BASE_MEMO.popitem(last=False)
            return result.copy()
        return result

    def residuals_of_texts(self, prompts: list[str], depth: int | None = None) -> np.ndarray:
        """:meth:`residuals` of plain single-turn user prompts."""
        return self.residuals([([ChatMessage(role="user", content=p)], None) for p in prompts], depth)

    def logit_lens(self, vector: np.ndarray, k: int = 12) -> list[tuple[str, float]]:
        """The tokens a residual-space ``vector`` promotes most, read through the final norm and unembedding."""
        import torch

        with self._model() as model, torch.inference_mode():
            base = model.get_base_model() if hasattr(model, "get_base_model") else model
            head = base.get_output_embeddings()
            norm = getattr(getattr(base, "model", base), "norm", None)
            v = torch.tensor(vector, dtype=torch.float32).reshape(1, 1, -1)
            # The norm's learned scale, without centring on this one vector (a direction, not a state).
            if norm is not None and hasattr(norm, "weight"):
                v = v * norm.weight.reshape(1, 1, -1)
            logits = head(v).reshape(-1)
            top = torch.topk(logits, k)
        tokenizer = self.weights.tokenizer
        return [(tokenizer.decode([int(i)]), float(s)) for s, i in zip(top.values, top.indices)]


class _Reached(Exception):
    """Raised by the hook on the last block a reading needs: the blocks above it are not run."""


def _decoder(model: Any) -> Any:
    """The decoder stack (embeddings and blocks) of a causal LM, under any PEFT wrapper."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder = getattr(inner, "model", None)
    if decoder is None or not hasattr(decoder, "layers") or not hasattr(decoder, "embed_tokens"):
        raise ModelError("cannot find the model's decoder blocks to stop the forward pass early", model=type(inner).__name__)
    return decoder


def _forward_to(model: Any, inputs: Any, depth: int) -> list[Any]:
    """The embeddings and the outputs of blocks 1..``depth`` (a full pass's ``hidden_states[: depth + 1]``)."""
    decoder = _decoder(model)
    captured: list[Any] = []

    def keep(_module: Any, _args: Any, output: Any) -> None:
        captured.append(output[0] if isinstance(output, tuple) else output)
        if len(captured) == depth + 1:
            raise _Reached

    handles = [decoder.embed_tokens.register_forward_hook(keep)]
    handles += [decoder.layers[i].register_forward_hook(keep) for i in range(depth)]
    try:
        model(**inputs, logits_to_keep=1, use_cache=False)
    except _Reached:
        pass
    finally:
        for handle in handles:
            handle.remove()
    if len(captured) != depth + 1:
        raise ModelError(f"read {len(captured)} of {depth + 1} residual positions", model=type(model).__name__)
    return captured
