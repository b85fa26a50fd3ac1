"""Connecting an evaluation driver to Ray: a bounded wait for a cluster, a local Ray that dies with it.

Joining a cluster: ``ray.init`` retries a GCS that does not answer for many minutes (20
attempts of about 45 s each in Ray 2.60) and gives no way to shorten that per call. So
ftaudit first checks that something accepts a TCP connection at ``HOST:PORT`` (a refused
or unreachable address fails at once), then waits for ``ray.init`` in a helper thread for
what is left of the connect timeout (:data:`RAY_CONNECT_TIMEOUT_S`). Past it, the driver
fails with an error naming the address. Ray cannot be interrupted inside ``ray.init``: the
abandoned attempt runs on in a daemon thread (it does not keep the process alive) and shuts
Ray down again should it ever connect.

Starting a local Ray: Ray ties ``gcs_server`` and ``raylet`` to their driver's life, but
the agents raylet starts (``ray::DashboardAgent``, ``ray::RuntimeEnvAgent``) notice the
raylet's death and then hang on their way out, so after ``kill -9`` of the driver they
stay for good. ftaudit starts a reaper (:mod:`ftaudit.evaluate._ray_reaper`) that waits
on a pipe only the driver holds: once the driver is gone, however it ended, the reaper
kills every process of that Ray (those carrying an environment marker the driver sets
while Ray starts, and those writing into the Ray session's directory).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ftaudit.errors import ConfigError
from ftaudit.evaluate._ray_reaper import OWNER_VARIABLE

#: How long the driver waits to reach a Ray cluster (TCP check and ``ray.init`` together)
#: before it gives up; ``connect(timeout_s=...)`` overrides it.
RAY_CONNECT_TIMEOUT_S = 30.0
# How long disconnect() waits for the reaper to sweep and exit after a clean shutdown.
_REAPER_EXIT_S = 15.0
_REAPER = Path(__file__).with_name("_ray_reaper.py")
# HOST:PORT, optionally behind ray://; HOST may be a bracketed IPv6 address.
_ENDPOINT = re.compile(r"^(?:ray://)?(?:\[(?P<ip6>[^\]]+)\]|(?P<host>[^:/\[\]]+)):(?P<port>\d{1,5})/?$")


class RayUnreachableError(ConfigError):
    """Ray at the given address could not be reached, or did not answer within the timeout."""

    def __init__(self, address: str, reason: str) -> None:
        self.address = address
        super().__init__(f"cannot connect to Ray at {address!r}: {reason}")


class _LocalRay:
    """The reaper of the local Ray this process started, and the pipe that keeps it waiting."""

    def __init__(self) -> None:
        self.token = f"{os.getpid()}-{secrets.token_hex(8)}"
        read_end, self.write_end = os.pipe()  # both non-inheritable: Ray's children never hold it
        env = {key: value for key, value in os.environ.items() if key != OWNER_VARIABLE}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(_REAPER), self.token, str(os.getpid())],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        except BaseException:
            os.close(self.write_end)
            raise
        finally:
            os.close(read_end)

    def tell_session(self, ray: Any) -> None:
        """Hand the reaper the session directory: its processes' logs identify them."""
        try:
            session_dir = ray._private.worker._global_node.get_session_dir_path()
        except AttributeError:
            return  # a Ray without this private path: the environment marker alone is used
        os.write(self.write_end, os.fsencode(session_dir) + b"\n")

    def release(self, wait: bool) -> None:
        """Let the reaper sweep now (Ray is down, or failed to start) and, if asked, wait for it."""
        if self.write_end >= 0:
            os.close(self.write_end)
            self.write_end = -1
        if wait:
            try:
                self.process.wait(timeout=_REAPER_EXIT_S)
            except subprocess.TimeoutExpired:
                pass  # it exits on its own after its last round


_local: _LocalRay | None = None


def import_ray() -> Any:
    """The ``ray`` module, or a :class:`ConfigError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError("--ray needs Ray: pip install 'ftaudit[ray]'") from None
    return ray


def endpoint(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``HOST:PORT`` or ``ray://HOST:PORT`` address; None for ``auto`` and the like."""
    match = _ENDPOINT.match(address.strip())
    if match is None:
        return None
    port = int(match["port"])
    return (match["ip6"] or match["host"], port) if 0 < port < 65536 else None


def _probe(address: str, host: str, port: int, timeout_s: float) -> None:
    try:
        with socket.create_connection((host, port), timeout=max(timeout_s, 0.001)):
            pass
    except TimeoutError:
        raise RayUnreachableError(
            address, f"no answer from {host}:{port} within {timeout_s:g} s"
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise RayUnreachableError(address, f"nothing accepts connections at {host}:{port} ({reason})") from None


class _QuietSigtermWarning(logging.Filter):
    """Ray warns that a ``ray.init`` outside the main thread sets no SIGTERM handler; we know."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "SIGTERM handler is not set" not in record.getMessage()


def _join(ray: Any, address: str, timeout_s: float) -> None:
    """Connect to the cluster at ``address`` within ``timeout_s`` or raise RayUnreachableError."""
    deadline = time.monotonic() + timeout_s
    state: dict[str, Any] = {"abandoned": False}
    lock = threading.Lock()

    def attempt() -> None:
        try:
            target = endpoint(address)
            if target is not None:
                _probe(address, *target, deadline - time.monotonic())
            ray.init(address=address)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            state["error"] = exc
            return
        with lock:
            if state["abandoned"]:
                ray.shutdown()  # the driver gave up long ago; do not stay connected behind its back

    quiet = _QuietSigtermWarning()
    worker_logger = logging.getLogger("ray._private.worker")
    worker_logger.addFilter(quiet)
    try:
        thread = threading.Thread(target=attempt, name=f"ftaudit-ray-connect:{address}", daemon=True)
        thread.start()
        thread.join(max(0.0, deadline - time.monotonic()))
    finally:
        worker_logger.removeFilter(quiet)
    with lock:
        if not thread.is_alive():
            error = state.get("error")
            if isinstance(error, RayUnreachableError):
                raise error
            if isinstance(error, (ConnectionError, ValueError, RuntimeError, OSError)):
                # Ray's own message is generic; the cause says why (e.g. a missing auth token).
                cause = error.__cause__
                detail = f"{error} ({cause})" if cause is not None and str(cause) else str(error)
                raise RayUnreachableError(address, detail) from None
            if error is not None:
                raise error
            return
        state["abandoned"] = True
    raise RayUnreachableError(
        address, f"no answer within {timeout_s:g} s (the connect timeout; is the cluster up?)"
    )


def _start_local(ray: Any, num_cpus: int | None) -> None:
    """Start a private Ray on this machine whose processes die with this driver."""
    global _local
    local = _LocalRay()
    os.environ[OWNER_VARIABLE] = local.token
    try:
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False)
    except BaseException:
        local.release(wait=False)  # sweep whatever had started
        raise
    finally:
        # Ray's processes have their copy; later children of the driver need none.
        os.environ.pop(OWNER_VARIABLE, None)
    local.tell_session(ray)
    _local = local


def connect(address: str, *, num_cpus: int | None = None, timeout_s: float | None = None) -> bool:
    """Connect this process to Ray at ``address``; False if it already was (so nothing to shut down).

    ``address`` is what ``ray.init`` takes: ``local`` starts a private Ray on this machine
    (``num_cpus`` of its cores, no dashboard) whose processes are killed when this process
    ends, even by ``kill -9``; ``auto`` joins the cluster this machine is a node of (``ray
    start --head`` here); ``ray://HOST:10001`` reaches a head node through the Ray client;
    ``HOST:6379`` joins as a node would. Reaching a cluster takes at most ``timeout_s``
    (default :data:`RAY_CONNECT_TIMEOUT_S`), else :class:`RayUnreachableError` names the
    address. Usage statistics are off unless the environment turns them on.
    """
    ray = import_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address == "local":
        try:
            _start_local(ray, num_cpus)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ConfigError(f"cannot start a local Ray: {exc}") from None
        return True
    if num_cpus is not None:
        raise ConfigError("num_cpus applies only to a local Ray (--ray local); a cluster's nodes declare their own")
    timeout = RAY_CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
    if timeout <= 0:
        raise ConfigError(f"the Ray connect timeout must be positive, not {timeout:g}")
    _join(ray, address, timeout)
    return True


def disconnect() -> None:
    """Shut down the Ray connection :func:`connect` made, and the reaper of a local Ray."""
    global _local
    import_ray().shutdown()
    local, _local = _local, None
    if local is not None:
        local.release(wait=True)
