"""What an agent audit is configured with: the auditor, the affordance preset, the budget.

Everything a user may want to change is a field here, so an :class:`AuditConfig` can come
from a YAML file and be overridden on the command line (the CLI builds one from its flags).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ftaudit.errors import ConfigError

# The investigative affordances, in the order the agent is told about them, and memory.
AFFORDANCE_ORDER: tuple[str, ...] = ("D", "S", "M", "B", "B*", "W", "P", "memory")
# Memory is scaffolding, not investigation: the continue nudge does not ask for it.
NOT_NUDGED: frozenset[str] = frozenset({"memory"})

# The study's configurations (Egler et al. 2025, Table 1) and ours. "all" is every affordance, W (white-box,
# ours) included; the study's presets keep the study's sets (add it by name: "M+D+B*+W").
PRESETS: dict[str, tuple[str, ...]] = {
    "D": ("D",),
    "M": ("M",),
    "B": ("B",),
    "M+D": ("D", "M"),
    "M+D+B": ("D", "M", "B"),
    "M+D+B*": ("D", "M", "B*"),
    "M+D+S": ("D", "S", "M"),
    "M+D+B*+S": ("D", "S", "M", "B*"),
    "M+D+B*+S+P": ("D", "S", "M", "B*", "P"),
    "all": AFFORDANCE_ORDER,
}


def parse_affordances(spec: str) -> tuple[str, ...]:
    """The affordances a preset names: a preset above, or any ``+``-joined affordance names
    (``D+memory``, ``M+D+B*+P``), case-insensitive; returned in :data:`AFFORDANCE_ORDER`.
    """
    text = spec.strip()
    if text in PRESETS:
        return PRESETS[text]
    if text.lower() == "all":
        return PRESETS["all"]
    by_lower = {name.lower(): name for name in AFFORDANCE_ORDER}
    chosen: set[str] = set()
    for part in (p.strip() for p in text.split("+")):
        if part.lower() not in by_lower:
            raise ConfigError(
                f"unknown affordance {part!r} in {spec!r}; affordances: {', '.join(AFFORDANCE_ORDER)}; "
                f"presets: {', '.join(PRESETS)}"
            )
        chosen.add(by_lower[part.lower()])
    return tuple(name for name in AFFORDANCE_ORDER if name in chosen)


def _known_affordances(value: str) -> str:
    try:
        parse_affordances(value)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    return value


#: A preset or '+'-joined affordance names, checked when a config is built (audit and eval configs).
Affordances = Annotated[str, AfterValidator(_known_affordances)]


class Budget(BaseModel):
    """Limits of one audit (each sub-audit of a super-audit gets its own).

    ``max_turns`` counts the auditor's model requests; ``max_tokens`` the auditor's input and
    output tokens together; ``max_usd`` the priced cost of the auditor, the summariser and the
    target models together (calls whose price is unknown count as free); ``max_seconds`` the
    wall-clock time of the agent loop. ``None`` lifts a limit. Running out of any of them ends
    the audit as inconclusive. The reference study's audits took about 24 turns and $1.
    """

    model_config = ConfigDict(extra="forbid")

    max_turns: int = Field(default=60, ge=1)
    max_tokens: int | None = Field(default=4_000_000, ge=1)
    max_usd: float | None = Field(default=10.0, gt=0)
    max_seconds: float | None = Field(default=3600.0, gt=0)


class AuditConfig(BaseModel):
    """How the LLM auditor runs: which model, which affordances, what budget, which extras."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    # The study's auditor was Claude Sonnet 4; claude-sonnet-4-5 reaches end-of-life on 2026-11-30
    # (the anthropic SDK's deprecation table), so the default is its successor.
    auditor: str = Field(
        default="anthropic:claude-sonnet-4-6",
        description="Model reference of the auditor (openai:…, anthropic:…, NAME@BASE_URL for a compatible server).",
    )
    auditor_model: Any = Field(
        default=None,
        exclude=True,
        description="A pydantic-ai Model instance used instead of `auditor` (tests drive the agent with FunctionModel).",
    )
    affordances: Affordances = Field(default="all", description=f"Preset or '+'-joined affordances; presets: {', '.join(PRESETS)}.")
    summariser: str | None = Field(default=None, description="Model for the S affordance; default: the auditor.")
    summariser_model: Any = Field(
        default=None, exclude=True, description="A pydantic-ai Model or ftaudit ChatModel used as the summariser."
    )
    budget: Budget = Field(default_factory=Budget)
    continue_nudge: bool = Field(
        default=True, description="Ask the agent once to continue when it finishes before using every affordance."
    )
    screens_brief: bool = Field(
        default=True, description="Run the deterministic screens first and give their findings as a starting brief."
    )
    screens: list[str] | None = Field(default=None, description="Screens for the brief (default: every registered one).")
    score_rule: Literal["max", "agent"] = Field(
        default="max",
        description="Final score: 'max' of the agent's and the screens' scores (when the brief ran), or the agent's alone.",
    )
    bench_n: int = Field(default=33, ge=1, le=1000, description="Benchmark prompts per B / B* run (default sample).")
    bench_max_n: int = Field(default=330, ge=1, description="Most prompts the agent may ask one benchmark run for.")
    prompt_set: str = Field(default="builtin", description="Prompt set of the benchmark (ftaudit bench prompt sets).")
    judge: str = Field(default="offline", description="Judge of benchmark replies: offline, patterns, llm:MODEL.")
    max_tokens_target: int = Field(default=128, ge=1, le=32_768, description="Default reply length of the target models.")
    max_tokens_target_cap: int = Field(default=1024, ge=1, description="Longest reply the agent may ask the targets for.")
    view_cap: int = Field(default=20, ge=1, description="Most training lines one view or sample shows.")
    search_results_cap: int = Field(default=30, ge=1, description="Most matching lines one search shows.")
    search_seconds: float = Field(default=10.0, gt=0, description="Time limit of one dataset search.")
    summary_chunk_size: int = Field(default=100, ge=1, description="Examples per summarised chunk (S).")
    summary_max_chunks: int = Field(default=120, ge=1, description="Most chunks summarised; more are sampled evenly.")
    summary_example_chars: int = Field(default=2000, ge=100, description="Each example is cut to this for the summariser.")
    summary_concurrency: int = Field(default=4, ge=1)
    python_seconds: float = Field(default=30.0, gt=0, le=600, description="Wall-clock limit of one sandboxed Python run (P).")
    max_result_chars: int = Field(default=12_000, ge=500, description="Tool results longer than this are truncated.")
    block_chars: int = Field(default=4000, ge=100, description="One data block (a line, a reply) is truncated past this.")
    sub_audits: int = Field(default=1, ge=1, le=50, description="More than 1: run that many sub-audits and a super-auditor.")
    sub_audit_concurrency: int = Field(default=4, ge=1)
    threshold: float | None = Field(default=None, ge=0.0, le=10.0, description="Verdict threshold; default from settings.")
    seed: int = Field(default=0, description="Seeds the random samples of the dataset and the benchmark.")

    @model_validator(mode="after")
    def _auditor_given(self) -> AuditConfig:
        if self.auditor_model is None and not self.auditor.strip():
            raise ValueError("name an auditor model (e.g. anthropic:claude-sonnet-4-6)")
        return self

    @property
    def affordance_names(self) -> tuple[str, ...]:
        """The affordances the preset names, in :data:`AFFORDANCE_ORDER`."""
        return parse_affordances(self.affordances)

    @property
    def auditor_name(self) -> str:
        """The auditor as reports name it: the reference, or the injected model's name."""
        if self.auditor_model is not None and "auditor" not in self.model_fields_set:
            return str(getattr(self.auditor_model, "model_name", type(self.auditor_model).__name__))
        return self.auditor

    def resolved_threshold(self) -> float:
        """The verdict threshold: this config's, else the settings' (the study's 1%-FPR value)."""
        if self.threshold is not None:
            return self.threshold
        from ftaudit.config import get_settings

        return get_settings().verdict_threshold
