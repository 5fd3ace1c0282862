"""Issue 10: `ingest` and `render` killed outright (SIGKILL, no clean-up) at a few points.

After a killed ingest the store opens with the rows of a complete run (the previous one or
the new one), and the next ingest leaves no temporary folder; after a killed render,
`--resume` ends with every report whole: notebook, HTML, tables and an ``ok`` record whose
files are all there. Each kill is bounded (a few seconds).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _dossier_files import row, write_csv
from chitieu_lib.engine.outputs import is_current, read_record, record_path
from chitieu_lib.store import open_store
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "raw" / "example"


def start(*args) -> subprocess.Popen:
    """The command in a session of its own, so that its kernels and workers die with it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "chitieu_lib", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def finish(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "chitieu_lib", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*") if ".tmp-" in p.name or ".old-" in p.name)


def test_a_killed_ingest_leaves_a_store_of_whole_runs(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(EXAMPLE, raw)
    store = tmp_path / "processed"
    t0 = time.perf_counter()
    assert finish("ingest", raw, "--out", store, "--quiet").returncode == 0
    seconds = time.perf_counter() - t0
    before = len(open_store(store).dossiers)
    assert before == 60                                    # data/raw/example/README.md: 60 rows
    write_csv(raw / "more.csv", [row(f"K{i}") for i in range(7)])
    for fraction in (0.35, 0.6, 0.8, 0.95):
        proc = start("ingest", raw, "--out", store, "--force", "--quiet")
        time.sleep(seconds * fraction)
        kill(proc)
        assert len(open_store(store).dossiers) in (before, before + 7), fraction
    assert finish("ingest", raw, "--out", store, "--quiet").returncode == 0
    assert len(open_store(store).dossiers) == before + 7
    assert leftovers(tmp_path) == []


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_a_killed_render_then_resume_leaves_every_report_whole(test_store, tmp_path):
    from chitieu_lib.decision import load_units
    from chitieu_lib.render import plan_jobs

    units = load_units(DECISION)
    communes = units[(units["parent_code"] == "571") & units["target"].notna()]["unit_code"].tolist()[:2]
    out = tmp_path / "out"
    args = ["render", "--unit", *communes, "--as-of", "2019-09-30", "--processed", test_store,
            "--out", out, "--workers", "1", "--no-progress"]
    jobs = plan_jobs(communes, as_of="2019-09-30", processed_dir=str(test_store.resolve()), out=out)
    records = [record_path(job) for job in jobs]

    proc = start(*args)                       # killed while the kernel starts
    time.sleep(1.5)
    kill(proc)
    proc = start(*args)                       # killed once the first report is on disk
    assert _wait_for(lambda: records[0].is_file(), 60)
    kill(proc)

    done = finish(*args, "--resume")
    assert done.returncode == 0, done.stderr
    assert len(jobs) == 2
    for job in jobs:
        record = read_record(job)
        assert record["status"] == "ok", job.name
        names = set(record["files"])
        assert {f"{job.out_html.stem}.html", f"{job.out_html.stem}.ipynb", f"{job.out_html.stem}.xlsx"} <= names
        assert any(n.endswith(".csv") for n in names)
        assert is_current(job, record["fingerprint"])   # every file listed there, with its bytes
    assert leftovers(out) == []
