"""Benchmark: render the sample year's reports with plain papermill + nbconvert, then with ``chitieu render``.

    .venv/bin/python bench/bench_render.py              # every report (slow: the baseline is ~170 × 6 s)
    .venv/bin/python bench/bench_render.py --limit 12   # the baseline on 12 reports, extrapolated

Same notebooks, same data (a processed store of the bundled synthetic sample year, made under
bench/data/ when missing), same machine, same run. Three numbers:

1. baseline: a plain loop, per report, of the ``papermill`` CLI (fresh kernel) then
   ``jupyter nbconvert --to html --no-input``, one report at a time;
2. ``chitieu render`` (warm kernels, ``--workers``, in-process HTML, plus its XLSX/CSV tables
   and index page, which the baseline does not write);
3. the floor: the same notebooks' code cells, parameterized, executed one after another in one
   already-warm kernel (no papermill, no output handling, no HTML, no files).

With ``--limit N`` the baseline runs on N reports drawn evenly from each level and its time per
report is multiplied by the number of reports; the output says so. ``chitieu render`` and the
floor always run on every report, and ``chitieu render`` also runs on the same N reports so the
ratio is measured on identical work too. Finally the executed notebooks of the baseline and of
``chitieu render`` are compared cell by cell (``chitieu_lib.engine.compare``).

Goals (issue 6): ``chitieu render`` at least 15× faster than the baseline and within 2× of the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
BIN = Path(sys.executable).parent


def ensure_store() -> Path:
    raw, processed = DATA / "sample", DATA / "processed"
    if not (raw / "source.json").is_file():
        subprocess.run([BIN / "chitieu", "sample", "--out", raw, "--quiet"], check=True)
    if not (processed / "manifest.json").is_file():
        subprocess.run([BIN / "chitieu", "ingest", raw, "--out", processed, "--quiet"], check=True)
    return processed


def planned_jobs(processed: Path, out: Path):
    from chitieu_lib.render import default_as_of, plan
    from chitieu_lib.store import open_store

    store = open_store(processed)
    as_of = default_as_of(store)
    return plan(store.units, level="all", as_of=as_of, processed_dir=str(processed.resolve()), out=out), as_of


def spread(planned, limit: int | None):
    """Up to ``limit`` units, taken evenly from each level (departments, districts, communes)."""
    units = [p for p in planned if p.unit_code]
    if not limit or limit >= len(units):
        return units
    by_level: dict[str, list] = {}
    for p in units:
        by_level.setdefault(p.level, []).append(p)
    chosen = []
    for level, items in by_level.items():
        k = max(1, round(limit * len(items) / len(units)))
        step = len(items) / k
        chosen += [items[int(i * step)] for i in range(k)]
    return chosen[:limit]


def run(cmd, **kwargs) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)
    return time.perf_counter() - t0


def baseline(subset, out: Path) -> float:
    """papermill CLI + jupyter nbconvert --no-input, one report after the other."""
    total = 0.0
    for i, p in enumerate(subset, 1):
        nb_out = out / (p.job.name.replace("/", "_") + ".ipynb")
        params = []
        for key, value in p.job.parameters.items():
            params += ["-r" if isinstance(value, str) else "-p", key, str(value)]
        total += run([BIN / "papermill", p.job.notebook, nb_out, "-k", "python3", "--no-progress-bar",
                      "--log-level", "WARNING", *params])
        total += run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", "--log-level", "WARN",
                      nb_out], stderr=subprocess.DEVNULL)
        print(f"   baseline {i}/{len(subset)}: {total:.1f} s so far", end="\r", flush=True)
    print()
    return total


def chitieu_render(out: Path, processed: Path, as_of: str, workers, codes=None) -> float:
    cmd = [BIN / "chitieu", "render", "--processed", processed, "--as-of", as_of, "--out", out,
           "--no-progress"]
    if workers:
        cmd += ["--workers", str(workers)]
    if codes:
        cmd += ["--unit", *codes]
    return run(cmd, stdout=subprocess.DEVNULL)


def floor_child(jobs_file: str) -> None:
    """In the child: execute every job's code cells in one warm kernel; print the seconds."""
    from jupyter_core.utils import run_sync
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from chitieu_lib.engine import kernels

    jobs = json.loads(Path(jobs_file).read_text())

    async def execute(kernel, code):
        msg_id = kernel.kc.execute(code, store_history=True, allow_stdin=False)
        while True:
            reply = await kernel.kc.get_shell_msg(timeout=600)
            if reply["parent_header"].get("msg_id") == msg_id:
                if reply["content"]["status"] != "ok":
                    raise RuntimeError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")
                return

    execute = run_sync(execute)
    sources = []
    for notebook, parameters in jobs:
        nb = parameterize_notebook(load_notebook_node(notebook), parameters, False,
                                   kernel_name="python3")
        sources.append([c.source for c in nb.cells if c.cell_type == "code"])
    kernel = kernels.get_kernel(os.getcwd())
    for code in sources[0]:  # warm-up, not timed: imports, caches, first figure
        execute(kernel, code)
    t0 = time.perf_counter()
    for cells in sources:
        for code in cells:
            execute(kernel, code)
    print(json.dumps({"seconds": time.perf_counter() - t0}))
    kernels.shutdown_all()


def warm_floor(planned) -> float:
    jobs_file = DATA / "floor_jobs.json"
    jobs_file.write_text(json.dumps([[str(p.job.notebook), p.job.parameters] for p in planned]))
    done = subprocess.run([sys.executable, __file__, "--floor-child", str(jobs_file)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"the warm-kernel floor failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def same_notebooks(subset, baseline_dir: Path, render_dir: Path) -> str:
    import nbformat

    from chitieu_lib.engine.compare import normalised

    different = []
    for p in subset:
        a = nbformat.read(baseline_dir / (p.job.name.replace("/", "_") + ".ipynb"), as_version=4)
        b = nbformat.read(render_dir / (p.job.name + ".ipynb"), as_version=4)
        if normalised(a) != normalised(b):
            different.append(p.job.name)
    return (f"same cells and outputs in all {len(subset)} reports" if not different
            else f"DIFFERENT: {different}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="run the (slow) baseline on N reports only and extrapolate")
    parser.add_argument("--workers", type=int, default=None, help="chitieu render --workers")
    parser.add_argument("--floor-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child:
        floor_child(args.floor_child)
        return 0

    processed = ensure_store()
    out = DATA / "render"
    shutil.rmtree(out, ignore_errors=True)
    planned, as_of = planned_jobs(processed, out / "chitieu")
    subset = spread(planned, args.limit) if args.limit else planned
    n_all, n_sub = len(planned), len(subset)
    print(f"{n_all} reports (as of {as_of}); baseline on {n_sub}"
          f"{' (extrapolated)' if n_sub < n_all else ''}; cores: {os.cpu_count()}", flush=True)

    (out / "papermill").mkdir(parents=True)
    t_base = baseline(subset if n_sub < n_all else planned, out / "papermill")
    per_report = t_base / (n_sub if n_sub < n_all else n_all)
    t_base_all = per_report * n_all
    t_render_all = chitieu_render(out / "chitieu", processed, as_of, args.workers)
    t_render_sub = None
    if n_sub < n_all:
        t_render_sub = chitieu_render(out / "chitieu-subset", processed, as_of, args.workers,
                                      codes=[p.unit_code for p in subset])
    t_floor = warm_floor(planned)
    check = same_notebooks(subset, out / "papermill", out / "chitieu")

    print(f"\nreports: {n_all}")
    label = f"extrapolated from {n_sub}" if n_sub < n_all else "measured"
    print(f"baseline papermill + nbconvert : {t_base_all:8.1f} s ({per_report:.2f} s/report, {label})")
    print(f"chitieu render                 : {t_render_all:8.1f} s ({t_render_all / n_all:.2f} s/report)")
    print(f"warm-kernel floor (code only)  : {t_floor:8.1f} s ({t_floor / n_all:.2f} s/report, 1 kernel)")
    print(f"speed-up vs baseline           : {t_base_all / t_render_all:8.1f}×  (goal ≥ 15×)")
    if t_render_sub:
        print(f"  same {n_sub} reports           : baseline {t_base:.1f} s, chitieu render {t_render_sub:.1f} s"
              f" -> {t_base / t_render_sub:.1f}× (includes the command's start-up)")
    print(f"chitieu render / floor         : {t_render_all / t_floor:8.2f}×  (goal ≤ 2×)")
    print(f"check: {check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
