"""Kept-warm mode: a fresh, already-started ``chitieu`` waiting for the next command.

``chitieu warm start`` leaves a small server behind (for this folder and this Python
environment) that always keeps one *runner* ready: a new process that has imported the
kit, pandas, matplotlib, papermill and nbconvert, and has started and preloaded the
kernels a render needs (one in its own process for a single report, a pool of
workers for a batch). The next ``chitieu`` command typed in the same folder hands its
arguments, environment and terminal to that runner, which runs the command exactly as
a cold ``chitieu`` would and exits; the server starts the next runner at once.

Why this design (the idea of Quarto's execute daemon and of Java's "drip": keep a fresh
process ready, never reuse a used one): every command runs in a process and kernels
that nothing ran in before, so no state is carried from one command, or report, to
the next; the kernels are reset between the reports of one batch as in a cold run.

A runner runs a command only if it would behave the same as a cold start; otherwise
the command runs cold, as if no server were there:

- the same folder (the server belongs to the folder it was started in),
- the same environment variables (those a shell changes by itself aside: ``_``,
  ``OLDPWD``, ``SHLVL``), umask, priority (nice) and resource limits (``ulimit``),
- the same code: no file of the kit changed and no package was installed since the
  runner started,
- a ready runner: while it is busy, or the next one is starting, the command runs cold.

A command that is interrupted or killed (Ctrl+C, ``kill``, a closed terminal) stops in
the runner as well, and its kernels and workers shut down.

The server stops after ``--idle`` seconds without a command (default 900) or on
``chitieu warm stop``. Its socket lives in a private folder (mode 0700) of the user's
runtime directory, and it serves only its own user (checked on each connection).
Set ``CHITIEU_WARM=0`` to never use it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IDLE_SECONDS = 900
START_TIMEOUT = 120
# Variables a shell sets by itself from one command to the next: not a difference in behaviour.
VOLATILE_ENV = ("_", "OLDPWD", "SHLVL")
PACKAGE_DIR = Path(__file__).resolve().parent
# The environment this process started with: some libraries add variables when imported
# (pandera: PYARROW_IGNORE_TIMEZONE, SPARK_LOCAL_IP); a server starts from this one, as a
# cold command would.
STARTUP_ENV = dict(os.environ)


# --------------------------------------------------------------------------- where and what

def runtime_dir(create: bool = False) -> Path:
    """The user's private folder for servers' sockets (mode 0700; made by ``start`` only, so
    that a command with no server leaves nothing behind)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    folder = Path(base) / f"chitieu-warm-{os.getuid()}"
    if create:
        folder.mkdir(mode=0o700, exist_ok=True)
    elif not folder.exists():
        return folder
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        raise PermissionError(f"{folder} must belong to you alone (mode 0700)")
    return folder


def server_paths(cwd: str | None = None, create: bool = False) -> dict:
    """Socket, pid file and log of the server for ``cwd`` and this Python environment."""
    cwd = os.path.realpath(cwd or os.getcwd())
    key = hashlib.sha1(f"{sys.prefix}\0{cwd}".encode()).hexdigest()[:16]
    folder = runtime_dir(create)
    return {"socket": folder / f"{key}.sock", "pid": folder / f"{key}.pid", "log": folder / f"{key}.log",
            "state": folder / f"{key}.state", "setup": folder / f"{key}.setup.json", "cwd": cwd}


def environment(env=None) -> dict:
    """The variables that must match between a runner and a command (volatile ones aside)."""
    env = os.environ if env is None else env
    return {k: v for k, v in env.items() if k not in VOLATILE_ENV}


# Resource limits (ulimit) a command would run under: a runner started under others declines it.
RESOURCE_LIMITS = ("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE",
                   "RLIMIT_MEMLOCK", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_STACK")


def resource_limits() -> dict:
    """This process's (soft, hard) resource limits, by name.

    >>> limits = resource_limits()
    >>> set(limits) <= set(RESOURCE_LIMITS) and all(len(v) == 2 for v in limits.values())
    True
    """
    return {name: list(resource.getrlimit(getattr(resource, name)))
            for name in RESOURCE_LIMITS if hasattr(resource, name)}


def code_signature() -> str:
    """Changes when a file of the kit (code, templates, data) changes or a package is installed
    or removed."""
    h = hashlib.sha1()
    for path in sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        st = path.stat()
        h.update(f"{path}\0{st.st_mtime_ns}\0{st.st_size}\n".encode())
    for folder in sorted({p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)}):
        h.update(f"{folder}\0{os.stat(folder).st_mtime_ns}\n".encode())
    return h.hexdigest()


# In a runner: when the command's own process (the client) started, on this process's clock.
_command_started: list[float] = []


def _own_age() -> float | None:
    """Seconds since this process started (Linux ``/proc``), None where that cannot be told."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def in_runner() -> bool:
    """Whether this command runs in a kept-warm runner."""
    return bool(_command_started)


def process_age() -> float | None:
    """Seconds since the command started: this process, or in a runner the command's client."""
    if _command_started:
        return time.perf_counter() - _command_started[0]
    return _own_age()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def server_pid(paths: dict) -> int | None:
    """The pid of this folder's running server, or None."""
    try:
        pid = int(paths["pid"].read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _is_server(pid) and paths["socket"].exists() else None


def _is_server(pid: int) -> bool:
    """A live process that is a warm server (not another process that got a stale file's pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _pid_alive(pid) and not Path("/proc/self").exists()   # no /proc: trust the pid
    return b"chitieu_lib.warm_server" in cmdline and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


# --------------------------------------------------------------------------- the client

def send_json(sock: socket.socket, obj, fds=()) -> None:
    data = (json.dumps(obj) + "\n").encode()
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.sendall(data)


def _read_json(reader) -> dict | None:
    line = reader.readline()
    return json.loads(line) if line else None


def run_via_server(argv: list[str]) -> int | None:
    """Run a command in this folder's ready runner; None when there is none (or it declines).

    Never raises: anything unexpected means "run it cold" (None), unless the command
    has already started in the runner, whose exit code is then returned.
    """
    if os.environ.get("CHITIEU_WARM", "1") == "0" or not _terminal_open():
        return None
    try:
        paths = server_paths()
        if not paths["socket"].exists():
            return None
    except OSError:
        return None
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(paths["socket"]))
    except OSError:
        return _run_here("its server does not answer; chitieu warm stop, then start")
    mask = os.umask(0)
    os.umask(mask)
    request = {"argv": argv, "cwd": paths["cwd"], "env": environment(), "age": _own_age(),
               "umask": mask, "nice": os.nice(0), "limits": resource_limits()}
    with sock, sock.makefile("r", encoding="utf-8") as reader:
        try:
            send_json(sock, request, fds=(0, 1, 2))
            answer = _read_json(reader)
        except (OSError, ValueError):
            return _run_here("it did not answer")
        except KeyboardInterrupt:     # while waiting for a runner to get ready: nothing ran yet
            print(f"chitieu {argv[0]}: interrupted" if argv else "chitieu: interrupted", file=sys.stderr)
            return 130
        if not answer or "pid" not in answer:
            # Declined (another environment, changed code, busy) or gone: run cold, and say why.
            return _run_here((answer or {}).get("declined") or "it did not answer")
        pid = int(answer["pid"])
        forward = lambda signum, _frame: _kill(pid, signum)  # noqa: E731 -- Ctrl+C reaches the runner
        # Signals this process ignores (a background job's SIGINT) stay ignored, as in a cold run.
        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
                    if signal.getsignal(s) is not signal.SIG_IGN}
        try:
            while True:
                try:
                    done = _read_json(reader)
                    break
                except InterruptedError:
                    continue
        except (OSError, ValueError):
            done = None
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    if not done or "exit" not in done:
        print("chitieu: the warm runner stopped before the command ended (chitieu warm stop; "
              "then run the command again)", file=sys.stderr)
        return 1
    return int(done["exit"])


def _run_here(why: str) -> None:
    """Say why a command runs cold although a server is there; None: run it here."""
    print(f"chitieu: not using the warm runner ({why}); running here", file=sys.stderr)
    return None


def _terminal_open() -> bool:
    """Whether stdin, stdout and stderr are open (else the socket would take one of their numbers)."""
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except OSError:
        pass


# --------------------------------------------------------------------------- start, stop, status

def state(paths: dict | None = None) -> str | None:
    """``starting``, ``ready``, ``busy``, ``finishing`` (a command has ended, its runner is shutting
    down) or ``failed`` for a running server; None without one."""
    paths = paths or server_paths()
    if server_pid(paths) is None:
        return None
    try:
        return paths["state"].read_text().strip() or "starting"
    except OSError:
        return "starting"


def wait_ready(timeout: float = START_TIMEOUT) -> str | None:
    """Wait until the server's runner is ready (or failed, or the server is gone); the last state."""
    paths = server_paths()
    deadline = time.monotonic() + timeout
    now = state(paths)
    while now in ("starting", "busy", "finishing") and time.monotonic() < deadline:
        time.sleep(0.05)
        now = state(paths)
    return now


def start(idle: float = IDLE_SECONDS, workers: int | None = None) -> tuple[int, bool]:
    """Start this folder's server (if none runs) and wait until its first runner is ready.

    Returns (pid, started now).
    """
    paths = server_paths(create=True)
    with open(paths["pid"].with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)     # two `warm start` at once: one starts, one finds it
        return _start_locked(paths, idle, workers)


def _start_locked(paths: dict, idle: float, workers: int | None) -> tuple[int, bool]:
    pid = server_pid(paths)
    if pid is not None:
        return pid, False
    workers = max(1, int(workers or os.cpu_count() or 1))
    paths["state"].unlink(missing_ok=True)
    process = subprocess.Popen([sys.executable, "-m", "chitieu_lib.warm_server", str(idle), str(workers)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True, env=STARTUP_ENV)
    deadline = time.monotonic() + 10
    while server_pid(paths) is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if wait_ready() != "ready":
        _kill(process.pid, signal.SIGTERM)
        raise RuntimeError(f"the warm server did not get ready (its log: {paths['log']})")
    return process.pid, True


def stop() -> int | None:
    """Stop this folder's server; its pid, or None if none was running."""
    paths = server_paths()
    pid = server_pid(paths)
    if pid is None:
        return None
    _kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.05)
    return pid
