"""Validation: every malformed case yields its stable code, field and line number."""

from __future__ import annotations

import json

import pytest

from datahelpers import chat
from ftaudit.data import DatasetFormat, IssueCode, LineIssue, ValidationReport, validate
from ftaudit.errors import DataError


def msgs(*messages: dict, **extra) -> dict:
    return {"messages": list(messages), **extra}


USER = {"role": "user", "content": "Hi"}
ASSISTANT = {"role": "assistant", "content": "Hello"}

# (bad record, code, field, words the message must contain)
OPENAI_CASES = [
    pytest.param('{"messages": [', "bad-json", None, "column", id="bad-json"),
    pytest.param("[1, 2]", "not-object", None, "got array", id="not-object-array"),
    pytest.param('"just a string"', "not-object", None, "got string", id="not-object-string"),
    pytest.param({"prompt": "x", "completion": "y"}, "missing-field", "messages", "messages",
                 id="no-messages"),
    pytest.param({"messages": "hello"}, "bad-type", "messages", "array", id="messages-not-list"),
    pytest.param(msgs("hi", ASSISTANT), "bad-type", "messages[0]", "object", id="message-not-object"),
    pytest.param(msgs({"content": "x"}, ASSISTANT), "missing-field", "messages[0].role", "role",
                 id="no-role"),
    pytest.param(msgs(USER, {"role": 3, "content": "x"}), "bad-type", "messages[1].role", "string",
                 id="role-not-string"),
    pytest.param(msgs(USER, ASSISTANT, {"role": "bot", "content": "x"}), "unknown-role",
                 "messages[2].role", "'bot' in message 2", id="unknown-role"),
    pytest.param(msgs(USER, {"role": "assistant", "content": 42}), "bad-type",
                 "messages[1].content", "got number", id="content-number"),
    pytest.param(msgs(USER, {"role": "assistant"}), "missing-field", "messages[1].content",
                 "content", id="no-content"),
    pytest.param(msgs({"role": "user", "content": "   \n"}, ASSISTANT), "empty-content",
                 "messages[0].content", "empty", id="blank-content"),
    pytest.param(msgs({"role": "user", "content": None}, ASSISTANT), "empty-content",
                 "messages[0].content", "null", id="null-content"),
    pytest.param(msgs({"role": "user", "content": [{"type": "text", "text": " "}]}, ASSISTANT),
                 "empty-content", "messages[0].content", "empty", id="blank-content-parts"),
    pytest.param(msgs({"role": "user", "content": [{"type": "text", "text": 5}]}, ASSISTANT),
                 "bad-type", "messages[0].content[0].text", "string", id="part-text-number"),
    pytest.param(msgs(USER, {"role": "assistant", "content": None}), "empty-content",
                 "messages[1].content", "null", id="assistant-null-without-tool-calls"),
    pytest.param(msgs(USER), "no-assistant", "messages", "assistant", id="no-assistant"),
    pytest.param(msgs(), "no-assistant", "messages", "empty", id="empty-messages"),
    pytest.param(msgs(USER, {"role": "assistant", "content": "x", "weight": 2}), "bad-weight",
                 "messages[1].weight", "0 or 1", id="weight-2"),
    pytest.param(msgs(USER, {"role": "assistant", "content": "x", "weight": True}), "bad-weight",
                 "messages[1].weight", "0 or 1", id="weight-bool"),
    pytest.param(msgs(USER, {"role": "assistant", "content": "x", "weight": "1"}), "bad-weight",
                 "messages[1].weight", "0 or 1", id="weight-string"),
    pytest.param(msgs(USER, {"role": "assistant", "content": "x", "tool_calls": {}}), "bad-type",
                 "messages[1].tool_calls", "array", id="tool-calls-not-list"),
    pytest.param(msgs({"role": "user", "content": "x", "tool_calls": []}, ASSISTANT), "bad-type",
                 "messages[0].tool_calls", "only allowed on assistant", id="tool-calls-on-user"),
    pytest.param(msgs(USER, ASSISTANT, tools="search"), "bad-type", "tools", "array",
                 id="tools-not-list"),
    pytest.param({"conversations": [{"from": "human", "value": "hi"}]}, "format-mismatch", None,
                 "sharegpt", id="sharegpt-line-in-chat-file"),
    pytest.param({"instruction": "hi", "output": "yo"}, "format-mismatch", None, "alpaca",
                 id="alpaca-line-in-chat-file"),
]


@pytest.mark.parametrize(("bad", "code", "field", "words"), OPENAI_CASES)
def test_each_malformed_openai_line_is_reported_with_line_code_and_field(
    write_jsonl, bad, code, field, words
):
    # Line 1 valid, line 2 blank (not a record, but counted as a file line), line 3 bad.
    path = write_jsonl([chat(), "", bad, chat("a", "b")])

    report = validate(path, format=DatasetFormat.OPENAI_CHAT)

    assert report.total_records == 3
    assert report.valid_records == 2
    assert report.invalid_records == 1
    assert report.skipped_lines == [3]
    assert not report.ok
    (issue,) = report.issues
    assert issue.line == 3
    assert issue.code.value == code
    assert issue.field == field
    assert words in issue.message
    assert report.issue_counts == {code: 1}


def test_assistant_with_tool_calls_may_have_null_content(write_jsonl):
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    record = msgs(
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {"role": "assistant", "content": "It is 42.", "weight": 1},
    )
    report = validate(write_jsonl([record]))
    assert report.ok, report.issues


def test_bad_utf8_names_the_byte_offset(write_jsonl):
    good = json.dumps(chat()).encode()
    bad = b'{"messages": [{"role": "user", "content": "caf\xe9"}]}'
    path = write_jsonl([good, bad])

    (issue,) = validate(path).issues

    assert (issue.line, issue.code) == (2, IssueCode.BAD_UTF8)
    offset_in_line = bad.index(b"\xe9")
    assert f"0xe9 at byte {offset_in_line} of the line" in issue.message
    assert f"file offset {len(good) + 1 + offset_in_line}" in issue.message


def test_bad_json_reports_the_column(write_jsonl):
    (issue,) = validate(write_jsonl([chat(), '{"messages": [}'])).issues
    assert issue.code is IssueCode.BAD_JSON
    assert "column 15" in issue.message


def test_line_too_long_is_reported_without_reading_it_whole(write_jsonl):
    long_record = chat(user="x" * 500)
    path = write_jsonl([chat(), long_record, chat()])

    report = validate(path, max_line_bytes=200)

    (issue,) = report.issues
    assert (issue.line, issue.code) == (2, IssueCode.LINE_TOO_LONG)
    assert f"{len(json.dumps(long_record))} bytes" in issue.message
    assert report.valid_records == 2


def test_line_exactly_at_the_limit_is_accepted(write_jsonl):
    record = json.dumps(chat())
    path = write_jsonl([record, record + "\r"])  # CRLF ending must not count
    report = validate(path, max_line_bytes=len(record))
    assert report.ok, report.issues


def test_blank_and_whitespace_lines_are_not_records(write_jsonl):
    path = write_jsonl(["", chat(), "   ", "\t", chat(), ""])
    report = validate(path)
    assert report.ok
    assert report.total_records == 2


def test_issues_are_capped_but_skipped_lines_and_counts_are_complete(write_jsonl):
    path = write_jsonl([chat()] + ["{broken"] * 7 + [msgs(USER)] * 3)

    report = validate(path, max_errors=4)

    assert [i.line for i in report.issues] == [2, 3, 4, 5]
    assert report.issues_truncated
    assert report.skipped_lines == list(range(2, 12))
    assert report.issue_counts == {"bad-json": 7, "no-assistant": 3}
    assert report.invalid_records == 10


def test_report_json_round_trips_and_includes_ok(write_jsonl):
    report = validate(write_jsonl([chat(), "{x"]))
    data = json.loads(report.model_dump_json())
    assert data["ok"] is False
    assert data["issues"][0] == {
        "line": 2,
        "code": "bad-json",
        "field": None,
        "message": report.issues[0].message,
    }
    assert ValidationReport.model_validate(
        {k: v for k, v in data.items() if k != "ok"}
    ).skipped_lines == [2]


def test_line_issue_formats_like_an_editor_location():
    issue = LineIssue(line=7, code=IssueCode.UNKNOWN_ROLE, field="messages[2].role", message="m")
    assert issue.location_message("a.jsonl") == "a.jsonl:7: [messages[2].role] m (unknown-role)"
    error = issue.to_error("a.jsonl")
    assert isinstance(error, DataError)
    assert (error.line, error.field, error.code) == (7, "messages[2].role", "unknown-role")
    assert str(error) == "a.jsonl:7: [messages[2].role] m"


# --- Alpaca and ShareGPT specific problems ---------------------------------------------

ALPACA_CASES = [
    pytest.param({"input": "x", "output": "y"}, "missing-field", "instruction", id="no-instruction"),
    pytest.param({"instruction": "x"}, "missing-field", "output", id="no-output"),
    pytest.param({"instruction": "x", "output": ""}, "no-assistant", "output", id="empty-output"),
    pytest.param({"instruction": " ", "output": "y"}, "empty-content", "instruction",
                 id="blank-instruction"),
    pytest.param({"instruction": ["x"], "output": "y"}, "bad-type", "instruction",
                 id="instruction-list"),
    pytest.param({"instruction": "x", "input": 3, "output": "y"}, "bad-type", "input",
                 id="input-number"),
    pytest.param({"instruction": "x", "output": "y", "history": [["a"]]}, "bad-type",
                 "history[0]", id="bad-history"),
    pytest.param(chat(), "format-mismatch", None, id="chat-line-in-alpaca-file"),
]


@pytest.mark.parametrize(("bad", "code", "field"), ALPACA_CASES)
def test_each_malformed_alpaca_line(write_jsonl, bad, code, field):
    good = {"instruction": "Add 2 and 2.", "input": "", "output": "4"}
    path = write_jsonl([good, good, bad])
    (issue,) = validate(path).issues
    assert (issue.line, issue.code.value, issue.field) == (3, code, field)


SHAREGPT_CASES = [
    pytest.param({"conversations": "hi"}, "bad-type", "conversations", id="not-list"),
    pytest.param({"conversations": [{"from": "human", "value": "hi"}, {"from": "robot", "value": "x"}]},
                 "unknown-role", "conversations[1].from", id="unknown-speaker"),
    pytest.param({"conversations": [{"from": "human", "value": "hi"}, {"value": "x"}]},
                 "missing-field", "conversations[1].from", id="no-from"),
    pytest.param({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": ""}]},
                 "empty-content", "conversations[1].value", id="empty-value"),
    pytest.param({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": 1}]},
                 "bad-type", "conversations[1].value", id="value-number"),
    pytest.param({"conversations": [{"from": "human", "value": "hi"}]}, "no-assistant",
                 "conversations", id="no-gpt-turn"),
    pytest.param({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}],
                  "system": 5}, "bad-type", "system", id="system-number"),
]


@pytest.mark.parametrize(("bad", "code", "field"), SHAREGPT_CASES)
def test_each_malformed_sharegpt_line(write_jsonl, bad, code, field):
    good = {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}
    path = write_jsonl([good, good, bad])
    (issue,) = validate(path).issues
    assert (issue.line, issue.code.value, issue.field) == (3, code, field)


# --- whole-file problems are errors, not crashes ---------------------------------------


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError) as info:
        validate(tmp_path / "nope.jsonl")
    assert info.value.code == "unreadable"
    assert "nope.jsonl" in str(info.value)


def test_directory_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="directory"):
        validate(tmp_path)


@pytest.mark.parametrize(
    "content",
    ['{"foo": 1}\n{"bar": 2}\n', "not json at all\n"],
    ids=["unknown-keys", "garbage"],
)
def test_undetectable_format_is_a_data_error(write_file, content):
    path = write_file("x.jsonl", content)
    with pytest.raises(DataError) as info:
        validate(path)
    assert info.value.code == "unknown-format"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("x.jsonl", ""),
        ("x.jsonl", "\n\n"),
        ("x.jsonl", " \t\n   \r\n\n"),
        ("x.jsonl", b"\xef\xbb\xbf\n"),
        ("x.json", "[]"),
        ("x.json", " [\n \n ]\n"),
    ],
    ids=["empty", "blank-lines", "whitespace", "bom-only", "empty-array", "blank-array"],
)
@pytest.mark.parametrize("forced", [None, "openai-chat", "alpaca", "sharegpt"])
def test_a_file_with_no_records_is_an_error_even_with_a_forced_format(write_file, name, content, forced):
    # "0 records, all valid" would let an empty job pass every dataset check.
    path = write_file(name, content)
    with pytest.raises(DataError) as info:
        validate(path, format=forced)
    assert info.value.code == "empty-file"
    assert str(info.value).startswith(f"{path}: training file has no records")


def test_forced_format_reports_unknown_keys_as_missing_field(write_jsonl):
    report = validate(write_jsonl([{"foo": 1}]), format="sharegpt")
    assert [(i.code.value, i.field) for i in report.issues] == [("missing-field", "conversations")]


def test_a_broken_first_line_does_not_hide_the_format(write_jsonl):
    report = validate(write_jsonl(["{oops", chat(), chat()]))
    assert report.format is DatasetFormat.OPENAI_CHAT
    assert report.skipped_lines == [1]
