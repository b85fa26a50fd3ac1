"""The chat completions request ``ftaudit serve-models`` accepts, as a pydantic model, and its errors.

:class:`ChatRequest` declares every field of OpenAI's chat completions API the server knows:
the ones it implements, the ones that change nothing about a reply (accepted and ignored), and
the ones it accepts only at a value that asks for nothing it lacks (``n`` 1, ``stream`` false,
no tools…). Anything else is an unknown field and refused, never quietly ignored. Validation
runs with the server's state in its context (the served aliases, the message limit), so an
unknown model and an overlong chat are refused in the same pass.

A :class:`pydantic.ValidationError` becomes one :class:`RequestError` in OpenAI's error shape
(:func:`request_error`): the most telling problem first (unknown fields, unsupported values,
the model, the message count, then the rest in field order), its ``param`` the field's path
(``messages[0].role``), and its ``code`` our own name for it where OpenAI has one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ftaudit.models import ChatMessage, SamplingParams

#: Reply length when a request names none (OpenAI's default is the model's whole context).
DEFAULT_MAX_TOKENS = 256

# The fields of the chat completions API this server implements (the error for an unknown field lists them).
_IMPLEMENTED = ("max_completion_tokens", "max_tokens", "messages", "model", "seed", "stop", "temperature", "top_p")
# Fields accepted only at a value that asks for nothing this server lacks.
_DEFAULT_ONLY: dict[str, tuple[Any, ...]] = {
    "n": (None, 1),
    "stream": (None, False),
    "logprobs": (None, False),
    "top_logprobs": (None, 0),
    "presence_penalty": (None, 0, 0.0),
    "frequency_penalty": (None, 0, 0.0),
    "logit_bias": (None, {}),
    "tools": (None, []),
    "functions": (None, []),
    "tool_choice": (None, "none", "auto"),
    "function_call": (None, "none", "auto"),
    "response_format": (None, {"type": "text"}),
    "modalities": (None, ["text"]),
}
# Our error types (PydanticCustomError) -> (HTTP status, OpenAI error type, OpenAI code).
_CUSTOM: dict[str, tuple[int, str, str | None]] = {
    "unsupported_value": (400, "invalid_request_error", None),
    "model_not_found": (404, "not_found_error", "model_not_found"),
    "model_required": (400, "invalid_request_error", None),
    "too_many_messages": (400, "invalid_request_error", "too_many_messages"),
    "unsupported_message": (400, "invalid_request_error", None),
}
# Which problem a client hears about first when a request has several.
_FIRST = ("extra_forbidden", "unsupported_value", "model_required", "model_not_found", "too_many_messages")


class RequestError(Exception):
    """A request the server refuses; becomes an OpenAI-style error response."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class TextPart(BaseModel):
    """One part of a message's content; only text parts are supported."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["text"]
    text: str


class RequestMessage(BaseModel):
    """One message of the chat; fields this server has no use for (``name``…) are ignored."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart]
    tool_calls: Any = None
    function_call: Any = None

    @field_validator("role", mode="before")
    @classmethod
    def _known_role(cls, role: Any) -> Any:
        if role not in ("system", "developer", "user", "assistant"):
            raise PydanticCustomError(
                "unsupported_message", "role {role} is not supported (system, developer, user, assistant; no tool messages)",
                {"role": _short(role)},
            )
        return role

    @field_validator("content", mode="before")
    @classmethod
    def _text_only(cls, content: Any) -> Any:
        if isinstance(content, list):
            for part in content:
                if not (isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)):
                    kind = part.get("type") if isinstance(part, dict) else type(part).__name__
                    raise PydanticCustomError("unsupported_message", "content part of type {kind} is not supported (text only)",
                                              {"kind": _short(kind)})
        elif not isinstance(content, str):
            raise PydanticCustomError("unsupported_message", "content must be a string or a list of text parts")
        return content

    @field_validator("tool_calls", "function_call")
    @classmethod
    def _no_tool_calls(cls, value: Any) -> Any:
        if value:
            raise PydanticCustomError("unsupported_message", "tool calls are not supported")
        return value

    def text(self) -> str:
        return self.content if isinstance(self.content, str) else "".join(part.text for part in self.content)


_Stop = Annotated[str, Field(min_length=1)]


class ChatRequest(BaseModel):
    """A ``POST /v1/chat/completions`` body, as far as this server implements it (see the module docstring).

    Validate with ``context={"models": [...aliases], "max_messages": N}`` to refuse an unknown
    model and an overlong chat too.
    """

    model_config = ConfigDict(extra="forbid")

    # Implemented.
    model: Any = Field(default=None, validate_default=True)
    messages: list[RequestMessage] = Field(min_length=1)
    max_tokens: StrictInt | None = None
    max_completion_tokens: StrictInt | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: _Stop | list[_Stop] | None = None
    seed: StrictInt | None = None
    continue_final_message: bool | None = None
    # Change nothing about the reply: accepted and ignored.
    user: Any = None
    metadata: Any = None
    store: Any = None
    service_tier: Any = None
    parallel_tool_calls: Any = None
    stream_options: Any = None
    add_generation_prompt: Any = None
    prompt_cache_key: Any = None
    safety_identifier: Any = None
    # Accepted only at their defaults (_DEFAULT_ONLY).
    n: Any = None
    stream: Any = None
    logprobs: Any = None
    top_logprobs: Any = None
    presence_penalty: Any = None
    frequency_penalty: Any = None
    logit_bias: Any = None
    tools: Any = None
    functions: Any = None
    tool_choice: Any = None
    function_call: Any = None
    response_format: Any = None
    modalities: Any = None

    @field_validator(*_DEFAULT_ONLY)
    @classmethod
    def _at_default(cls, value: Any, info: ValidationInfo) -> Any:
        allowed = _DEFAULT_ONLY[info.field_name or ""]
        if value not in allowed:
            shown = " or ".join(repr(a) for a in allowed if a is not None)
            raise PydanticCustomError(
                "unsupported_value",
                "{name}={value} is not supported by this server (ftaudit serve-models); leave it out or use {shown}",
                {"name": info.field_name, "value": _short(value), "shown": shown},
            )
        return value

    @field_validator("model")
    @classmethod
    def _served(cls, alias: Any, info: ValidationInfo) -> Any:
        served = (info.context or {}).get("models")
        if not isinstance(alias, str) or not alias:
            raise PydanticCustomError("model_required", "'model' is required: one of {served}",
                                      {"served": ", ".join(served or ())})
        if served is not None and alias not in served:
            raise PydanticCustomError("model_not_found", "model {alias} is not served here; served: {served}",
                                      {"alias": repr(alias), "served": ", ".join(served)})
        return alias

    @field_validator("messages", mode="before")
    @classmethod
    def _not_too_many(cls, raw: Any, info: ValidationInfo) -> Any:
        limit = (info.context or {}).get("max_messages")
        if isinstance(raw, list) and limit is not None and len(raw) > limit:
            raise PydanticCustomError("too_many_messages", "{count} messages is more than this server accepts ({limit}); "
                                      "shorten the conversation", {"count": len(raw), "limit": limit})
        return raw

    def chat(self) -> tuple[list[ChatMessage], str | None]:
        """The chat in the model layer's terms: leading system messages as one, a trailing assistant message as the prefill."""
        messages: list[ChatMessage] = []
        for item in self.messages:
            role = "system" if item.role == "developer" else item.role  # the newer name of the system role
            if role == "system" and messages and all(m.role == "system" for m in messages):
                messages[-1] = ChatMessage(role="system", content=messages[-1].content + "\n\n" + item.text())
                continue
            messages.append(ChatMessage(role=role, content=item.text()))
        prefill = None
        if messages[-1].role == "assistant":
            if self.continue_final_message is False:
                raise RequestError(
                    400, "the last message is an assistant message and continue_final_message is false; this server "
                    "only continues a trailing assistant message (a prefill)", param="continue_final_message",
                )
            prefill = messages.pop().content
        return messages, prefill

    def sampling(self) -> SamplingParams:
        """The sampling parameters; their ranges are :class:`SamplingParams`' (a :class:`ValidationError` outside them)."""
        max_tokens = self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens
        values: dict[str, Any] = {"max_tokens": DEFAULT_MAX_TOKENS if max_tokens is None else max_tokens}
        values.update({name: getattr(self, name) for name in ("temperature", "top_p", "seed", "stop")
                       if getattr(self, name) is not None})
        return SamplingParams.model_validate(values)


_UNION_BRANCHES = frozenset({"str", "list[TextPart]", "constrained-str", "list[constrained-str]"})


def _param(loc: tuple[int | str, ...]) -> str:
    """A field's path as OpenAI names it: ``messages[0].role``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _UNION_BRANCHES:
            continue  # the branch of a union pydantic tried, not a field
        else:
            out += ("." if out else "") + str(part)
    return out


def request_error(exc: ValidationError) -> RequestError:
    """The one error a client hears about for a request that failed validation (see the module docstring)."""
    errors = exc.errors()
    first = min(errors, key=lambda e: _FIRST.index(e["type"]) if e["type"] in _FIRST else len(_FIRST))
    param = _param(first["loc"])
    if first["type"] == "extra_forbidden":
        unknown = sorted(_param(e["loc"]) for e in errors if e["type"] == "extra_forbidden")
        return RequestError(400, f"unsupported field(s) {', '.join(unknown)}: this server (ftaudit serve-models) implements "
                                 f"{', '.join(_IMPLEMENTED)}", param=unknown[0])
    if first["type"] in _CUSTOM:
        status, kind, code = _CUSTOM[first["type"]]
        where = param.rsplit(".", 1)[0] if first["type"] == "unsupported_message" else None
        message = f"{where}: {first['msg']}" if where else first["msg"]
        return RequestError(status, message, param=param or None, code=code, kind=kind)
    if param == "stop" or param.startswith("stop["):
        return RequestError(400, "'stop' must be a string or a list of non-empty strings", param="stop")
    return RequestError(400, f"'{param}': {first['msg']}" if param else first["msg"], param=param or None)



def parse_request(
    body: Any, *, models: list[str], max_messages: int
) -> tuple[str, list[ChatMessage], str | None, SamplingParams]:
    """Check a request body against :class:`ChatRequest`; its alias, chat, prefill and sampling, or a :class:`RequestError`."""
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    try:
        request = ChatRequest.model_validate(body, context={"models": models, "max_messages": max_messages})
        messages, prefill = request.chat()
        return request.model, messages, prefill, request.sampling()
    except ValidationError as exc:
        raise request_error(exc) from None
