"""The auditor's own models: resolving the auditor reference, the summariser, pricing responses.

The auditor runs through pydantic-ai (tool calling, structured output); the models under audit
go through ftaudit's model layer (cache, metering). A remote auditor (``openai:…``,
``anthropic:…``, ``NAME@URL``) uses the provider's native tool calling; a ``local:`` auditor
(``local:qwen2.5-coder-1.5b``) runs in this process on the CPU through
:class:`~ftaudit.agent.local_auditor.LocalAuditorModel`, which prompts for JSON tool calls and
parses them leniently. The summariser may be either: a reference
string becomes an ftaudit :class:`~ftaudit.models.ChatModel` (cached and metered like the
targets), an injected pydantic-ai ``Model`` (tests) is called directly and priced here.
"""

from __future__ import annotations

import warnings
from typing import Any

from pydantic_ai.direct import model_request
from pydantic_ai.messages import ModelRequest, ModelResponse, SystemPromptPart, TextPart, UserPromptPart
from pydantic_ai.models import Model

from ftaudit.errors import ConfigError
from ftaudit.models import ChatModel, SamplingParams, Usage, get_model, parse_model_ref

SUMMARY_MAX_TOKENS = 1500


def resolve_auditor(ref: str, injected: Any = None) -> Model:
    """The pydantic-ai model of the auditor: the injected one, or one built from ``ref``.

    ``local:NAME`` (an embedded model such as ``qwen2.5-coder-1.5b``, or a transformers
    folder) gives the fully local auditor; its weights are fetched and loaded on its first
    request. Must be called inside the event loop the audit runs in (the SDK client belongs to it).
    """
    if injected is not None:
        if not isinstance(injected, Model):
            raise ConfigError(f"auditor_model must be a pydantic-ai Model, not {type(injected).__name__}")
        return injected
    parsed = parse_model_ref(ref)
    if parsed.is_local:
        from ftaudit.agent.local_auditor import LocalAuditorModel

        return LocalAuditorModel.from_ref(parsed)
    from ftaudit.models.remote import RemoteChatModel

    # The model layer knows where each provider's key lives and how to reach compatible servers.
    return RemoteChatModel(parsed)._build()


def response_usage(response: ModelResponse) -> Usage:
    """Tokens and priced cost of one pydantic-ai response (cost unknown: counted as 0, flagged)."""
    cost, known = 0.0, True
    if response.usage.cost is not None:
        cost = float(response.usage.cost)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cost = float(response.cost().total_price)
        except Exception:  # an unpriced model (a test double, a local server): cost unknown
            known = False
    return Usage(
        requests=1,
        input_tokens=response.usage.input_tokens or 0,
        output_tokens=response.usage.output_tokens or 0,
        cost_usd=cost,
        cost_known=known,
    )


class Summariser:
    """A text-in, text-out model for the S affordance."""

    def __init__(self, target: ChatModel | Model, name: str) -> None:
        self.target = target
        self.name = name
        self.direct_usage = Usage()  # calls that bypass the model layer's meters

    @classmethod
    def from_config(cls, summariser: str | None, summariser_model: Any, auditor: str, auditor_model: Any) -> Summariser:
        if summariser_model is not None:
            return cls(summariser_model, str(getattr(summariser_model, "model_name", None) or getattr(summariser_model, "name", "summariser")))
        if summariser is not None:
            model = get_model(summariser)
            return cls(model, model.name)
        if auditor_model is not None:
            return cls(auditor_model, str(getattr(auditor_model, "model_name", "auditor")))
        model = get_model(auditor)
        return cls(model, model.name)

    async def resolve_identity(self) -> str | None:
        """What identifies this summariser's output in the summary cache, as the model stands now.

        None when the model behind the name cannot be identified (an ``ALIAS@URL`` server that
        advertises no weights fingerprint): its summaries are then neither read from nor written
        to the cache, as with the response cache.
        """
        if isinstance(self.target, ChatModel):
            return await self.target.resolve_cache_identity()
        return f"pydantic-ai:{self.name}"

    async def complete(self, system: str, prompt: str, max_tokens: int = SUMMARY_MAX_TOKENS) -> str:
        if isinstance(self.target, ChatModel):
            completion = await self.target.chat(
                [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
                SamplingParams(max_tokens=max_tokens),
            )
            return completion.text
        response = await model_request(
            self.target,
            [ModelRequest(parts=[SystemPromptPart(content=system), UserPromptPart(content=prompt)])],
            model_settings={"max_tokens": max_tokens, "temperature": 0.0},
        )
        self.direct_usage = self.direct_usage + response_usage(response)
        return "".join(p.content for p in response.parts if isinstance(p, TextPart))
