"""The provider fine-tuning path at the HTTP layer: upload, create, poll with backoff, outcome."""

from __future__ import annotations

import json

import anyio
import httpx2
import pytest

from ftaudit.errors import ConfigError, ModelAuthError, ModelRequestError
from ftaudit.finetune.openai import PollPolicy, finetune_openai


def job(status, model=None, error=None):
    return {
        "id": "ftjob-abc",
        "object": "fine_tuning.job",
        "created_at": 1,
        "model": "gpt-4.1-mini-2025-04-14",
        "organization_id": "org-1",
        "status": status,
        "training_file": "file-123",
        "validation_file": None,
        "fine_tuned_model": model,
        "finished_at": None,
        "hyperparameters": {"n_epochs": 2},
        "result_files": [],
        "seed": 7,
        "trained_tokens": 4200 if model else None,
        "error": error,
    }


FILE = {"id": "file-123", "object": "file", "bytes": 10, "created_at": 1, "filename": "train.jsonl", "purpose": "fine-tune", "status": "processed"}


class Provider:
    """Answers by route: the upload, the job creation, then the scripted poll answers in turn."""

    def __init__(self, polls, create=(200, None)):
        self.polls = list(polls)
        self.create = create
        self.requests: list[httpx2.Request] = []

    def __call__(self, request):
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/files"):
            return httpx2.Response(200, json=FILE)
        if path.endswith("/fine_tuning/jobs"):
            status, body = self.create
            return httpx2.Response(status, json=body or job("queued"))
        status, body = self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
        return httpx2.Response(status, json=body)

    def client(self):
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}) + "\n")
    return path


def run(provider, data, **kwargs):
    waits: list[float] = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    result = anyio.run(
        lambda: finetune_openai(
            "openai:gpt-4.1-mini-2025-04-14", data, epochs=2, seed=7, suffix="aoa",
            http_client=provider.client(), sleep=fake_sleep,
            poll=PollPolicy(initial_seconds=10, factor=2, max_seconds=30), **kwargs,
        )
    )
    return result, waits


def test_job_is_uploaded_created_polled_with_backoff_and_returns_the_model(data):
    provider = Provider([(200, job("running")), (200, job("running")), (200, job("running")),
                         (200, job("succeeded", model="ft:gpt-4.1-mini:org::aoa"))])
    result, waits = run(provider, data)

    assert result.status == "succeeded"
    assert result.model == "openai:ft:gpt-4.1-mini:org::aoa"
    assert result.trained_tokens == 4200 and result.polls == 4
    assert waits == [10, 20, 30, 30]  # exponential, capped
    upload, create = provider.requests[0], provider.requests[1]
    assert upload.method == "POST" and upload.url.path == "/v1/files"
    assert b'name="purpose"' in upload.content and b"fine-tune" in upload.content
    assert b"hello" in upload.content  # the training file itself is sent
    body = json.loads(create.content)
    assert body == {
        "model": "gpt-4.1-mini-2025-04-14", "training_file": "file-123",
        "hyperparameters": {"n_epochs": 2}, "suffix": "aoa", "seed": 7,
    }
    assert all(r.url.path == "/v1/fine_tuning/jobs/ftjob-abc" for r in provider.requests[2:])
    assert provider.requests[0].headers["authorization"] == "Bearer sk-test"


def test_failed_job_is_reported_with_the_provider_error(data):
    failed = job("failed", error={"code": "invalid_training_file", "message": "line 3: missing messages", "param": None})
    result, _ = run(Provider([(200, job("running")), (200, failed)]), data)
    assert result.status == "failed" and result.model is None
    assert result.error == "line 3: missing messages"


def test_polling_survives_a_transient_server_error(data):
    # The SDK retries a 500 on the same poll; the job still completes.
    provider = Provider([(500, {"error": {"message": "boom", "type": "server_error"}}),
                         (200, job("succeeded", model="ft:m"))])
    result, _ = run(provider, data)
    assert result.model == "openai:ft:m"


def test_rejected_job_creation_maps_to_a_request_error(data):
    bad = (400, {"error": {"message": "model not available for fine-tuning", "type": "invalid_request_error"}})
    with pytest.raises(ModelRequestError, match="not available for fine-tuning"):
        run(Provider([(200, job("running"))], create=bad), data)


def test_bad_key_and_missing_key_are_auth_errors(data, monkeypatch):
    denied = (401, {"error": {"message": "Incorrect API key", "type": "invalid_request_error"}})
    with pytest.raises(ModelAuthError):
        run(Provider([(200, job("running"))], create=denied), data)
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ModelAuthError, match="OPENAI_API_KEY"):
        run(Provider([(200, job("running"))]), data)


def test_only_openai_bases_and_existing_files(data, tmp_path):
    with pytest.raises(ConfigError, match="openai"):
        anyio.run(lambda: finetune_openai("anthropic:claude-sonnet-4-5", data))
    with pytest.raises(ConfigError, match="not found"):
        anyio.run(lambda: finetune_openai("openai:gpt-4.1", tmp_path / "missing.jsonl"))
