"""The sandbox runs code and reports what it did, and every escape attempt is stopped.

The confinement tests insist on bubblewrap (``.ci/run`` installs it): where it is missing
they fail rather than skip, so an unconfined CI run cannot pass unnoticed.
"""

from __future__ import annotations

import os
import resource
import socket
import textwrap
import time
from pathlib import Path

import anyio
import pytest

from ftaudit.sandbox import (
    SandboxError,
    SandboxLimits,
    SandboxUnavailableError,
    call_function,
    call_function_async,
    run_python,
    run_python_async,
    sandbox_status,
)
from ftaudit.sandbox import mechanism

REPO = Path(__file__).resolve().parents[2]
FAST = SandboxLimits(wall_seconds=10)


def run(code: str, **kwargs):
    return run_python(textwrap.dedent(code), **kwargs)


@pytest.fixture(autouse=True)
def confined(request):
    """Every test here but the refusal ones needs the real mechanism; say so loudly."""
    if "no_bwrap" in request.fixturenames:
        return
    status = sandbox_status()
    assert status.mechanism == "bwrap", f"no sandbox on this machine: {status.detail} (install bubblewrap)"


def _sandboxed_processes() -> int:
    """Processes on the host still running the sandbox bootstrap (it is their -c source)."""
    count = 0
    for entry in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes() if entry.isdigit() else b""
        except OSError:
            continue
        count += b"runs first inside the sandbox" in cmdline
    return count


# --- running code -----------------------------------------------------------------------


def test_prints_come_back_and_stdlib_imports_work():
    result = run(
        """
        import json, re, collections, math, statistics, csv
        print(json.dumps(collections.Counter(re.findall(r"\\w", "abca")).most_common(1)))
        """
    )
    assert result.ok and result.exit_code == 0
    assert result.stdout == '[["a", 2]]\n'
    assert result.mechanism == "bwrap" and result.killed_reason is None


def test_exception_is_a_result_with_the_users_traceback():
    result = run("x = 1\nraise ValueError('bad row 7')\n")
    assert not result.ok and result.exit_code == 1 and result.killed_reason is None
    assert 'File "<sandbox>", line 2' in result.stderr
    assert "raise ValueError('bad row 7')" in result.stderr  # the line is quoted
    assert result.stderr.strip().endswith("ValueError: bad row 7")
    assert "_child" not in result.stderr and "bootstrap" not in result.stderr


def test_exit_status_and_stdin_pass_through():
    result = run("import sys\nprint(sys.stdin.read().upper())\nsys.exit(3)", stdin="hello")
    assert result.stdout == "HELLO\n" and result.exit_code == 3 and not result.ok


def test_the_site_packages_are_not_importable():
    # -I -S: the standard library only, so nothing of ftaudit or its dependencies leaks in.
    result = run("import pydantic")
    assert "ModuleNotFoundError" in result.stderr


# --- escapes ------------------------------------------------------------------------------


def test_network_is_unreachable_even_to_a_host_listener():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        result = run(
            f"""
            import socket
            print(socket.if_nameindex())
            for address in [("127.0.0.1", {port}), ("1.1.1.1", 443), ("10.0.0.1", 80)]:
                try:
                    socket.create_connection(address, timeout=2)
                    print("CONNECTED", address)
                except OSError as exc:
                    print("refused", exc.errno)
            try:
                socket.getaddrinfo("pypi.org", 443)
                print("RESOLVED")
            except OSError:
                print("no dns")
            """
        )
        listener.settimeout(0.2)
        with pytest.raises(socket.timeout):
            listener.accept()
    assert result.ok, result.stderr
    assert "[(1, 'lo')]" in result.stdout  # loopback only, and its own
    assert "CONNECTED" not in result.stdout and "RESOLVED" not in result.stdout
    assert result.stdout.count("refused") == 3


def test_files_outside_the_sandbox_cannot_be_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    secret.chmod(0o644)  # world-readable on the host: only the missing mount protects it
    paths = [str(secret), str(REPO / "pyproject.toml"), "/root/.bashrc", str(Path.home()), "/etc/passwd"]
    result = run(
        f"""
        for path in {paths!r}:
            try:
                with open(path) as handle:
                    print("READ", path, handle.read(20))
            except OSError as exc:
                print("blocked", type(exc).__name__)
        """
    )
    assert result.ok, result.stderr
    assert "READ" not in result.stdout and "TOP-SECRET" not in result.stdout
    assert result.stdout.count("blocked") == len(paths)


def test_writes_land_only_in_the_private_tmp(tmp_path):
    target = tmp_path / "escaped.txt"
    result = run(
        f"""
        import os
        for path in ["/usr/owned", "/escaped", {str(target)!r}, "/data/x"]:
            try:
                open(path, "w").write("x")
                print("WROTE", path)
            except OSError:
                print("blocked")
        open("scratch.txt", "w").write("ok")
        print(os.getcwd(), open("/tmp/scratch.txt").read())
        """
    )
    assert result.ok, result.stderr
    assert "WROTE" not in result.stdout and result.stdout.count("blocked") == 4
    assert result.stdout.strip().endswith("/tmp ok")
    assert not target.exists()


def test_environment_secrets_are_not_inherited(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-should-not-leak")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-should-not-leak")
    result = run(
        """
        import os, glob
        print(sorted(os.environ))
        leaked = []
        for path in glob.glob("/proc/*/environ"):
            try:
                if b"should-not-leak" in open(path, "rb").read():
                    leaked.append(path)
            except OSError:
                pass
        print("leaked", leaked)
        """
    )
    assert result.ok, result.stderr
    assert "API_KEY" not in result.stdout and "should-not-leak" not in result.stdout
    assert "leaked []" in result.stdout


def test_fork_bomb_is_contained_and_the_host_is_fine():
    start = time.monotonic()
    result = run(
        """
        import os
        print("bombing", flush=True)
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """,
        limits=SandboxLimits(wall_seconds=3, max_processes=16),
    )
    elapsed = time.monotonic() - start
    assert result.timed_out and result.killed_reason == "timeout"
    assert result.stdout.startswith("bombing")
    assert elapsed < 8
    # The whole pid namespace died with the sandbox: nothing of the bomb is left behind.
    time.sleep(0.3)
    assert _sandboxed_processes() == 0


def test_process_limit_stops_forking_early():
    result = run(
        """
        import os, time
        children = 0
        try:
            for _ in range(100):
                if os.fork() == 0:
                    time.sleep(2)
                    os._exit(0)
                children += 1
        except OSError as exc:
            print("stopped after", children, exc.errno)
        """,
        limits=SandboxLimits(wall_seconds=10, max_processes=8),
    )
    assert result.ok, result.stderr
    words = result.stdout.split()
    assert words[:2] == ["stopped", "after"] and int(words[2]) < 8 and words[3] == "11"  # EAGAIN


def test_new_namespaces_are_refused_but_threads_and_subprocesses_work():
    result = run(
        """
        import ctypes, subprocess, threading
        libc = ctypes.CDLL(None, use_errno=True)
        for flag in (0x10000000, 0x40000000):  # CLONE_NEWUSER, CLONE_NEWNET
            print(libc.unshare(flag), ctypes.get_errno())
        threading.Thread(target=print, args=("thread",)).start()
        print(subprocess.run(["/usr/bin/echo", "spawned"], capture_output=True, text=True).stdout)
        """
    )
    assert result.ok, result.stderr
    assert result.stdout.split("\n")[:4] == ["-1 1", "-1 1", "thread", "spawned"]


def test_ten_gigabytes_are_refused_as_memory():
    start = time.monotonic()
    result = run("block = bytearray(10 * 1024**3)\nprint('ALLOCATED')", limits=FAST)
    assert result.killed_reason == "memory" and not result.ok
    assert "ALLOCATED" not in result.stdout and "MemoryError" in result.stderr
    assert time.monotonic() - start < 5


def test_growing_memory_stops_at_the_limit():
    result = run(
        """
        chunks = []
        while True:
            chunks.append(bytearray(8 * 1024 * 1024))
        """,
        limits=SandboxLimits(wall_seconds=10, memory_mb=256),
    )
    assert result.killed_reason == "memory"


def test_printing_100_megabytes_is_cut_at_the_cap_quickly():
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    result = run(
        """
        line = "x" * 999
        for _ in range(100_000):
            print(line)
        print("END")
        """
    )
    elapsed = time.monotonic() - start
    assert result.killed_reason == "output" and result.stdout_truncated and not result.ok
    assert len(result.stdout) == SandboxLimits().max_output_bytes
    assert "END" not in result.stdout
    assert elapsed < 5
    # ru_maxrss is in KiB: the caller never held more than a little of the 100 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 50 * 1024


def test_infinite_loop_stops_at_the_wall_clock():
    start = time.monotonic()
    result = run("while True:\n    pass", limits=SandboxLimits(wall_seconds=1.5, cpu_seconds=30))
    assert result.timed_out and result.killed_reason == "timeout" and result.exit_code is not None
    assert 1.4 < time.monotonic() - start < 4


def test_cpu_limit_stops_a_busy_loop():
    result = run("while True:\n    pass", limits=SandboxLimits(wall_seconds=20, cpu_seconds=1))
    assert result.killed_reason == "cpu" and not result.timed_out
    assert result.wall_seconds < 5


def test_disk_is_capped_by_file_size_and_tmp_size():
    result = run(
        """
        import errno
        try:
            open("big", "wb").write(b"x" * (5 * 1024 * 1024))
        except OSError as exc:
            print("file", errno.errorcode[exc.errno])
        try:
            for index in range(100):
                open(f"part{index}", "wb").write(b"x" * (512 * 1024))
        except OSError as exc:
            print("tmp", errno.errorcode[exc.errno])
        """,
        limits=SandboxLimits(wall_seconds=10, max_file_mb=1, tmp_mb=8),
    )
    assert result.ok, result.stderr
    assert result.stdout.split("\n")[:2] == ["file EFBIG", "tmp ENOSPC"]


# --- inputs -------------------------------------------------------------------------------


def test_inputs_are_readable_at_data_and_read_only(tmp_path):
    dataset = tmp_path / "train.jsonl"
    dataset.write_text('{"messages": []}\n{"messages": [1]}\n')
    private = tmp_path / "private.jsonl"
    private.write_text("line\n")
    private.chmod(0o600)  # readable by its owner only: still reaches the sandbox
    result = run(
        """
        print(INPUTS)
        print(len(open("/data/train.jsonl").readlines()), open("/data/private.jsonl").read().strip())
        try:
            open("/data/train.jsonl", "a").write("tampered")
        except OSError:
            print("read-only")
        """,
        inputs={"train.jsonl": dataset, "private.jsonl": private},
    )
    assert result.ok, result.stderr
    assert "'train.jsonl': '/data/train.jsonl'" in result.stdout
    assert "2 line\nread-only" in result.stdout
    assert "tampered" not in dataset.read_text()


def test_bad_inputs_are_the_callers_error(tmp_path):
    with pytest.raises(SandboxError, match="not a readable file"):
        run_python("pass", inputs={"train.jsonl": tmp_path / "missing.jsonl"})
    with pytest.raises(SandboxError, match="input name"):
        run_python("pass", inputs={"../etc": tmp_path})


# --- function-call mode -------------------------------------------------------------------

TRANSFORM = """
import base64

def transform(prompt):
    if prompt == "boom":
        raise ValueError("cannot encode " + prompt)
    if prompt == "set":
        return {1, 2}
    return "Decode and answer: " + base64.b64encode(prompt.encode()).decode()
"""


def test_function_call_round_trip_with_per_item_errors():
    result = call_function(TRANSFORM, "transform", ["hi", "boom", "set", "ok"], limits=FAST)
    assert result.setup_error is None and result.run.ok
    first, boom, unserialisable, last = result.outcomes
    assert first.ok and first.value == "Decode and answer: aGk="
    assert not boom.ok and boom.error == "ValueError: cannot encode boom (line 6)"
    assert not unserialisable.ok and "JSON" in unserialisable.error
    assert last.ok and last.value == "Decode and answer: b2s="
    with pytest.raises(SandboxError, match="item 1"):
        result.values()


def test_function_call_setup_errors_reach_every_item():
    missing = call_function("def decode(reply):\n    return reply", "transform", ["a", "b"], limits=FAST)
    assert missing.setup_error == "NameError: the source defines no function named 'transform'"
    assert [o.error for o in missing.outcomes] == [missing.setup_error] * 2
    broken = call_function("def transform(p):\n    return (", "transform", ["a"], limits=FAST)
    assert broken.setup_error.startswith("SyntaxError")


def test_function_call_keeps_finished_items_when_stopped():
    source = "import time\ndef transform(p):\n    if p == 'slow':\n        time.sleep(60)\n    return p * 2\n"
    result = call_function(source, "transform", ["a", "slow", "b"], limits=SandboxLimits(wall_seconds=1.5))
    assert result.run.killed_reason == "timeout"
    assert result.outcomes[0].value == "aa"
    assert "timeout limit" in result.outcomes[1].error and not result.outcomes[2].ok


def test_function_call_is_confined_too():
    source = "import os\ndef transform(p):\n    return sorted(os.environ) + os.listdir('/')\n"
    [outcome] = call_function(source, "transform", ["x"], limits=FAST).outcomes
    assert "OPENAI_API_KEY" not in outcome.value and "work" not in outcome.value


# --- async --------------------------------------------------------------------------------


def test_async_variants_and_cancellation():
    async def main():
        result = await run_python_async("print(6 * 7)")
        assert result.stdout == "42\n"
        calls = await call_function_async("def f(x):\n    return x + 1\n", "f", [1, 2])
        assert calls.values() == [2, 3]
        start = time.monotonic()
        with anyio.move_on_after(0.5):
            await run_python_async("import time\ntime.sleep(30)")
        assert time.monotonic() - start < 1.5
        await anyio.sleep(0.5)  # the worker kills the sandbox within a tick
        assert _sandboxed_processes() == 0

    anyio.run(main)


# --- where the mechanism is missing -------------------------------------------------------


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setattr(mechanism, "find_bwrap", lambda: None)
    mechanism.sandbox_status.cache_clear()
    yield
    mechanism.sandbox_status.cache_clear()


@pytest.mark.usefixtures("no_bwrap")
def test_without_a_mechanism_untrusted_code_is_refused():
    assert sandbox_status().mechanism is None
    with pytest.raises(SandboxUnavailableError, match="bubblewrap"):
        run_python("print(1)")
    with pytest.raises(SandboxUnavailableError):
        call_function("def f(x):\n    return x", "f", [1])


@pytest.mark.usefixtures("no_bwrap")
def test_opting_in_runs_unconfined_with_limits_still_applied(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-should-not-leak")
    dataset = tmp_path / "train.jsonl"
    dataset.write_text("one\n")
    result = run_python(
        "import os\nprint(open(INPUTS['train.jsonl']).read().strip(), 'OPENAI_API_KEY' in os.environ)",
        inputs={"train.jsonl": dataset},
        allow_unconfined=True,
    )
    assert result.ok and result.mechanism == "unconfined"
    assert result.stdout == "one False\n"
    # The CPU limit defaults to the wall limit rounded up, so a busy loop raced the two (one CI run was killed
    # for CPU at 0.999 s); a CPU limit well above the wall limit makes this the wall-clock check it means to be.
    looping = run_python("while True:\n    pass", limits=SandboxLimits(wall_seconds=1, cpu_seconds=30), allow_unconfined=True)
    assert looping.timed_out and looping.mechanism == "unconfined"
    memory = run_python("bytearray(10 * 1024**3)", allow_unconfined=True)
    assert memory.killed_reason == "memory"
