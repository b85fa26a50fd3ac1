"""ftaudit's models behind a local OpenAI-compatible HTTP API (``ftaudit serve-models``).

Any auditor or tool that speaks the OpenAI chat API can then query the embedded models and
local LoRA fine-tunes: ``GET /v1/models`` and non-streaming ``POST /v1/chat/completions``.
Each model is served under an alias (``tuned=local:smollm2-135m+adapter=DIR``) and reached
as ``tuned@http://HOST:PORT/v1``. Requests go through the model layer
(:meth:`~ftaudit.models.ChatModel.chat`), so prefill, metering and errors behave as
everywhere else in ftaudit.

What the server cannot honour it refuses with a 400 in OpenAI's error shape rather than
quietly ignoring (``n`` > 1, streaming, tools, logprobs, penalties, unknown fields): the
request is a pydantic model, :class:`~ftaudit.serve_request.ChatRequest`. A trailing assistant
message is an assistant prefill: the reply continues it (vLLM's ``continue_final_message``). Local generation is serialised per set of weights, because
the local backend switches LoRA adapters on shared modules. Any API key is accepted.

A chat longer than the model's context (prompt plus ``max_tokens``) or than
:data:`DEFAULT_MAX_MESSAGES` messages is refused with a 400 before it queues; a client that
goes away stops its generation (and leaves the queue), so it cannot hold the model for
others. Connection limits, read deadlines and Host/Origin checks are in
:mod:`ftaudit.serve_guard`. Each ``/v1/models`` entry carries a ``weights_fingerprint`` (a
hash of the weights and adapter behind the alias), which ftaudit's client uses to key its
response cache, so an alias re-served with other weights never answers from old entries.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio

from ftaudit.errors import ConfigError, ModelError, ModelRequestError, ModelUnavailableError, UnsupportedFeatureError
from ftaudit.models import ChatModel, ChatMessage, Completion, SamplingParams, get_model, parse_model_ref
from ftaudit.models.base import ContextLengthExceeded, GenerationCancelled, cancel_when
from ftaudit.models.ref import ModelRef
from ftaudit.models.remote import FINGERPRINT_FIELD
from ftaudit.serve_guard import DEFAULT_BACKLOG, RequestGuard, ServeLimits, guarded_protocol, is_loopback_host, quiet_repeats
from ftaudit.serve_request import RequestError, parse_request

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_BODY_BYTES = 8 * 1024 * 1024
#: Messages one request may carry (a long audit conversation has tens).
DEFAULT_MAX_MESSAGES = 256
_ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")


def parse_model_specs(specs: Sequence[str]) -> dict[str, str]:
    """``ALIAS=REF`` or bare ``REF`` arguments as ``{alias: canonical reference}``.

    A bare reference is served under its model name (``local:smollm2-135m`` as
    ``smollm2-135m``; with an adapter, ``smollm2-135m-ADAPTERDIR``). Raises
    :class:`ConfigError` for a bad reference, a bad alias or an alias given twice.
    """
    if not specs:
        raise ConfigError("name at least one model to serve, e.g. base=local:smollm2-135m")
    served: dict[str, str] = {}
    for spec in specs:
        alias, ref_text = _split_spec(spec)
        ref = parse_model_ref(ref_text)
        alias = alias or default_alias(ref)
        if not _ALIAS.match(alias):
            raise ConfigError(
                f"alias {alias!r} of {spec!r}: use letters, digits and . _ / - (at most 128), e.g. tuned=REF"
            )
        if alias in served:
            raise ConfigError(f"two models are served as {alias!r}; give them distinct aliases (ALIAS=REF)")
        served[alias] = str(ref)
    return served


def _split_spec(spec: str) -> tuple[str | None, str]:
    # "tuned=local:x+adapter=DIR": the alias is what precedes the first "=" if it is a plain
    # word; "local:x+adapter=DIR" alone has a ":" or "+" before its first "=".
    head, sep, rest = spec.partition("=")
    if sep and head and not any(ch in head for ch in ":+@"):
        return head.strip(), rest.strip()
    return None, spec.strip()


def default_alias(ref: ModelRef) -> str:
    """The name a model is served under when the user gives no alias."""
    name = ref.name.rstrip("/").rsplit("/", 1)[-1] if ref.is_local else ref.name
    if ref.adapter is not None:
        name += "-" + (ref.adapter.name or "adapter")
    return re.sub(r"[^A-Za-z0-9._/-]", "-", name).lstrip("._/-") or "model"


@dataclass
class ServedModel:
    """One model behind an alias; ``lock_key`` names the weights its generation is serialised on."""

    alias: str
    ref: str
    model: ChatModel
    lock_key: str | None
    created: int = field(default_factory=lambda: int(time.time()))


class ModelServer:
    """The served models and the ASGI app (Starlette) that answers for them."""

    def __init__(
        self,
        models: Mapping[str, str],
        *,
        cache: str | None = "off",
        max_messages: int = DEFAULT_MAX_MESSAGES,
        check_host: bool = True,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        if not models:
            raise ConfigError("name at least one model to serve")
        self.models: dict[str, ServedModel] = {}
        for alias, ref in models.items():
            if not _ALIAS.match(alias):
                raise ConfigError(f"alias {alias!r}: use letters, digits and . _ / - (at most 128)")
            parsed = parse_model_ref(ref)
            # Building the model checks what can be checked now (an adapter folder, a provider).
            model = get_model(parsed, cache=cache)  # type: ignore[arg-type]
            lock_key = f"local:{parsed.name}" if parsed.is_local else None
            self.models[alias] = ServedModel(alias, str(parsed), model, lock_key)
        if max_messages < 1:
            raise ConfigError(f"the message limit must be at least 1, not {max_messages}")
        self.max_messages = max_messages
        self.check_host = check_host
        self.allowed_hosts = tuple(allowed_hosts)
        self._locks: dict[str, anyio.Lock] = {}
        self.app = self._build_app()

    def warm_up(self) -> None:
        """Load every local model's weights and adapters now, so the first request is not the slow one."""
        from ftaudit.models.local import LocalChatModel

        for served in self.models.values():
            model = served.model
            if isinstance(model, LocalChatModel):
                weights = model.weights()
                if model.ref.adapter is not None:
                    with weights.lock:
                        weights.adapter_name(model.ref.adapter)

    def _lock(self, key: str) -> anyio.Lock:
        # Created on first use inside the server's event loop; no await between check and set.
        if key not in self._locks:
            self._locks[key] = anyio.Lock()
        return self._locks[key]

    # -- the HTTP API ---------------------------------------------------------------------

    def _build_app(self) -> Any:
        from starlette.applications import Starlette
        from starlette.exceptions import HTTPException
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def chat_completions(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except Exception:  # noqa: BLE001 - any undecodable body is the client's mistake
                raise RequestError(400, "the request body is not valid JSON") from None
            return JSONResponse(await self.complete_while_connected(body, request.receive))

        async def list_models(request: Request) -> JSONResponse:
            cards = [await self._model_card(s) for s in self.models.values()]
            return JSONResponse({"object": "list", "data": cards})

        async def get_one(request: Request) -> JSONResponse:
            alias = request.path_params["alias"]
            if alias not in self.models:
                raise self._unknown_model(alias)
            return JSONResponse(await self._model_card(self.models[alias]))

        async def health(request: Request) -> JSONResponse:
            return JSONResponse({"status": "ok", "models": list(self.models)})

        async def on_request_error(request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, RequestError)
            return JSONResponse(exc.body(), status_code=exc.status)

        async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, HTTPException)
            kind = "not_found_error" if exc.status_code == 404 else "invalid_request_error"
            error = RequestError(exc.status_code, f"{request.method} {request.url.path}: {exc.detail}", kind=kind)
            return JSONResponse(error.body(), status_code=exc.status_code)

        routes = [
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/models/{alias:path}", get_one, methods=["GET"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
        app = Starlette(
            routes=routes,
            exception_handlers={RequestError: on_request_error, HTTPException: on_http_error},
            max_body_size=MAX_BODY_BYTES,
        )
        return RequestGuard(app, check_host=self.check_host, allowed_hosts=self.allowed_hosts)

    async def _model_card(self, served: ServedModel) -> dict[str, Any]:
        card = {"id": served.alias, "object": "model", "created": served.created, "owned_by": "ftaudit",
                "root": served.ref}
        try:
            identity = await served.model.resolve_cache_identity()
        except ModelError:
            identity = None  # weights that cannot be read now: no fingerprint, so clients do not cache
        if identity is not None:
            card[FINGERPRINT_FIELD] = hashlib.sha256(identity.encode()).hexdigest()[:32]
        return card

    def _unknown_model(self, alias: str) -> RequestError:
        return RequestError(
            404, f"model {alias!r} is not served here; served: {', '.join(self.models)}",
            param="model", code="model_not_found", kind="not_found_error",
        )

    async def complete_while_connected(self, body: Any, receive: Any) -> dict[str, Any]:
        """:meth:`complete`, stopped (generation included) as soon as ``receive`` reports the client gone."""
        cancel = threading.Event()
        outcome: dict[str, Any] = {}

        async def watch(scope: anyio.CancelScope) -> None:
            # After the body, uvicorn's receive() returns only when the client disconnects
            # (or the response is sent, and by then this task is cancelled).
            while (await receive())["type"] != "http.disconnect":
                pass
            cancel.set()
            scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(watch, group.cancel_scope)
            try:
                with cancel_when(cancel):
                    outcome["reply"] = await self.complete(body)
            except RequestError as exc:  # kept out of the task group's exception group
                outcome["error"] = exc
            finally:
                group.cancel_scope.cancel()
        if "error" in outcome:
            raise outcome["error"]
        if "reply" not in outcome:
            # Nobody reads this: the client has gone.
            raise RequestError(400, "the client disconnected before the reply", code="client_disconnected")
        return outcome["reply"]

    async def complete(self, body: Any) -> dict[str, Any]:
        """Answer one chat completions request body (a dict); raises :class:`RequestError`."""
        alias, messages, prefill, params = self.parse_request(body)
        served = self.models[alias]
        try:
            # Before the queue: an overlong chat is refused without waiting for the model.
            await served.model.check_fits(messages, prefill, params)
            if served.lock_key is not None:
                async with self._lock(served.lock_key):
                    completion = await served.model.chat(messages, params, prefill=prefill)
            else:
                completion = await served.model.chat(messages, params, prefill=prefill)
        except ContextLengthExceeded as exc:
            raise RequestError(400, str(exc), param="messages", code="context_length_exceeded") from None
        except GenerationCancelled as exc:
            raise RequestError(400, str(exc), code="client_disconnected") from None
        except (ConfigError, UnsupportedFeatureError, ModelRequestError) as exc:
            raise RequestError(400, str(exc)) from None
        except ModelUnavailableError as exc:
            raise RequestError(503, str(exc), kind="server_error") from None
        except ModelError as exc:
            raise RequestError(500, str(exc), kind="server_error") from None
        return _response(alias, completion)

    def parse_request(self, body: Any) -> tuple[str, list[ChatMessage], str | None, SamplingParams]:
        """Check a request body (:class:`~ftaudit.serve_request.ChatRequest`) and turn it into the model layer's terms."""
        return parse_request(body, models=list(self.models), max_messages=self.max_messages)


def _response(alias: str, completion: Completion) -> dict[str, Any]:
    finish = completion.finish_reason if completion.finish_reason in ("stop", "length", "content_filter") else "stop"
    usage = completion.usage
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": alias,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": completion.text}, "finish_reason": finish,
             "logprobs": None}
        ],
        "usage": {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.input_tokens + usage.output_tokens,
        },
        "system_fingerprint": None,
    }


# -- running it ---------------------------------------------------------------------------


def listen_socket(host: str, port: int, backlog: int = DEFAULT_BACKLOG) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one); :class:`ConfigError` when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def url_host(host: str) -> str:
    """How a client reaches ``host``: a wildcard address becomes loopback, IPv6 gets brackets."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class ServerHandle:
    """A server running in a background thread; ``close()`` stops it (also as a context manager)."""

    def __init__(self, server: Any, thread: threading.Thread, sock: socket.socket, models: ModelServer) -> None:
        self._server = server
        self._thread = thread
        self._sock = sock
        self.models = models
        host, port = sock.getsockname()[:2]
        self.host, self.port = host, port
        self.base_url = f"http://{url_host(host)}:{port}/v1"

    def ref(self, alias: str) -> str:
        """The ftaudit model reference of a served alias, e.g. ``tuned@http://127.0.0.1:PORT/v1``."""
        if alias not in self.models.models:
            raise ConfigError(f"{alias!r} is not served here")
        return f"openai-compatible:{alias}@{self.base_url}"

    def close(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _uvicorn_server(app: Any, log_level: str, limits: ServeLimits) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="off",
        timeout_graceful_shutdown=5,
        http=guarded_protocol(limits),
        timeout_keep_alive=limits.idle_timeout_s,  # type: ignore[arg-type]  # uvicorn takes a float here too
        backlog=limits.effective_backlog(),
    )
    quiet_repeats()  # after uvicorn.Config, which (re)configures uvicorn's loggers
    return uvicorn.Server(config)


def serve_in_thread(
    models: Mapping[str, str],
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    cache: str | None = "off",
    warm: bool = False,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
    limits: ServeLimits | None = None,
    max_messages: int = DEFAULT_MAX_MESSAGES,
    allowed_hosts: Sequence[str] = (),
) -> ServerHandle:
    """Start the server for ``{alias: reference}`` in a daemon thread and return once it accepts requests.

    ``port=0`` picks a free port (see ``handle.base_url``). ``cache`` is the response cache
    mode of the served models (off by default: clients keep their own cache). For tests and
    notebooks; the CLI runs :func:`serve` in the foreground.
    """
    limits = limits or ServeLimits()
    model_server = ModelServer(
        models, cache=cache, max_messages=max_messages, check_host=is_loopback_host(host), allowed_hosts=allowed_hosts
    )
    if warm:
        model_server.warm_up()
    sock = listen_socket(host, port, limits.effective_backlog())
    server = _uvicorn_server(model_server.app, log_level, limits)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="ftaudit-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise ConfigError(f"the model server did not start on {host}:{port}")
        time.sleep(0.02)
    return ServerHandle(server, thread, sock, model_server)


def serve(
    models: Mapping[str, str] | ModelServer,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    cache: str | None = "off",
    log_level: str = "info",
    sock: socket.socket | None = None,
    limits: ServeLimits | None = None,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C); ``sock``: an already listening socket."""
    limits = limits or ServeLimits()
    model_server = (
        models if isinstance(models, ModelServer)
        else ModelServer(models, cache=cache, check_host=is_loopback_host(host))
    )
    sock = sock or listen_socket(host, port, limits.effective_backlog())
    try:
        _uvicorn_server(model_server.app, log_level, limits).run(sockets=[sock])
    finally:
        sock.close()
