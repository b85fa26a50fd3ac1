"""What an operator configures for the audit service, in one pydantic model.

Every field can come from a YAML file (``ftaudit service start --config service.yaml``) and
the most common ones from flags. The database URL is the one switch between the embedded mode
(``sqlite:///FILE``: the queue and workers in the API's process) and the distributed one
(``postgresql://…``: any number of ``ftaudit service worker`` processes on any machines).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ftaudit.errors import ConfigError

#: The dataset screens that load no model (harmful-content and persona load a sentence-embedding model):
#: a first pass in about a second, not the full screen; the ``screens`` preset runs them all.
QUICK_DATASET_SCREENS = ["encoding", "insecure-code", "numbers-only", "steganography", "trigger"]


class AuditorSpec(BaseModel):
    """Which auditor runs on a job: the screens (``screens`` names them; None is all) and optionally the agent.

    ``agent`` holds :class:`ftaudit.agent.AuditConfig` fields (auditor, affordances, budget…); when
    it is set the agent audits the job (with the screens' brief as its config says), otherwise the
    screens alone do, as ``ftaudit screen`` would.
    """

    model_config = ConfigDict(extra="forbid")

    screens: list[str] | None = None
    agent: dict[str, Any] | None = None

    @field_validator("screens")
    @classmethod
    def _known_screens(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        from ftaudit.screens.registry import get_screen

        try:
            return [get_screen(name).name for name in value]
        except ConfigError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("agent")
    @classmethod
    def _valid_agent(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        from ftaudit.agent import AuditConfig
        from ftaudit.models import parse_model_ref

        if not value.get("auditor"):
            raise ValueError("an agent audit names its auditor model (agent.auditor)")
        try:
            parse_model_ref(str(value["auditor"]))
            AuditConfig.model_validate(value)
        except ConfigError as exc:
            raise ValueError(str(exc)) from exc
        return value


def default_presets() -> dict[str, AuditorSpec]:
    """The named presets every service has; an operator's config may add or replace them."""
    return {
        "screens": AuditorSpec(),
        "dataset-quick": AuditorSpec(screens=list(QUICK_DATASET_SCREENS)),
    }


class ServiceSettings(BaseModel):
    """The service's configuration: database, limits, allow-lists, presets, timings."""

    model_config = ConfigDict(extra="forbid")

    db: str = Field("sqlite:///ftaudit-service.sqlite", description="sqlite:///FILE (embedded) or postgresql://USER@HOST:PORT/DB.")
    max_upload_bytes: int = Field(64 * 1024 * 1024, ge=1, description="Largest training file accepted (uploads, paths, URLs).")
    allow_paths: list[Path] = Field(default_factory=list, description="Folders a submitted training-file path may lie in.")
    allow_urls: list[str] = Field(default_factory=list, description="URL prefixes a submitted training-file URL may start with.")
    webhook_allow: list[str] = Field(
        default_factory=list, description="URL prefixes a webhook_url must start with; empty allows any http(s) URL."
    )
    presets: dict[str, AuditorSpec] = Field(default_factory=default_presets)
    default_preset: str = "screens"
    per_tenant_concurrency: int = Field(4, ge=1, description="Audits of one tenant running at once, over all workers.")
    per_model_concurrency: int = Field(1, ge=1, description="Model stages against one fine-tuned model at once.")
    poll_s: float = Field(0.5, gt=0, description="How often a worker looks for queued audits.")
    heartbeat_s: float = Field(5.0, gt=0, description="How often a worker says it is alive.")
    lease_s: float = Field(30.0, gt=0, description="A worker silent this long is dead and its audits are recovered.")
    webhook_attempts: int = Field(6, ge=1)
    webhook_interval_s: float = Field(2.0, gt=0, description="First retry delay; doubled each attempt.")
    webhook_timeout_s: float = Field(10.0, gt=0)

    @field_validator("db")
    @classmethod
    def _known_db(cls, value: str) -> str:
        if not (value.startswith("sqlite:///") or value.startswith(("postgresql://", "postgres://"))):
            raise ValueError(f"--db must be sqlite:///FILE or postgresql://…, not {value!r}")
        return value

    @property
    def embedded(self) -> bool:
        return self.db.startswith("sqlite:")

    def preset(self, name: str) -> AuditorSpec:
        try:
            return self.presets[name]
        except KeyError:
            raise ConfigError(f"unknown preset {name!r}; presets: {', '.join(sorted(self.presets))}") from None


def load_settings(config_file: Path | None, **overrides: Any) -> ServiceSettings:
    """Settings from an optional YAML file with the given flags (None means not given) on top."""
    values: dict[str, Any] = {}
    if config_file is not None:
        import yaml

        try:
            loaded = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{config_file}: cannot read the service config: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{config_file}: not valid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{config_file}: the service config is a mapping of ServiceSettings fields")
        values.update(loaded or {})
        if "presets" in values:
            values["presets"] = {**default_presets(), **values["presets"]}
    values.update({k: v for k, v in overrides.items() if v is not None and v != []})
    try:
        return ServiceSettings.model_validate(values)
    except ValueError as exc:
        errors = getattr(exc, "errors", list)()
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in errors) or str(exc)
        raise ConfigError(f"invalid service configuration: {detail}") from None
