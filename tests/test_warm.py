"""Kept-warm mode (chitieu warm): a command run in a ready runner gives what a cold one gives."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from chitieu_lib import warm
from chitieu_lib.engine.compare import normalised

CHITIEU = Path(sys.executable).parent / "chitieu"


def _env(store: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CHITIEU_WARM"}
    return env | {"CHITIEU_PROCESSED_DIR": str(store)} | extra


def _run(cwd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHITIEU), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def _wait_ready(cwd: Path, env: dict, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = _run(cwd, env, "warm", "status").stdout
        if "ready" in status or "not running" in status or "failed" in status:
            return status
        time.sleep(0.2)
    return status


@pytest.fixture(scope="module")
def server(test_store, tmp_path_factory):
    """A server for a fresh folder (one runner: a kernel and a pool of two workers)."""
    tmp_path = tmp_path_factory.mktemp("warm")
    env = _env(test_store)
    done = _run(tmp_path, env, "warm", "start", "--idle", "300", "--workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "started" in done.stdout
    yield tmp_path, env
    _run(tmp_path, env, "warm", "stop")


def _render(cwd, env, out, *units, timings=None):
    args = ["render", "--unit", *units, "--as-of", "2019-09-30", "--out", str(out), "--no-progress"]
    done = _run(cwd, env, *args, *(["--timings", str(timings)] if timings else []))
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _notebooks(out: Path) -> dict:
    return {p.relative_to(out).as_posix(): normalised(nbformat.read(p, as_version=4))
            for p in sorted(out.rglob("*.ipynb"))}


def test_reports_from_the_runner_are_those_of_a_cold_run(server):
    cwd, env = server
    # One report (the runner's own kernel), then two (its pool of workers); then cold.
    one = _render(cwd, env, cwd / "warm1", "22516", timings=cwd / "t1.json")
    assert "not using the warm runner" not in one.stderr
    assert json.loads((cwd / "t1.json").read_text())["kept warm"] is True
    # The next runner's kernels read the store this render read, before its first report.
    kept = json.loads(warm.server_paths(str(cwd))["setup"].read_text())
    assert kept == [["chitieu_lib.report.views", "open_report_store",
                     [str(Path(env["CHITIEU_PROCESSED_DIR"]).resolve())]]]
    assert "ready" in _wait_ready(cwd, env)
    _render(cwd, env, cwd / "warm2", "22516", "571", timings=cwd / "t2.json")
    assert json.loads((cwd / "t2.json").read_text())["kept warm"] is True
    cold_env = env | {"CHITIEU_WARM": "0"}
    _render(cwd, cold_env, cwd / "cold1", "22516", timings=cwd / "t3.json")
    assert json.loads((cwd / "t3.json").read_text())["kept warm"] is False
    _render(cwd, cold_env, cwd / "cold2", "22516", "571")
    warm1, cold1 = _notebooks(cwd / "warm1"), _notebooks(cwd / "cold1")
    assert len(warm1) == 1 and warm1 == cold1
    warm2, cold2 = _notebooks(cwd / "warm2"), _notebooks(cwd / "cold2")
    assert len(warm2) == 2 and warm2 == cold2


def test_messages_and_exit_codes_come_through(server):
    cwd, env = server
    assert "ready" in _wait_ready(cwd, env)
    warm_run = _run(cwd, env, "render", "--unit", "99999", "--out", str(cwd / "o"))
    assert "ready" in _wait_ready(cwd, env)
    cold = _run(cwd, env | {"CHITIEU_WARM": "0"}, "render", "--unit", "99999", "--out", str(cwd / "o"))
    assert warm_run.returncode == cold.returncode == 2
    assert warm_run.stderr == cold.stderr and "99999" in warm_run.stderr
    assert _run(cwd, env, "--version").stdout == _run(cwd, env | {"CHITIEU_WARM": "0"}, "--version").stdout


def test_another_environment_runs_cold_and_says_why(server):
    cwd, env = server
    assert "ready" in _wait_ready(cwd, env)
    done = _render(cwd, env | {"CHITIEU_SOMETHING": "1"}, cwd / "o", "22516", timings=cwd / "t.json")
    assert "not using the warm runner (other environment variables: CHITIEU_SOMETHING)" in done.stderr
    assert json.loads((cwd / "t.json").read_text())["kept warm"] is False
    assert "ready" in _run(cwd, env, "warm", "status").stdout     # the runner, still fresh, waits


def test_another_folder_has_no_server(server, tmp_path_factory):
    cwd, env = server
    other = tmp_path_factory.mktemp("elsewhere")
    assert "not running" in _run(other, env, "warm", "status").stdout


def test_the_server_stops_when_idle_and_on_stop(test_store, tmp_path):
    env = _env(test_store)
    assert _run(tmp_path, env, "warm", "start", "--idle", "1", "--workers", "1").returncode == 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "not running" not in _run(tmp_path, env, "warm", "status").stdout:
        time.sleep(0.3)
    assert "not running" in _run(tmp_path, env, "warm", "status").stdout
    assert not warm.server_paths(str(tmp_path))["socket"].exists()
    assert _run(tmp_path, env, "warm", "start", "--idle", "300", "--workers", "1").returncode == 0
    assert "stopped" in _run(tmp_path, env, "warm", "stop").stdout
    assert "not running" in _run(tmp_path, env, "warm", "status").stdout


def test_the_socket_folder_is_private():
    assert warm.runtime_dir(create=True).stat().st_mode & 0o777 == 0o700


def test_another_umask_runs_cold(server):
    cwd, env = server
    assert "ready" in _wait_ready(cwd, env)
    done = subprocess.run([str(CHITIEU), "--version"], cwd=cwd, env=env, capture_output=True, text=True,
                          preexec_fn=lambda: os.umask(0o077), timeout=120)
    assert done.returncode == 0
    assert "not using the warm runner (another umask)" in done.stderr


def test_other_resource_limits_run_cold(server):
    """A command run under a lower limit (here: open files, ``ulimit -S -n``) must meet it: the
    runner, started under the server's limits, declines."""
    import resource

    cwd, env = server
    assert "ready" in _wait_ready(cwd, env)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lower = min(soft, 4096) - 1
    done = subprocess.run([str(CHITIEU), "--version"], cwd=cwd, env=env, capture_output=True, text=True,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (lower, hard)),
                          timeout=120)
    assert done.returncode == 0
    assert "not using the warm runner (other resource limits (ulimit): RLIMIT_NOFILE)" in done.stderr


def test_a_killed_client_stops_its_command(server):
    cwd, env = server
    assert "ready" in _wait_ready(cwd, env)
    out = cwd / "killed"
    client = subprocess.Popen([str(CHITIEU), "render", "--level", "commune", "--as-of", "2019-09-30",
                               "--out", str(out), "--no-progress"], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    client.kill()
    client.wait()
    # The runner notices its client is gone and stops the batch (kernels and workers with it).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "busy" in _run(cwd, env, "warm", "status").stdout:
        time.sleep(0.2)
    assert "busy" not in _run(cwd, env, "warm", "status").stdout
    written = list(out.rglob("*.html"))
    communes = [p for p in written if p.parent.name == "xa"]
    assert len(communes) < 100        # of the 137 communes with a target


def test_next_runner_makes_only_the_kits_calls(tmp_path):
    from chitieu_lib.warm_server import _last_setup
    path = tmp_path / "setup.json"
    path.write_text(json.dumps([["chitieu_lib.report.views", "open_report_store", ["/d"]],
                                ["os", "system", ["rm -rf /"]], ["chitieu_libx", "f", []]]))
    assert _last_setup(path) == [("chitieu_lib.report.views", "open_report_store", ["/d"])]
    path.write_text("{not json")
    assert _last_setup(path) == [] and _last_setup(tmp_path / "missing.json") == []


def _runner_pid(cwd: Path) -> int:
    """The ready runner: the server's child started with ``--runner``."""
    server_pid = int(warm.server_paths(str(cwd))["pid"].read_text())
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == server_pid and b"--runner" in cmdline:
            return int(status.parent.name)
    raise AssertionError("no runner")


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_captured_output_ends_with_the_command_not_with_the_runner(server):
    """Reading a kept-warm command's output through a pipe ends when the command does: the runner
    lets the client's pipes go before it shuts its kernels down (it used to hold them until it exited)."""
    cwd, env = server
    assert "ready" in _wait_ready(cwd, env)
    runner = _runner_pid(cwd)
    client = subprocess.Popen([str(CHITIEU), "render", "--unit", "22516", "--as-of", "2019-09-30",
                               "--out", str(cwd / "piped"), "--no-progress"], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = client.communicate(timeout=300)      # returns at EOF on both pipes
    still_there = _alive(runner)                    # shutting its kernels down: ~0.5 s more
    assert client.returncode == 0 and b"not using the warm runner" not in err, err
    assert b"1 of 1 report(s) written" in out + err
    assert still_there


def test_a_server_that_does_not_answer_is_named_and_the_command_runs_cold(tmp_path, test_store):
    """A socket left by a server that is gone (killed): the command runs cold and says why."""
    import socket

    env = _env(test_store)
    path = warm.server_paths(str(tmp_path), create=True)["socket"]
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))          # bound, never listening: as after the server was killed
    stale.close()
    try:
        done = _run(tmp_path, env, "--version")
    finally:
        path.unlink(missing_ok=True)
    assert done.returncode == 0 and done.stdout.strip()
    assert "not using the warm runner (its server does not answer" in done.stderr
