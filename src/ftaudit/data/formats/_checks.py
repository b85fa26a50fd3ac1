"""Small type checks shared by the format parsers, each raising a precise record error."""

from __future__ import annotations

from typing import Any

from ftaudit.data.conversation import Message
from ftaudit.data.issues import IssueCode, record_error
from ftaudit.errors import DataError

_JSON_TYPE_NAMES: dict[type, str] = {
    type(None): "null",
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def json_type(value: Any) -> str:
    """The JSON name of ``value``'s type (``string``, ``number``, ``array``...)."""
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def bad_type(field: str, expected: str, value: Any) -> DataError:
    """A ``bad-type`` error: ``field`` should have been ``expected``."""
    return record_error(
        IssueCode.BAD_TYPE, f"{field} must be {expected}, got {json_type(value)}", field
    )


def missing(field: str, what: str | None = None) -> DataError:
    """A ``missing-field`` error for ``field``."""
    return record_error(IssueCode.MISSING_FIELD, what or f"missing required field '{field}'", field)


def require(obj: dict[str, Any], key: str, field: str) -> Any:
    """``obj[key]``, or a ``missing-field`` error naming ``field``."""
    if key not in obj:
        raise missing(field)
    return obj[key]


def optional_str(obj: dict[str, Any], key: str, field: str) -> str | None:
    """``obj[key]`` when it is a string, None when absent or null, else ``bad-type``."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise bad_type(field, "a string", value)
    return value


def nonblank_str(value: Any, field: str, *, empty_code: IssueCode = IssueCode.EMPTY_CONTENT) -> str:
    """``value`` when it is a string with visible text; else ``bad-type`` or ``empty_code``."""
    if not isinstance(value, str):
        raise bad_type(field, "a string", value)
    if not value.strip():
        raise record_error(empty_code, f"{field} is empty", field)
    return value


def list_of_objects(value: Any, field: str) -> list[dict[str, Any]]:
    """``value`` when it is a list of JSON objects, else ``bad-type``."""
    if not isinstance(value, list):
        raise bad_type(field, "an array of objects", value)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise bad_type(f"{field}[{i}]", "an object", item)
    return value


def make_message(
    role: str,
    content: str,
    *,
    weight: float | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    tool_call_id: str | None = None,
    name: str | None = None,
) -> Message:
    """A :class:`Message` from values the parsers have already checked.

    The checks above exist for their precise errors; pydantic's own (compiled)
    validation here is cheap and keeps the model honest.
    """
    return Message(
        role=role,
        content=content,
        weight=weight,
        tool_calls=tool_calls,
        tool_call_id=tool_call_id,
        name=name,
    )


def require_assistant(messages: list[Message], field: str) -> None:
    """Raise ``no-assistant`` unless some message is an assistant turn."""
    if not any(m.role == "assistant" for m in messages):
        raise record_error(IssueCode.NO_ASSISTANT, "no assistant message to train on", field)
