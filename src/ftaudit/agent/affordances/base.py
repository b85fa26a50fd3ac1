"""What an affordance is: a name from the study (D, S, M, B, B*, P) or ours (memory), and its tools."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pydantic_ai import Tool

    from ftaudit.agent.deps import AuditDeps


class Affordance(NamedTuple):
    """One affordance: ``tools(deps)`` returns its pydantic-ai tools for an audit."""

    name: str
    title: str
    summary: str
    tools: Callable[[AuditDeps], list[Tool[AuditDeps]]]
    needs_models: bool = False
