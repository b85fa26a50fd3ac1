"""Fine-tuning through OpenAI's API (or any server that implements its fine-tuning endpoints).

Upload the training file, create the job, poll it with exponential backoff until it ends,
and return the fine-tuned model's name as an ``openai:`` reference, ready to audit. Uses
the official SDK (which already retries rate limits and server errors per request); errors
become :mod:`ftaudit.errors` exceptions with the job id in the message.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from pydantic import BaseModel, Field

from ftaudit.errors import ConfigError, ModelAuthError, ModelError, ModelNotFoundError, ModelRequestError
from ftaudit.models.ref import parse_model_ref

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


class ProviderJobResult(BaseModel):
    """What a provider fine-tuning job ended as."""

    job_id: str
    status: str
    base_model: str
    training_file_id: str
    fine_tuned_model: str | None = None
    model: str | None = Field(default=None, description="ftaudit reference of the fine-tuned model.")
    error: str | None = None
    trained_tokens: int | None = None
    polls: int = 0


class PollPolicy(BaseModel):
    """How often to ask: starting interval, growth factor, cap, and the overall limit."""

    initial_seconds: float = 10.0
    factor: float = 1.5
    max_seconds: float = 120.0
    timeout_seconds: float = 24 * 3600.0


def _client(ref_text: str, http_client: Any | None) -> tuple[Any, str]:
    from openai import AsyncOpenAI

    ref = parse_model_ref(ref_text)
    if ref.provider not in ("openai", "openai-compatible"):
        raise ConfigError(f"provider fine-tuning supports openai: models, got {ref_text!r}")
    env = ref.api_key_env or "OPENAI_API_KEY"
    key = os.environ.get(env)
    if not key:
        raise ModelAuthError(f"set {env} to fine-tune {ref_text}", model=ref_text)
    return AsyncOpenAI(api_key=key, base_url=ref.base_url, http_client=http_client), ref.name


def _map(exc: Exception, model: str, what: str) -> Exception:
    import openai

    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ModelAuthError(f"{what}: {exc}", model=model)
    if isinstance(exc, openai.NotFoundError):
        return ModelNotFoundError(f"{what}: {exc}", model=model)
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return ModelRequestError(f"{what}: {exc}", model=model)
    if isinstance(exc, openai.APIError):
        return ModelError(f"{what}: {exc}", model=model, retryable=True)
    return exc


async def finetune_openai(
    base: str,
    data: Path,
    *,
    epochs: int | None = None,
    suffix: str | None = None,
    seed: int | None = None,
    poll: PollPolicy | None = None,
    http_client: Any | None = None,
    on_status: Callable[[str, str], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> ProviderJobResult:
    """Run a fine-tuning job for ``base`` (``openai:MODEL``) on ``data`` and wait for it to end.

    ``on_status(job_id, status)`` is called at every poll. A job that fails or is cancelled
    is returned with its status and error (not raised), so a suite run can record it.
    """
    poll = poll or PollPolicy()
    data = Path(data)
    if not data.is_file():
        raise ConfigError(f"training file not found: {data}")
    client, model_name = _client(base, http_client)
    async with client:
        try:
            with data.open("rb") as handle:
                uploaded = await client.files.create(file=(data.name, handle), purpose="fine-tune")
        except Exception as exc:
            raise _map(exc, base, f"uploading {data.name}") from exc
        hyper: dict[str, Any] = {}
        if epochs is not None:
            hyper["n_epochs"] = epochs
        kwargs: dict[str, Any] = {"model": model_name, "training_file": uploaded.id}
        if hyper:
            kwargs["hyperparameters"] = hyper
        if suffix:
            kwargs["suffix"] = suffix
        if seed is not None:
            kwargs["seed"] = seed
        try:
            job = await client.fine_tuning.jobs.create(**kwargs)
        except Exception as exc:
            raise _map(exc, base, "creating the fine-tuning job") from exc

        result = ProviderJobResult(
            job_id=job.id, status=job.status, base_model=base, training_file_id=uploaded.id
        )
        interval, waited = poll.initial_seconds, 0.0
        while job.status not in TERMINAL:
            if on_status:
                on_status(job.id, job.status)
            if waited >= poll.timeout_seconds:
                raise ModelError(
                    f"fine-tuning job {job.id} still {job.status} after {waited:.0f} s; "
                    "it keeps running at the provider",
                    model=base,
                    retryable=True,
                )
            await sleep(interval)
            waited += interval
            interval = min(interval * poll.factor, poll.max_seconds)
            try:
                job = await client.fine_tuning.jobs.retrieve(job.id)
            except Exception as exc:
                raise _map(exc, base, f"polling fine-tuning job {job.id}") from exc
            result.polls += 1
        if on_status:
            on_status(job.id, job.status)

    result.status = job.status
    result.trained_tokens = getattr(job, "trained_tokens", None)
    if job.status == "succeeded" and job.fine_tuned_model:
        result.fine_tuned_model = job.fine_tuned_model
        result.model = str(parse_model_ref(base).model_copy(update={"name": job.fine_tuned_model}))
    else:
        error = getattr(job, "error", None)
        result.error = getattr(error, "message", None) or (str(error) if error else f"job ended {job.status}")
    return result
