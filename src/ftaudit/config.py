"""Settings shared by every module: cache locations and defaults.

Values come from environment variables prefixed ``FTAUDIT_`` (e.g. ``FTAUDIT_CACHE_DIR``)
and can be overridden per call; nothing else in the package hard-codes a path. Dict
fields take JSON in the environment (``FTAUDIT_SCREEN_WEIGHTS='{"trigger": 0.8}'``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CacheMode = Literal["on", "off", "read-only"]


class Settings(BaseSettings):
    """Global ftaudit settings (environment prefix ``FTAUDIT_``)."""

    model_config = SettingsConfigDict(env_prefix="FTAUDIT_", extra="ignore")

    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("ftaudit")),
        description="Root of every on-disk cache: converted local models, responses.",
    )
    models_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("ftaudit")) / "models",
        description="Converted local models (hundreds of MB each); kept apart so a fresh response cache keeps them.",
    )
    response_cache: CacheMode = Field(
        default="on",
        description="Response cache mode: on (read and write), read-only, or off.",
    )
    verdict_threshold: float = Field(
        default=9.0,
        ge=0.0,
        le=10.0,
        description="Risk scores at or above this are adversarial (the reference study's 1%-FPR threshold).",
    )
    min_readable_share: float = Field(
        default=0.95, gt=0.0, le=1.0,
        description="An audit that could read fewer than this share of the training file's records is inconclusive "
        "(unread lines are data a provider's parser may still train on).",
    )
    max_model_failure_share: float = Field(
        default=0.1, ge=0.0, lt=1.0,
        description="A screen or agent audit in which more than this share of a target model's calls failed is "
        "inconclusive unless the evidence it did gather already reaches the threshold.",
    )
    model_retry_attempts: int = Field(
        default=6, ge=1, le=20,
        description="Tries in all for a remote model call that fails transiently (connection refused, rate limit, "
        "server error, timeout), with exponential backoff between them; 1 fails at once.",
    )
    max_line_bytes: int = Field(
        default=1_000_000, description="Training-file lines longer than this are rejected."
    )
    max_reported_errors: int = Field(
        default=1000, description="Validation reports keep at most this many bad lines in full."
    )
    # How the screens' scores combine (ftaudit.screens.combine states the rule).
    screen_weights: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Per-screen weight (0 or more) applied to a screen's 0–10 score before combining; a screen not "
            "listed weighs 1.0. Empty by default: calibration on the built-in suite kept every weight at 1.0 "
            "(the record is in ftaudit.screens.combine); recalibrate with `ftaudit screens calibrate`."
        ),
    )
    screen_weights_file: Path | None = Field(
        default=None,
        description="JSON or TOML file of screen weights (as `ftaudit screens calibrate --write` makes) "
        "laid over screen_weights.",
    )
    screen_corroboration_level: float = Field(
        default=5.0, ge=0.0, le=10.0,
        description="A weighted screen score at or above this (the rubric's 'moderate', a medium finding) corroborates.",
    )
    screen_corroboration_bonus: float = Field(
        default=0.5, ge=0.0, le=10.0,
        description="Added to the top weighted screen score for each further independent corroborating screen.",
    )
    screen_corroboration_cap: float = Field(
        default=1.0, ge=0.0, le=10.0, description="Largest total corroboration bonus."
    )
    screen_families: dict[str, str] = Field(
        default_factory=lambda: {
            "insecure-code": "code-analysis", "trigger": "code-analysis",
            "refusal-direction": "whitebox", "harm-probe": "whitebox", "weight-delta": "whitebox",
        },
        description=(
            "Screens that read the same evidence (the shared code analysis; the base's refusal direction) form "
            "one family and "
            "corroborate each other only once; a screen not listed is its own family."
        ),
    )

    @property
    def response_cache_path(self) -> Path:
        return self.cache_dir / "responses.sqlite"



@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
