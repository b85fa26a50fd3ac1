"""Guided local generation: replies constrained to a JSON schema, and the prompt's KV cache kept between calls.

Two things a small local model needs to drive an agent in reasonable time:

- **Constrained decoding.** :class:`SchemaConstraint` compiles a JSON schema with llguidance
  (a maintained Rust grammar engine with a zero-dependency abi3 wheel; it computes a token
  mask in well under a millisecond on the CPU) and :func:`logits_processor` applies it to
  transformers ``generate`` as a logits processor: at each step only tokens that keep the
  reply a valid prefix of an instance of the schema keep their score, and once the value is
  complete only the end-of-sequence token does. A reply that is not cut by the token limit
  therefore parses with ``json.loads`` and matches the schema's shape.
- **Prompt-prefix reuse.** :class:`PromptCache` keeps the key/value cache of the last prompt
  and reply; the next call crops it to the tokens the new prompt shares with them and only
  the new suffix is read. An agent's prompt grows by a turn at a time, so most of it is read
  once instead of every turn.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from typing import Any

from ftaudit.errors import ModelError


@functools.lru_cache(maxsize=4)
def _ll_tokenizer(tokenizer: Any) -> Any:
    import llguidance.hf

    # About a second for a 150k vocabulary: once per loaded tokenizer.
    return llguidance.hf.from_tokenizer(tokenizer)


@functools.lru_cache(maxsize=32)
def _grammar(schema_json: str) -> str:
    import llguidance

    schema = json.loads(schema_json)
    # Compact separators, as json.dumps writes them: no token is spent on free whitespace,
    # and the reply looks like the calls the model is shown.
    schema.setdefault("x-guidance", {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "})
    grammar = llguidance.LLMatcher.grammar_from_json_schema(schema)
    is_error, messages = llguidance.LLMatcher.validate_grammar_with_warnings(grammar)
    if is_error:
        raise ModelError(f"the reply schema cannot be compiled for constrained decoding: {messages[0]}")
    return grammar


class SchemaConstraint:
    """A JSON schema that a local generation's reply must follow, compiled to a grammar when made.

    Raises :class:`~ftaudit.errors.ModelError` for a schema llguidance cannot compile.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        # Not key-sorted: the order of "properties" is the order the reply writes them in.
        self.schema_json = json.dumps(schema, ensure_ascii=False)
        self.digest = hashlib.sha256(self.schema_json.encode()).hexdigest()[:16]
        self.grammar = _grammar(self.schema_json)

    def matcher(self, tokenizer: Any, prefill: str | None = None) -> Any:
        """A fresh llguidance matcher for one reply, already past ``prefill`` (text the prompt ends with)."""
        import llguidance

        ll_tokenizer = _ll_tokenizer(tokenizer)
        matcher = llguidance.LLMatcher(ll_tokenizer, self.grammar)
        if prefill and not matcher.consume_tokens(ll_tokenizer.tokenize_str(prefill)):
            raise ModelError(f"the prefill {prefill!r} does not start a reply the schema allows")
        if matcher.is_error():
            raise ModelError(f"constrained decoding failed: {matcher.get_error()}")
        return matcher


def logits_processor(constraint: SchemaConstraint, tokenizer: Any, prompt_length: int, prefill: str | None) -> Any:
    """A transformers logits processor that keeps a single-sequence generation inside ``constraint``."""
    import numpy as np
    import torch
    from transformers import LogitsProcessor

    matcher = constraint.matcher(tokenizer, prefill)

    class _SchemaLogits(LogitsProcessor):
        def __init__(self) -> None:
            self.consumed = 0

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            generated = input_ids.shape[1] - prompt_length
            if generated > self.consumed:  # the token chosen last step
                if not matcher.consume_token(int(input_ids[0, -1])):
                    raise ModelError(f"constrained decoding failed: {matcher.get_error()}")
                self.consumed = generated
            bits = np.unpackbits(np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8), bitorder="little")
            vocab = scores.shape[-1]
            allowed = np.zeros(vocab, dtype=bool)
            n = min(vocab, bits.shape[0])
            allowed[:n] = bits[:n].astype(bool)
            if not allowed.any():
                raise ModelError(f"constrained decoding reached a dead end: {matcher.get_error() or 'no token allowed'}")
            return scores.masked_fill(~torch.from_numpy(allowed).to(scores.device), float("-inf"))

    return _SchemaLogits()


class PromptCache:
    """The key/value cache of one conversation's last prompt and reply, reused for the next prompt's shared prefix.

    Not shared between conversations that interleave (each would crop the other's away), and
    only valid for the weights and adapter it was computed with, which :meth:`take` checks.
    Models with sliding-window or other non-croppable layers are read whole every time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: tuple[Any, str | None] | None = None
        self._ids: list[int] = []
        self._cache: Any = None
        #: Prompt tokens read from the cache rather than recomputed, over all calls (for measurement).
        self.reused_tokens = 0

    def take(self, model: Any, owner: tuple[Any, str | None], ids: list[int]) -> Any:
        """A cache holding the longest prefix of ``ids`` already computed (possibly empty), to pass to generate."""
        from transformers import DynamicCache

        with self._lock:
            cache, held = self._cache, self._ids
            self._cache, self._ids = None, []
            if cache is None or self._owner != owner or not _croppable(cache):
                return DynamicCache(config=model.config)
            shared = 0
            for a, b in zip(held, ids):
                if a != b:
                    break
                shared += 1
            # At least one token must be read, for the logits of the first new one.
            keep = min(shared, len(ids) - 1, cache.get_seq_length())
            if keep <= 0:
                return DynamicCache(config=model.config)
            drop = cache.get_seq_length() - keep
            if drop:
                cache.crop(-drop)
            self.reused_tokens += keep
            return cache

    def keep(self, owner: tuple[Any, str | None], ids: list[int], cache: Any) -> None:
        """Remember ``cache`` as holding the first ``cache.get_seq_length()`` tokens of ``ids``."""
        with self._lock:
            self._owner, self._cache = owner, cache
            self._ids = list(ids[: cache.get_seq_length()])

    def clear(self) -> None:
        with self._lock:
            self._owner, self._ids, self._cache = None, [], None


def _croppable(cache: Any) -> bool:
    layers = getattr(cache, "layers", None)
    return bool(layers) and not any(getattr(layer, "is_sliding", False) for layer in layers)
