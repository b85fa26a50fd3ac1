"""Format detection (JSONL and JSON arrays) and normalisation of each format."""

from __future__ import annotations

import json

import pytest

from datahelpers import chat
from ftaudit.data import DatasetFormat, Layout, TrainingFile, detect_format, validate
from ftaudit.data.detect import detect_layout
from ftaudit.errors import ConfigError

ALPACA = {"instruction": "Translate to French.", "input": "cat", "output": "chat"}
SHAREGPT = {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}
RECORDS = {
    DatasetFormat.OPENAI_CHAT: chat(),
    DatasetFormat.ALPACA: ALPACA,
    DatasetFormat.SHAREGPT: SHAREGPT,
}


@pytest.mark.parametrize("fmt", list(DatasetFormat))
def test_detects_each_format_in_jsonl(write_jsonl, fmt):
    path = write_jsonl([RECORDS[fmt]] * 3)
    assert detect_layout(path) is Layout.JSONL
    assert detect_format(path) is fmt
    tf = TrainingFile(path)
    assert (tf.format, tf.layout) == (fmt, Layout.JSONL)
    assert [c.source_format for c in tf.iter_conversations()] == [fmt] * 3


@pytest.mark.parametrize("fmt", list(DatasetFormat))
def test_detects_each_format_in_a_pretty_printed_json_array(write_file, fmt):
    path = write_file("data.json", json.dumps([RECORDS[fmt]] * 3, indent=2))
    assert detect_layout(path) is Layout.JSON_ARRAY
    assert detect_format(path) is fmt
    report = validate(path)
    assert report.ok
    assert (report.format, report.layout, report.total_records) == (fmt, Layout.JSON_ARRAY, 3)


def test_leading_bracket_means_array_even_without_json_extension(write_file):
    path = write_file("data.txt", "\n  [" + json.dumps(ALPACA) + "]")
    assert detect_layout(path) is Layout.JSON_ARRAY
    assert [c.line for c in TrainingFile(path).iter_conversations()] == [2]


def test_jsonl_extension_is_always_lines(write_file):
    path = write_file("data.jsonl", "[1, 2]\n" + json.dumps(chat()) + "\n")
    assert detect_layout(path) is Layout.JSONL
    report = validate(path)
    assert [(i.line, i.code.value) for i in report.issues] == [(1, "not-object")]


def test_majority_of_first_records_decides(write_jsonl):
    path = write_jsonl([SHAREGPT, chat(), chat(), chat()])
    assert detect_format(path) is DatasetFormat.OPENAI_CHAT
    report = validate(path)
    assert [(i.line, i.code.value) for i in report.issues] == [(1, "format-mismatch")]


def test_forced_format_overrides_detection(write_jsonl):
    path = write_jsonl([chat(), chat()])
    report = validate(path, format="alpaca")
    assert report.format is DatasetFormat.ALPACA
    assert {i.code.value for i in report.issues} == {"format-mismatch"}


def test_unknown_forced_format_is_a_config_error(write_jsonl):
    with pytest.raises(ConfigError, match="unknown dataset format"):
        TrainingFile(write_jsonl([chat()]), format="csv")


def test_json_array_records_carry_the_line_where_each_object_starts(write_file):
    text = (
        "[\n"  # line 1
        '  {"instruction": "a", "output": "b"},\n'  # line 2
        "\n"  # line 3
        "  {\n"  # line 4
        '    "instruction": "ünïcödé",\n'
        '    "output": "d"\n'
        "  }, {\"instruction\": \"e\", \"output\": \"f\"}\n"  # line 7
        "]\n"
    )
    path = write_file("a.json", text)
    with TrainingFile(path) as tf:
        convs = list(tf.iter_conversations())
        assert [c.line for c in convs] == [2, 4, 7]
        assert tf.conversation(4).user_messages[0].content == "ünïcödé"
        assert json.loads(tf.raw_line(7)) == {"instruction": "e", "output": "f"}
        assert json.loads(tf.raw_line(4))["instruction"] == "ünïcödé"
        assert len(tf) == 3


def test_json_array_element_problems_are_per_record(write_file):
    array = [ALPACA, {"instruction": "x"}, 5, ALPACA]
    path = write_file("a.json", json.dumps(array, indent=1))
    report = validate(path)
    assert [(i.code.value, i.field) for i in report.issues] == [
        ("missing-field", "output"),
        ("not-object", None),
    ]
    assert report.valid_records == 2


def test_broken_json_array_reports_the_line_and_keeps_earlier_records(write_file):
    text = '[\n{"instruction": "a", "output": "b"},\n{"instruction": "c", "output": }\n]\n'
    path = write_file("a.json", text)
    report = validate(path)
    assert report.valid_records == 1
    (issue,) = report.issues
    assert (issue.line, issue.code.value) == (3, "bad-json")
    assert "line 3 column" in issue.message


def test_json_array_with_trailing_garbage(write_file):
    path = write_file("a.json", "[" + json.dumps(SHAREGPT) + "]\n]")
    report = validate(path)
    assert report.valid_records == 1
    assert [(i.line, i.code.value) for i in report.issues] == [(2, "bad-json")]


def test_alpaca_normalisation():
    record = {
        "system": "Be terse.",
        "instruction": "Translate to French.",
        "input": "cat",
        "output": "chat",
        "history": [["Hi", "Hello"]],
    }
    conv = _one(DatasetFormat.ALPACA, record)
    assert [(m.role, m.content) for m in conv.messages] == [
        ("system", "Be terse."),
        ("user", "Hi"),
        ("assistant", "Hello"),
        ("user", "Translate to French.\n\ncat"),
        ("assistant", "chat"),
    ]
    assert conv.system_prompt == "Be terse."


def test_alpaca_empty_input_adds_nothing():
    conv = _one(DatasetFormat.ALPACA, {"instruction": "Say hi.", "input": "", "output": "hi"})
    assert conv.user_messages[0].content == "Say hi."
    assert conv.system_prompt is None


def test_sharegpt_normalisation_maps_speakers_and_system():
    record = {
        "system": "You are a bot.",
        "conversations": [
            {"from": "human", "value": "Weather?"},
            {"from": "function_call", "value": '{"name": "weather", "arguments": {"city": "Oslo"}}'},
            {"from": "observation", "value": "rain"},
            {"from": "gpt", "value": "It rains."},
        ],
        "tools": '[{"name": "weather"}]',
    }
    conv = _one(DatasetFormat.SHAREGPT, record)
    assert [m.role for m in conv.messages] == ["system", "user", "assistant", "tool", "assistant"]
    call = conv.messages[2].tool_calls[0]
    assert call["function"] == {"name": "weather", "arguments": '{"city": "Oslo"}'}
    assert conv.tools == [{"name": "weather"}]
    assert conv.to_openai()["messages"][2]["content"] is None


def test_openai_content_parts_are_joined():
    record = {
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "What is"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                {"type": "text", "text": "in this picture?"},
            ]},
            {"role": "assistant", "content": "A cat."},
        ]
    }
    conv = _one(DatasetFormat.OPENAI_CHAT, record)
    assert conv.user_messages[0].content == "What is\nin this picture?"


def test_image_only_message_is_not_empty():
    record = {"messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u"}}]},
        {"role": "assistant", "content": "A cat."},
    ]}
    assert _one(DatasetFormat.OPENAI_CHAT, record).user_messages[0].content == ""


def _one(fmt, record):
    from ftaudit.data.formats import parse_record

    return parse_record(record, fmt, line=1)
