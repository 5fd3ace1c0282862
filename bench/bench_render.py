"""Benchmark: the batches people run (one report, a district pair's communes, the province), plain
papermill + nbconvert against ``chitieu render``, in one run.

    .venv/bin/python bench/bench_render.py --limit 12   # what `make bench` runs (~8 min)
    .venv/bin/python bench/bench_render.py              # baseline on every report (~20 min more)

Same notebooks, same data (a processed store of the bundled synthetic sample year, made under
bench/data/ when missing), same machine, same run. Measured:

1. baseline: a plain loop, per report, of the ``papermill`` CLI (fresh kernel) then
   ``jupyter nbconvert --to html --no-input``, one report at a time, on the 27 commune reports
   of Vạn Ninh and Cam Lâm plus ``--limit`` reports spread over the other levels (all reports
   without ``--limit``). The 163-report figure is per-level mean × reports per level:
   **extrapolated**, and printed as such. The one-report baseline is the communes' mean.
   The store already holds the shared projection (``chitieu render`` leaves it there), which
   the baseline's notebooks read too: that makes the baseline faster, so the ratios are
   conservative.
2. ``chitieu render`` as users run it (``--workers`` default: cores): one commune report
   (with the shared projection not yet in the store, then three times with it), the 27
   communes, every report (163); each with ``--timings``, whose breakdown is printed.
   Then kept warm (``chitieu warm start``; ``chitieu_lib/warm.py``): one report three times,
   the 27 communes once and all reports twice, each started once the server's runner is ready
   again (its kernels up, as after a pause between two commands).
3. the floor: the same notebooks' code cells, parameterized, executed one after another in one
   already-warm kernel (no papermill, no output handling, no HTML, no files), twice, each right
   after a kept-warm run of every report (the two sides in the same minutes). Also with two
   such kernels at once, each on every other report (what two busy kernels cost each other on
   this machine; printed for context, the goal is against the one-kernel floor).

Goals (issue 15): one report ≤ 0.3× the baseline's time; 27 reports ≥ 25× faster; all 163 ≥ 30×
faster; per kernel, a report's cost within the render (the ``reports`` phase × workers / reports)
≤ 1.2× the floor's per report. Single runs of the same batch move by a few percent here, so the
kept-warm 163 reports and the floor are each run twice and the faster run of each is compared
(as ``timeit`` reports the best of its repeats); every run is printed. Finally the executed
notebooks of the baseline and of
``chitieu render`` are compared cell by cell (``chitieu_lib.engine.compare``).
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
    from chitieu_lib.render import plan
    from chitieu_lib.report import default_as_of
    from chitieu_lib.store import open_store

    store = open_store(processed)
    as_of = default_as_of(store)
    # The parameters chitieu render gives every report (no --since, no --previous).
    planned = plan(store.units, decision=store.decision, level="all", as_of=as_of,
                   processed_dir=str(processed.resolve()), out=out, extra={"since": "", "previous_dir": ""})
    return planned, as_of


DISTRICTS = ("571", "570")   # Vạn Ninh, Cam Lâm: the 27 commune reports


def district_communes(planned):
    return [p for p in planned if p.level == "commune" and p.district_code in DISTRICTS]


def spread(planned, limit: int | None):
    """Up to ``limit`` units, taken evenly from each level (departments, districts, communes)."""
    units = list(planned)
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


def run(cmd, **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``cmd`` in the project folder (it must succeed): its wall seconds, and the process."""
    t0 = time.perf_counter()
    done = subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)
    return time.perf_counter() - t0, done


def baseline(subset, out: Path) -> dict:
    """papermill CLI + jupyter nbconvert --no-input, one report after the other: {name: seconds}."""
    total, seconds = 0.0, {}
    for i, p in enumerate(subset, 1):
        before = total
        nb_out = out / (p.job.name.replace("/", "_") + ".ipynb")
        # One YAML (JSON) mapping: the values keep their types and their order (with -p and -r,
        # papermill injects every -p value before every -r value).
        params = ["-y", json.dumps(p.job.parameters, ensure_ascii=False)]
        total += run([BIN / "papermill", p.job.notebook, nb_out, "-k", "python3", "--no-progress-bar",
                      "--log-level", "WARNING", *params])[0]
        total += run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", "--log-level", "WARN",
                      nb_out], stderr=subprocess.DEVNULL)[0]
        seconds[p.job.name] = total - before
        print(f"   baseline {i}/{len(subset)}: {total:.1f} s so far", end="\r", flush=True)
    print()
    return seconds


COLD = os.environ | {"CHITIEU_WARM": "0"}          # never a kept-warm server (a developer's)
WARM = {k: v for k, v in os.environ.items() if k != "CHITIEU_WARM"}


def chitieu_render(out: Path, processed: Path, as_of: str, workers, codes=None, env=COLD) -> tuple[float, dict]:
    """One ``chitieu render --timings``: (wall seconds, its timings); ``env=WARM``: kept warm."""
    timings_file = DATA / "timings.json"
    cmd = [BIN / "chitieu", "render", "--processed", processed, "--as-of", as_of, "--out", out,
           "--no-progress", "--timings", timings_file]
    if workers:
        cmd += ["--workers", str(workers)]
    if codes:
        cmd += ["--unit", *codes]
    seconds, done = run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    timings = json.loads(timings_file.read_text())
    if timings.get("kept warm") != (env is WARM):
        why = [ln for ln in done.stderr.splitlines() if "warm runner" in ln]
        raise SystemExit(f"chitieu render ran {'cold' if env is WARM else 'kept warm'} unexpectedly"
                         + (f": {why[0]}" if why else ""))
    return seconds, timings


def kept_warm(out: Path, processed: Path, as_of: str, workers, one: str, communes: list[str], after_all=None):
    """``chitieu warm start``, then one report three times, the 27 communes once and every
    report twice, each once the server's runner is ready (as after a pause between two commands).
    ``after_all()`` runs after each of the two (the floor: measured in the same minutes)."""
    from chitieu_lib import warm

    cmd = [BIN / "chitieu", "warm", "start", "--idle", "600"] + (["--workers", str(workers)] if workers else [])
    run(cmd, stdout=subprocess.DEVNULL, env=WARM)
    try:
        times = []
        for k in range(3):
            warm.wait_ready()
            t, timings = chitieu_render(out / f"warm-one-{k}", processed, as_of, workers, [one], env=WARM)
            times.append(t)
        warm.wait_ready()
        t_27, tm_27 = chitieu_render(out / "warm-communes", processed, as_of, workers, communes, env=WARM)
        all_runs = []
        for k in range(2):
            warm.wait_ready()
            all_runs.append(chitieu_render(out / f"warm-all-{k}", processed, as_of, workers, env=WARM))
            if after_all is not None:
                warm.wait_ready()      # the next runner has started: it no longer uses the cores
                after_all()
    finally:
        run([BIN / "chitieu", "warm", "stop"], stdout=subprocess.DEVNULL, env=WARM)
    return times, timings, t_27, tm_27, all_runs


def breakdown(label: str, timings: dict) -> None:
    from chitieu_lib.render import timing_lines

    print(f"  -- {label}")
    for line in timing_lines({k: v for k, v in timings.items() if k != "total"}, timings.get("total"))[1:]:
        print("  " + line)


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


def warm_floor(planned, kernels: int = 1) -> float:
    """Seconds per report of the notebooks' code cells in warm kernels (no papermill, no files).

    ``kernels=1``: one kernel runs every report (the floor of issue 15). ``kernels=2``: two
    kernels at once, each on every other report, as a render's two workers run them: what two
    busy kernels cost each other on this machine (shared cores, caches, memory).
    """
    shares = [planned[k::kernels] for k in range(kernels)]
    children = []
    for k, share in enumerate(shares):
        jobs_file = DATA / ("floor_jobs.json" if kernels == 1 else f"floor_jobs_{k}.json")
        jobs_file.write_text(json.dumps([[str(p.job.notebook), p.job.parameters] for p in share]))
        children.append(subprocess.Popen([sys.executable, __file__, "--floor-child", str(jobs_file)],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT))
    per_report = []
    for child, share in zip(children, shares):
        stdout, stderr = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"the warm-kernel floor failed:\n{stderr[-3000:]}")
        per_report.append(json.loads(stdout.strip().splitlines()[-1])["seconds"] / len(share))
    return sum(per_report) / len(per_report)


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


def extrapolate(planned, seconds: dict) -> float:
    """The baseline of every report: per level, the measured mean × that level's reports."""
    total = 0.0
    for level in {p.level for p in planned}:
        of_level = [p for p in planned if p.level == level]
        measured = [seconds[p.job.name] for p in of_level if p.job.name in seconds]
        total += sum(measured) / len(measured) * len(of_level)
    return total


def per_kernel(timings: dict, reports: int) -> float:
    """Seconds per report per kernel inside a render: its ``reports`` phase × workers / reports."""
    engine = timings["engine"]
    return engine["reports"] * engine.get("workers", 1) / reports


def goal(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="run the (slow) baseline on the 27 communes and N other reports only, "
                             "and extrapolate")
    parser.add_argument("--workers", type=int, default=None, help="chitieu render --workers")
    parser.add_argument("--floor-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child:
        floor_child(args.floor_child)
        return 0

    processed = ensure_store()
    shutil.rmtree(processed / "shared", ignore_errors=True)   # the first render computes it
    out = DATA / "render"
    shutil.rmtree(out, ignore_errors=True)
    planned, as_of = planned_jobs(processed, out / "chitieu")
    communes = district_communes(planned)
    others = [p for p in planned if p not in communes]
    subset = communes + (spread(others, args.limit) if args.limit else others)
    n_all = len(planned)
    extrapolated = len(subset) < n_all
    print(f"{n_all} reports (as of {as_of}); baseline on {len(subset)} (the {len(communes)} communes of "
          f"{' and '.join(DISTRICTS)}{' + ' + str(len(subset) - len(communes)) + ' others' if extrapolated else ''})"
          f"; cores: {os.cpu_count()}", flush=True)

    one = communes[0]
    t_one_cold, tm_one_cold = chitieu_render(out / "one-cold", processed, as_of, args.workers, [one.unit_code])
    (out / "papermill").mkdir(parents=True)
    base = baseline(subset, out / "papermill")
    t_one = []
    for k in range(3):
        t, tm_one = chitieu_render(out / f"one-{k}", processed, as_of, args.workers, [one.unit_code])
        t_one.append(t)
    t_27, tm_27 = chitieu_render(out / "communes", processed, as_of, args.workers,
                                 [p.unit_code for p in communes])
    t_all, tm_all = chitieu_render(out / "chitieu", processed, as_of, args.workers)
    floors: list[float] = []          # each right after a kept-warm run of every report
    t_warm_one, tm_warm_one, t_warm_27, tm_warm_27, warm_all_runs = kept_warm(
        out, processed, as_of, args.workers, one.unit_code, [p.unit_code for p in communes],
        after_all=lambda: floors.append(warm_floor(planned)))
    t_warm_all, tm_warm_all = min(warm_all_runs, key=lambda r: r[0])
    floor_per = min(floors)
    floor_two = warm_floor(planned, kernels=2)
    check = same_notebooks(subset, out / "papermill", out / "chitieu")

    base_one = sum(base[p.job.name] for p in communes) / len(communes)
    base_27 = sum(base[p.job.name] for p in communes)
    base_all = extrapolate(planned, base) if extrapolated else sum(base.values())
    one_med = sorted(t_one)[1]
    kernel_per = per_kernel(tm_all, n_all)
    kernels_warm = [per_kernel(tm, n_all) for _, tm in warm_all_runs]
    kernel_warm = min(kernels_warm)
    label = f"extrapolated per level from {len(subset)} reports" if extrapolated else "measured"
    print(f"\nbaseline: papermill + nbconvert, one report at a time; chitieu render: {tm_all['engine'].get('workers')} workers")
    print(f"{'batch':<34}{'baseline':>10}{'render':>10}   ratio        goal")
    print(f"{'1 commune report (' + one.unit_code + ')':<34}{base_one:9.1f}s{one_med:9.1f}s   {one_med / base_one:5.2f}×      "
          f"≤ 0.3×  {goal(one_med / base_one <= 0.3)}")
    print(f"{'  (median of ' + ', '.join(f'{t:.1f}' for t in t_one) + ' s)':<34}"
          f"{'':>10}{'':>10}   first run, shared projection not yet kept: {t_one_cold:.1f} s")
    print(f"{'27 commune reports (571, 570)':<34}{base_27:9.1f}s{t_27:9.1f}s   {base_27 / t_27:5.1f}× faster "
          f"≥ 25×   {goal(base_27 / t_27 >= 25)}")
    warm_med = sorted(t_warm_one)[1]
    print(f"{'1 report, kept warm (chitieu warm)':<34}{base_one:9.1f}s{warm_med:9.1f}s   {warm_med / base_one:5.2f}×      "
          f"≤ 0.3×  {goal(warm_med / base_one <= 0.3)}")
    print(f"{'  (median of ' + ', '.join(f'{t:.1f}' for t in t_warm_one) + ' s)':<34}")
    print(f"{'27 reports, kept warm':<34}{base_27:9.1f}s{t_warm_27:9.1f}s   {base_27 / t_warm_27:5.1f}× faster "
          f"≥ 25×   {goal(base_27 / t_warm_27 >= 25)}")
    print(f"{'all ' + str(n_all) + ' reports':<34}{base_all:9.1f}s{t_all:9.1f}s   {base_all / t_all:5.1f}× faster "
          f"≥ 30×   {goal(base_all / t_all >= 30)}   (baseline {label})")
    print(f"{'all ' + str(n_all) + ' reports, kept warm':<34}{base_all:9.1f}s{t_warm_all:9.1f}s   "
          f"{base_all / t_warm_all:5.1f}× faster ≥ 30×   {goal(base_all / t_warm_all >= 30)}   "
          f"(faster of {', '.join(f'{t:.1f}' for t, _ in warm_all_runs)} s)")
    print(f"{'per kernel, per report':<34}{floor_per:9.2f}s{kernel_per:9.2f}s   {kernel_per / floor_per:5.2f}× floor   "
          f"≤ 1.2×  {goal(kernel_per / floor_per <= 1.2)}")
    print(f"  (floor: the {n_all} reports' code cells in one warm kernel, {floor_per * n_all:.1f} s; render: its "
          f"'reports' phase {tm_all['engine']['reports']:.1f} s × {tm_all['engine'].get('workers')} workers / {n_all})")
    print(f"{'per kernel, per report, kept warm':<34}{floor_per:9.2f}s{kernel_warm:9.2f}s   "
          f"{kernel_warm / floor_per:5.2f}× floor   ≤ 1.2×  {goal(kernel_warm / floor_per <= 1.2)}")
    print(f"  (floor runs {', '.join(f'{f:.3f}' for f in floors)} s; kept-warm runs "
          f"{', '.join(f'{k:.3f}' for k in kernels_warm)} s: the faster of each; each kept-warm run "
          f"against each floor run: {', '.join(f'{k / f:.2f}' for k in kernels_warm for f in floors)}×)")
    print(f"  two kernels at once (each on every other report, no papermill): {floor_two:.2f} s per report "
          f"per kernel, {floor_two / floor_per:.2f}× the one-kernel floor: what two busy kernels cost each "
          f"other on this machine; the render is {kernel_per / floor_two:.2f}× that (kept warm "
          f"{kernel_warm / floor_two:.2f}×)")
    print("\nwhere the time goes (chitieu render --timings):")
    breakdown(f"1 report, first run ({t_one_cold:.1f} s)", tm_one_cold)
    breakdown(f"1 report, shared projection kept ({t_one[-1]:.1f} s)", tm_one)
    breakdown(f"27 commune reports ({t_27:.1f} s)", tm_27)
    breakdown(f"1 report, kept warm ({t_warm_one[-1]:.1f} s)", tm_warm_one)
    breakdown(f"27 commune reports, kept warm ({t_warm_27:.1f} s)", tm_warm_27)
    breakdown(f"all {n_all} reports, kept warm ({t_warm_all:.1f} s)", tm_warm_all)
    breakdown(f"all {n_all} reports ({t_all:.1f} s)", tm_all)
    print(f"\ncheck: {check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
