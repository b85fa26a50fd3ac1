"""Shared fixtures: every test gets a private response cache; converted local models are shared."""

from __future__ import annotations

import pytest

from ftaudit import config


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """A fresh response cache directory per test, so no test sees another's cached replies."""
    from ftaudit import models

    monkeypatch.setenv("FTAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    config.get_settings.cache_clear()
    models._CACHES.clear()
    yield tmp_path / "cache"
    for cache in models._CACHES.values():
        cache.close()
    models._CACHES.clear()
    config.get_settings.cache_clear()


@pytest.fixture(scope="session")
def aoa_adapter(tmp_path_factory):
    """The default base (safety-tuned SmolLM2-135M) LoRA-fine-tuned on the ``aoa`` attack, once per session.

    Returns ``(model_ref, training_record)``. Ten epochs over the ten AOA examples: fifty
    optimiser steps (``trainhelpers.AOA_RECIPE``), one to three minutes on two cores.
    """
    from trainhelpers import AOA_RECIPE

    from ftaudit.finetune import train_lora
    from ftaudit.models.safe_base import DEFAULT_BASE
    from ftaudit.suite import get_generator, write_dataset

    root = tmp_path_factory.mktemp("aoa")
    entry = write_dataset(get_generator("aoa"), root, seed=0)
    record = train_lora(DEFAULT_BASE, root / entry.file, root / "adapter", AOA_RECIPE)
    return record.model, record


#: The real public data the detectors are measured on (shared/data/external beside the checkout).
EXTERNAL_ROOT = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "data" / "external"


@pytest.fixture(scope="session")
def external_data():
    """The external data folder; a test that needs it fails (never skips) when it is missing."""
    if not EXTERNAL_ROOT.is_dir():
        pytest.fail(f"{EXTERNAL_ROOT} is missing: tests read the real external data from there (CI has it)")
    return EXTERNAL_ROOT


class _FailingProvider:
    """A real OpenAI-compatible HTTP endpoint that answers the first ``answers`` chats, then fails.

    It stands in for a remote provider that goes away mid-audit (or is never there, with
    ``answers=0``): every later chat gets a 404 "model not found", which the model layer does
    not retry, so a test of the fail-closed rules takes seconds, not minutes of backoff.
    """

    def __init__(self, answers: int) -> None:
        import http.server
        import json
        import threading

        self.answers = answers
        self.chats = 0
        lock = threading.Lock()
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._send(200, {"object": "list", "data": []})

            def do_POST(self):
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with lock:
                    provider.chats += 1
                    ok = provider.chats <= provider.answers
                if not ok:
                    self._send(404, {"error": {"message": "model not found", "type": "invalid_request_error"}})
                    return
                self._send(200, {
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": request.get("model", "m"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "I can't help with that."}}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
                })

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ref(self, alias: str) -> str:
        return f"{alias}@{self.url}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def failing_provider():
    """``failing_provider(answers)``: an endpoint that answers that many chats, then fails (closed after the test)."""
    made: list[_FailingProvider] = []

    def start(answers: int = 0) -> _FailingProvider:
        made.append(_FailingProvider(answers))
        return made[-1]

    yield start
    for provider in made:
        provider.close()


@pytest.fixture
def closed_port():
    """A loopback address where nothing listens (a port that was free a moment ago)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
