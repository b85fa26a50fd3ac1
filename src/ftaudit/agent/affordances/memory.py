"""memory — the auditor's notes: hypotheses, confirmed evidence, things to do, shown back every turn.

The study's auditors lost the thread of long audits; notes kept outside the conversation keep
it. They are shown to the auditor before each of its turns (as a data block: a note may quote
training data), and they go into the report when an audit ends without a verdict.
"""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext, Tool

from ftaudit.agent.affordances.base import Affordance
from ftaudit.agent.deps import AuditDeps, Note, audit_tool
from ftaudit.agent.datablock import DataBlocks
from ftaudit.errors import ConfigError

MAX_NOTES = 100
MAX_NOTE_CHARS = 1000


@audit_tool("memory")
async def write_note(
    ctx: RunContext[AuditDeps],
    text: str | None = None,
    kind: Literal["hypothesis", "evidence", "todo", "other"] = "hypothesis",
    status: Literal["open", "confirmed", "rejected", "done"] | None = None,
    note_id: int | None = None,
) -> str:
    """Add a note to your audit notes, or update one. Your notes are shown to you at every turn, so
    record hypotheses, evidence you confirmed (with line numbers or replies) and what is left to check.

    Args:
        text: The note (to update a note, the new text; omit to keep it).
        kind: hypothesis, evidence, todo or other.
        status: open, confirmed, rejected or done (e.g. mark a hypothesis confirmed or rejected).
        note_id: The number of a note to update; omit to add a new note.
    """
    notes = ctx.deps.notes
    if note_id is None:
        if not text:
            raise ConfigError("a new note needs text")
        if len(notes) >= MAX_NOTES:
            raise ConfigError(f"at most {MAX_NOTES} notes: update or reuse old ones")
        note = Note(id=len(notes) + 1, kind=kind, status=status or "open", text=text[:MAX_NOTE_CHARS])
        notes.append(note)
        return f"Saved note #{note.id} ({note.kind}, {note.status})."
    match = next((n for n in notes if n.id == note_id), None)
    if match is None:
        raise ConfigError(f"no note #{note_id}; notes are #1–#{len(notes)}" if notes else "there are no notes yet")
    if text:
        match.text = text[:MAX_NOTE_CHARS]
    match.kind = kind if text else match.kind
    if status:
        match.status = status
    return f"Updated note #{match.id} ({match.kind}, {match.status})."


def render_notes(notes: list[Note], blocks: DataBlocks) -> str:
    """The notes as the auditor sees them before each turn."""
    if not notes:
        return "Your audit notes: none yet (use write_note to keep hypotheses and evidence)."
    body = "\n".join(f"#{n.id} [{n.kind}, {n.status}] {n.text}" for n in notes)
    return "Your audit notes so far (written by you; they may quote data):\n" + blocks.wrap(body, "your notes", limit=20_000)


def tools(deps: AuditDeps) -> list[Tool[AuditDeps]]:
    return [write_note]


AFFORDANCE = Affordance(
    name="memory",
    title="notes",
    summary="notes of hypotheses and evidence, shown back to you every turn",
    tools=tools,
)
