"""The auditor's own models: resolving the auditor reference, the summariser, pricing responses.

The auditor runs through pydantic-ai (tool calling, structured output), wrapped in
:class:`MeteredModel` so that its calls land in the same usage meters as everything else; the
models under audit and the summariser go through ftaudit's model layer (cache, metering). A remote auditor (``openai:…``,
``anthropic:…``, ``NAME@URL``) uses the provider's native tool calling; a ``local:`` auditor
(``local:qwen2.5-coder-1.5b``) runs in this process on the CPU through
:class:`~ftaudit.agent.local_auditor.LocalAuditorModel`, which prompts for JSON tool calls and
parses them. The summariser is always a :class:`~ftaudit.models.ChatModel`: a reference string
through the model layer, an injected pydantic-ai ``Model`` (tests) through
:class:`PydanticAIChatModel`.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai import exceptions as pai_exc
from pydantic_ai.direct import model_request
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings

from ftaudit.errors import ConfigError, ModelError
from ftaudit.models import (
    ChatMessage,
    ChatModel,
    Completion,
    ModelRef,
    SamplingParams,
    Usage,
    get_model,
    parse_model_ref,
)
from ftaudit.models.remote import to_pydantic_ai_messages
from ftaudit.models.usage import record_failure, record_usage


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
        except Exception:  # noqa: BLE001 - an unpriced model (a test double, a local server): cost unknown
            known = False
    return Usage(
        requests=1,
        input_tokens=response.usage.input_tokens or 0,
        output_tokens=response.usage.output_tokens or 0,
        cost_usd=cost,
        cost_known=known,
    )


class MeteredModel(WrapperModel):
    """The auditor's pydantic-ai model, recording every response into the open usage meters.

    The auditor is metered where the targets are (:mod:`ftaudit.models.usage`), under ``name``
    (the auditor as reports name it), so an audit's usage is one meter's total and a response
    that broke a limit is counted like any other. A request that raised is counted as a failure.
    """

    def __init__(self, wrapped: Model, name: str) -> None:
        super().__init__(wrapped)
        self.meter_name = name

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        try:
            response = await super().request(messages, model_settings, model_request_parameters)
        except Exception as exc:
            record_failure(self.meter_name, exc)
            raise
        record_usage(self.meter_name, response_usage(response))
        return response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: RunContext[Any] | None = None,
    ) -> AsyncIterator[StreamedResponse]:
        try:
            async with super().request_stream(messages, model_settings, model_request_parameters, run_context) as stream:
                yield stream
        except Exception as exc:
            record_failure(self.meter_name, exc)
            raise
        record_usage(self.meter_name, response_usage(stream.get()))


class PydanticAIChatModel(ChatModel):
    """An injected pydantic-ai ``Model`` (a test double, a custom client) as a :class:`ChatModel`.

    The summariser is a ChatModel whatever it is, so its calls are metered (and bounded, and
    their failures counted) like the targets'. The name is the model's own (``model_name``); its
    summary-cache identity is ``pydantic-ai:NAME``. No response cache, no prefill.
    """

    supports_prefill = False

    def __init__(self, model: Model, name: str | None = None, *, max_concurrency: int = 8) -> None:
        label = name or str(getattr(model, "model_name", None) or type(model).__name__)
        # Not a reference a user can write: it only names the injected model in reports and caches.
        super().__init__(ModelRef.model_construct(provider="pydantic-ai", name=label), max_concurrency=max_concurrency)
        self.model = model
        self.label = label

    @property
    def name(self) -> str:
        return self.label

    async def _complete(self, messages: list[ChatMessage], params: SamplingParams, prefill: str | None) -> Completion:
        settings: dict[str, Any] = {"max_tokens": params.max_tokens, "temperature": params.temperature}
        if params.top_p != 1.0:
            settings["top_p"] = params.top_p
        if params.stop:
            settings["stop_sequences"] = list(params.stop)
        if params.seed is not None:
            settings["seed"] = params.seed + params.sample
        try:
            response = await model_request(
                self.model, to_pydantic_ai_messages(messages, prefill), model_settings=settings  # type: ignore[arg-type]
            )
        except pai_exc.ModelAPIError as exc:  # the provider failed: evidence missing, not a bug
            raise ModelError(f"{type(exc).__name__}: {exc}"[:500], model=self.name) from exc
        text = "".join(p.content for p in response.parts if isinstance(p, TextPart))
        return Completion(model=self.name, text=text, finish_reason=response.finish_reason, usage=response_usage(response))


def summariser_model(summariser: str | None, injected: Any, auditor: str, auditor_model: Any) -> ChatModel:
    """The S affordance's model: the configured summariser, else the auditor, always as a ChatModel."""
    for candidate in (injected, None if summariser is not None else auditor_model):
        if isinstance(candidate, ChatModel):
            return candidate
        if isinstance(candidate, Model):
            return PydanticAIChatModel(candidate)
        if candidate is not None:
            raise ConfigError(f"summariser_model must be a pydantic-ai Model or a ChatModel, not {type(candidate).__name__}")
    return get_model(summariser or auditor)
