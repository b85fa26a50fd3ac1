"""The bootstrap that runs first inside the sandbox, then runs the untrusted code.

It is passed to the interpreter as ``-c`` source (never imported by ftaudit), so it uses the
standard library only. It reads one JSON control message from the control descriptor, drops
to an unprivileged uid when told to (the sandbox was started as root), applies the resource
limits, then either executes the code (``exec`` mode) or calls one function of it on every
argument (``call`` mode), sending JSON lines on the result descriptor. Order matters: the
control message and the uid drop come before any untrusted byte runs.
"""

import json
import linecache
import os
import resource
import signal
import sys
import traceback

CPU_EXIT = 128 + signal.SIGXCPU


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _send(fd, message):
    _send_raw(fd, json.dumps(message))


def _send_raw(fd, encoded):
    data = (encoded + "\n").encode()
    while data:
        data = data[os.write(fd, data) :]


def _drop_privileges(uid):
    # Started as real root: become a uid no file or process belongs to, so RLIMIT_NPROC
    # applies (it never does to root) and no root-owned file is readable.
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _apply_limits(limits):
    memory = limits["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = limits["cpu_seconds"]
    # The soft limit sends SIGXCPU (reported as "cpu"); the hard one kills if that is ignored.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("processes") is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))


def _register_source(filename, code):
    # Lets tracebacks quote the user's lines although the code never was a file.
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)


def _user_traceback(exc):
    tb = exc.__traceback__
    # Skip this bootstrap's own frames: the user needs only theirs.
    while tb is not None and tb.tb_frame.f_code.co_filename == "<string>":
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _error_line(exc, filename):
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    where = f" (line {line})" if line is not None else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _run_exec(message, result_fd):
    filename = "<sandbox>"
    code = message["code"]
    _register_source(filename, code)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "INPUTS": message["inputs"]}
    try:
        exec(compile(code, filename, "exec"), namespace)
    except MemoryError as exc:
        _send(result_fd, {"event": "memory"})
        sys.stderr.write(_user_traceback(exc))
        return 1
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        sys.stderr.write(f"{code}\n")
        return 1
    except BaseException as exc:  # noqa: BLE001 - every failure of user code is reported, not raised
        sys.stderr.write(_user_traceback(exc))
        return 1
    return 0


def _run_call(message, result_fd):
    filename = "<transform>"
    code = message["code"]
    _register_source(filename, code)
    namespace = {"__name__": "__sandbox__", "__builtins__": __builtins__, "INPUTS": message["inputs"]}
    try:
        exec(compile(code, filename, "exec"), namespace)
        function = namespace.get(message["function"])
        if not callable(function):
            raise NameError(f"the source defines no function named {message['function']!r}")
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, MemoryError):
            _send(result_fd, {"event": "memory"})
        sys.stderr.write(_user_traceback(exc))
        _send(result_fd, {"setup_error": _error_line(exc, filename)})
        return 1
    for index, argument in enumerate(message["args"]):
        try:
            value = function(argument)
        except Exception as exc:  # noqa: BLE001 - a failing item must not end the run
            encoded = json.dumps({"item": index, "ok": False, "error": _error_line(exc, filename)})
        else:
            try:
                encoded = json.dumps({"item": index, "ok": True, "value": value})
            except (TypeError, ValueError) as exc:
                error = f"the function returned a value JSON cannot hold: {exc}"
                encoded = json.dumps({"item": index, "ok": False, "error": error})
        _send_raw(result_fd, encoded)
    return 0


def main():
    control_fd, result_fd = int(sys.argv[1]), int(sys.argv[2])
    message = json.loads(_read_all(control_fd))
    os.set_inheritable(result_fd, False)
    if message.get("drop_uid") is not None:
        _drop_privileges(message["drop_uid"])
    _apply_limits(message["limits"])

    def on_cpu_limit(signum, frame):
        _send(result_fd, {"event": "cpu"})
        sys.stdout.flush()
        os._exit(CPU_EXIT)

    signal.signal(signal.SIGXCPU, on_cpu_limit)
    # Line buffering: what was printed before a timeout kill is still seen by the caller.
    sys.stdout.reconfigure(line_buffering=True)
    if message["mode"] == "call":
        status = _run_call(message, result_fd)
    else:
        status = _run_exec(message, result_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
