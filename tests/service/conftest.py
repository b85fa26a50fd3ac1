"""Fixtures of the service tests: a real PostgreSQL, the service as real subprocesses, a webhook receiver.

Every test that takes ``db`` runs twice, on SQLite (the embedded mode) and on PostgreSQL (a
server started once per session by :class:`pgserver.TempPostgres`, a fresh database per test).
The service runs as ``python -m ftaudit service start`` / ``worker`` processes, exactly as an
operator runs it, configured by a YAML file with short polling and lease times.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgserver import TempPostgres, free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "ftaudit" / "examples" / "sample-chat.jsonl"
#: Two dataset screens that import nothing heavy: an audit is a fraction of a second, so the tests time the service.
SCREENS = ["numbers-only", "steganography"]
#: Short timings, so waiting on the queue, a dead worker's lease and webhook retries takes a second or two.
TEST_SETTINGS = {
    "poll_s": 0.1, "heartbeat_s": 0.3, "lease_s": 2.0, "webhook_attempts": 3, "webhook_interval_s": 0.2,
    "max_upload_bytes": 1024 * 1024,
}
START_TIMEOUT_S = 90
AUDIT_TIMEOUT_S = 120


@pytest.fixture(scope="session")
def postgres():
    server = TempPostgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    """The service database: an SQLite file, or a fresh database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.sqlite'}"
    return request.getfixturevalue("postgres").create_database(f"svc_{uuid.uuid4().hex[:12]}")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ftaudit", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


class Service:
    """The service's processes on one database: the API (with or without workers) and worker processes."""

    def __init__(self, db: str, folder: Path, **settings: Any) -> None:
        self.db = db
        self.folder = folder
        self.config = folder / "service.yaml"
        self.config.write_text(yaml.safe_dump({**TEST_SETTINGS, **settings}))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}
        self._logs: list[Path] = []

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        self._logs.append(log)
        handle = log.open("a")
        return subprocess.Popen([sys.executable, "-m", "ftaudit", "service", *args, "--db", self.db, "--config", str(self.config)],
                                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def create_key(self, tenant: str, *, reviewer: bool = False, name: str | None = None) -> tuple[str, str | None]:
        """A new key and the tenant's webhook secret (None for a known tenant), as ``keys create`` makes them.

        In-process (seconds saved per key); the command itself is run once, in the round-trip test.
        """
        from ftaudit.service.store import Store

        store = Store(self.db)
        try:
            return store.create_key(tenant, name or ("reviewer" if reviewer else "submitter"), reviewer=reviewer)
        finally:
            store.close()

    def create_key_with_cli(self, tenant: str) -> tuple[str, str | None]:
        """``ftaudit service keys create``: the key (its last line) and the webhook secret it printed."""
        done = cli("service", "keys", "create", "--tenant", tenant, "--db", self.db)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.strip().splitlines()
        secret = next((line.rsplit(" ", 1)[1] for line in lines if line.startswith("webhook secret")), None)
        return lines[-1], secret

    def start(self, workers: int = 1) -> Service:
        self.api = self._spawn("api", "start", "--port", str(self.port), "--workers", str(workers))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.api.poll() is not None:
                raise RuntimeError(f"the service exited ({self.api.returncode}):\n{self.logs()}")
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the service did not answer in {START_TIMEOUT_S}s:\n{self.logs()}")

    def start_worker(self, executor_id: str) -> subprocess.Popen:
        self.workers[executor_id] = self._spawn(f"worker-{executor_id}", "worker", "--executor-id", executor_id)
        return self.workers[executor_id]

    def stop_api(self, sig: int = signal.SIGTERM) -> None:
        if self.api is not None and self.api.poll() is None:
            self.api.send_signal(sig)
            try:
                self.api.wait(30)
            except subprocess.TimeoutExpired:
                self.api.kill()
                self.api.wait()
        self.api = None

    def stop(self) -> None:
        self.stop_api()
        for proc in self.workers.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.workers.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self._logs if p.exists())

    # -- the API, as a client uses it ---------------------------------------------------------------

    def submit(self, key: str, content: bytes | None = None, *, name: str = "train.jsonl", idempotency_key: str | None = None,
               **fields: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        data = {"auditor": json.dumps({"screens": SCREENS}), **fields}
        files = {"file": (name, EXAMPLE.read_bytes() if content is None else content, "application/jsonl")}
        return httpx.post(f"{self.url}/v1/audits", headers=headers, data=data, files=files, timeout=60)

    def get(self, key: str, path: str, **params: Any) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {key}"}, params=params, timeout=30)

    def post(self, key: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=30, **kwargs)

    def wait_for(self, key: str, audit_id: str, statuses: tuple[str, ...] = ("done", "inconclusive"),
                 timeout: float = AUDIT_TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            audit = self.get(key, f"/v1/audits/{audit_id}").json()
            if audit["status"] in statuses:
                return audit
            time.sleep(0.1)
        raise TimeoutError(f"audit {audit_id} still {audit['status']} after {timeout}s:\n{self.logs()}")


@pytest.fixture
def service_factory(tmp_path):
    started: list[Service] = []

    def make(db: str, **settings: Any) -> Service:
        service = Service(db, tmp_path, **settings)
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()


class WebhookReceiver:
    """A loopback HTTP server that records every webhook (headers and body); answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/ftaudit"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, count: int, timeout: float = 30) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def event_kinds(events: list[dict[str, Any]]) -> list[str]:
    return [e["kind"] for e in events]


def as_json(response: httpx.Response) -> Any:
    assert response.headers["content-type"].startswith("application/json"), response.text
    return json.loads(response.text)
