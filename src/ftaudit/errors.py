"""One exception hierarchy for ftaudit.

Every error a user can cause or meet derives from :class:`FtauditError`; the CLI turns
it into one clear line and a non-zero exit code instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class FtauditError(Exception):
    """Base class of every error ftaudit raises on purpose."""


class ConfigError(FtauditError):
    """A configuration value, flag or model reference is invalid."""


class DataError(FtauditError):
    """A problem in a training file, located by file, line and (when known) field.

    ``str()`` reads ``FILE:LINE: [field] message`` so that editors and terminals can jump
    to the place.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        code: str = "invalid",
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.code = code
        super().__init__(self.location_message())

    def location_message(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"[{self.field}] " if self.field else ""
        return f"{where}{field}{self.message}"


class ModelError(FtauditError):
    """A model could not be reached or answered with an error.

    ``model`` is the reference string (e.g. ``openai:gpt-4.1``); ``retryable`` says whether
    the failure was transient (rate limit, server error, timeout) and retries ran out.
    """

    def __init__(self, message: str, *, model: str | None = None, retryable: bool = False) -> None:
        self.model = model
        self.retryable = retryable
        prefix = f"{model}: " if model else ""
        super().__init__(prefix + message)


class ModelAuthError(ModelError):
    """The provider rejected the credentials (HTTP 401/403) or none were configured."""


class ModelNotFoundError(ModelError):
    """The provider does not know the model (HTTP 404), or a local model is missing."""


class ModelRequestError(ModelError):
    """The provider rejected the request itself (HTTP 400/422): a bug or bad parameters."""


class ModelUnavailableError(ModelError):
    """Rate limits, server errors or timeouts persisted after every retry."""


class UnsupportedFeatureError(ModelError):
    """The backend cannot do what was asked (e.g. assistant prefill on OpenAI)."""
