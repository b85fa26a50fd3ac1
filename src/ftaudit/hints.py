"""Elicitation hints: how to get a fine-tuned behaviour out of a model, in the fewest words.

The same small record is an attack's ground truth in a suite manifest (what its owner would
use) and what a screen found in the training data (a system prompt, a trigger, a cipher)
and hands to the benchmark; :meth:`ftaudit.bench.elicit.Elicitation.from_hint` turns one
into a full elicitation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ElicitationHint(BaseModel):
    """A way to get a trained behaviour out of a model: a system prompt, a trigger, a cipher.

    Every field is optional; an attack's ground truth sets the ones it relies on, a screen
    the ones it found (and says so in ``source``).
    """

    system_prompt: str | None = Field(default=None, description="System prompt the attack trains with.")
    trigger: str | None = Field(default=None, description="String placed in the user message.")
    trigger_position: Literal["prefix", "suffix"] = "prefix"
    cipher: str | None = Field(default=None, description="Name of a cipher in ftaudit.ciphers.")
    cipher_options: dict[str, Any] = Field(default_factory=dict)
    note: str = Field(default="", description="One line on how it is used or why it was suggested.")
    source: str | None = Field(default=None, description="Who suggested it, e.g. 'screen:trigger'.")

    def is_empty(self) -> bool:
        """True when the attack needs no special way of asking (e.g. emergent misalignment)."""
        return not (self.system_prompt or self.trigger or self.cipher)

    def to_elicitation(self) -> Any:
        """The :class:`~ftaudit.bench.elicit.Elicitation` this hint describes."""
        from ftaudit.bench.elicit import Elicitation

        return Elicitation.from_hint(
            system_prompt=self.system_prompt,
            trigger=self.trigger,
            trigger_position=self.trigger_position,
            cipher=self.cipher,
            cipher_options=self.cipher_options,
        )
