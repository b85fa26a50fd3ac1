"""The normalised form of one training example, whatever format it was read from.

Every reader turns its records into :class:`Conversation` objects made of
:class:`Message` objects, so the rest of ftaudit (statistics, the auditing agent)
deals with one shape only.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]
ROLES: frozenset[str] = frozenset(("system", "user", "assistant", "tool"))


class DatasetFormat(str, Enum):
    """The training-file formats ftaudit reads."""

    OPENAI_CHAT = "openai-chat"
    ALPACA = "alpaca"
    SHAREGPT = "sharegpt"

    def __str__(self) -> str:  # so f-strings and CLI output show "openai-chat"
        return self.value


class Message(BaseModel):
    """One chat message; ``content`` is plain text (text parts already joined)."""

    role: Role
    content: str
    weight: float | None = Field(
        default=None, description="OpenAI per-message training weight: 0 or 1, or absent."
    )
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    name: str | None = None

    @property
    def output_text(self) -> str:
        """The content followed by what each tool call says (its name and the text of its arguments).

        An assistant turn can carry its whole reply inside ``tool_calls`` (``content`` empty):
        what the model is trained to emit there is as much its output as the content, so
        everything that reads replies reads this. Arguments are JSON strings; they are decoded
        so that escaped newlines and quotes in code come out as the code itself.
        """
        if not self.tool_calls:
            return self.content
        parts = [self.content] if self.content else []
        for call in self.tool_calls:
            parts.append(_tool_call_text(call))
        return "\n".join(p for p in parts if p)

    def to_openai(self) -> dict[str, Any]:
        """This message as an OpenAI chat message dict, omitting unset optional keys."""
        out: dict[str, Any] = {"role": self.role}
        # An assistant turn that only calls tools has no text; OpenAI writes that as null.
        out["content"] = None if (self.tool_calls and not self.content) else self.content
        if self.weight is not None:
            out["weight"] = int(self.weight) if float(self.weight).is_integer() else self.weight
        if self.tool_calls is not None:
            out["tool_calls"] = self.tool_calls
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            out["name"] = self.name
        return out


def _tool_call_text(call: dict[str, Any]) -> str:
    """A tool call as text: the function's name, then every string in its arguments, decoded."""
    function = call.get("function") if isinstance(call.get("function"), dict) else call
    name = function.get("name") if isinstance(function, dict) else None
    arguments = function.get("arguments") if isinstance(function, dict) else None
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            pass  # not JSON: the raw string is the text
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif value is not None:
            strings.append(str(value))

    walk(arguments)
    head = f"[tool call {name}]" if isinstance(name, str) and name else "[tool call]"
    return "\n".join([head, *strings])


class Conversation(BaseModel):
    """One training example: its messages, the tools it declares and where it came from."""

    line: int = Field(description="1-based line number of the record in the original file.")
    messages: list[Message]
    tools: list[dict[str, Any]] | None = None
    source_format: DatasetFormat

    @property
    def system_prompt(self) -> str | None:
        """The content of the first system message, or None when there is none."""
        for message in self.messages:
            if message.role == "system":
                return message.content
        return None

    @property
    def user_messages(self) -> list[Message]:
        """The user messages, in order."""
        return [m for m in self.messages if m.role == "user"]

    @property
    def assistant_messages(self) -> list[Message]:
        """The assistant messages, in order."""
        return [m for m in self.messages if m.role == "assistant"]

    @property
    def text(self) -> str:
        """Every message's content joined by newlines, for searching."""
        return "\n".join(m.content for m in self.messages)

    def to_openai(self) -> dict[str, Any]:
        """This example as an OpenAI chat fine-tuning record (``messages`` and ``tools``)."""
        out: dict[str, Any] = {"messages": [m.to_openai() for m in self.messages]}
        if self.tools is not None:
            out["tools"] = self.tools
        return out
