"""``ftaudit serve-models`` cannot be tied up or reached from a web page (issue 13, item 4).

Real servers on free loopback ports and raw sockets. The connection-level tests serve a
remote reference that is never called (nothing loads), with short deadlines so each test takes
about a second; the context-length and cancellation tests serve the embedded model.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from ftaudit.serve import serve_in_thread
from ftaudit.serve_guard import ServeLimits

UNUSED = {"remote": "llama@http://127.0.0.1:9/v1"}  # never called: these requests stop before the model
FAST = ServeLimits(max_connections=8, idle_timeout_s=0.5, request_read_timeout_s=1.0)
CHAT = {"model": "remote", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


@pytest.fixture
def server():
    with serve_in_thread(UNUSED, limits=FAST, allowed_hosts=["audit.internal"]) as handle:
        yield handle


def _connect(handle) -> socket.socket:
    sock = socket.create_connection((handle.host, handle.port), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    started, chunks = time.monotonic(), []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks), time.monotonic() - started


def test_an_idle_connection_is_closed(server):
    with _connect(server) as sock:
        data, waited = _read_all(sock)
    assert data == b"" and waited < 3


def test_headers_sent_a_byte_at_a_time_get_408(server):
    request = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Slow: {'a' * 40}\r\n\r\n".encode()
    started = time.monotonic()
    with _connect(server) as sock:
        sock.settimeout(0.5)
        reply = b""
        for byte in request:  # well under the idle timeout per byte, far over the request deadline overall
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.1)
            try:
                reply += sock.recv(4096)
            except (TimeoutError, socket.timeout):
                continue
            if reply:
                break
        sock.settimeout(10)
        rest, _ = _read_all(sock)
    assert (reply + rest).startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 4


def test_a_body_that_never_ends_gets_408_and_the_server_answers_others(server):
    head = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
        "Content-Length: 1000\r\n\r\n"
    ).encode()
    with _connect(server) as sock:
        sock.sendall(head + b'{"model": "remote", ')
        data, waited = _read_all(sock)
    assert data.startswith(b"HTTP/1.1 408") and waited < 4
    assert httpx.get(f"{server.base_url}/models", timeout=10).status_code == 200


def test_connections_over_the_limit_are_closed_at_once_and_logged_once(server, caplog):
    caplog.set_level(logging.WARNING, logger="ftaudit.serve")
    held = [_connect(server) for _ in range(FAST.max_connections)]
    try:
        time.sleep(0.1)
        extra = [_connect(server) for _ in range(20)]
        for sock in extra:
            data, waited = _read_all(sock)
            assert data == b"" and waited < 0.4  # well before the idle timeout
            sock.close()
    finally:
        for sock in held:
            sock.close()
    refusals = [r for r in caplog.records if "refused a connection" in r.getMessage()]
    assert len(refusals) == 1
    # The held connections are gone: the server answers again.
    assert httpx.get(f"{server.base_url}/models", timeout=10).status_code == 200


def test_foreign_host_origin_and_content_types_are_refused(server):
    url = f"{server.base_url}/chat/completions"
    with httpx.Client(timeout=10) as client:
        rebinding = client.post(url, json=CHAT, headers={"Host": f"evil.example:{server.port}"})
        assert rebinding.status_code == 400 and rebinding.json()["error"]["code"] == "invalid_host"
        cross_site = client.post(url, json=CHAT, headers={"Origin": "http://evil.example"})
        assert cross_site.status_code == 403 and cross_site.json()["error"]["code"] == "forbidden_origin"
        sandboxed = client.get(f"{server.base_url}/models", headers={"Origin": "null"})
        assert sandboxed.status_code == 403
        # What a page can POST without a CORS preflight: text/plain, a form, no type at all.
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"Content-Type": content_type} if content_type else {}
            response = client.post(url, content=json.dumps(CHAT).encode(), headers=headers)
            assert response.status_code == 415, content_type
            assert response.json()["error"]["code"] == "unsupported_media_type"
        # Loopback names, a page on loopback and an allowed name (--allow-host) are served.
        for headers in ({"Host": "localhost"}, {"Host": f"[::1]:{server.port}"},
                        {"Origin": "http://localhost:5173"}, {"Host": "audit.internal", "Origin": "https://audit.internal"}):
            listed = client.get(f"{server.base_url}/models", headers=headers)
            assert listed.status_code == 200, headers


def test_too_many_messages_is_a_400(server):
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": "x"} for i in range(1001)]
    response = httpx.post(f"{server.base_url}/chat/completions", json={**CHAT, "messages": turns}, timeout=10)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_many_messages" and error["param"] == "messages"


def test_a_flood_of_idle_connections_does_not_starve_the_command(tmp_path):
    """The real command with a low file-descriptor limit: 600 idle connections, then a request is answered and the log stays small."""
    env = {**os.environ, "COLUMNS": "200", "FTAUDIT_CACHE_DIR": str(tmp_path)}
    log = tmp_path / "stderr.log"

    def low_fd_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ftaudit", "serve-models", "remote=llama@http://127.0.0.1:9/v1", "--port", "0",
             "--log-level", "info", "--idle-timeout", "30"],
            stderr=stderr, stdout=subprocess.DEVNULL, text=True, env=env, preexec_fn=low_fd_limit,
        )
    held: list[socket.socket] = []
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            match = re.search(r"(http://127\.0\.0\.1:(\d+)/v1)", log.read_text())
            url = match.group(1) if match else None
            time.sleep(0.2)
        assert url, log.read_text()
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/models", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        for _ in range(600):
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                break
        time.sleep(1.0)
        for sock in held[:100]:  # a few of the refused ones are gone; free room for one client
            sock.close()
        del held[:100]
        time.sleep(0.5)
        answered = httpx.get(f"{url}/models", timeout=10)
        assert answered.status_code == 200
    finally:
        for sock in held:
            sock.close()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    text = log.read_text()
    assert "Too many open files" not in text and "Traceback" not in text
    assert log.stat().st_size < 20_000, text[-2000:]


# -- with the embedded model ------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_server():
    with serve_in_thread({"base": "local:smollm2-135m"}, warm=True) as handle:
        yield handle


@pytest.mark.slow
def test_a_chat_longer_than_the_context_is_refused_at_once(model_server):
    url = f"{model_server.base_url}/chat/completions"
    long_chat = [{"role": "user", "content": "word " * 10_000}]  # about 10k tokens, over the 8k context
    huge_chat = [{"role": "user", "content": "x" * 6_000_000}]  # refused from its size, without tokenizing
    for messages, max_tokens in ((long_chat, 16), (huge_chat, 16), ([{"role": "user", "content": "word " * 8000}], 500)):
        started = time.monotonic()
        response = httpx.post(url, json={"model": "base", "messages": messages, "max_tokens": max_tokens}, timeout=60)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "context_length_exceeded" and "8192" in error["message"]
        assert time.monotonic() - started < 5


@pytest.mark.slow
def test_a_client_that_leaves_stops_its_generation(model_server):
    """A 4,000-token generation would hold the model for minutes; its client leaves and a small request is served."""
    url = f"{model_server.base_url}/chat/completions"
    long_body = {"model": "base", "messages": [{"role": "user", "content": "Write the numbers from 1 to 5000."}],
                 "max_tokens": 4000}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url, json=long_body, timeout=httpx.Timeout(10, read=1.5))
    started = time.monotonic()
    small = httpx.post(url, json={"model": "base", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
                       timeout=60)
    assert small.status_code == 200 and small.json()["usage"]["completion_tokens"] > 0
    assert time.monotonic() - started < 20  # the long generation alone would hold the model for minutes
