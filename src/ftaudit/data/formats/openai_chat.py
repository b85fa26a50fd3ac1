"""OpenAI chat fine-tuning records: ``{"messages": [...], "tools": [...]}``."""

from __future__ import annotations

from typing import Any

from ftaudit.data.conversation import ROLES, Conversation, DatasetFormat, Message
from ftaudit.data.formats._checks import (
    bad_type,
    list_of_objects,
    make_message,
    missing,
    optional_str,
    require,
    require_assistant,
)
from ftaudit.data.issues import IssueCode, record_error

# OpenAI accepts only these per-message weights: 0 (do not train on it) or 1.
_ALLOWED_WEIGHTS = (0, 1)


def parse_openai_chat(obj: dict[str, Any], line: int) -> Conversation:
    """Normalise one OpenAI chat record, raising a record error for the first problem."""
    raw_messages = require(obj, "messages", "messages")
    if not isinstance(raw_messages, list):
        raise bad_type("messages", "an array of messages", raw_messages)
    if not raw_messages:
        raise record_error(IssueCode.NO_ASSISTANT, "messages is empty", "messages")
    messages = [_parse_message(raw, i) for i, raw in enumerate(raw_messages)]
    require_assistant(messages, "messages")
    tools = obj.get("tools")
    if tools is not None:
        tools = list_of_objects(tools, "tools")
    return Conversation(
        line=line, messages=messages, tools=tools, source_format=DatasetFormat.OPENAI_CHAT
    )


def _parse_message(raw: Any, index: int) -> Message:
    field = f"messages[{index}]"
    if not isinstance(raw, dict):
        raise bad_type(field, "an object", raw)
    role = require(raw, "role", f"{field}.role")
    if not isinstance(role, str):
        raise bad_type(f"{field}.role", "a string", role)
    if role not in ROLES:
        raise record_error(
            IssueCode.UNKNOWN_ROLE,
            f"unknown role {role!r} in message {index} (expected one of {', '.join(sorted(ROLES))})",
            f"{field}.role",
        )
    tool_calls = raw.get("tool_calls")
    if tool_calls is not None:
        if role != "assistant":
            raise record_error(
                IssueCode.BAD_TYPE,
                f"tool_calls is only allowed on assistant messages, not {role}",
                f"{field}.tool_calls",
            )
        tool_calls = list_of_objects(tool_calls, f"{field}.tool_calls")
    content = _content(raw, field, may_be_empty=role == "assistant" and bool(tool_calls))
    return make_message(
        role,
        content,
        weight=_weight(raw, field),
        tool_calls=tool_calls,
        tool_call_id=optional_str(raw, "tool_call_id", f"{field}.tool_call_id"),
        name=optional_str(raw, "name", f"{field}.name"),
    )


def _content(raw: dict[str, Any], field: str, *, may_be_empty: bool) -> str:
    """The message text: a string, or the text parts of a content-part list joined."""
    cfield = f"{field}.content"
    if "content" not in raw and not may_be_empty:
        raise missing(cfield)
    value = raw.get("content")
    has_other_parts = False
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif isinstance(value, list):
        texts: list[str] = []
        for i, part in enumerate(value):
            pfield = f"{cfield}[{i}]"
            if not isinstance(part, dict):
                raise bad_type(pfield, "a content part object", part)
            kind = part.get("type")
            if not isinstance(kind, str):
                raise bad_type(f"{pfield}.type", "a string", kind)
            if kind == "text":
                part_text = part.get("text")
                if not isinstance(part_text, str):
                    raise bad_type(f"{pfield}.text", "a string", part_text)
                texts.append(part_text)
            else:
                # Images and audio carry no text, but they are real content.
                has_other_parts = True
        text = "\n".join(texts)
    else:
        raise bad_type(cfield, "a string or an array of content parts", value)
    if not may_be_empty and not has_other_parts and not text.strip():
        what = "null" if value is None else "empty"
        raise record_error(IssueCode.EMPTY_CONTENT, f"content is {what}", cfield)
    return text


def _weight(raw: dict[str, Any], field: str) -> float | None:
    if "weight" not in raw:
        return None
    weight = raw["weight"]
    # bool is an int subclass in Python, but JSON true is not a weight.
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight not in _ALLOWED_WEIGHTS:
        raise record_error(
            IssueCode.BAD_WEIGHT, f"weight must be 0 or 1, got {weight!r}", f"{field}.weight"
        )
    return weight
