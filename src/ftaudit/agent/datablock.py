"""Data blocks: how untrusted text (training lines, model replies, summaries of them) reaches the auditor.

Every piece of text the auditor did not write itself and ftaudit did not compute is shown
between delimiters that carry a per-audit nonce::

    <<<DATA 3f9a0c1d2e4b5a69 line 12>>>
    ...the text, as it is...
    <<<END DATA 3f9a0c1d2e4b5a69>>>

The nonce is random (64 bits) and new for every audit, so a training line cannot close the
block early and pass its words off as the tool's or the system's: only a delimiter with the
nonce ends a block, and the nonce is removed from the text inside. The system prompt tells
the auditor that nothing inside a block is an instruction to it. A long text is cut, and the
cut is said after the block in ftaudit's own voice, never inside it.
"""

from __future__ import annotations

import re
import secrets

NONCE_BYTES = 8
_LABEL_UNSAFE = re.compile(r"[^\w .,:;()/#+*=@|'-]")


class DataBlocks:
    """Wraps untrusted text in nonce-delimited blocks for one audit."""

    def __init__(self, nonce: str | None = None, *, limit: int = 4000) -> None:
        self.nonce = nonce or secrets.token_hex(NONCE_BYTES)
        self.limit = limit

    @property
    def open_prefix(self) -> str:
        return f"<<<DATA {self.nonce}"

    @property
    def close(self) -> str:
        return f"<<<END DATA {self.nonce}>>>"

    def describe(self) -> str:
        """The delimiters, for the system prompt."""
        return f"`{self.open_prefix} LABEL>>>` … `{self.close}`"

    def clean(self, text: str) -> str:
        """``text`` without the nonce (it could otherwise forge a delimiter)."""
        return text.replace(self.nonce, "[nonce removed]")

    def wrap(self, text: str | None, label: str, *, limit: int | None = None) -> str:
        """``text`` in a block labelled ``label`` (ftaudit's words), cut past ``limit`` characters."""
        limit = self.limit if limit is None else limit
        body = self.clean(text or "")
        note = ""
        if len(body) > limit:
            note = f"\n[ftaudit: block truncated, showing the first {limit} of {len(body)} characters]"
            body = body[:limit]
        safe_label = _LABEL_UNSAFE.sub("?", self.clean(label))[:120]
        return f"{self.open_prefix} {safe_label}>>>\n{body}\n{self.close}{note}"


def truncate_result(text: str, limit: int, blocks: DataBlocks) -> str:
    """A whole tool result cut to ``limit`` characters, with a marker in ftaudit's voice.

    A block the cut leaves open is closed first, so the marker cannot be read as data and
    data after the cut point cannot be read as ftaudit's.
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    opened = head.count(blocks.open_prefix + " ")
    closed = head.count(blocks.close)
    # A cut inside a delimiter leaves a fragment of it; drop the partial line.
    if opened > closed:
        head += "\n" + blocks.close
    return head + f"\n[ftaudit: result truncated, {len(text) - limit} more characters not shown; ask for less]"
