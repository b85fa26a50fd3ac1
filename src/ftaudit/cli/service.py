"""``ftaudit service``: the audit service's API and workers, and its API keys.

``start`` serves the HTTP API and the reviewer pages; on SQLite (the default) it also runs the
workers in the same process (``--workers``), on PostgreSQL it may run none (``--workers 0``) and
leave the audits to ``ftaudit service worker`` processes on any machines. ``keys create`` prints
the new key on its last line.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from ftaudit.errors import ConfigError

app = typer.Typer(no_args_is_help=True)
keys_app = typer.Typer(no_args_is_help=True)
app.add_typer(keys_app, name="keys", help="Create API keys (one tenant each; --reviewer keys may decide).")
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

_DB_HELP = "sqlite:///FILE (embedded: queue and workers in this process) or postgresql://USER@HOST:PORT/DB."
_DB_ENV = "FTAUDIT_SERVICE_DB"


def _settings(config: Path | None, **flags: object):
    from ftaudit.service.settings import load_settings

    return load_settings(config, **flags)


@app.command("start")
def start_command(
    db: Optional[str] = typer.Option(None, "--db", envvar=_DB_ENV, help=_DB_HELP),
    workers: int = typer.Option(1, "--workers", min=0, help="Audits run at once in this process (0: API only)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535),
    config: Optional[Path] = typer.Option(None, "--config", help="ServiceSettings as YAML (limits, allow-lists, presets)."),
    max_upload_mb: Optional[float] = typer.Option(None, "--max-upload-mb", min=0.001, help="Largest training file (default 64)."),
    allow_path: Optional[list[Path]] = typer.Option(None, "--allow-path", help="A folder submitted paths may lie in (repeatable)."),
    allow_url: Optional[list[str]] = typer.Option(None, "--allow-url", help="A URL prefix submitted URLs may start with (repeatable)."),
) -> None:
    """Serve the audit API and the reviewer pages (and, with --workers N, run audits in this process)."""
    import uvicorn

    from ftaudit.service.api import create_app
    from ftaudit.service.pipeline import Client, Workers
    from ftaudit.service.store import Store

    settings = _settings(config, db=db, allow_paths=allow_path, allow_urls=allow_url,
                         max_upload_bytes=int(max_upload_mb * 1024 * 1024) if max_upload_mb else None)
    store = Store(settings.db)
    running = Workers(settings, store, concurrency=workers) if workers else None
    if running is not None:
        running.start()
    client = Client(settings)
    mode = "embedded" if settings.embedded else "PostgreSQL"
    err_console.print(f"[bold]ftaudit service[/] {mode} · {escape(_safe_url(settings.db))} · "
                      f"{workers} worker(s) in this process · http://{escape(host)}:{port}/ui/audits")
    try:
        uvicorn.run(create_app(settings, store, client), host=host, port=port, log_level="warning",
                    timeout_graceful_shutdown=5)
    finally:
        if running is not None:
            running.stop()
        client.close()
        store.close()


@app.command("worker")
def worker_command(
    db: Optional[str] = typer.Option(None, "--db", envvar=_DB_ENV, help=_DB_HELP),
    concurrency: int = typer.Option(1, "--concurrency", min=1, help="Audits this process runs at once (one per core is best)."),
    executor_id: Optional[str] = typer.Option(
        None, "--executor-id", help="A stable id: a restarted worker resumes its own audits at once (default: random)."
    ),
    config: Optional[Path] = typer.Option(None, "--config", help="ServiceSettings as YAML."),
) -> None:
    """Run audits from a PostgreSQL service's queue until stopped (SIGINT or SIGTERM)."""
    from ftaudit.service.pipeline import Workers
    from ftaudit.service.store import Store

    settings = _settings(config, db=db)
    if settings.embedded:
        raise ConfigError("workers in their own process need PostgreSQL (--db postgresql://…); "
                          "on SQLite `ftaudit service start --workers N` runs them")
    store = Store(settings.db)
    workers = Workers(settings, store, concurrency=concurrency, executor_id=executor_id)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    workers.start()
    err_console.print(f"[bold]ftaudit service worker[/] {escape(workers.executor_id)} · {escape(_safe_url(settings.db))} · "
                      f"concurrency {concurrency} · pid {os.getpid()}")
    try:
        stop.wait()
    finally:
        workers.stop()
        store.close()


@keys_app.command("create")
def keys_create_command(
    tenant: str = typer.Option(..., "--tenant", help="The tenant (customer account) the key acts for."),
    reviewer: bool = typer.Option(False, "--reviewer", help="A reviewer key: may also record decisions."),
    name: Optional[str] = typer.Option(None, "--name", help="Who holds it (shown in the decision trail)."),
    db: Optional[str] = typer.Option(None, "--db", envvar=_DB_ENV, help=_DB_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="ServiceSettings as YAML."),
) -> None:
    """Create an API key (stored hashed) and print it on the last line; a new tenant's webhook secret too."""
    from ftaudit.service.store import Store

    if not tenant.strip():
        raise ConfigError("--tenant must not be empty")
    settings = _settings(config, db=db)
    store = Store(settings.db)
    try:
        key, secret = store.create_key(tenant.strip(), name or ("reviewer" if reviewer else "submitter"), reviewer=reviewer)
    finally:
        store.close()
    kind = "reviewer" if reviewer else "submitter"
    err_console.print(f"{kind} key for tenant {escape(tenant)} (shown once; stored hashed)")
    if secret is not None:
        typer.echo(f"webhook secret for tenant {tenant} (verify webhook-signature with it): {secret}")
    typer.echo(key)


def _safe_url(url: str) -> str:
    """A database URL without its password, for the console."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url
