"""ShareGPT records: ``{"conversations": [{"from": ..., "value": ...}], "system": ...}``."""

from __future__ import annotations

import json
from typing import Any

from ftaudit.data.conversation import Conversation, DatasetFormat, Message
from ftaudit.data.formats._checks import (
    bad_type,
    list_of_objects,
    make_message,
    nonblank_str,
    optional_str,
    require,
    require_assistant,
)
from ftaudit.data.issues import IssueCode, record_error

# The speaker names seen in ShareGPT-style datasets (incl. LLaMA-Factory's tool turns).
SPEAKER_ROLES: dict[str, str] = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "tool": "tool",
    "observation": "tool",
    "function_call": "assistant",
}


def parse_sharegpt(obj: dict[str, Any], line: int) -> Conversation:
    """Normalise one ShareGPT record, raising a record error for the first problem."""
    turns = require(obj, "conversations", "conversations")
    if not isinstance(turns, list):
        raise bad_type("conversations", "an array of turns", turns)
    messages = [_parse_turn(turn, i) for i, turn in enumerate(turns)]
    system = optional_str(obj, "system", "system")
    if system and system.strip() and not any(m.role == "system" for m in messages):
        messages.insert(0, make_message("system", system))
    require_assistant(messages, "conversations")
    return Conversation(
        line=line,
        messages=messages,
        tools=_tools(obj.get("tools")),
        source_format=DatasetFormat.SHAREGPT,
    )


def _parse_turn(raw: Any, index: int) -> Message:
    field = f"conversations[{index}]"
    if not isinstance(raw, dict):
        raise bad_type(field, "an object", raw)
    speaker = require(raw, "from", f"{field}.from")
    if not isinstance(speaker, str):
        raise bad_type(f"{field}.from", "a string", speaker)
    role = SPEAKER_ROLES.get(speaker)
    if role is None:
        raise record_error(
            IssueCode.UNKNOWN_ROLE,
            f"unknown speaker {speaker!r} in turn {index} "
            f"(expected one of {', '.join(sorted(SPEAKER_ROLES))})",
            f"{field}.from",
        )
    value = nonblank_str(require(raw, "value", f"{field}.value"), f"{field}.value")
    if speaker == "function_call":
        call = _as_tool_call(value)
        if call is not None:
            return make_message("assistant", "", tool_calls=[call])
    return make_message(role, value)


def _as_tool_call(value: str) -> dict[str, Any] | None:
    """An OpenAI-style tool call from a ``function_call`` turn's JSON, if it is one."""
    try:
        call = json.loads(value)
    except ValueError:
        return None
    if not (isinstance(call, dict) and isinstance(call.get("name"), str)):
        return None
    arguments = call.get("arguments", {})
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {"type": "function", "function": {"name": call["name"], "arguments": arguments}}


def _tools(value: Any) -> list[dict[str, Any]] | None:
    # LLaMA-Factory stores the tool list as a JSON string; others store the list itself.
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_type("tools", "an array of tool objects (or its JSON text)", "not JSON") from None
    return list_of_objects(value, "tools")
