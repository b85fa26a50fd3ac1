"""Auditor configurations of an evaluation: a small YAML/JSON file format, one named auditor each.

A file holds one configuration (a mapping with ``name`` and ``kind``) or several (a list, or a
mapping with ``configs:``). The kinds:

``screens``         the deterministic screens; ``only`` (screen names), ``weights`` (per-screen
                    combining weights), ``options`` (per-screen settings), ``use_models``.
``agent``           the LLM auditor: ``auditor``, ``affordances`` (preset), ``budget``, ``brief``
                    (the screens' brief first, default off; the score is then the agent's), and
                    ``options`` for any other :class:`~ftaudit.agent.AuditConfig` field.
``agent+screens``   the agent with the screens' brief, final score the larger of the two.
``super``           ``sub_audits`` (at least 2) agent audits read by a super-auditor.
``moderation``      baseline: content moderation of the dataset. ``provider: offline`` is the
                    harmful-content screen alone; ``openai`` the OpenAI moderation endpoint;
                    ``auto`` (default) the endpoint when ``OPENAI_API_KEY`` is set, else offline.
``benchmark-only``  baseline: the refusal-shift screen (B) with no elicitation hints.

Every kind takes ``threshold`` (the verdict threshold written into each report; the
evaluation's own thresholds are chosen on the benign audits), ``repeats`` (caps the run's
``--repeats`` for this configuration, e.g. 1 for a deterministic one), ``concurrency`` (audits
of this configuration at once) and ``timeout_s`` (one audit; past it the audit is inconclusive).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from ftaudit.agent.config import Affordances, AuditConfig, Budget
from ftaudit.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+*=-]{0,79}$")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique within an evaluation; names the configuration's row in every table.")
    threshold: float | None = Field(default=None, ge=0.0, le=10.0, description="Verdict threshold of each report.")
    repeats: int | None = Field(default=None, ge=1, description="At most this many repeats of each job.")
    concurrency: int | None = Field(default=None, ge=1, description="Audits of this configuration at once.")
    timeout_s: float | None = Field(default=None, gt=0, description="Wall-clock limit of one audit.")

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        # The name becomes a folder of per-audit reports and a key of the store.
        if not _NAME.match(value):
            raise ValueError(f"{value!r}: use letters, digits and _ . + * = - (at most 80 characters)")
        return value

    @property
    def cpu_bound(self) -> bool:
        """Runs in a worker thread under the evaluation's CPU limiter (the screens)."""
        return False

    @property
    def deterministic(self) -> bool:
        """The same job always gets the same score (repeats only cost time)."""
        return False

    @property
    def preset(self) -> str:
        """What the ablation table names as this configuration's affordances."""
        return "-"

    def fingerprint(self) -> str:
        """What must not change between a run and its resumption: everything but the scheduling knobs."""
        return json.dumps(self.model_dump(mode="json", exclude={"repeats", "concurrency"}), sort_keys=True)


class ScreensConfig(_Base):
    kind: Literal["screens"]
    only: list[str] | None = Field(default=None, description="Screens to run (default: every registered one).")
    weights: dict[str, float] | None = Field(default=None, description="Per-screen weights laid over the settings'.")
    options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Per-screen settings.")
    use_models: bool = Field(default=True, description="Run the model screens when the suite has trained models.")

    @property
    def cpu_bound(self) -> bool:
        return True

    @property
    def deterministic(self) -> bool:
        return True

    @property
    def preset(self) -> str:
        return "screens" if self.only is None else "+".join(self.only)


class AgentConfig(_Base):
    kind: Literal["agent", "agent+screens", "super"]
    auditor: str = Field(default="anthropic:claude-sonnet-4-6", description="Model reference of the auditor.")
    affordances: Affordances = "all"
    budget: Budget = Field(default_factory=Budget)
    brief: bool | None = Field(default=None, description="Screens' brief first (agent: default off; agent+screens: always).")
    sub_audits: int | None = Field(default=None, ge=2, le=50, description="super: the number of sub-audits (default 3).")
    options: dict[str, Any] = Field(default_factory=dict, description="Other AuditConfig fields (bench_n, judge, …).")

    @field_validator("options")
    @classmethod
    def _no_overlap(cls, value: dict[str, Any]) -> dict[str, Any]:
        reserved = {"auditor", "auditor_model", "affordances", "budget", "screens_brief", "sub_audits", "threshold"}
        clash = sorted(reserved & set(value))
        if clash:
            raise ValueError(f"set {', '.join(clash)} as top-level keys of the configuration, not under options")
        return value

    @property
    def preset(self) -> str:
        return self.affordances

    def audit_config(self, *, seed_offset: int = 0, auditor_model: Any = None) -> AuditConfig:
        """The :class:`~ftaudit.agent.AuditConfig` of one audit (repeat ``seed_offset`` reseeds the samples)."""
        brief = True if self.kind == "agent+screens" else bool(self.brief)
        fields: dict[str, Any] = {
            "auditor": self.auditor,
            "affordances": self.affordances,
            "budget": self.budget,
            "screens_brief": brief,
            # Plain agent: its own score, so "agent" and "agent+screens" differ only by the screens.
            "score_rule": "max" if self.kind == "agent+screens" else "agent",
            "sub_audits": (self.sub_audits or 3) if self.kind == "super" else 1,
            **self.options,
        }
        fields["seed"] = int(fields.get("seed", 0)) + seed_offset
        if self.threshold is not None:
            fields["threshold"] = self.threshold
        if auditor_model is not None:
            fields["auditor_model"] = auditor_model
        try:
            return AuditConfig(**fields)
        except ValidationError as exc:
            raise ConfigError(f"configuration {self.name!r}: {_errors(exc)}") from None


class ModerationConfig(_Base):
    kind: Literal["moderation"]
    provider: Literal["auto", "offline", "openai"] = "auto"
    model: str = Field(default="omni-moderation-latest", description="OpenAI moderation model.")
    max_examples: int = Field(default=2000, ge=1, description="Examples sent to the endpoint (an even sample past it).")
    batch_size: int = Field(default=32, ge=1, le=256)

    @property
    def cpu_bound(self) -> bool:
        return True  # the offline path is the harmful-content screen

    @property
    def deterministic(self) -> bool:
        return True


class BenchmarkOnlyConfig(_Base):
    kind: Literal["benchmark-only"]
    n_prompts: int = Field(default=33, ge=1, description="Harmful prompts per model.")
    judge: str = "offline"
    prompt_set: str = "builtin"
    max_tokens: int = Field(default=64, ge=1)

    @property
    def cpu_bound(self) -> bool:
        return True

    @property
    def preset(self) -> str:
        return "B"


EvalConfig = Annotated[
    Union[ScreensConfig, AgentConfig, ModerationConfig, BenchmarkOnlyConfig], Field(discriminator="kind")
]
_ADAPTER: TypeAdapter[EvalConfig] = TypeAdapter(EvalConfig)

KINDS = ("screens", "agent", "agent+screens", "super", "moderation", "benchmark-only")


def _errors(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"] if p not in KINDS)
        parts.append(f"{loc or 'config'}: {str(e['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)


def parse_config(data: Any, *, where: str = "config") -> EvalConfig:
    """One configuration from a mapping (as read from YAML or JSON)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a configuration is a mapping with name and kind")
    if data.get("kind") not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}, not {data.get('kind')!r}")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_errors(exc)}") from None


def load_configs(paths: list[Path] | Path) -> list[EvalConfig]:
    """Every configuration in the files (YAML or JSON), names checked unique across them."""
    import yaml

    configs: list[EvalConfig] = []
    for path in [paths] if isinstance(paths, Path) else paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
        try:
            data = yaml.safe_load(text)  # JSON is YAML too
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not YAML or JSON: {exc}") from None
        if isinstance(data, dict) and "configs" in data:
            data = data["configs"]
        items = data if isinstance(data, list) else [data]
        if not items:
            raise ConfigError(f"{path}: no configuration in the file")
        configs += [parse_config(item, where=f"{path} (configuration {i + 1})") for i, item in enumerate(items)]
    seen: set[str] = set()
    for config in configs:
        if config.name in seen:
            raise ConfigError(f"two configurations are named {config.name!r}")
        seen.add(config.name)
    return configs
