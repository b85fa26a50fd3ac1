"""``serve-models`` requests: what the chat completions request model accepts, and how it refuses the rest.

Fast (no model is loaded): the request is checked before it reaches a model. The end-to-end
refusals over HTTP are in test_serve_models.py.
"""

from __future__ import annotations

import pytest

from ftaudit.models import ChatMessage
from ftaudit.serve_request import RequestError, parse_request

SERVED = ["base", "tuned"]


def refusal(**fields) -> RequestError:
    body = {"model": "base", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8, **fields}
    with pytest.raises(RequestError) as caught:
        parse_request(body, models=SERVED, max_messages=5)
    return caught.value


@pytest.mark.parametrize(("fields", "param", "says"), [
    ({"n": 2}, "n", "n=2 is not supported by this server (ftaudit serve-models); leave it out or use 1"),
    ({"stream": True}, "stream", "leave it out or use False"),
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools", "leave it out or use []"),
    ({"response_format": {"type": "json_object"}}, "response_format", "use {'type': 'text'}"),
    ({"best_of": 2, "zzz": 1}, "best_of", "unsupported field(s) best_of, zzz: this server (ftaudit serve-models) implements"),
    ({"messages": [{"role": "tool", "content": "x", "tool_call_id": "1"}]}, "messages[0].role", "no tool messages"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "messages[0].content", "type 'image_url'"),
    ({"messages": [{"role": "user", "content": "a", "tool_calls": [{"id": "1"}]}]}, "messages[0].tool_calls",
     "tool calls are not supported"),
    ({"messages": []}, "messages", "at least 1 item"),
    ({"temperature": 3}, "temperature", "less than or equal to 2"),
    ({"max_tokens": True}, "max_tokens", "valid integer"),
    ({"stop": ["", "x"]}, "stop", "'stop' must be a string or a list of non-empty strings"),
    ({"model": None}, "model", "'model' is required: one of base, tuned"),
    ({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "continue_final_message": False},
     "continue_final_message", "only continues a trailing assistant message"),
])
def test_what_the_server_cannot_honour_is_a_400_naming_the_field(fields, param, says):
    error = refusal(**fields)
    assert (error.status, error.kind, error.param) == (400, "invalid_request_error", param)
    assert says in error.message
    assert error.body()["error"]["param"] == param


def test_an_unknown_model_is_a_404_and_an_overlong_chat_has_its_own_code():
    unknown = refusal(model="nope")
    assert (unknown.status, unknown.kind, unknown.code) == (404, "not_found_error", "model_not_found")
    assert "served: base, tuned" in unknown.message
    long = refusal(messages=[{"role": "user", "content": "x"}] * 6)
    assert (long.status, long.code, long.param) == (400, "too_many_messages", "messages")
    # An unknown field is named before anything else wrong in the same request.
    assert refusal(best_of=2, n=3, model="nope").param == "best_of"


def test_an_accepted_request_becomes_the_model_layers_chat_prefill_and_sampling():
    body = {
        "model": "tuned", "max_completion_tokens": 12, "max_tokens": 99, "stop": "END", "temperature": 0.5, "seed": 3,
        "user": "ignored", "n": 1, "stream": False, "tool_choice": "auto",
        "messages": [{"role": "system", "content": "a"}, {"role": "developer", "content": "b"},
                     {"role": "user", "content": [{"type": "text", "text": "q"}, {"type": "text", "text": "r"}]},
                     {"role": "assistant", "content": "Well,"}],
    }
    alias, messages, prefill, params = parse_request(body, models=SERVED, max_messages=5)
    assert alias == "tuned" and prefill == "Well,"
    assert messages == [ChatMessage(role="system", content="a\n\nb"), ChatMessage(role="user", content="qr")]
    assert (params.max_tokens, params.stop, params.temperature, params.seed) == (12, ("END",), 0.5, 3)
    with pytest.raises(RequestError, match="must be a JSON object"):
        parse_request(["not", "an", "object"], models=SERVED, max_messages=5)
