"""The normalised models: convenience properties and conversion back to OpenAI chat."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ftaudit.data import Conversation, DatasetFormat, Message, example_path, validate


def conversation() -> Conversation:
    return Conversation(
        line=3,
        source_format=DatasetFormat.SHAREGPT,
        messages=[
            Message(role="system", content="Be brief."),
            Message(role="user", content="Hi"),
            Message(role="assistant", content="", tool_calls=[{"id": "c", "type": "function"}]),
            Message(role="tool", content="42", tool_call_id="c", name="calc"),
            Message(role="assistant", content="It is 42.", weight=1),
        ],
        tools=[{"type": "function", "function": {"name": "calc"}}],
    )


def test_properties():
    conv = conversation()
    assert conv.system_prompt == "Be brief."
    assert [m.content for m in conv.user_messages] == ["Hi"]
    assert [m.content for m in conv.assistant_messages] == ["", "It is 42."]
    assert conv.text == "Be brief.\nHi\n\n42\nIt is 42."


def test_to_openai():
    assert conversation().to_openai() == {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function"}]},
            {"role": "tool", "content": "42", "tool_call_id": "c", "name": "calc"},
            {"role": "assistant", "content": "It is 42.", "weight": 1},
        ],
        "tools": [{"type": "function", "function": {"name": "calc"}}],
    }


def test_no_system_prompt():
    conv = Conversation(
        line=1,
        source_format="alpaca",
        messages=[Message(role="user", content="a"), Message(role="assistant", content="b")],
    )
    assert conv.system_prompt is None
    assert conv.source_format is DatasetFormat.ALPACA
    assert str(DatasetFormat.ALPACA) == "alpaca"


def test_role_is_checked():
    with pytest.raises(ValidationError):
        Message(role="bot", content="x")


def test_bundled_example_is_a_valid_chat_dataset():
    path = example_path()
    assert path.name == "sample-chat.jsonl"
    report = validate(path)
    assert report.ok
    assert report.format is DatasetFormat.OPENAI_CHAT
    assert 20 <= report.total_records <= 30


def test_unknown_example_is_a_data_error():
    from ftaudit.errors import DataError

    with pytest.raises(DataError):
        example_path("nope.jsonl")
