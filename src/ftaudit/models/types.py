"""The values that cross the model layer: chat messages, sampling parameters, completions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["system", "user", "assistant"]


class ChatMessage(BaseModel):
    """One turn of a chat sent to a model under audit."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class SamplingParams(BaseModel):
    """How to sample a reply. Defaults are greedy so audits are reproducible.

    ``sample`` distinguishes repeated samples of the same prompt at a temperature above
    zero: it is part of the cache key (and seeds local generation), so asking for samples
    0..n-1 gives n different cached replies instead of one reply n times.
    """

    model_config = ConfigDict(frozen=True)

    max_tokens: int = Field(default=256, ge=1, le=32_768)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: tuple[str, ...] = ()
    seed: int | None = None
    sample: int = Field(default=0, ge=0)

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_tuple(cls, value: Any) -> Any:
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            return tuple(value)
        return value


class Usage(BaseModel):
    """Tokens and money spent; adds up with ``+``."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = Field(
        default=True,
        description="False when a provider's price for some call was unknown, so cost_usd is a lower bound.",
    )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            requests=self.requests + other.requests,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            cost_known=self.cost_known and other.cost_known,
        )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Completion(BaseModel):
    """A model's reply with what it cost.

    ``text`` is what the model generated; when a prefill was given it is the continuation
    only, and ``full_text`` joins the two. ``cached`` is true when the reply came from the
    response cache (its usage is then what the original call spent, but ``cost_usd`` of a
    cached reply is not spent again: see :class:`~ftaudit.models.usage.UsageMeter`).
    """

    model: str
    text: str
    prefill: str | None = None
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    cached: bool = False
    latency_s: float = 0.0

    @property
    def full_text(self) -> str:
        return (self.prefill or "") + self.text


def as_messages(messages: Any) -> list[ChatMessage]:
    """Accept a string, ChatMessages or ``{"role", "content"}`` dicts; return ChatMessages."""
    if isinstance(messages, str):
        return [ChatMessage(role="user", content=messages)]
    out: list[ChatMessage] = []
    for item in messages:
        out.append(item if isinstance(item, ChatMessage) else ChatMessage.model_validate(item))
    return out
