"""A fully local auditor: an embedded chat model drives the agent through JSON tool calls.

``--auditor local:qwen2.5-coder-1.5b`` runs the auditor on the CPU with the local backend
(:mod:`ftaudit.models.local`); no server and no network. A small model has no native
tool-calling API here, so :class:`LocalAuditorModel` (a pydantic-ai ``Model``) does it in
text: the conversation and the tool definitions (names, descriptions, argument shapes) are
rendered into one chat prompt that asks for one tool call as a JSON object, and the reply is
generated greedily with a bounded length, **constrained** to the union of the tools' argument
schemas and the verdict's (:func:`reply_schema`, through llguidance in
:mod:`ftaudit.models.guided`): it is one well-formed call of a known tool whatever the model
would have preferred to write. The key/value cache of the prompt's unchanged prefix is kept
between turns, so each turn reads only what is new. A generator that cannot be constrained
(a ``generate`` function, another :class:`~ftaudit.models.ChatModel`) has its reply read
leniently by json-repair (:func:`parse_tool_calls`); a reply with no tool call in it goes back
to pydantic-ai as text, which asks the model to try again.

The prompt is kept within a character budget, because a 1.5B model on two cores has little
context to spare: the system prompt and the job brief always stay, older tool results are
cut (closing any data block the cut leaves open, so untrusted text never runs past it), and
the oldest turns are dropped first when that is not enough.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import json_repair
from pydantic_ai.messages import (
    InstructionPart,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryFeedbackPart,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.usage import RequestUsage

from ftaudit.errors import ConfigError
from ftaudit.models import ChatMessage, ChatModel, Completion, ModelRef, SamplingParams
from ftaudit.models.usage import unmetered
from ftaudit.models.guided import PromptCache, SchemaConstraint
from ftaudit.models.local import LocalChatModel

#: ``generate(messages, params, prefill)`` returns the reply's continuation after ``prefill``.
Generate = Callable[[list[ChatMessage], SamplingParams, str | None], Awaitable["Completion | str"]]

ANSWER_FORMAT = """\
# How to answer
Reply with exactly one tool call as one JSON object, and nothing else:
{"tool": "TOOL_NAME", "arguments": {...}}
The arguments are those listed for that tool above. One call per reply; its result comes back in \
the next message. When you have enough evidence, call {verdict} to finish; in it, cite training lines by number and keep every quotation under 200 characters."""

REPEAT_VERDICT_HINT = "submit_verdict if you have seen enough"
RETRY_REMINDER = 'Reply with one JSON tool call: {"tool": "TOOL_NAME", "arguments": {...}}'


@dataclass(frozen=True)
class LocalAuditorSettings:
    """How the local auditor generates and how much prompt it may build.

    ``max_prompt_chars`` bounds the rendered chat (system prompt included; about four characters
    a token); ``recent_turns`` is how many of the latest tool-result turns are shown whole, and
    older results are cut to ``old_result_chars``. ``prefill`` starts every reply, so the model
    continues a JSON tool call instead of starting prose (``None`` for no prefill).

    ``constrained`` generates a local model's replies under :func:`reply_schema`, whose strings
    and arrays are bounded by ``max_string_chars`` and ``max_array_items`` where the tools' own
    schemas do not bound them; ``reuse_prompt_cache`` keeps the prompt's key/value cache between
    turns. Both apply to a local :class:`~ftaudit.models.local.LocalChatModel` only.
    """

    max_tokens: int = 512
    max_prompt_chars: int = 24_000
    recent_turns: int = 2
    old_result_chars: int = 600
    prefill: str | None = '{"tool": "'
    verdict_tool: str = "submit_verdict"
    constrained: bool = True
    reuse_prompt_cache: bool = True
    max_string_chars: int | None = 400
    max_array_items: int | None = 6


class LocalAuditorModel(Model):
    """A pydantic-ai model backed by a local chat model (or any ``generate`` function), with text tool calls."""

    # A small model on a small context: no announcements about framework frames.
    _announces_lookalike_notes = False

    def __init__(
        self,
        generate: Generate | ChatModel,
        *,
        model_name: str | None = None,
        settings: LocalAuditorSettings | None = None,
    ) -> None:
        super().__init__()
        if isinstance(generate, ChatModel):
            self.chat_model: ChatModel | None = generate
            self._generate: Generate = _chat_generate(generate)
            name = model_name or generate.name
        else:
            self.chat_model = None
            self._generate = generate
            name = model_name or "local-auditor"
        self._model_name = name
        self.local_settings = settings or LocalAuditorSettings()
        self.last_prompt: list[ChatMessage] = []  # what the model was sent last (the transcript shows the rest)
        self.last_tools: list[ToolDefinition] = []  # the tools it was offered last
        # One conversation's prefix: each audit resolves its own auditor model (one shared by
        # concurrent audits only makes them crop each other's prefix, never read a wrong one).
        self.prompt_cache = PromptCache()

    @classmethod
    def from_ref(cls, ref: ModelRef, settings: LocalAuditorSettings | None = None) -> LocalAuditorModel:
        """The local auditor for ``local:NAME`` (an embedded model or a transformers folder).

        The weights are fetched, converted and loaded on the first request, not here.
        """
        from ftaudit.models import get_model
        from ftaudit.models.embedded import EMBEDDED_MODELS

        if ref.name not in EMBEDDED_MODELS and not (Path(ref.name).expanduser() / "config.json").is_file():
            raise ConfigError(
                f"auditor {ref}: {ref.name!r} is neither an embedded model ({', '.join(sorted(EMBEDDED_MODELS))}) "
                "nor a transformers model folder"
            )
        return cls(get_model(ref), model_name=str(ref), settings=settings)

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def system(self) -> str:
        return "ftaudit-local"

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        model_settings, model_request_parameters = self.prepare_request(model_settings, model_request_parameters)
        params = model_request_parameters
        tools = list(params.declared_function_tools) + list(params.output_tools)
        instructions = _instructions(messages, params)
        conf = self.local_settings
        prompt = render_prompt(messages, instructions, tools, conf)
        self.last_prompt, self.last_tools = prompt, tools
        max_tokens = int((model_settings or {}).get("max_tokens") or conf.max_tokens)
        sampling = SamplingParams(max_tokens=max_tokens, temperature=0.0)
        local = self.chat_model if isinstance(self.chat_model, LocalChatModel) else None
        # Compiled once per tool set (the grammar is cached by schema).
        constraint = None
        if local is not None and conf.constrained and tools:
            constraint = SchemaConstraint(reply_schema(tools, conf))
        if local is not None and (constraint is not None or conf.reuse_prompt_cache):
            completion: Completion | str = await local.chat_guided(
                prompt, sampling, conf.prefill, constraint=constraint,
                prompt_cache=self.prompt_cache if conf.reuse_prompt_cache else None,
            )
        else:
            completion = await self._generate(prompt, sampling, conf.prefill)
        if isinstance(completion, str):
            text, usage = completion, RequestUsage(output_tokens=0)
        else:
            text = completion.text
            usage = RequestUsage(input_tokens=completion.usage.input_tokens, output_tokens=completion.usage.output_tokens)
        reply = (conf.prefill or "") + text
        parts: list[Any]
        if constraint is not None:
            calls = read_constrained_reply(reply, tools)
            # The grammar fixed the verdict's shape; only a reply cut by the token limit needs the repair.
            cut = not isinstance(completion, str) and completion.finish_reason == "length"
            parts = [ToolCallPart(name, repair_verdict(args) if cut and name == conf.verdict_tool else args)
                     for name, args in calls] or [TextPart(reply.strip() or "(empty reply)")]
            return ModelResponse(parts=parts, usage=usage, model_name=self._model_name, provider_name=self.system)
        # A model that ignored the prefill's lead wrote its call after it: read the reply without it too.
        calls = parse_tool_calls(reply, tools) or (parse_tool_calls(text, tools) if conf.prefill else [])
        if calls:
            before = _text_before_call(reply)
            calls = [(name, repair_verdict(args) if name == conf.verdict_tool else args) for name, args in calls]
            parts = ([TextPart(before)] if before else []) + [ToolCallPart(name, args) for name, args in calls]
        else:
            parts = [TextPart(reply.strip() or "(empty reply)")]
        return ModelResponse(parts=parts, usage=usage, model_name=self._model_name, provider_name=self.system)


def _chat_generate(model: ChatModel) -> Generate:
    async def generate(messages: list[ChatMessage], params: SamplingParams, prefill: str | None) -> Completion:
        # The audit counts the auditor's tokens from the responses; the target meters must not count them again.
        with unmetered():
            return await model.chat(messages, params, prefill=prefill)

    return generate


def _instructions(messages: list[ModelMessage], params: ModelRequestParameters) -> str | None:
    """The request's instructions: its instruction parts joined, else (a direct ``request()`` call) the last request's."""
    if params.instruction_parts is not None:
        return InstructionPart.join(params.instruction_parts) if params.instruction_parts else None
    for message in reversed(messages):
        if isinstance(message, ModelRequest) and message.instructions:
            return message.instructions
    return None


# --- rendering ------------------------------------------------------------------------------------


def render_tools(tools: list[ToolDefinition]) -> str:
    """The tools as the prompt lists them: name, description, and one line per argument.

    Arguments are listed, not shown as one JSON schema: small models copy a schema object back
    as the arguments (``{"type": "object", "properties": …}``). A simple argument reads
    ``- "start": integer, required: description``; a structured one carries its compact JSON
    schema (``$ref``s inlined), so a nested verdict is still described in one pass.
    """
    lines = ["# Tools"]
    for tool in tools:
        description = " ".join((tool.description or "").split())
        schema = _compact_schema(tool.parameters_json_schema or {})
        properties = schema.get("properties") or {} if isinstance(schema, dict) else {}
        required = set(schema.get("required") or []) if isinstance(schema, dict) else set()
        if not properties:
            lines.append(f"## {tool.name}\n{description}\narguments: none, send {{}}")
            continue
        lines.append(f"## {tool.name}\n{description}\narguments:")
        for name, prop in properties.items():
            lines.append(_argument_line(name, prop, name in required))
    return "\n".join(lines)


def _argument_line(name: str, prop: Any, required: bool) -> str:
    prop = prop if isinstance(prop, dict) else {}
    note = " ".join(str(prop.get("description", "")).split())
    return f'- "{name}": {_template(prop)}{", required" if required else ""}' + (f": {note}" if note else "")


def _template(schema: Any, depth: int = 0) -> str:
    """A schema as a filled-in shape: ``{"title": string, "evidence": [{"line": integer}, …]}``."""
    if not isinstance(schema, dict) or depth > 6:
        return "value"
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        shown = [_template(o, depth + 1) for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
        return " or ".join(shown) or "null"
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        fields = ", ".join(f'"{k}": {_template(v, depth + 1)}' for k, v in (schema.get("properties") or {}).items())
        return "{" + fields + "}"
    if kind == "array":
        return "[" + _template(schema.get("items"), depth + 1) + ", …]"
    if kind in ("number", "integer") and ("minimum" in schema or "maximum" in schema):
        return f"{kind} from {schema.get('minimum', '…'):g} to {schema.get('maximum', '…'):g}"
    return str(kind or "value")


def _compact_schema(schema: dict[str, Any]) -> Any:
    """The schema with its ``$ref``s inlined and without titles: shorter, and readable in one pass."""
    defs = schema.get("$defs") or {}

    def walk(value: Any, depth: int) -> Any:
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and depth < 8:
                target = defs.get(ref.removeprefix("#/$defs/"))
                if isinstance(target, dict):
                    merged = {**target, **{k: v for k, v in value.items() if k != "$ref"}}
                    return walk(merged, depth + 1)
            # A "title" that is a string repeats a name; a property called "title" is a schema (a dict).
            return {
                k: walk(v, depth)
                for k, v in value.items()
                if k != "$defs" and k != "additionalProperties" and not (k == "title" and isinstance(v, str))
            }
        if isinstance(value, list):
            return [walk(v, depth) for v in value]
        return value

    return walk(schema, 0)


def render_system(instructions: str | None, tools: list[ToolDefinition], verdict_tool: str) -> str:
    """The system message: the agent's instructions, the tools and the answer format."""
    parts = [instructions.strip()] if instructions and instructions.strip() else []
    parts.append(render_tools(tools))
    parts.append(ANSWER_FORMAT.replace("{verdict}", verdict_tool))
    return "\n\n".join(parts)


@dataclass
class _Turn:
    role: str
    pieces: list[tuple[str, bool]]  # (text, is a tool result that may be cut)

    def text(self) -> str:
        return "\n\n".join(text for text, _ in self.pieces)


def _call_key(part: ToolCallPart) -> str:
    try:
        args: Any = part.args_as_dict()
    except Exception:  # noqa: BLE001 - unparseable arguments: compare them as text
        args = str(part.args)
    return json.dumps([part.tool_name, args], sort_keys=True, ensure_ascii=False)


def render_call(name: str, args: Any) -> str:
    """A tool call as the model is asked to write it (how its own past calls are shown back)."""
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            pass
    return json.dumps({"tool": name, "arguments": args if args is not None else {}}, ensure_ascii=False)


def _turns(messages: list[ModelMessage]) -> tuple[list[str], list[_Turn]]:
    """System texts found in the history, and the user/assistant turns (consecutive same-role merged)."""
    system: list[str] = []
    turns: list[_Turn] = []

    def add(role: str, text: str, result: bool = False) -> None:
        if not text:
            return
        if turns and turns[-1].role == role:
            turns[-1].pieces.append((text, result))
        else:
            turns.append(_Turn(role, [(text, result)]))

    remind = False  # the model's last reply had no tool call: say again how to write one
    repeated: list[str] = []  # the model's last reply repeated calls it had made before
    seen_calls: set[str] = set()
    for message in messages:
        if isinstance(message, ModelRequest):
            if remind:
                add("user", RETRY_REMINDER)
                remind = False
            if repeated:
                # Small models loop on the same calls; the results would be the same too.
                add("user", f"[ftaudit: you already made {', '.join(repeated)} with the same arguments earlier; "
                    "the results are the same as before. Do something new (another tool, other lines, a search) "
                    f"or call {REPEAT_VERDICT_HINT}.]")
                repeated = []
            for part in message.parts:
                if isinstance(part, SystemPromptPart):
                    if not turns:
                        system.append(part.content)
                    else:
                        add("user", f"[ftaudit: {part.content}]")
                elif isinstance(part, UserPromptPart):
                    content = part.content if isinstance(part.content, str) else "\n".join(
                        c if isinstance(c, str) else str(c) for c in part.content
                    )
                    add("user", content)
                elif isinstance(part, ToolReturnPart):
                    if part.outcome == "retried":
                        add("user", f"[ftaudit: your call of {part.tool_name} failed]\n"
                            f"{part.model_response_str()}\n{RETRY_REMINDER}")
                    else:
                        add("user", f"[ftaudit: result of {part.tool_name}]\n{part.model_response_str()}", True)
                elif isinstance(part, RetryPromptPart):
                    add("user", f"[ftaudit: {part.model_response()}]\n{RETRY_REMINDER}")
                elif isinstance(part, RetryFeedbackPart):
                    add("user", f"{part.model_response()}\n{RETRY_REMINDER}")
        elif isinstance(message, ModelResponse):
            pieces = []
            for part in message.parts:
                if isinstance(part, TextPart) and part.content.strip():
                    pieces.append(part.content.strip())
                elif isinstance(part, ToolCallPart):
                    pieces.append(render_call(part.tool_name, part.args))
            add("assistant", "\n".join(pieces))
            remind = not any(isinstance(part, ToolCallPart) for part in message.parts)
            calls = [(p.tool_name, _call_key(p)) for p in message.parts if isinstance(p, ToolCallPart)]
            repeated = [name for name, key in calls if key in seen_calls]
            seen_calls.update(key for _, key in calls)
    return system, turns


def render_prompt(
    messages: list[ModelMessage],
    instructions: str | None,
    tools: list[ToolDefinition],
    settings: LocalAuditorSettings | None = None,
) -> list[ChatMessage]:
    """The chat sent to the local model for this request, within ``settings.max_prompt_chars``."""
    conf = settings or LocalAuditorSettings()
    history_system, turns = _turns(messages)
    system_text = render_system("\n\n".join(filter(None, [instructions, *history_system])), tools, conf.verdict_tool)
    while turns and turns[0].role != "user":  # a chat starts with the user
        turns.pop(0)
    if not turns:
        turns = [_Turn("user", [("Begin the audit.", False)])]
    # Tool results older than the latest few are cut; the first turn (the job) stays whole.
    user_turns = [i for i, t in enumerate(turns) if t.role == "user"]
    recent = set(user_turns[-conf.recent_turns :]) if conf.recent_turns else set()
    for i in user_turns[1:]:
        if i not in recent:
            turns[i].pieces = [(cut_text(text, conf.old_result_chars, "an older result") if result else text, result)
                               for text, result in turns[i].pieces]
    # Still too long: drop the oldest exchanges after the job, keeping user/assistant alternation.
    budget = conf.max_prompt_chars - len(system_text)
    dropped = 0
    while len(turns) > 3 and sum(len(t.text()) for t in turns) > budget:
        del turns[1:3]
        dropped += 1
    if dropped:
        turns[0].pieces.append((f"[ftaudit: {dropped} earlier exchange(s) omitted to fit the context]", False))
    # And the latest results themselves, if one alone is too long.
    overflow = sum(len(t.text()) for t in turns) - budget
    if overflow > 0 and len(turns) > 1:
        last = turns[-1]
        room = max(conf.old_result_chars, len(last.text()) - overflow)
        share = max(200, room // max(1, len(last.pieces)))
        last.pieces = [(cut_text(text, share, "this result") if result else text, result) for text, result in last.pieces]
    chat = [ChatMessage(role="system", content=system_text)]
    chat += [ChatMessage(role=t.role, content=t.text()) for t in turns]  # type: ignore[arg-type]
    return chat


_OPEN = re.compile(r"<<<DATA ([0-9a-f]{6,64}) ")


def cut_text(text: str, limit: int, what: str = "the text") -> str:
    """``text`` cut to about ``limit`` characters, closing a data block the cut leaves open.

    The cut never leaves half a delimiter, and the marker after it is in ftaudit's voice,
    outside every block, so untrusted text cannot run on past the cut.
    """
    if len(text) <= limit:
        return text
    head = text[:limit]
    last_newline = head.rfind("\n")
    if last_newline >= 0 and head[last_newline + 1 :].startswith("<<<"):
        head = head[:last_newline]  # a partial delimiter line
    for nonce in dict.fromkeys(_OPEN.findall(head)):
        opened = head.count(f"<<<DATA {nonce} ")
        closed = head.count(f"<<<END DATA {nonce}>>>")
        if opened > closed:
            head += f"\n<<<END DATA {nonce}>>>"
    return head + f"\n[ftaudit: {what} cut to {limit} of {len(text)} characters]"


# --- reading replies ------------------------------------------------------------------------------

_NAME_KEYS = ("tool", "name", "tool_name", "function", "function_name", "action")
_ARG_KEYS = ("arguments", "args", "parameters", "params", "input", "tool_input", "action_input")
MAX_CALLS = 4


def reply_schema(tools: list[ToolDefinition], settings: LocalAuditorSettings | None = None) -> dict[str, Any]:
    """The JSON schema of one reply: ``{"tool": NAME, "arguments": ARGS}`` for any one of ``tools``.

    Each tool's own argument schema is used as it is (its ``$defs`` hoisted under the tool's
    name, so two tools' definitions never collide), with two tightenings for generation only:
    an object with listed properties takes no others (a small model invents keys), and strings
    and arrays without a bound get ``max_string_chars`` and ``max_array_items`` (a small model
    repeats itself until the token limit cuts the call). Validation still uses the tools' own
    schemas.
    """
    conf = settings or LocalAuditorSettings()
    defs: dict[str, Any] = {}
    options = []
    for tool in tools:
        schema = tool.parameters_json_schema or {}
        prefix = f"{tool.name}."

        def tighten(value: Any, prefix: str = prefix) -> Any:
            if isinstance(value, list):
                return [tighten(v) for v in value]
            if not isinstance(value, dict):
                return value
            out: dict[str, Any] = {}
            for key, item in value.items():
                if key == "$defs":
                    continue
                if key == "$ref" and isinstance(item, str) and item.startswith("#/$defs/"):
                    out[key] = "#/$defs/" + prefix + item.removeprefix("#/$defs/")
                elif key in ("properties", "$defs"):  # a mapping of names to schemas, not a schema
                    out[key] = {name: tighten(sub) for name, sub in item.items()} if isinstance(item, dict) else item
                else:
                    out[key] = tighten(item)
            kind = out.get("type")
            if kind == "object" and isinstance(out.get("properties"), dict):
                out.setdefault("additionalProperties", False)
            if kind == "string" and "enum" not in out and "const" not in out and conf.max_string_chars:
                out.setdefault("maxLength", conf.max_string_chars)
            if kind == "array" and conf.max_array_items:
                out.setdefault("maxItems", conf.max_array_items)
            return out

        for name, definition in (schema.get("$defs") or {}).items():
            defs[prefix + name] = tighten(definition)
        arguments = tighten(schema)
        if not arguments.get("properties"):
            arguments = {"type": "object", "properties": {}, "additionalProperties": False}
        options.append({
            "type": "object",
            "properties": {"tool": {"const": tool.name}, "arguments": arguments},
            "required": ["tool", "arguments"],
            "additionalProperties": False,
        })
    out: dict[str, Any] = {"anyOf": options}
    if defs:
        out["$defs"] = defs
    return out


def read_constrained_reply(text: str, tools: list[ToolDefinition]) -> list[tuple[str, dict[str, Any]]]:
    """The call in a reply generated under :func:`reply_schema`: plain JSON, unless the token limit cut it.

    A cut reply is closed by json-repair (:func:`parse_tool_calls`) and then validated like any other.
    """
    try:
        value = json.loads(text)
    except ValueError:
        return parse_tool_calls(text, tools)
    if isinstance(value, dict) and isinstance(value.get("tool"), str) and isinstance(value.get("arguments"), dict):
        return [(value["tool"], value["arguments"])]
    return []


def parse_tool_calls(text: str, tools: list[ToolDefinition] | list[str]) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls in a reply generated without constraints, read leniently; ``[]`` when there is none.

    For generators that cannot be constrained (a ``generate`` function, a remote server without
    grammar support) and for constrained replies cut by the token limit. json-repair finds the
    JSON in fenced blocks, Qwen's ``<tool_call>`` tags or prose, and mends trailing commas,
    single quotes and unclosed brackets; then ``{"tool"|"name"|"tool_name": …,
    "arguments"|"parameters": …}``, OpenAI's ``{"function": {"name", "arguments"}}``, lists of
    calls, arguments given as a JSON string, and an object that is just the arguments of exactly
    one tool are accepted. Names are matched case-insensitively to ``tools``.
    """
    names = [t if isinstance(t, str) else t.name for t in tools]
    schemas = {t.name: t.parameters_json_schema for t in tools if not isinstance(t, str)}
    value = loads_lenient(text)
    if value is None:
        return []
    calls: list[tuple[str, dict[str, Any]]] = []
    for item in value if isinstance(value, list) else [value]:
        for call in _interpret(item, names, schemas):
            if call not in calls:
                calls.append(call)
    # A call of an unknown tool is passed on (pydantic-ai tells the model so) only when the
    # reply has no call of a known one: a quoted JSON line must not become an extra call.
    known = [call for call in calls if call[0] in names]
    return (known or calls)[:MAX_CALLS]


def loads_lenient(text: str) -> Any:
    """The JSON object or array in ``text`` as json-repair reads it; ``None`` when there is none."""
    if not text.strip():
        return None
    value = json_repair.loads(text)
    return value if isinstance(value, (dict, list)) and value else None


def _interpret(value: Any, names: list[str], schemas: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(value, list):
        return [call for item in value for call in _interpret(item, names, schemas)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("tool_calls"), list):
        return _interpret(value["tool_calls"], names, schemas)
    function = value.get("function")
    if isinstance(function, dict):
        return _interpret(function, names, schemas)
    name_key = next((k for k in _NAME_KEYS if isinstance(value.get(k), str)), None)
    if name_key is not None:
        name = _match_name(value[name_key], names)
        if name is None:
            if not names:
                return []
            name = value[name_key].strip()  # pydantic-ai tells the model the tool is unknown
            if not re.fullmatch(r"[\w.\-]{1,64}", name):
                return []
        arg_key = next((k for k in _ARG_KEYS if k in value), None)
        if arg_key is not None:
            args = value[arg_key]
            if isinstance(args, str):
                if not args.strip():
                    return []  # the reply was cut before the arguments: a call whose arguments were lost is no call
                args = loads_lenient(args) or {}
            if args is None:
                args = {}
            # Arguments of the tool's own that landed beside "arguments" (it was closed too early).
            properties = (schemas.get(name) or {}).get("properties") or {}
            if isinstance(args, dict):
                args = {**{k: v for k, v in value.items() if k in properties and k not in (name_key, arg_key)}, **args}
        else:  # {"tool": "view_lines", "start": 3}: the other keys are the arguments
            args = {k: v for k, v in value.items() if k != name_key and k != "type"}
        if isinstance(args, dict) and _echoes_schema(args, schemas.get(name)):
            args = {}
        return [(name, args)] if isinstance(args, dict) else []
    # Just the arguments: accept when they fit exactly one tool's schema.
    fits = [n for n, schema in schemas.items() if _fits(value, schema)]
    return [(fits[0], value)] if len(fits) == 1 else []


_SEVERITIES = ("info", "low", "medium", "high", "critical")
_EVIDENCE_KINDS = ("dataset-line", "model-reply", "benchmark", "model-internals", "note")


def repair_verdict(args: dict[str, Any]) -> dict[str, Any]:
    """A small model's verdict, with the shape slips it makes fixed before validation.

    Only the form is repaired, never the judgement: a score written as ``"8"`` or ``"8/10"``
    becomes 8, severities are lower-cased (unknown ones become ``medium``), findings given as
    plain strings become findings with one ``note`` evidence item, an evidence item without
    ``detail`` gets its other text, ``line`` written as ``"line 3"`` becomes 3, and a missing
    summary or assessment says it was not given. What still does not validate (no score at
    all, a score outside 0–10) is sent back to the model as usual.
    """
    out = dict(args)
    aliases = {"score": "risk_score", "risk": "risk_score", "findings": "key_findings", "hypothesis": "attack_hypothesis"}
    for alias, key in aliases.items():
        if alias in out and key not in out:
            out[key] = out.pop(alias)
    score = out.get("risk_score")
    if isinstance(score, str):
        match = re.search(r"-?\d+(?:\.\d+)?", score)
        if match:
            out["risk_score"] = float(match.group(0))
    findings = out.get("key_findings")
    if isinstance(findings, dict):
        findings = [findings]
    if isinstance(findings, list):
        out["key_findings"] = [_repair_finding(f) for f in findings if isinstance(f, (str, dict))]
    for key in ("attack_hypothesis", "evidence_summary", "risk_assessment"):
        value = out.get(key)
        if isinstance(value, list):
            out[key] = " ".join(str(v) for v in value)
        elif not isinstance(value, str) or not value.strip():
            out[key] = "(not given by the auditor)"
    return out


def _repair_finding(finding: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(finding, str):
        return {"title": finding[:200], "severity": "medium", "description": finding,
                "evidence": [{"kind": "note", "detail": finding}]}
    out = dict(finding)
    severity = str(out.get("severity", "")).strip().lower()
    out["severity"] = severity if severity in _SEVERITIES else "medium"
    if not isinstance(out.get("title"), str) or not out["title"].strip():
        out["title"] = str(out.get("description") or "finding")[:200]
    evidence = out.get("evidence")
    if isinstance(evidence, (str, dict)):
        evidence = [evidence]
    if not isinstance(evidence, list) or not evidence:
        evidence = [{"kind": "note", "detail": str(out.get("description") or out["title"])}]
    out["evidence"] = [_repair_evidence(e) for e in evidence if isinstance(e, (str, dict))] or [
        {"kind": "note", "detail": out["title"]}
    ]
    return out


def _repair_evidence(item: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, str):
        return {"kind": "note", "detail": item}
    out = dict(item)
    line = out.get("line")
    if isinstance(line, str):
        match = re.search(r"\d+", line)
        out["line"] = int(match.group(0)) if match else None
    kind = str(out.get("kind", "")).strip().lower().replace("_", "-")
    if kind not in _EVIDENCE_KINDS:
        kind = "dataset-line" if isinstance(out.get("line"), int) else ("model-reply" if out.get("reply") else "note")
    out["kind"] = kind
    if not isinstance(out.get("detail"), str) or not out["detail"].strip():
        out["detail"] = str(out.get("reply") or out.get("text") or out.get("quote") or kind)
    return out


def _echoes_schema(args: dict[str, Any], schema: dict[str, Any] | None) -> bool:
    """The arguments are an argument-less tool's own schema copied back (``{"type": "object", …}``)."""
    if schema is None or (schema.get("properties") or {}):
        return False
    return bool(args) and args.get("type") == "object" and set(args) <= {"type", "properties", "required", "additionalProperties"}


def _match_name(raw: str, names: list[str]) -> str | None:
    wanted = raw.strip().removeprefix("functions.").replace("-", "_").lower()
    for name in names:
        if name.lower() == wanted:
            return name
    return None


def _fits(value: dict[str, Any], schema: dict[str, Any]) -> bool:
    properties = schema.get("properties") or {}
    if not value or not properties:
        return False
    required = set(schema.get("required") or [])
    return required <= set(value) and set(value) <= set(properties)


def _text_before_call(text: str) -> str:
    """The prose a reply has before its tool call (kept for the transcript), if any."""
    for marker in ("<tool_call>", "```", "{"):
        at = text.find(marker)
        if at > 0:
            return text[:at].strip()
        if at == 0:
            return ""
    return ""
