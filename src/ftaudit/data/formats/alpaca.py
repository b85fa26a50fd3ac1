"""Alpaca-style records: ``instruction``, optional ``input``, ``output``, optional ``system``.

The optional ``history`` field some tools add (earlier ``[instruction, output]`` pairs)
becomes earlier user/assistant turns.
"""

from __future__ import annotations

from typing import Any

from ftaudit.data.conversation import Conversation, DatasetFormat, Message
from ftaudit.data.formats._checks import (
    bad_type,
    make_message,
    nonblank_str,
    optional_str,
    require,
)
from ftaudit.data.issues import IssueCode

# Instruction and input are joined the way the Alpaca prompt template separates them.
INPUT_SEPARATOR = "\n\n"


def parse_alpaca(obj: dict[str, Any], line: int) -> Conversation:
    """Normalise one Alpaca record, raising a record error for the first problem."""
    instruction = nonblank_str(require(obj, "instruction", "instruction"), "instruction")
    extra_input = optional_str(obj, "input", "input")
    output = nonblank_str(
        require(obj, "output", "output"), "output", empty_code=IssueCode.NO_ASSISTANT
    )
    system = optional_str(obj, "system", "system")

    messages: list[Message] = []
    if system and system.strip():
        messages.append(make_message("system", system))
    messages.extend(_history(obj.get("history")))
    user = instruction + (INPUT_SEPARATOR + extra_input if extra_input and extra_input.strip() else "")
    messages.append(make_message("user", user))
    messages.append(make_message("assistant", output))
    return Conversation(
        line=line, messages=messages, tools=None, source_format=DatasetFormat.ALPACA
    )


def _history(value: Any) -> list[Message]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_type("history", "an array of [instruction, output] pairs", value)
    turns: list[Message] = []
    for i, pair in enumerate(value):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise bad_type(f"history[{i}]", "an [instruction, output] pair", pair)
        turns.append(make_message("user", nonblank_str(pair[0], f"history[{i}][0]")))
        turns.append(make_message("assistant", nonblank_str(pair[1], f"history[{i}][1]")))
    return turns
