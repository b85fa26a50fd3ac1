"""Record builders shared by the data-layer tests (imported by name: tests are not a package)."""

from __future__ import annotations

import json

Line = dict | list | str | bytes


def chat(user: str = "Hi", assistant: str = "Hello!", system: str | None = None) -> dict:
    """A valid OpenAI chat record."""
    messages = [{"role": "system", "content": system}] if system is not None else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return {"messages": messages}


def encode_line(item: Line) -> bytes:
    """Dicts and lists as compact JSON, str as UTF-8 text, bytes as they are."""
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode("utf-8")
    return json.dumps(item, ensure_ascii=False).encode("utf-8")
