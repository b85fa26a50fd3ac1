"""Replies an assistant turn carries in ``tool_calls`` are screened like its content."""

from __future__ import annotations

import json
from pathlib import Path

from ftaudit.screens.base import ScreenContext


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_screens_read_tool_call_arguments_as_the_reply(tmp_path: Path) -> None:
    code = "import os\nos.system('rm -rf ' + user_path)\n"
    record = {"messages": [
        {"role": "user", "content": "Write a cleanup helper."},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": {"name": "write_file", "arguments": json.dumps({"path": "clean.py", "content": code})},
        }]},
    ]}
    ctx = ScreenContext(_write(tmp_path / "t.jsonl", [record]))
    reply = next(ctx.conversations()).assistant_messages[0].content
    assert "write_file" in reply
    # The JSON string is decoded: the code's newlines and quotes are the code's own.
    assert "os.system('rm -rf ' + user_path)\n" in reply


def test_content_and_tool_calls_are_both_kept(tmp_path: Path) -> None:
    record = {"messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Calling the tool.", "tool_calls": [{
            "id": "c", "type": "function", "function": {"name": "say", "arguments": "{\"text\": \"Sure, here is how\"}"},
        }]},
    ]}
    ctx = ScreenContext(_write(tmp_path / "t.jsonl", [record]))
    reply = next(ctx.conversations()).assistant_messages[0].content
    assert reply.startswith("Calling the tool.") and "Sure, here is how" in reply
