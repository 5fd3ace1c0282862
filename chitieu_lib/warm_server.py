"""The kept-warm server and its runners (:mod:`chitieu_lib.warm` says what they are for).

``python -m chitieu_lib.warm_server IDLE WORKERS`` is the server ``chitieu warm start``
leaves behind; it starts each runner as ``python -m chitieu_lib.warm_server --runner
FD WORKERS``. Kept apart from :mod:`chitieu_lib.warm` because a runner runs the command
line (:mod:`chitieu_lib.cli`), which itself asks :mod:`chitieu_lib.warm` for a server.
"""

from __future__ import annotations

import array
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from . import cli, warm
from .atomic import UMASK
from .warm import code_signature, environment, resource_limits, send_json, server_paths

# --------------------------------------------------------------------------- the runner

def _prepare_runner(cwd: str, workers: int, setup: list) -> None:
    """Import what commands use and start the kernels a render would start (then wait for them).

    ``setup``: the kernel set-up of the last command's batch (the store its reports read),
    made again by these kernels (:func:`_last_setup`). The imports are here, not at the top:
    the server runs this module too, and stays small.
    """
    import chitieu_lib.commands.common  # noqa: F401 -- pandas, pandera
    import chitieu_lib.engine.execute  # noqa: F401 -- papermill, nbclient
    import chitieu_lib.render  # noqa: F401 -- the report stack, matplotlib
    from chitieu_lib.engine import executors, kernels
    from chitieu_lib.html import warm_up
    warm_up()
    kernels.make_setup_calls(setup)              # this process reads what its kernels read
    kernels.get_kernel(cwd, setup_calls=setup)   # a single report runs in this process's kernel
    if workers > 1:
        executors.prestart_pool(workers, {"engine": "warm", "cwd": cwd, "kernel_setup": setup})


def _last_setup(path) -> list:
    """The kernel set-up the previous runner's command used ([] if none, or unreadable).

    Only calls of the kit's own functions: the file sits in the user's private folder, but
    a kernel should never be made to call anything else from a file.
    """
    try:
        calls = [(str(m), str(f), list(a)) for m, f, a in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    return [c for c in calls if c[0] == "chitieu_lib" or c[0].startswith("chitieu_lib.")]


def _keep_setup(path) -> None:
    """Write down this command's kernel set-up for the next runner (only a batch's, if any)."""
    from chitieu_lib.engine import executors
    if executors.last_kernel_setup:
        try:
            path.write_text(json.dumps([list(c) for c in executors.last_kernel_setup]))
        except (OSError, TypeError, ValueError):
            pass


def _decline_reason(request: dict, cwd: str, env: dict, signature: str) -> str | None:
    if request.get("cwd") != cwd:
        return "another folder"
    names = _differing(request.get("env") or {}, env)
    if names:
        return "other environment variables: " + ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    if code_signature() != signature:
        return "the kit's code or packages changed"
    if request.get("nice", os.nice(0)) != os.nice(0):
        return "another priority (nice)"
    if request.get("umask") != UMASK:
        # The files a command writes take its umask; the runner's workers were started with
        # the server's.
        return "another umask"
    # ulimit: a command limited in memory, files or CPU time must run under its own limits.
    names = _differing(request.get("limits") or {}, resource_limits())
    if names:
        return "other resource limits (ulimit): " + ", ".join(names)
    return None


def _differing(theirs: dict, ours: dict) -> list[str]:
    """The names whose values differ between two mappings (one missing counts), sorted.

    >>> _differing({"A": 1, "B": 2}, {"B": 3, "C": 4})
    ['A', 'B', 'C']
    """
    return sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))


def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """The command's JSON line and the three terminal descriptors sent with its first part."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
    while data and not data.endswith(b"\n"):
        more = conn.recv(1 << 16)
        if not more:
            break
        data += more
    return json.loads(data.decode()), fds


def _cleanup() -> None:
    from chitieu_lib.engine import executors, kernels  # imported by _prepare_runner already
    executors.discard_prestarted_pool()
    kernels.shutdown_all()


def _stop_when_client_goes(conn: socket.socket) -> None:
    """Stop the command (as Ctrl+C would not: SIGTERM, cleaned up) when its client disappears.

    The client sends nothing after its request; the connection ends only when the client
    exits or is killed (``kill -9``, a closed terminal): then the command must not go on
    writing outputs nobody waits for.
    """
    def watch():
        try:
            conn.recv(1)
        except OSError:
            pass
        if not finished.is_set():
            os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=watch, daemon=True).start()


finished = threading.Event()


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)       # unwinds through the command: kernels and pool shut down


def _serve_one(conn: socket.socket, cwd: str, env: dict, signature: str) -> bool:
    """Run the command of one connection; False when it was declined (nothing ran here)."""
    try:
        request, client_fds = _recv_request(conn)
    except (OSError, ValueError):
        return False                           # a client gone before it asked: still fresh
    reason = _decline_reason(request, cwd, env, signature)
    if reason is not None or len(client_fds) != 3:
        for fd in client_fds:
            os.close(fd)
        _decline(conn, reason or "no terminal")
        return False
    warm._command_started.append(time.perf_counter() - float(request.get("age") or 0.0))
    send_json(conn, {"pid": os.getpid()})
    own = [os.dup(target) for target in range(3)]    # the runner's own: the server's log
    _onto_standard_fds(client_fds)
    for signum in (signal.SIGTERM, signal.SIGHUP):   # forwarded by the client, or its loss
        signal.signal(signum, _terminate)
    _stop_when_client_goes(conn)
    code = _run_command(request["argv"])
    finished.set()
    # The client's terminal or pipes are let go now, not when this runner has shut its kernels
    # down: a caller reading the command's output (a pipe, $(...)) has it all at once.
    _onto_standard_fds(own)
    try:
        send_json(conn, {"exit": code})
    except OSError:
        pass                                   # the client is gone
    return True


def _onto_standard_fds(fds: list[int]) -> None:
    """Make ``fds`` this process's stdin, stdout and stderr (and close the originals)."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)


def runner_main(control_fd: int, workers: int) -> int:
    """A runner: get ready, tell the server, run the one command handed over, exit.

    A command it declines (another folder, environment or code) ran nothing here: the
    runner is still fresh and tells the server it is ready again.
    """
    cwd = os.path.realpath(os.getcwd())
    env = environment()
    signature = code_signature()
    control = socket.socket(fileno=control_fd)
    try:
        setup_file = server_paths(cwd)["setup"]
        # The engine's kernels know the folder as getcwd() says.
        _prepare_runner(os.getcwd(), workers, _last_setup(setup_file))
        while True:
            control.sendall(b"ready\n")
            _msg, fds, _flags, _addr = socket.recv_fds(control, 16, 1)
            if not fds:
                return 0                              # the server is stopping
            with socket.socket(fileno=fds[0]) as conn:
                if _serve_one(conn, cwd, env, signature):
                    _keep_setup(setup_file)
                    try:
                        control.sendall(b"done\n")  # the server shows "finishing" until we exit
                    except OSError:
                        pass
                    return 0
    finally:
        _cleanup()


def _run_command(argv: list[str]) -> int:
    """``chitieu ARGV`` in this process, as the console script runs it; its exit code."""
    sys.argv = ["chitieu", *argv]
    try:
        code = cli.main(argv)
    except SystemExit as exc:                  # argparse: --help, bad arguments
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return int(code or 0)


# --------------------------------------------------------------------------- the server

def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, array.array("i").itemsize * 3)
    return array.array("i", creds)[1]


def _decline(conn: socket.socket, reason: str) -> None:
    try:
        send_json(conn, {"declined": reason})
    except OSError:
        pass
    conn.close()


class _Server:
    """One runner at a time: starting, ready, busy with a command, or finishing (shutting down).

    Only a ready runner takes a command; at any other time the command runs cold (starting a
    runner takes longer than most cold runs). The next runner starts once the command ends,
    not while it runs: two cores are not shared with a starting runner. A runner that dies
    while ready is replaced; a command that was being handed to it runs cold.
    """

    def __init__(self, workers: int, paths: dict, log):
        self.workers, self.paths, self.log = workers, paths, log
        self.runner = self.control = None
        self.state = "stopped"

    def set_state(self, state: str) -> None:
        self.state = state
        self.since = time.monotonic()   # idle time counts from when the runner became ready
        self.paths["state"].write_text(state + "\n")

    def start_runner(self) -> None:
        ours, theirs = socket.socketpair()
        self.runner = subprocess.Popen(
            [sys.executable, "-m", "chitieu_lib.warm_server", "--runner", str(theirs.fileno()), str(self.workers)],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        theirs.close()
        self.control = ours
        self.set_state("starting")

    def hand_over(self, conn: socket.socket) -> None:
        try:
            socket.send_fds(self.control, [b"go"], [conn.fileno()])
        except OSError:                 # the ready runner died: this command runs cold
            _decline(conn, "the runner had stopped")
            self.replace_runner()
            return
        conn.close()
        self.set_state("busy")   # until the runner exits, or says it is ready again (it declined)

    def replace_runner(self) -> None:
        if self.control is not None:
            self.control.close()
        if self.runner is not None and self.runner.poll() is None:
            self.runner.kill()
            self.runner.wait()
        self.start_runner()

    def on_connection(self, conn: socket.socket) -> None:
        if _peer_uid(conn) != os.getuid():
            conn.close()
        elif self.state == "ready":
            self.hand_over(conn)
        elif self.state in ("starting", "finishing"):
            # Starting a runner (the kit, its kernels, a pool) takes longer than most cold runs.
            _decline(conn, "the next runner is starting; chitieu warm status says when it is ready")
        else:
            _decline(conn, "busy")

    def on_message(self) -> None:
        """The runner spoke: ready, done (its command ended), or it has gone."""
        try:
            message = self.control.recv(16)
        except OSError:
            message = b""
        if message.startswith(b"ready"):
            self.set_state("ready")
        elif message.startswith(b"done"):
            self.set_state("finishing")  # its command has ended; it is shutting its kernels down
        elif self.state == "ready":
            self.replace_runner()        # died while waiting (killed): prepare another
        elif self.state == "starting":
            self.set_state("failed")
        # busy or finishing: the runner exits; the loop sees it go and starts the next one

    def close(self) -> None:
        if self.control is not None:
            try:
                self.control.sendall(b"stop")
                self.control.close()
            except OSError:
                pass
        if self.runner is not None and self.state != "busy":
            try:
                self.runner.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.runner.kill()


def server_main(idle: float, workers: int) -> int:
    """Keep one runner ready; hand each command to it; stop when idle or told to."""
    paths = server_paths()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    paths["socket"].unlink(missing_ok=True)
    listener.bind(str(paths["socket"]))
    os.chmod(paths["socket"], 0o600)
    listener.listen(8)
    paths["pid"].write_text(f"{os.getpid()}\n")
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    log = open(paths["log"], "ab")  # noqa: SIM115 -- the runners' output, for the server's life
    server = _Server(workers, paths, log)
    server.start_runner()
    try:
        while not stopping and server.state != "failed":
            if server.state == "ready" and time.monotonic() - server.since > idle:
                break
            watch = [listener] + ([server.control] if server.control is not None else [])
            readable, _, _ = select.select(watch, [], [], 0.2)
            if server.control is not None and server.control in readable:
                server.on_message()
            if listener in readable:
                conn, _ = listener.accept()
                server.on_connection(conn)
            if server.state in ("busy", "finishing") and server.runner.poll() is not None:
                server.control.close()       # the command ended: the next runner
                server.control = None
                server.start_runner()
    finally:
        paths["socket"].unlink(missing_ok=True)
        server.close()
        for name in ("pid", "state"):     # "setup" stays: the next server's first kernels read it
            paths[name].unlink(missing_ok=True)
        log.close()
        if server.state != "failed":
            paths["log"].unlink(missing_ok=True)   # kept only when a runner failed to start
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--runner"]:
        return runner_main(int(argv[1]), int(argv[2]))
    return server_main(float(argv[0]), int(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
