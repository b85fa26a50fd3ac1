"""One way to name a model everywhere: ``PROVIDER:NAME[+option=value...]``.

Examples::

    openai:gpt-4.1
    anthropic:claude-sonnet-4-6
    openai-compatible:llama3.1@http://localhost:11434/v1       (vLLM, Ollama, llama.cpp, Together…)
    llama3.1@http://localhost:11434/v1                          (same, shorthand)
    openai-compatible:meta-llama/Llama-3-8b+base_url=https://api.together.xyz/v1+api_key_env=TOGETHER_API_KEY
    local:smollm2-135m
    local:smollm2-135m+adapter=runs/job-7/adapter

Options are ``+key=value`` after the name; only the keys below are options, so a ``+``
elsewhere in a name or path is kept as it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ftaudit.errors import ConfigError

Provider = Literal["openai", "anthropic", "openai-compatible", "local"]
PROVIDERS: tuple[str, ...] = ("openai", "anthropic", "openai-compatible", "local")
_OPTION_KEYS = ("adapter", "base_url", "api_key_env")
_OPTION_RE = re.compile(r"\+(" + "|".join(_OPTION_KEYS) + r")=")


class ModelRef(BaseModel):
    """A parsed model reference; ``str()`` gives back the canonical string."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    name: str
    base_url: str | None = None
    adapter: Path | None = None
    api_key_env: str | None = None

    def __str__(self) -> str:
        text = f"{self.provider}:{self.name}"
        if self.base_url and self.provider == "openai-compatible":
            text += f"@{self.base_url}"
        elif self.base_url:
            text += f"+base_url={self.base_url}"
        if self.adapter is not None:
            text += f"+adapter={self.adapter}"
        if self.api_key_env:
            text += f"+api_key_env={self.api_key_env}"
        return text

    @property
    def is_local(self) -> bool:
        return self.provider == "local"


def parse_model_ref(text: str | ModelRef) -> ModelRef:
    """Parse a model reference string, raising :class:`ConfigError` that says what is wrong."""
    if isinstance(text, ModelRef):
        return text
    raw = text.strip()
    if not raw:
        raise ConfigError("empty model reference; expected e.g. 'openai:gpt-4.1' or 'local:smollm2-135m'")

    head, options = _split_options(raw)
    if "://" in head.split("@", 1)[-1] and "@" in head and not _has_known_provider(head):
        head = f"openai-compatible:{head}"
    if ":" not in head or not _has_known_provider(head):
        raise ConfigError(
            f"model reference {raw!r} has no known provider; write PROVIDER:NAME with PROVIDER one of "
            f"{', '.join(PROVIDERS)}, or NAME@BASE_URL for an OpenAI-compatible server"
        )
    provider, name = head.split(":", 1)
    base_url = options.pop("base_url", None)
    if provider == "openai-compatible" and "@" in name:
        name, at_url = name.rsplit("@", 1)
        if base_url and base_url != at_url:
            raise ConfigError(f"model reference {raw!r} gives two different base URLs")
        base_url = at_url
    if not name:
        raise ConfigError(f"model reference {raw!r} has an empty model name")
    if provider == "openai-compatible" and not base_url:
        raise ConfigError(
            f"model reference {raw!r}: an OpenAI-compatible server needs a base URL "
            "(NAME@http://host:port/v1 or +base_url=URL)"
        )
    if base_url and not re.match(r"^https?://", base_url):
        raise ConfigError(f"model reference {raw!r}: base URL {base_url!r} must start with http:// or https://")
    adapter = options.pop("adapter", None)
    if adapter is not None and provider != "local":
        raise ConfigError(f"model reference {raw!r}: +adapter= is only for local models")
    return ModelRef(
        provider=provider,  # type: ignore[arg-type]
        name=name,
        base_url=base_url,
        adapter=Path(adapter).expanduser() if adapter else None,
        api_key_env=options.pop("api_key_env", None),
    )


def _has_known_provider(head: str) -> bool:
    return head.split(":", 1)[0] in PROVIDERS


def _split_options(raw: str) -> tuple[str, dict[str, str]]:
    matches = list(_OPTION_RE.finditer(raw))
    if not matches:
        return raw, {}
    head = raw[: matches[0].start()]
    options: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(raw)
        key, value = match.group(1), raw[match.end() : end]
        if not value:
            raise ConfigError(f"model reference {raw!r}: option +{key}= has no value")
        if key in options:
            raise ConfigError(f"model reference {raw!r}: option +{key}= given twice")
        options[key] = value
    return head, options
