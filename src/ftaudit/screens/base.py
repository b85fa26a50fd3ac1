"""What every screen shares: its interface, the context it reads, the result it returns.

A screen is a deterministic detector (no LLM, so nothing in the data can argue with it).
Dataset screens read the training file through :class:`ScreenContext`; model screens also
query the base and fine-tuned models. Each returns a :class:`ScreenResult`: findings with
evidence (dataset lines, model replies), a 0–10 score contribution, and elicitation hints
(a system prompt, a trigger, a cipher) the benchmark and the agent can use.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ftaudit.data import Conversation, TrainingFile
from ftaudit.errors import ConfigError
from ftaudit.hints import ElicitationHint
from ftaudit.report.records import Evidence, Finding, Severity

__all__ = [
    "Evidence", "Finding", "NoOptions", "Screen", "ScreenContext", "ScreenResult", "Severity", "line_evidence",
    "validate_options",
]


class ScreenContext:
    """The job as a screen sees it: the training file (read once, cached) and optionally the models.

    ``conversations()`` yields the valid examples in file order (each knows its line);
    ``hints`` collects the elicitation hints of screens that ran earlier, for model screens;
    ``screen_options(screen)`` is a screen's settings, validated against its ``options_model``
    (``options`` keeps the mapping of screen name to settings as it was given).
    """

    def __init__(
        self,
        training_file: Path,
        *,
        base_model: str | None = None,
        finetuned_model: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.path = Path(training_file)
        self.base_model = base_model
        self.finetuned_model = finetuned_model
        self.options = dict(options or {})
        self.hints: list[ElicitationHint] = []
        self._settings: dict[str, BaseModel] = {}
        self._conversations: list[Conversation] | None = None
        self._skipped: list[int] = []

    def _load(self) -> list[Conversation]:
        if self._conversations is None:
            with TrainingFile(self.path) as training_file:
                self._conversations = [_with_tool_calls(c) for c in training_file.iter_conversations()]
                self._skipped = training_file.skipped_lines
        return self._conversations

    def conversations(self) -> Iterator[Conversation]:
        """Every valid example, in file order."""
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    @property
    def skipped_lines(self) -> list[int]:
        self._load()
        return self._skipped

    @property
    def has_models(self) -> bool:
        return bool(self.base_model and self.finetuned_model)

    def screen_options(self, screen: Screen) -> Any:
        """``screen``'s settings: ``options[screen.name]`` validated by its ``options_model`` (once)."""
        if screen.name not in self._settings:
            self._settings[screen.name] = screen.parse_options(self.options.get(screen.name))
        return self._settings[screen.name]

    def check_options(self, screens: Iterable[Screen]) -> None:
        """Validate every screen's settings now, before any screen runs (see :func:`validate_options`)."""
        self._settings.update(validate_options(self.options, screens))


def validate_options(options: Mapping[str, Any] | None, screens: Iterable[Screen]) -> dict[str, BaseModel]:
    """Each screen's settings from ``options`` (screen name to settings), validated; ConfigError naming the bad key.

    ``screens`` are all the screens there are, not only those selected: settings for a screen
    that does not exist (a misspelt name) are an error too, never silently unused.
    """
    screens = list(screens)
    options = options or {}
    unknown = sorted(set(options) - {s.name for s in screens})
    if unknown:
        raise ConfigError(
            f"screen options name unknown screen(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(s.name for s in screens))}"
        )
    return {screen.name: screen.parse_options(options.get(screen.name)) for screen in screens}


def _with_tool_calls(conversation: Conversation) -> Conversation:
    """The conversation as screens read it: an assistant turn's tool calls joined to its content.

    A reply moved into ``tool_calls`` (content empty or innocuous) is still the model's
    output, so every screen that reads assistant content must see it; doing it here, once,
    means no screen can forget to.
    """
    if not any(m.role == "assistant" and m.tool_calls for m in conversation.messages):
        return conversation
    messages = [
        m.model_copy(update={"content": m.output_text}) if m.role == "assistant" and m.tool_calls else m
        for m in conversation.messages
    ]
    return conversation.model_copy(update={"messages": messages})


class ScreenResult(BaseModel):
    """What one screen found."""

    screen: str
    score: float = Field(default=0.0, ge=0.0, le=10.0, description="This screen's risk contribution, 0–10.")
    findings: list[Finding] = Field(default_factory=list)
    hints: list[ElicitationHint] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict, description="Numbers behind the score, for calibration.")
    seconds: float = 0.0
    skipped: str | None = Field(default=None, description="Why the screen did not run (e.g. no models given).")
    error: str | None = Field(default=None, description="The screen crashed: the audit is then inconclusive.")
    incomplete: str | None = Field(
        default=None,
        description="Evidence the screen needed is missing (e.g. its model calls failed): the audit is then "
        "inconclusive unless the evidence gathered reaches the threshold.",
    )


class NoOptions(BaseModel):
    """The settings of a screen that takes none: any key given is a mistake."""

    model_config = ConfigDict(extra="forbid")


class Screen(ABC):
    """One detector. Subclasses set the class attributes and implement :meth:`run`."""

    name: ClassVar[str]
    title: ClassVar[str]
    """One line for ``ftaudit screens list``."""
    needs_models: ClassVar[bool] = False
    options_model: ClassVar[type[BaseModel]] = NoOptions
    """The screen's settings (``options[name]``), read in :meth:`run` through ``ctx.screen_options(self)``.

    Declare it with ``model_config = ConfigDict(extra="forbid")``: the runner validates every
    screen's settings before any screen runs, and a misspelt key must stop the run, not be
    ignored while the default applies.
    """

    @classmethod
    def parse_options(cls, raw: Any) -> BaseModel:
        """``raw`` (a mapping, or None for the defaults) as this screen's settings; ConfigError naming each bad key."""
        try:
            return cls.options_model.model_validate({} if raw is None else raw)
        except ValidationError as exc:
            raise ConfigError(f"options of screen {cls.name!r}: {_option_errors(cls.options_model, exc)}") from None

    def describe(self) -> dict[str, Any]:
        """One row for ``ftaudit list screens``: name, kind, what it looks for, its settings and their defaults."""
        return {
            "name": self.name,
            "kind": "model" if self.needs_models else "dataset",
            "title": self.title,
            "options": {key: field.get_default(call_default_factory=True)
                        for key, field in self.options_model.model_fields.items()},
        }

    @abstractmethod
    async def run(self, ctx: ScreenContext) -> ScreenResult:
        """Examine the job and return the findings; raise only on a bug (it becomes an error result)."""

    def finding(
        self, title: str, severity: Severity, *, description: str = "", score: float | None = None,
        evidence: list[Evidence] | None = None,
    ) -> Finding:
        """A finding attributed to this screen."""
        return Finding(
            title=title, severity=severity, source=f"screen:{self.name}", description=description,
            score_contribution=score, evidence=evidence or [],
        )


def _option_errors(model: type[BaseModel], exc: ValidationError) -> str:
    known = list(model.model_fields)
    parts = []
    for error in exc.errors():
        key = ".".join(map(str, error["loc"])) or "(settings)"
        if error["type"] == "extra_forbidden":
            near = difflib.get_close_matches(key, known, n=1)
            parts.append(f"unknown option {key!r} " + (f"(did you mean {near[0]!r}?)" if near
                                                       else f"(known: {', '.join(known) or 'none'})"))
        else:
            parts.append(f"{key}: {error['msg']}")
    return "; ".join(parts)


def line_evidence(conversation: Conversation, detail: str, text: str | None = None) -> Evidence:
    """Evidence quoting one training example by its line (the report truncates long excerpts)."""
    return Evidence(kind="dataset-line", line=conversation.line, excerpt=text if text is not None else conversation.text, detail=detail)
