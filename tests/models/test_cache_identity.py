"""The response cache answers only for the weights that made the reply, and keeps its files private
(issue 13, items 3 and 7).

Local folders are keyed by a hash of their files (a tiny random Llama with SmolLM2's tokenizer
stands in for a fine-tuned folder); an OpenAI-compatible server is cached only when its
``/v1/models`` entry carries a weights fingerprint (a scripted server at the HTTP layer here;
the real ``serve-models`` scenario is in tests/cli/test_serve_models.py).
"""

from __future__ import annotations

import stat

import httpx2
import pytest

from ftaudit.errors import ModelError
from ftaudit.models import get_model
from ftaudit.models.base import ContextLengthExceeded
from ftaudit.models.cache import ResponseCache
from ftaudit.models.ref import parse_model_ref
from ftaudit.models.remote import FINGERPRINT_FIELD, RemoteChatModel, RetryPolicy
from ftaudit.models.types import Completion, Usage


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cache_files_are_private_and_a_loose_folder_is_tightened(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as an older ftaudit left it
    old = folder / "responses.sqlite"
    first = ResponseCache(old)
    first.put("k", Completion(model="m", text="a reply", usage=Usage(requests=1)))
    first.close()
    old.chmod(0o644)
    for side in ("-wal", "-shm"):
        side_file = old.with_name(old.name + side)
        if side_file.exists():
            side_file.chmod(0o644)

    cache = ResponseCache(old)
    cache.put("k2", Completion(model="m", text="another", usage=Usage(requests=1)))
    assert _mode(folder) == 0o700
    files = [p for p in folder.iterdir() if p.name.startswith("responses.sqlite")]
    assert any(p.name.endswith("-wal") for p in files)  # WAL mode: the side file exists while open
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    cache.close()

    fresh = ResponseCache(tmp_path / "new" / "deeper" / "r.sqlite")
    fresh.put("k", Completion(model="m", text="x", usage=Usage(requests=1)))
    assert _mode(tmp_path / "new" / "deeper") == 0o700 and _mode(tmp_path / "new" / "deeper" / "r.sqlite") == 0o600
    fresh.close()


# -- OpenAI-compatible servers ----------------------------------------------------------------


class Server:
    """A scripted OpenAI-compatible server: lists one model (with or without a fingerprint) and answers chats."""

    def __init__(self, fingerprint: str | None, reply: str = "Paris.") -> None:
        self.fingerprint, self.reply = fingerprint, reply
        self.chats = 0

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/models"):
            entry = {"id": "tuned", "object": "model", "created": 1, "owned_by": "me"}
            if self.fingerprint:
                entry[FINGERPRINT_FIELD] = self.fingerprint
            return httpx2.Response(200, json={"object": "list", "data": [entry]})
        self.chats += 1
        return httpx2.Response(200, json={
            "id": "c", "object": "chat.completion", "created": 1, "model": "tuned",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        })


def _client(server: Server, tmp_path) -> RemoteChatModel:
    cache = ResponseCache(tmp_path / "r.sqlite")
    return RemoteChatModel(
        parse_model_ref("tuned@http://127.0.0.1:8000/v1"), cache=cache, retry=RetryPolicy(attempts=1),
        http_client_factory=lambda: httpx2.AsyncClient(transport=httpx2.MockTransport(server)),
    )


def test_a_server_without_a_fingerprint_is_never_answered_from_the_cache(tmp_path):
    server = Server(fingerprint=None)
    model = _client(server, tmp_path)
    first, second = model.chat_sync("hi"), model.chat_sync("hi")
    assert not first.cached and not second.cached and server.chats == 2
    assert len(model.cache) == 0


def test_a_fingerprinted_server_is_cached_until_its_weights_change(tmp_path):
    server = Server(fingerprint="aaaa", reply="from A")
    model = _client(server, tmp_path)
    assert model.chat_sync("hi").text == "from A"
    again = model.chat_sync("hi")
    assert again.cached and server.chats == 1
    # The same alias on the same URL, re-served with other weights: the same client asks afresh.
    server.fingerprint, server.reply = "bbbb", "from B"
    after = model.chat_sync("hi")
    assert not after.cached and after.text == "from B" and server.chats == 2


# -- local model folders ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from ftaudit.models.embedded import converted_dir

    return AutoTokenizer.from_pretrained(converted_dir("smollm2-135m"))


def _write_tiny_model(folder, tokenizer, seed: int, context: int = 512) -> None:
    """A one-layer random Llama with SmolLM2's tokenizer: a model folder as training writes one."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=1, max_position_embeddings=context,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)


@pytest.mark.slow
def test_a_model_folder_rewritten_in_place_does_not_answer_from_the_cache(tmp_path, tokenizer):
    folder = tmp_path / "finetuned"
    _write_tiny_model(folder, tokenizer, seed=1)
    ref = f"local:{folder}"
    first = get_model(ref, cache="on").chat_sync("Hello", max_tokens=8)
    assert get_model(ref, cache="on").chat_sync("Hello", max_tokens=8).cached

    _write_tiny_model(folder, tokenizer, seed=2)  # retrained into the same folder
    after = get_model(ref, cache="on").chat_sync("Hello", max_tokens=8)
    assert not after.cached and after.text != first.text
    # The new weights were loaded: a cache-less call gives the same reply.
    assert get_model(ref, cache="off").chat_sync("Hello", max_tokens=8).text == after.text


@pytest.mark.slow
def test_a_chat_past_the_context_is_refused_by_the_local_backend(tmp_path, tokenizer):
    folder = tmp_path / "short-context"
    _write_tiny_model(folder, tokenizer, seed=3, context=64)
    model = get_model(f"local:{folder}", cache="off")
    assert model.chat_sync("Hi", max_tokens=4).usage.output_tokens == 4
    with pytest.raises(ContextLengthExceeded, match="context of 64 tokens"):
        model.chat_sync("Hi", max_tokens=60)
    with pytest.raises(ContextLengthExceeded, match="at least"):
        model.chat_sync("x" * 100_000, max_tokens=4)
    assert issubclass(ContextLengthExceeded, ModelError)
