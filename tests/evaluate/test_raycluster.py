"""Reaching Ray within a bounded time, and a local Ray that does not outlive a killed driver."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")

from ftaudit.errors import ConfigError, FtauditError  # noqa: E402
from ftaudit.evaluate.distributed import RayUnreachableError, connect  # noqa: E402

# A local Ray takes several seconds to start on two busy cores.
RAY_START_S = 120
# After the driver is killed, how long its Ray may take to be gone.
REAP_S = 20
# What a local Ray runs; the agents are the ones that outlived a killed driver.
RAY_PROCESSES = ("raylet", "gcs_server", "ray::DashboardAgent", "ray::RuntimeEnvAgent")


@pytest.fixture
def closed_port():
    """A local TCP port where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_an_address_where_nothing_listens_fails_at_once_naming_it(closed_port, scheme):
    address = f"{scheme}127.0.0.1:{closed_port}"
    started = time.monotonic()
    with pytest.raises(RayUnreachableError) as info:
        connect(address, timeout_s=10)
    assert time.monotonic() - started < 10
    assert isinstance(info.value, ConfigError) and isinstance(info.value, FtauditError)
    assert str(info.value).startswith(f"cannot connect to Ray at {address!r}: nothing accepts connections")
    assert "\n" not in str(info.value)


def test_a_listener_that_never_answers_fails_within_the_cap_and_the_process_exits():
    # Ray's own retries would go on for minutes; the cap must hold, and the attempt it
    # abandons must not keep the process alive. Run in a child so it takes that thread along.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        code = textwrap.dedent(f"""
            import time
            from ftaudit.evaluate.distributed import RayUnreachableError, connect
            started = time.monotonic()
            try:
                connect({address!r}, timeout_s=3)
            except RayUnreachableError as exc:
                print("ERROR", exc)
            print("ELAPSED", time.monotonic() - started)
        """)
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)
    lines = dict(line.split(" ", 1) for line in child.stdout.splitlines() if " " in line)
    assert child.returncode == 0, child.stderr[-2000:]
    assert lines["ERROR"] == (
        f"cannot connect to Ray at {address!r}: no answer within 3 s (the connect timeout; is the cluster up?)"
    )
    assert 2.9 <= float(lines["ELAPSED"]) < 4.5


def _start_time(pid: int) -> str | None:
    """The process's start time (to tell a pid from its reuse); None once it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def _descendants(root: int) -> dict[int, tuple[str, str]]:
    """Every live process below ``root``: pid -> (start time, command line)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        start = _start_time(pid)
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if start is not None:
            found[pid] = (start, cmdline)
        todo += children.get(pid, [])
    return found


def test_joining_a_running_cluster_by_address_works_and_disconnects():
    # ray.init now runs in a helper thread: the connection must serve the main thread.
    head_code = textwrap.dedent("""
        import time
        import ray
        from ftaudit.evaluate.distributed import connect
        connect("local", num_cpus=1)
        print(ray._private.worker._global_node.gcs_address, flush=True)
        time.sleep(600)
    """)
    join_code = textwrap.dedent("""
        import sys
        import ray
        from ftaudit.evaluate.distributed import connect, disconnect
        def square(x):
            return x * x
        assert connect(sys.argv[1], timeout_s=60) is True
        try:
            print("RESULT", ray.get(ray.remote(square).remote(11), timeout=60))
        finally:
            disconnect()
        print("CONNECTED", ray.is_initialized())
    """)
    head = subprocess.Popen(
        [sys.executable, "-c", head_code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        address = head.stdout.readline().strip()
        assert address, "the head did not start"
        # A local Ray turns token auth on; a driver joining by address must opt in (Ray's rule).
        env = {**os.environ, "RAY_AUTH_MODE": "token"}
        joined = subprocess.run([sys.executable, "-c", join_code, address], capture_output=True, text=True,
                                timeout=RAY_START_S, env=env)
        assert joined.returncode == 0, joined.stderr[-3000:]
        assert "RESULT 121\nCONNECTED False\n" in joined.stdout
    finally:
        head.kill()  # its reaper takes the head's Ray down
        head.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_local_ray_dies_with_a_driver_killed_by_sigkill():
    code = textwrap.dedent("""
        import time
        from ftaudit.evaluate.distributed import connect
        connect("local", num_cpus=1)
        print("ready", flush=True)
        time.sleep(600)
    """)
    ray_processes: dict[int, tuple[str, str]] = {}
    driver = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        deadline = time.monotonic() + RAY_START_S
        assert driver.stdout.readline().strip() == "ready", "the driver did not start Ray"
        # raylet starts its agents and a first worker just after ray.init returns.
        while time.monotonic() < deadline:
            ray_processes = _descendants(driver.pid)
            commands = " ".join(cmd for _, cmd in ray_processes.values())
            if all(name in commands for name in RAY_PROCESSES):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"Ray's processes did not all appear: {commands}")
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    deadline = time.monotonic() + REAP_S
    while True:
        left = {pid: cmd for pid, (start, cmd) in ray_processes.items() if _start_time(pid) == start}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for pid in left:  # do not leave them to the next test (or the next helper) on a failure
        os.kill(pid, signal.SIGKILL)
    assert not left, f"still running {REAP_S} s after the driver was killed: {left}"
