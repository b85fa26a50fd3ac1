"""What keeps ``ftaudit serve-models`` answerable and private: connection limits, read deadlines,
Host/Origin/content-type checks and quiet logs.

uvicorn (h11) gives a connection no deadline until it has answered a request on it: an idle
connection, or one that sends its headers or body a byte at a time, stays open for ever, and
enough of them exhaust the process's file descriptors. :func:`guarded_protocol` adds what
uvicorn lacks at the connection level, where headers are read: a cap on open connections (a
connection over it is closed at once), a deadline for the first byte (uvicorn's keep-alive
timeout, also applied before the first request) and a deadline from a request's first byte to
the end of its body. A request that misses it gets a 408 and the connection is closed.

:class:`RequestGuard` is an ASGI middleware for what a browser can be made to send. Bound to
loopback (the default), the server refuses a ``Host`` that is not a loopback name (DNS
rebinding: a page on ``evil.example`` resolving to 127.0.0.1); on any address it refuses a
request whose ``Origin`` is not loopback or allowed (a cross-site page), and a POST that is not
``application/json`` (the content types a page may send without a CORS preflight).

Rejected connections are counted, and the log says so at most once per
:data:`LOG_REPEAT_WINDOW_S` per kind of message, so a flood cannot fill the disk with logs.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: Open connections beyond this are closed on arrival (each holds a file descriptor).
DEFAULT_MAX_CONNECTIONS = 256
#: File descriptors kept free, beyond those open when the server starts, for what it opens later
#: (weights, cache, tokenizer files) when the connection cap is fitted to the descriptor limit.
RESERVED_FILE_DESCRIPTORS = 64
#: Seconds a connection may stay silent: before its first request and between requests.
DEFAULT_IDLE_TIMEOUT_S = 5.0
#: Seconds from a request's first byte to the end of its body (headers and body together).
DEFAULT_REQUEST_READ_TIMEOUT_S = 10.0
#: Pending connections the kernel queues before the server accepts them.
DEFAULT_BACKLOG = 128
#: A message the server logs repeatedly (a refused connection, a bad request) is logged at
#: most once per this many seconds, with the count of those left out.
LOG_REPEAT_WINDOW_S = 10.0

# Accept batches that can be in flight before the refused connections of the first are closed.
_ACCEPT_BATCHES = 2
_MIN_BACKLOG = 8

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})

logger = logging.getLogger("ftaudit.serve")


@dataclass(frozen=True)
class ServeLimits:
    """How much of the server one client may hold, and for how long (see the module docstring)."""

    max_connections: int = DEFAULT_MAX_CONNECTIONS
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    request_read_timeout_s: float = DEFAULT_REQUEST_READ_TIMEOUT_S
    backlog: int = DEFAULT_BACKLOG

    def effective_max_connections(self) -> int:
        """The cap, lowered to fit the file descriptors still free, so ``accept`` never fails for want of one."""
        try:
            import resource

            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        except (ImportError, ValueError, OSError):
            return self.max_connections
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        # asyncio accepts up to a backlog's worth of connections in one go before any reaches
        # the cap check, and the connections refused in one batch are closed only on a later
        # turn of the loop, by when a second batch may have been accepted: room for two.
        free = soft - _open_file_descriptors() - RESERVED_FILE_DESCRIPTORS - _ACCEPT_BATCHES * self.effective_backlog()
        return max(1, min(self.max_connections, free))

    def effective_backlog(self) -> int:
        """The listen backlog, lowered under a tight descriptor limit (it is also asyncio's accept batch)."""
        try:
            import resource

            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        except (ImportError, ValueError, OSError):
            return self.backlog
        if soft == resource.RLIM_INFINITY:
            return self.backlog
        available = soft - _open_file_descriptors() - RESERVED_FILE_DESCRIPTORS
        return max(_MIN_BACKLOG, min(self.backlog, available // (2 * _ACCEPT_BATCHES)))


def _open_file_descriptors() -> int:
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return 0


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine's loopback."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """The name part of a Host header: ``[::1]:8000`` → ``::1``, ``localhost:8000`` → ``localhost``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


# -- quiet logs ------------------------------------------------------------------------------


class RepeatFilter(logging.Filter):
    """Lets a message through at most once per window, noting how many like it were left out."""

    def __init__(self, window_s: float = LOG_REPEAT_WINDOW_S) -> None:
        super().__init__()
        self.window_s = window_s
        self._seen: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        template = f"{record.name}:{record.msg}"
        now = time.monotonic()
        with self._lock:
            last, dropped = self._seen.get(template, (-float("inf"), 0))
            if now - last < self.window_s:
                self._seen[template] = (last, dropped + 1)
                return False
            self._seen[template] = (now, 0)
        if dropped:
            record.msg = f"{record.msg} ({dropped} more like this in the last {self.window_s:g} s not logged)"
        if record.exc_info and dropped:
            record.exc_info = None  # one traceback per window is enough to diagnose
        return True


_FILTERED: set[str] = set()


def quiet_repeats(names: Iterable[str] = ("uvicorn.error", "asyncio", "ftaudit.serve")) -> None:
    """Attach one :class:`RepeatFilter` to each named logger (once per process)."""
    for name in names:
        if name not in _FILTERED:
            logging.getLogger(name).addFilter(RepeatFilter())
            _FILTERED.add(name)


# -- connection level -------------------------------------------------------------------------

_TIMEOUT_BODY = json.dumps(
    {"error": {"message": "the request did not arrive in time", "type": "invalid_request_error", "param": None,
               "code": "request_timeout"}}
).encode()
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    b"content-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n\r\n" + _TIMEOUT_BODY
)


def guarded_protocol(limits: ServeLimits) -> type:
    """uvicorn's h11 protocol with the connection cap and the read deadlines of ``limits``."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    cap = limits.effective_max_connections()
    read_timeout = limits.request_read_timeout_s

    class GuardedH11Protocol(H11Protocol):
        _read_deadline: Any = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > cap:
                logger.warning("refused a connection: %d connections are open (the limit)", cap)
                transport.close()
                return
            # uvicorn arms its keep-alive timer only after a response; a fresh connection gets it too.
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

        def data_received(self, data: bytes) -> None:
            if self._read_deadline is None and self.conn.their_state is h11.IDLE:
                self._read_deadline = self.loop.call_later(read_timeout, self._read_timed_out)
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE and self.conn.their_state is not h11.SEND_BODY:
                self._cancel_read_deadline()  # the whole request is in

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_read_deadline()
            super().connection_lost(exc)

        def _cancel_read_deadline(self) -> None:
            if self._read_deadline is not None:
                self._read_deadline.cancel()
                self._read_deadline = None

        def _read_timed_out(self) -> None:
            self._read_deadline = None
            if self.transport.is_closing() or self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
                return
            logger.warning("closed a connection that did not send its request within %g s", read_timeout)
            responding = self.conn.their_state is h11.SEND_BODY and self.cycle is not None and self.cycle.response_started
            if not responding:
                self.transport.write(_TIMEOUT_RESPONSE)
            # The application, if it is reading the body, sees the client disconnect.
            self.transport.close()

    return GuardedH11Protocol


# -- request level ----------------------------------------------------------------------------


class RequestGuard:
    """ASGI middleware: refuse foreign Host (when loopback-bound), foreign Origin and non-JSON POSTs.

    ``check_host``: whether the Host header must name loopback or one of ``allowed_hosts``.
    An Origin must always name loopback or one of ``allowed_hosts``; clients that are not
    browsers send none.
    """

    def __init__(self, app: Any, *, check_host: bool, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.check_host = check_host
        self.allowed_hosts = frozenset(_host_name(h) for h in allowed_hosts)

    def _allowed(self, name: str) -> bool:
        return is_loopback_host(name) or name in self.allowed_hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope["method"], headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, message, code = refusal
        logger.warning("refused a request: %s", code)
        body = json.dumps(
            {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}
        ).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, method: str, headers: dict[str, str]) -> tuple[int, str, str] | None:
        host = headers.get("host", "")
        if self.check_host and not self._allowed(_host_name(host)):
            return (400, f"Host {host!r} is not this server's name; it answers on loopback only "
                    "(serve-models --allow-host NAME to accept another)", "invalid_host")
        origin = headers.get("origin")
        if origin is not None:
            name = (urlsplit(origin).hostname or "") if origin != "null" else ""
            if not self._allowed(name):
                return (403, f"requests from the web page {origin!r} are refused (cross-site); "
                        "serve-models --allow-host NAME accepts a page from NAME", "forbidden_origin")
        if method == "POST":
            media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media != "application/json":
                return (415, f"Content-Type {media or 'none'!r} is not accepted: send the body as "
                        "application/json", "unsupported_media_type")
        return None
