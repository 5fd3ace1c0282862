"""The report engine (chitieu_lib.engine): warm kernels give papermill's notebooks, failures stay isolated.

Tiny notebooks written in tmp_path; the real reports are exercised by bench/bench_render.py.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from chitieu_lib.engine import Job, fingerprint, read_record, record_path, run_jobs
from chitieu_lib.engine.client import PipelinedClient
from chitieu_lib.engine.compare import normalised
from chitieu_lib.engine.outputs import write_atomic

@pytest.fixture
def light_kernels(monkeypatch):
    """Warm kernels preload only pyplot (not pandas, seaborn...): these tests start many kernels."""
    monkeypatch.setenv("CHITIEU_WARM_PRELOAD", "")


KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_nb(path: Path, *sources: str, params: str = "unit = 'A'\nn = 3") -> Path:
    """A notebook with a ``parameters`` cell, a markdown heading, then the given code cells."""
    cells = [new_code_cell(params, metadata={"tags": ["parameters"]}), new_markdown_cell("# Báo cáo")]
    cells += [new_code_cell(s) for s in sources]
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)
    return path


def job(tmp_path, nb, name, **params) -> Job:
    out = tmp_path / "out"
    return Job(name, nb, params, out / f"{name}.ipynb", out / f"{name}.html")


def outputs_text(path: Path) -> str:
    """Every stream/text output of an executed notebook, concatenated."""
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


REPORT = (
    "import warnings\nwarnings.warn('careful: ' + unit)\nprint('unit', unit, n)",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot(range(n))\nax.set_title(unit)",
    "import pandas as pd\npd.DataFrame({'unit': [unit] * n, 'i': range(n)})",
    "n * 2",
)


def test_warm_kernel_gives_papermills_notebook(tmp_path):
    """Several reports through one warm kernel == plain papermill, cell by cell, output by output.

    Normalised (chitieu_lib.engine.compare): papermill/nbclient timestamps and
    durations, input/output paths, the injected cell's random id, the kernel pid
    in IPython's cell file names. Execution counts and PNG bytes are compared as is.
    """
    nb = write_nb(tmp_path / "report.ipynb", *REPORT)
    params = [{"unit": "568", "n": 4}, {"unit": "Vạn Ninh", "n": 7}, {"unit": "SCT", "n": 2}]
    jobs = [job(tmp_path, nb, f"r{i}", **p) for i, p in enumerate(params)]
    results = run_jobs(jobs, engine="warm", workers=1, progress=False)
    assert [r.ok for r in results] == [True] * 3, [r.error for r in results]
    for j, p in zip(jobs, params):
        reference = papermill.execute_notebook(str(nb), str(tmp_path / f"ref_{j.name}.ipynb"),
                                               parameters=p, kernel_name="python3", progress_bar=False)
        warm = nbformat.read(j.out_ipynb, as_version=4)
        assert normalised(warm) == normalised(reference)
        injected = [c for c in warm.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and injected[0].source == papermill.translators.translate_parameters(
            "python", "python", p, "Parameters")
        assert any("image/png" in o.get("data", {}) for c in warm.cells for o in c.get("outputs", []))
        html = j.out_html.read_text(encoding="utf-8")
        assert "data:image/png;base64" in html and "plt.subplots" not in html


def test_cells_sent_at_once_stop_at_the_first_error_as_papermill(tmp_path, light_kernels):
    """The warm engine sends every cell before reading (engine/client.py); what it gives is still
    papermill's: a cell tagged ``raises-exception`` does not stop the report, the first other
    error does, and no cell after it runs (the marker file is never written), a display updated
    by a later cell, outputs cleared (``clear_output(wait=True)``), the timing metadata nbclient
    records."""
    marker = tmp_path / "ran_after_the_error"
    nb = write_nb(tmp_path / "errors.ipynb",
                  "from IPython.display import display\nh = display('first', display_id=True)\nprint('a')",
                  "from IPython.display import clear_output\nprint('gone')\nclear_output(wait=True)\n"
                  "h.update('updated')\nprint('b', end='')\nprint('c')",
                  "raise KeyError('allowed')",
                  "print('after the allowed error')",
                  "{}['stops here']",
                  f"open({str(marker)!r}, 'w').write('x')\nprint('never')")
    nbformat.write(_tag(nbformat.read(nb, as_version=4), 3, "raises-exception"), nb)
    [result] = run_jobs([job(tmp_path, nb, "errors")], engine="warm", workers=1, progress=False)
    assert not result.ok and result.error.startswith("KeyError: 'stops here'")
    assert not marker.exists()
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(nb), str(tmp_path / "ref.ipynb"), kernel_name="python3",
                                   progress_bar=False)
    assert not marker.exists()
    warm = nbformat.read(tmp_path / "out" / "errors.ipynb", as_version=4)
    reference = nbformat.read(tmp_path / "ref.ipynb", as_version=4)
    assert normalised(warm) == normalised(reference)
    assert ([sorted(c.metadata.get("execution", {})) for c in warm.cells]
            == [sorted(c.metadata.get("execution", {})) for c in reference.cells])
    texts = outputs_text(tmp_path / "out" / "errors.ipynb")
    assert "updated" in texts and "after the allowed error" in texts and "never" not in texts
    assert "gone" not in texts and "b" in texts
    assert "stops here" in json.dumps([c.get("outputs") for c in warm.cells], ensure_ascii=False)


def test_no_cell_queued_behind_a_failure_runs(tmp_path, light_kernels, monkeypatch):
    """Cells still being sent when an earlier one fails reach the kernel after the failure
    (ipykernel's abort covers only the requests already there): the kernel refuses them
    (kernels._SETUP). The sending is slowed, as in a loaded worker. Found by a review: without
    the refusal, most of these cells ran."""
    marker = tmp_path / "ran_after_the_error"
    later = [f"open({str(marker)!r}, 'a').write('x')" for _ in range(100)]
    nb = write_nb(tmp_path / "fails_early.ipynb", "1 / 0", *later)
    send = PipelinedClient._send_cell

    def slow_send(self, cell):
        time.sleep(0.005)
        return send(self, cell)

    monkeypatch.setattr(PipelinedClient, "_send_cell", slow_send)
    [result] = run_jobs([job(tmp_path, nb, "fails_early")], engine="warm", workers=1, progress=False)
    assert not result.ok and result.error.startswith("ZeroDivisionError")
    assert not marker.exists()


def test_a_cell_flooding_its_outputs_still_times_out(tmp_path, light_kernels):
    """The deadline is checked by the clock, not only when the kernel is silent (found by a
    review: a cell displaying without pause was never timed out)."""
    nb = write_nb(tmp_path / "floods.ipynb", "import time\nfrom IPython.display import display\n"
                  "start = time.time()\nwhile time.time() - start < 60:\n    display(1)")
    t0 = time.monotonic()
    [result] = run_jobs([job(tmp_path, nb, "floods")], engine="warm", workers=1, cell_timeout=2,
                        progress=False)
    assert not result.ok and result.error.startswith("timeout"), result.error
    assert time.monotonic() - t0 < 30


def test_a_notebook_of_thousands_of_cells_keeps_every_output(tmp_path, light_kernels):
    """The cells are sent a few at a time ahead (client.AHEAD), never all: sent all at once,
    3,000 cells of three displays each lost outputs on IOPub and then waited for the timeout
    (found by a hostile test)."""
    cells = ["from IPython.display import display"] + ["display(1); display(2); display(3)"] * 3000
    nb = write_nb(tmp_path / "long.ipynb", *cells)
    [result] = run_jobs([job(tmp_path, nb, "long")], engine="warm", workers=1, cell_timeout=60,
                        progress=False)
    assert result.ok, result.error
    executed = nbformat.read(tmp_path / "out" / "long.ipynb", as_version=4)
    assert sum(len(c.get("outputs", [])) for c in executed.cells) == 9000


def test_a_report_calling_exit_does_not_hand_on_its_kernel(tmp_path, light_kernels):
    """exit() stops the kernel a moment after its cell: the next reports get a new kernel
    (found by a hostile test: a later, unrelated report failed with "kernel died")."""
    ends = write_nb(tmp_path / "ends.ipynb", "print('bye')", "exit()")
    check = write_nb(tmp_path / "check.ipynb", "import os\nprint('pid', os.getpid())")
    raises = write_nb(tmp_path / "raises.ipynb", "raise SystemExit(3)")
    plan = [("ends", ends), ("check1", check), ("check2", check), ("ends2", ends), ("raises", raises),
            ("check3", check)]
    results = run_jobs([job(tmp_path, nb, name) for name, nb in plan], engine="warm", workers=1,
                       progress=False)
    assert [r.ok for r in results] == [True, True, True, True, False, True], [r.error for r in results]
    assert results[4].error.startswith("SystemExit: 3")
    pids = [outputs_text(tmp_path / "out" / f"{n}.ipynb").split()[-1] for n in ("check1", "check2", "check3")]
    assert pids[0] == pids[1] != pids[2]   # kept between good reports, replaced after exit()


def _tag(nb, index: int, tag: str):
    """``nb`` with ``tag`` added to its code cell number ``index`` (0: the parameters cell)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[index].metadata.setdefault("tags", []).append(tag)
    return nb


def test_reset_leaves_nothing_behind(tmp_path, monkeypatch):
    """What one report changes, the next report in the same kernel does not see."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "helper.py").write_text("VALUE = 1\n")
    (tmp_path / "sub").mkdir()
    spoil = write_nb(tmp_path / "spoil.ipynb", (
        "import os, sys, warnings\nimport matplotlib as mpl, pandas as pd\n"
        "sys.path.insert(0, os.getcwd())\nimport helper\nhelper.VALUE = 99\n"
        "leak = 'x'\nmpl.rcParams['lines.linewidth'] = 9\npd.set_option('display.max_rows', 3)\n"
        "warnings.simplefilter('ignore')\nos.environ['CHITIEU_LEAK'] = '1'\nos.chdir('sub')\n"
        "print('pid', os.getpid())"))
    check = write_nb(tmp_path / "check.ipynb", (
        "import os, sys, warnings\nimport matplotlib as mpl, pandas as pd\n"
        "print('leak' in globals(), mpl.rcParams['lines.linewidth'], pd.get_option('display.max_rows'),\n"
        "      os.environ.get('CHITIEU_LEAK'), os.path.basename(os.getcwd()), 'helper' in sys.modules,\n"
        "      'In' in globals() and len(In))\n"
        "sys.path.insert(0, os.getcwd())\nimport helper\nprint('helper', helper.VALUE)\n"
        "warnings.warn('shown again')\nprint('pid', os.getpid())"))
    # check runs twice: a warning shown in one report must show in the next one too.
    jobs = [job(tmp_path, spoil, "spoil"), job(tmp_path, check, "check1"), job(tmp_path, check, "check2")]
    results = run_jobs(jobs, engine="warm", workers=1, progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    spoil_text, text1, text2 = (outputs_text(j.out_ipynb) for j in jobs)
    # In holds [''] plus this report's cells so far (the parameters cell and this one; no
    # parameters are passed, so papermill injects no cell).
    fresh = f"False 1.5 60 None {tmp_path.name} False 3\nhelper 1\n"
    assert text1.startswith(fresh) and text2.startswith(fresh), text1
    assert "UserWarning: shown again" in text1 and "UserWarning: shown again" in text2
    pids = {t.split("pid ")[1].split()[0] for t in (spoil_text, text1, text2)}
    assert len(pids) == 1  # the same (warm) kernel ran all three
    first_code = next(c for c in nbformat.read(jobs[1].out_ipynb, as_version=4).cells
                      if c.cell_type == "code")
    assert first_code.execution_count == 1


def test_failures_are_isolated_and_kernels_replaced(tmp_path, light_kernels):
    """A report that raises, hangs or kills its kernel fails alone; its kernel is not reused."""
    ok = write_nb(tmp_path / "ok.ipynb", "import os\nprint('pid', os.getpid())")
    raises = write_nb(tmp_path / "raises.ipynb", "1 / 0")
    hangs = write_nb(tmp_path / "hangs.ipynb", "import time\ntime.sleep(120)")
    dies = write_nb(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    plan = [("ok0", ok), ("ok1", ok), ("raises", raises), ("ok2", ok), ("hangs", hangs),
            ("ok3", ok), ("dies", dies), ("ok4", ok)]
    jobs = [job(tmp_path, nb, name) for name, nb in plan]
    results = {r.job.name: r for r in run_jobs(jobs, engine="warm", workers=1, cell_timeout=3,
                                                progress=False)}
    assert [n for n, r in results.items() if not r.ok] == ["raises", "hangs", "dies"]
    assert results["raises"].error.startswith("ZeroDivisionError")
    assert results["hangs"].error.startswith("timeout")
    assert results["dies"].error.startswith("kernel died")
    pid = {n: outputs_text(j.out_ipynb).split()[-1] for n, j in zip(results, jobs) if n.startswith("ok")}
    assert pid["ok0"] == pid["ok1"]  # warm: the kernel is kept between good reports
    assert len({pid["ok1"], pid["ok2"], pid["ok3"], pid["ok4"]}) == 4  # replaced after each failure
    for name in ("raises", "hangs", "dies"):
        j = jobs[[n for n, _ in plan].index(name)]
        assert not j.out_html.exists()
        record = read_record(j)
        assert record["status"] == "failed" and record["error"] == results[name].error
    failed_nb = nbformat.read(jobs[2].out_ipynb, as_version=4)  # papermill's error marker is kept
    assert "papermill-error-cell-tag" in failed_nb.cells[0].metadata.get("tags", [])
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_resume_skips_only_unchanged_jobs(tmp_path, light_kernels, monkeypatch):
    # Other tests point CHITIEU_PROCESSED_DIR at a store; here no data can be identified.
    monkeypatch.delenv("CHITIEU_PROCESSED_DIR", raising=False)
    nb = write_nb(tmp_path / "r.ipynb", "print(unit, n)")
    jobs = [job(tmp_path, nb, "a", unit="A", n=1), job(tmp_path, nb, "b", unit="B", n=2)]
    first = run_jobs(jobs, workers=1, progress=False, data_fingerprint="data-v1")
    assert [(r.ok, r.skipped) for r in first] == [(True, False)] * 2
    record = json.loads(record_path(jobs[0]).read_text(encoding="utf-8"))
    assert record["status"] == "ok" and record["parameters"] == {"unit": "A", "n": 1}
    assert record["fingerprint"] == fingerprint(jobs[0], "data-v1")
    assert {"seconds", "started", "finished", "kit_version", "error"} <= set(record)

    again = run_jobs(jobs, workers=1, progress=False, resume=True, data_fingerprint="data-v1")
    assert [r.skipped for r in again] == [True, True]
    changed = [jobs[0], job(tmp_path, nb, "b", unit="B", n=3)]
    again = run_jobs(changed, workers=1, progress=False, resume=True, data_fingerprint="data-v1")
    assert [r.skipped for r in again] == [True, False]
    assert "B 3" in outputs_text(changed[1].out_ipynb)
    # New data, or data that cannot be identified: nothing is skipped.
    assert fingerprint(jobs[0], "data-v2") != fingerprint(jobs[0], "data-v1")
    assert fingerprint(jobs[0]) is None
    nb.write_text(nb.read_text().replace("print(unit, n)", "print(n, unit)"))
    assert fingerprint(jobs[0], "data-v1") != record["fingerprint"]


def test_data_fingerprint_from_the_store_manifest(tmp_path):
    store = tmp_path / "processed"
    store.mkdir()
    (store / "manifest.json").write_text('{"rows": 1}')
    nb = write_nb(tmp_path / "r.ipynb", "print(1)")
    j = job(tmp_path, nb, "a", processed_dir=str(store))
    before = fingerprint(j)
    assert before is not None
    (store / "manifest.json").write_text('{"rows": 2}')
    assert fingerprint(j) != before


def test_cell_times_are_papermills(monkeypatch):
    """TimesManager (durations without dateutil) writes papermill's metadata, value for value."""
    from datetime import datetime, timedelta, timezone

    from papermill.engines import NotebookExecutionManager

    from chitieu_lib.engine.execute import TimesManager

    def run(manager_class):
        start = datetime(2019, 11, 30, 8, 0, tzinfo=timezone.utc)
        clock = iter(start + timedelta(microseconds=1_234_567 * i + i * i) for i in range(100))
        monkeypatch.setattr(NotebookExecutionManager, "now", lambda self: next(clock))
        nb = new_notebook(cells=[new_code_cell("1", id="a"), new_markdown_cell("x", id="b"),
                                 new_code_cell("2", id="c")],
                          metadata={"papermill": {}})
        manager = manager_class(nb, progress_bar=False)
        manager.notebook_start()
        for index, cell in enumerate(nb.cells[:2]):  # the last cell never runs
            manager.cell_start(cell, index)
            manager.cell_complete(cell, cell_index=index)
        manager.notebook_complete()
        return nb

    ours, papermills = run(TimesManager), run(NotebookExecutionManager)
    assert ours == papermills
    # by hand: the clock's k-th reading is 1.234567 k s + k² µs; papermill reads it at each save
    # too, so cell 0 runs from reading 3 to 5 and cell 1 from 7 to 9
    assert [c.metadata.papermill["duration"] for c in ours.cells] == [
        2 * 1.234567 + (25 - 9) / 1e6, 2 * 1.234567 + (81 - 49) / 1e6, None]


def test_a_notebook_is_read_once_per_version_of_its_file(tmp_path, monkeypatch):
    from chitieu_lib.engine import execute

    path = str(write_nb(tmp_path / "t.ipynb", "print(1)"))
    reads = []
    read = execute.load_notebook_node
    monkeypatch.setattr(execute, "load_notebook_node", lambda p: reads.append(p) or read(p))
    first = execute._template(path)
    first.cells[-1].source = "changed by the first report"
    first.cells.append(new_code_cell("added"))
    assert execute._template(path) == read(path) and len(reads) == 1
    write_nb(tmp_path / "t.ipynb", "print(2)")
    os.utime(path, ns=(1, 1))  # a new version, even within the file system's time resolution
    assert execute._template(path).cells[-1].source == "print(2)" and len(reads) == 2


def test_write_atomic_never_leaves_half_a_file(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("old page")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new page " * 10_000)
    assert target.read_text() == "old page"
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("engine", ["warm", "papermill"])
def test_kernel_runs_this_interpreter(tmp_path, light_kernels, engine):
    nb = write_nb(tmp_path / "exe.ipynb", "import sys\nprint(sys.executable)")
    j = job(tmp_path, nb, engine)
    [result] = run_jobs([j], engine=engine, workers=1, progress=False)
    assert result.ok, result.error
    assert os.path.realpath(outputs_text(j.out_ipynb).strip()) == os.path.realpath(sys.executable)


@pytest.mark.slow
def test_process_pool_and_dask_executors(tmp_path, light_kernels):
    """workers=2 (local process pool) and a dask LocalCluster run the same batch."""
    distributed = pytest.importorskip("distributed")
    nb = write_nb(tmp_path / "r.ipynb", "import os\nprint(unit, os.getpid())")
    pool_jobs = [job(tmp_path, nb, f"p{i}", unit=f"P{i}") for i in range(3)]
    results = run_jobs(pool_jobs, workers=2, progress=False)
    assert [r.job.name for r in results] == ["p0", "p1", "p2"] and all(r.ok for r in results)

    dask_jobs = [job(tmp_path, nb, f"d{i}", unit=f"D{i}") for i in range(3)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        results = run_jobs(dask_jobs, executor="dask", scheduler=cluster.scheduler_address,
                           progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    lines = [outputs_text(j.out_ipynb).split() for j in dask_jobs]
    assert [line[0] for line in lines] == ["D0", "D1", "D2"]
    assert len({line[1] for line in lines}) <= 2  # one warm kernel per dask worker
    assert all(j.out_html.is_file() for j in dask_jobs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="engine"):
        run_jobs([], engine="cold")
    with pytest.raises(ValueError, match="scheduler"):
        run_jobs([], executor="dask")


# --------------------------------------------------------------------------------------------
# Performance fix made for bench/bench_ingest.py in chitieu_lib/ingest/values.py (parse_dates
# cuts the time of day off each distinct text in Arrow, then parses each distinct day once): same dates as parsing each
# value on its own with the original per-value code.

from hypothesis import given, settings
from hypothesis import strategies as st

_DATE_CHARS = "0123456789/-.:T Tx\t\n\x0b\x1c\x85\xa0\u2009\u2028\u3000\u200b\ufeff"
_DATE_TEXTS = st.one_of(
    st.none(),
    st.text(alphabet=_DATE_CHARS, max_size=14),
    st.builds(lambda d, m, y, sep, tail: f"{d}/{m}/{y}{sep}{tail}", st.integers(0, 35),
              st.integers(0, 14), st.integers(1999, 2100),
              st.sampled_from(["", " ", "T", "\xa0", "\t", "\u3000", "\n"]),
              st.sampled_from(["", "08:30", "8:30:15 SA", "x", "T1"])),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(_DATE_TEXTS, max_size=30))
def test_parse_dates_fast_path_matches_per_value_parsing(texts):
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from chitieu_lib.ingest.values import _parse_unique_dates, parse_dates

    got = parse_dates(pa.array(texts, type=pa.string())).to_numpy()
    known = [t for t in texts if t is not None]
    one_by_one = dict(zip(known, _parse_unique_dates(pd.Series(known, dtype="str")))) if known else {}
    expected = [np.datetime64("NaT") if t is None else one_by_one[t] for t in texts]
    assert [str(x) for x in got] == [str(np.datetime64(x, "ns")) for x in expected]


class _KillsTheWorker:
    """Unpickling this in a worker process kills that process (not its kernel)."""

    def __reduce__(self):
        return (os._exit, (3,))


@pytest.mark.slow
def test_dead_worker_process_fails_its_job_only(tmp_path, light_kernels):
    nb = write_nb(tmp_path / "r.ipynb", "print(unit)")
    jobs = [job(tmp_path, nb, f"ok{i}", unit=f"U{i}") for i in range(3)]
    jobs.insert(1, job(tmp_path, nb, "killer", unit=_KillsTheWorker()))
    results = run_jobs(jobs, workers=2, progress=False, cell_timeout=60)
    assert {r.job.name: r.ok for r in results} == {"ok0": True, "killer": False, "ok1": True, "ok2": True}
    assert results[1].error.startswith("worker process died")


def test_kernel_setup_reads_the_store_before_the_first_report(tmp_path, test_store):
    """``kernel_setup`` (what ``chitieu render`` passes): a new kernel has the store's tables
    before its first report runs, and a failing call does not stop the kernel."""
    probe = write_nb(tmp_path / "probe.ipynb", (
        "from chitieu_lib.report import views\n"
        "print('kept', views._KEPT.get('key') is not None)"), params="unit = 'A'")
    setup = [("chitieu_lib.report.views", "open_report_store", (str(test_store),)),
             ("chitieu_lib.report.views", "no_such_function", ())]
    with_setup = run_jobs([job(tmp_path, probe, "with")], engine="warm", workers=1, progress=False,
                          kernel_setup=setup)
    without = run_jobs([job(tmp_path, probe, "without")], engine="warm", workers=1, progress=False)
    assert with_setup[0].ok and without[0].ok, (with_setup[0].error, without[0].error)
    assert "kept True" in outputs_text(tmp_path / "out" / "with.ipynb")
    assert "kept False" in outputs_text(tmp_path / "out" / "without.ipynb")


def test_a_job_that_cannot_reach_its_worker_raises_its_own_error(tmp_path, light_kernels):
    """A job whose parameters cannot be sent to a worker process stops the batch with that
    error (not with one from stopping a pool already shut down)."""
    nb = write_nb(tmp_path / "r.ipynb", "print(unit)")
    jobs = [job(tmp_path, nb, "a", unit="A"), job(tmp_path, nb, "b", unit=lambda: "B")]
    with pytest.raises(Exception, match="pickle"):
        run_jobs(jobs, workers=2, progress=False)
