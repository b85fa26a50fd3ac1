"""``ftaudit serve-models``: serve ftaudit models on a local OpenAI-compatible HTTP API."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ftaudit.errors import ConfigError
from ftaudit.serve import DEFAULT_HOST, DEFAULT_MAX_MESSAGES, DEFAULT_PORT
from ftaudit.serve_guard import (
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_READ_TIMEOUT_S,
    is_loopback_host,
)

console = Console(stderr=True)


def serve_models_command(
    models: list[str] = typer.Argument(
        ...,
        metavar="MODEL_OR_ALIAS...",
        help="Models to serve: ALIAS=REF (e.g. tuned=local:smollm2-135m+adapter=DIR) or a bare REF.",
    ),
    host: str = typer.Option(DEFAULT_HOST, "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(DEFAULT_PORT, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    cache: str = typer.Option("off", "--cache", help="Response cache of the served models: on, read-only or off."),
    warm: bool = typer.Option(True, "--warm/--no-warm", help="Load local weights and adapters before serving."),
    log_level: str = typer.Option("info", "--log-level", help="Server log level (uvicorn): debug, info, warning…"),
    max_connections: int = typer.Option(
        DEFAULT_MAX_CONNECTIONS, "--max-connections", min=1,
        help="Open connections at most; more are closed on arrival (lowered to fit the file-descriptor limit).",
    ),
    idle_timeout: float = typer.Option(
        DEFAULT_IDLE_TIMEOUT_S, "--idle-timeout", min=0.1, help="Seconds a connection may stay silent before it is closed.",
    ),
    request_timeout: float = typer.Option(
        DEFAULT_REQUEST_READ_TIMEOUT_S, "--request-timeout", min=0.1,
        help="Seconds a client has to send a whole request (headers and body); then 408.",
    ),
    max_messages: int = typer.Option(DEFAULT_MAX_MESSAGES, "--max-messages", min=1, help="Messages one request may carry."),
    allow_host: list[str] = typer.Option(
        [], "--allow-host", metavar="NAME",
        help="Also accept this Host name and web pages from it (repeatable); by default only loopback names.",
    ),
) -> None:
    """Serve models on an OpenAI-compatible API (GET /v1/models, POST /v1/chat/completions).

    Any auditor or tool can then query them, e.g. ftaudit itself as NAME@http://HOST:PORT/v1.
    Non-streaming chat only; any API key is accepted. Ctrl-C stops the server.
    """
    from ftaudit.serve import ModelServer, listen_socket, parse_model_specs, serve, url_host
    from ftaudit.serve_guard import ServeLimits

    if cache not in ("on", "off", "read-only"):
        raise ConfigError(f"--cache must be on, read-only or off, not {cache!r}")
    served = parse_model_specs(models)
    limits = ServeLimits(max_connections=max_connections, idle_timeout_s=idle_timeout, request_read_timeout_s=request_timeout)
    server = ModelServer(
        served, cache=cache, max_messages=max_messages, check_host=is_loopback_host(host), allowed_hosts=allow_host
    )
    sock = listen_socket(host, port, limits.effective_backlog())  # before announcing the URL: fails now if the port is taken
    base_url = f"http://{url_host(host)}:{sock.getsockname()[1]}/v1"
    if warm:
        with console.status("loading local weights…", spinner="dots"):
            server.warm_up()
    table = Table(title=f"OpenAI-compatible server on {escape(base_url)}", show_header=True, header_style="bold")
    table.add_column("model (alias)")
    table.add_column("serves")
    table.add_column("ftaudit reference")
    for alias, ref in served.items():
        table.add_row(escape(alias), escape(ref), escape(f"{alias}@{base_url}"))
    console.print(table)
    console.print("[dim]POST /v1/chat/completions (non-streaming), GET /v1/models · any API key is accepted · Ctrl-C stops[/]")
    if not is_loopback_host(host):
        console.print(
            f"[yellow]warning:[/] listening on {escape(host)} without authentication: anyone who can reach "
            "this address can query the models"
        )
    serve(server, host, port, log_level=log_level, sock=sock, limits=limits)
