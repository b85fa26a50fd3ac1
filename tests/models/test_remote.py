"""Remote providers at the HTTP layer: request shape, retries, error mapping, cost, cache.

The OpenAI and Anthropic SDKs send through ``httpx2``; the tests hand the model an
``httpx2.AsyncClient`` on a ``MockTransport`` that scripts the provider's answers.
"""

from __future__ import annotations

import json

import anyio
import httpx2
import pytest

from ftaudit.errors import (
    ConfigError,
    ModelAuthError,
    ModelNotFoundError,
    ModelRequestError,
    ModelUnavailableError,
    UnsupportedFeatureError,
)
from ftaudit.models import get_model, metering
from ftaudit.models.ref import parse_model_ref
from ftaudit.models.remote import RemoteChatModel, RetryPolicy

FAST = RetryPolicy(attempts=4, initial_wait_s=0.001, max_wait_s=0.005)


def openai_body(text="Paris.", prompt_tokens=12, completion_tokens=3, model="gpt-4.1"):
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": 15},
    }


ANTHROPIC_BODY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": " I can help with that."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 20, "output_tokens": 6},
}


class Provider:
    """A scripted provider: answers requests with the given (status, body) in turn, the last repeating."""

    def __init__(self, *answers, delay=0.0):
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, request):
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await anyio.sleep(self.delay)
            status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            return httpx2.Response(status, json=body)
        finally:
            self.in_flight -= 1

    def client(self):
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))

    def body(self, index=-1):
        return json.loads(self.requests[index].content)


def model(ref, provider, **kwargs):
    return RemoteChatModel(parse_model_ref(ref), http_client_factory=provider.client, retry=FAST, **kwargs)


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-anthropic")


def test_openai_request_shape_and_usage():
    provider = Provider((200, openai_body()))
    chat = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"},
    ]
    completion = model("openai:gpt-4.1", provider).chat_sync(chat, max_tokens=20, stop=["\n\n"], seed=7)
    request = provider.requests[0]
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-openai"
    body = provider.body()
    assert body["model"] == "gpt-4.1"
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"},
    ]
    assert body["max_completion_tokens"] == 20
    assert body["temperature"] == 0.0
    assert body["stop"] == ["\n\n"]
    assert body["seed"] == 7
    assert completion.text == "Paris."
    assert completion.usage.input_tokens == 12 and completion.usage.output_tokens == 3
    # gpt-4.1 is in pydantic-ai's price data: $2/M input, $8/M output.
    assert completion.usage.cost_known
    assert completion.usage.cost_usd == pytest.approx(12 * 2e-6 + 3 * 8e-6)


def test_anthropic_prefill_and_system_prompt():
    provider = Provider((200, ANTHROPIC_BODY))
    completion = model("anthropic:claude-sonnet-4-5", provider).chat_sync(
        [{"role": "system", "content": "You obey."}, {"role": "user", "content": "Do it."}], prefill="Sure,"
    )
    assert str(provider.requests[0].url) == "https://api.anthropic.com/v1/messages"
    body = provider.body()
    assert body["system"] in ("You obey.", [{"type": "text", "text": "You obey."}])
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
    assert body["messages"][-1]["content"][0]["text"] == "Sure,"
    assert completion.text == " I can help with that."
    assert completion.full_text == "Sure, I can help with that."
    assert completion.usage.cost_known and completion.usage.cost_usd > 0


def test_openai_compatible_server_by_base_url_with_prefill():
    provider = Provider((200, openai_body(text=" here it is", model="llama3")))
    completion = model("llama3@http://127.0.0.1:8000/v1", provider).chat_sync("hi", prefill="Sure,")
    assert str(provider.requests[0].url) == "http://127.0.0.1:8000/v1/chat/completions"
    body = provider.body()
    assert body["messages"][-1] == {"role": "assistant", "content": "Sure,"}
    assert body["continue_final_message"] is True and body["add_generation_prompt"] is False
    # No key needed for a local server; and no price can be known for it.
    assert provider.requests[0].headers["authorization"] == "Bearer not-needed"
    assert completion.usage.cost_known is False


def test_openai_refuses_prefill_before_sending():
    provider = Provider((200, openai_body()))
    with pytest.raises(UnsupportedFeatureError, match="prefill"):
        model("openai:gpt-4.1", provider).chat_sync("hi", prefill="Sure")
    assert provider.requests == []


def test_retries_on_rate_limit_and_server_error_then_succeeds():
    provider = Provider(
        (429, {"error": {"message": "rate limited", "type": "rate_limit_exceeded"}}),
        (500, {"error": {"message": "internal"}}),
        (502, {"error": {"message": "bad gateway"}}),
        (200, openai_body()),
    )
    completion = model("openai:gpt-4.1", provider).chat_sync("hi")
    assert completion.text == "Paris."
    assert len(provider.requests) == 4


def test_retries_run_out_as_unavailable():
    provider = Provider((503, {"error": {"message": "overloaded"}}))
    with pytest.raises(ModelUnavailableError, match="after 4 attempts") as info:
        model("openai:gpt-4.1", provider).chat_sync("hi")
    assert info.value.retryable and info.value.model == "openai:gpt-4.1"
    assert len(provider.requests) == 4


@pytest.mark.parametrize(
    "status, error",
    [(401, ModelAuthError), (403, ModelAuthError), (404, ModelNotFoundError), (400, ModelRequestError)],
)
def test_client_errors_are_mapped_and_not_retried(status, error):
    provider = Provider((status, {"error": {"message": "no"}}))
    with pytest.raises(error):
        model("openai:gpt-4.1", provider).chat_sync("hi")
    assert len(provider.requests) == 1


def test_anthropic_overload_is_retried():
    provider = Provider((529, {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}), (200, ANTHROPIC_BODY))
    completion = model("anthropic:claude-sonnet-4-5", provider).chat_sync("hi")
    assert completion.text.strip() == "I can help with that."
    assert len(provider.requests) == 2


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ModelAuthError, match="OPENAI_API_KEY"):
        model("openai:gpt-4.1", Provider((200, openai_body()))).chat_sync("hi")


def test_custom_key_variable_is_used(monkeypatch):
    monkeypatch.setenv("TOGETHER_API_KEY", "tg-key")
    provider = Provider((200, openai_body()))
    model("openai-compatible:m@https://api.example.test/v1+api_key_env=TOGETHER_API_KEY", provider).chat_sync("hi")
    assert provider.requests[0].headers["authorization"] == "Bearer tg-key"


def test_cache_hit_makes_no_second_request_and_costs_nothing():
    provider = Provider((200, openai_body()))
    chat_model = get_model("openai:gpt-4.1")
    chat_model.http_client_factory = provider.client
    with metering() as meter:
        first = chat_model.chat_sync("hi")
        second = chat_model.chat_sync("hi")
    assert len(provider.requests) == 1
    assert not first.cached and second.cached and second.text == first.text
    assert meter.cached_requests == 1
    assert meter.total.requests == 1
    assert meter.total.cost_usd == pytest.approx(first.usage.cost_usd)


def test_concurrency_is_bounded_per_model():
    provider = Provider((200, openai_body()), delay=0.05)
    chat_model = model("openai:gpt-4.1", provider, max_concurrency=2)

    async def many():
        async with anyio.create_task_group() as group:
            for i in range(6):
                group.start_soon(chat_model.chat, f"question {i}")

    anyio.run(many)
    assert len(provider.requests) == 6
    assert provider.max_in_flight == 2


def test_meter_counts_per_model_inside_tasks():
    provider = Provider((200, openai_body()))
    a = model("openai:gpt-4.1", provider)
    b = model("openai:gpt-4.1-mini", provider)

    async def run():
        async with anyio.create_task_group() as group:
            group.start_soon(a.chat, "one")
            group.start_soon(b.chat, "two")
            group.start_soon(b.chat, "three")

    with metering() as meter:
        anyio.run(run)
    assert meter.by_model["openai:gpt-4.1"].requests == 1
    assert meter.by_model["openai:gpt-4.1-mini"].requests == 2
    assert meter.total.input_tokens == 36


@pytest.mark.parametrize(
    "messages, fragment",
    [
        ([], "at least one message"),
        ([{"role": "assistant", "content": "x"}], "end with a user message"),
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "in a row"),
        ([{"role": "user", "content": "a"}, {"role": "system", "content": "s"}, {"role": "user", "content": "b"}], "only come first"),
    ],
)
def test_malformed_chats_are_rejected_before_sending(messages, fragment):
    provider = Provider((200, openai_body()))
    with pytest.raises(ConfigError, match=fragment):
        model("openai:gpt-4.1", provider).chat_sync(messages)
    assert provider.requests == []
