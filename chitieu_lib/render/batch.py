"""One ``chitieu render``: check the inputs, plan, run the reports, print PDFs, write the index."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .. import report
from ..decision import load_decision
from ..engine import run_jobs
from ..errors import InputError
from ..pdf import print_pdfs
from ..report.views import share_projections
from ..store import default_processed_dir, open_store
from ..windows import as_of_warnings
from .index import earlier_pages, index_extra, index_rows, merge_earlier_rows, write_index
from .plan import page_link, plan


def check_decision(store, decision_file) -> None:
    """Refuse a decision file that is not the one the store was ingested with."""
    if not decision_file:
        return
    given = load_decision(decision_file)
    if given.sha256 != store.decision.sha256:
        raise InputError(f"this decision ({given.number}) is not the one the store was ingested with "
                         f"({store.decision.number}, from {store.manifest['decision'].get('path')}); run "
                         f"`chitieu ingest RAW --decision {decision_file} --out {store.path}` first",
                         path=decision_file)


def check_previous(previous_dir, store):
    """The previous year's store: it must exist and carry an earlier decision than this store's."""
    if not previous_dir:
        return None
    prev = open_store(previous_dir)
    if prev.decision.window_end >= store.decision.window_start:
        raise InputError(f"--previous must be a store of an earlier year: its decision {prev.decision.number} "
                         f"runs to {prev.decision.window_end}, this store's {store.decision.number} starts "
                         f"{store.decision.window_start}", path=previous_dir)
    return prev


def check_since(since, as_of: str, decision) -> str:
    """``--since`` must fall inside the window and before ``--as-of``."""
    if not since:
        return ""
    day = pd.Timestamp(since)
    if not (pd.Timestamp(decision.window_start) <= day < pd.Timestamp(as_of)):
        raise InputError(f"--since {since} must be a day before --as-of {as_of} and not before the window "
                         f"starts ({decision.window_start})")
    return day.date().isoformat()


def render(*, level="all", codes=None, districts=None, as_of=None, processed_dir=None, out="outputs",
           workers=None, resume=False, progress=True, engine="warm", executor="local", scheduler=None,
           cell_timeout=600, decision_file=None, previous_dir=None, since=None, pdf=False,
           log=print, timings=None) -> tuple[list[dict], Path]:
    """Render the chosen reports and the index; return (index rows, index path).

    ``decision_file``: refused unless it is the store's; ``previous_dir``: last year's
    store (year-over-year lines); ``since``: the last meeting's day (change sections);
    ``pdf``: print each report to ``CODE.pdf`` beside its HTML. ``districts``: each district's
    report and its communes' (``level`` narrows them), instead of ``codes``. ``timings``: a dict
    filled with seconds per phase (``timing_lines`` prints it).

    What every report shares (the province-wide projection at ``as_of``, and at
    ``since``) is computed once, while the kernels start, and kept in the store folder
    (:func:`chitieu_lib.report.views.share_projections`); the kernels read it.
    """
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    processed = Path(processed_dir) if processed_dir else default_processed_dir()
    # The copy this process keeps while the store's files stay the same (a kept-warm runner
    # has read it before the command came); the reports open the same way.
    store = report.open_report_store(str(processed))
    check_decision(store, decision_file)
    previous = check_previous(previous_dir, store)
    processed = str(processed.resolve())
    as_of = pd.Timestamp(as_of).date().isoformat() if as_of else report.default_as_of(store)
    since = check_since(since, as_of, store.decision)
    out = Path(out)
    extra = {"since": since, "previous_dir": str(previous.path.resolve()) if previous else ""}
    # What the index's figures are computed for: earlier reports in ``out`` count when it matches.
    batch = {"as_of": as_of, "since": since, "previous": str(previous.path) if previous else "",
             "store": store.fingerprint}
    kept = earlier_pages(out, batch)
    planned = plan(store.units, decision=store.decision, level=level, codes=codes, as_of=as_of,
                   processed_dir=processed, out=out, extra=extra, districts=districts, pages_kept=kept)
    for p in planned:
        p.job.out_html.parent.mkdir(parents=True, exist_ok=True)
    clock = _lap(timings, "open store, plan", clock)
    log(f"chitieu render: {len(planned)} report(s), as of {as_of}, data {processed} -> {out}/")
    warnings = as_of_warnings(as_of, store.decision)
    for w in warnings:
        log(f"chitieu render: warning: {w}")
    engine_timings: dict = {}

    def share():
        timings["shared projections"] = share_projections(store, [as_of, since])

    # Every report opens this store first: its kernels read it while they start.
    kernel_setup = [("chitieu_lib.report.views", "open_report_store", (processed,))]
    kwargs = dict(engine=engine, workers=workers, cell_timeout=cell_timeout, resume=resume,
                  progress=progress, executor=executor, prepare=share, timings=engine_timings,
                  kernel_setup=kernel_setup)
    if scheduler is not None:
        kwargs["scheduler"] = scheduler
    results = list(run_jobs([p.job for p in planned], **kwargs))
    timings["engine"] = engine_timings
    timings["jobs"] = [r.timings for r in results if not r.skipped]

    def earlier_communes(failed: set, planned_codes: set) -> list:
        """Earlier batches' pages of communes of ``failed`` districts, planned without the link."""
        units = store.units
        of_failed = units.loc[(units["level"] == "commune") & units["parent_code"].isin(failed), "unit_code"]
        again = [c for c in of_failed if c not in planned_codes and page_link("commune", c) in kept]
        gone = {page_link("district", d) for d in failed}
        return plan(store.units, decision=store.decision, codes=again, as_of=as_of, processed_dir=processed,
                    out=out, extra=extra, pages_kept=kept - gone) if again else []

    relinked = unlink_failed_districts(planned, results, earlier_communes, lambda jobs: run_jobs(
        jobs, **{**kwargs, "prepare": None, "timings": {}, "resume": False}))
    if relinked:
        log(f"chitieu render: {relinked} commune report(s) rendered again without the link to their "
            "district's report, which failed")
    clock = time.perf_counter()
    # Each report's tables were written by the engine with its notebook and HTML (report_tables).
    # The index's figures come from the same functions as the reports.
    summary = columns = None
    codes_in_view = [p.unit_code for p in planned if p.unit_code]
    if codes_in_view:
        view = report.build_view(store, codes_in_view, as_of)
        summary = view.summary()
        columns = index_extra(store, view, since, previous)
    rows = index_rows(planned, results, summary, out, columns)
    if pdf:
        print_pdfs([(p.job.out_html, p.unit_name) for p, r in zip(planned, results) if r.ok], as_of, log=log)
    done = sum(r["ok"] for r in rows), len(rows)          # this run's reports
    rows, dropped = merge_earlier_rows(out, rows, batch)
    if dropped:
        log(f"chitieu render: {dropped} report(s) of an earlier run in {out}/ are not in the index "
            "(made for another date or other data); render them again to list them")
    failures = [r for r in rows if not r["ok"]]
    districts_of = store.units[store.units["level"] == "district"]
    index = write_index(out, rows, as_of=as_of, manifest=store.manifest, failures=len(failures),
                        decision=store.decision, warnings=warnings, batch=batch,
                        district_names=dict(zip(districts_of["unit_code"], districts_of["unit_name"])))
    _lap(timings, "index" + (", pdf" if pdf else ""), clock)
    earlier = f" (+{len(rows) - done[1]} of an earlier run)" if len(rows) > done[1] else ""
    log(f"chitieu render: {done[0]} of {done[1]} report(s) written; index: {index}{earlier}")
    return rows, index


def unlink_failed_districts(planned: list, results: list, earlier_communes, run) -> int:
    """Render again, without the link, the commune pages that link to a district report that failed.

    A failed report leaves no HTML (:func:`chitieu_lib.engine.execute.run_job`), so such a link
    would lead nowhere: this batch's communes of that district (planned with ``district_page``),
    and an earlier batch's that the index would keep (``earlier_communes(failed, planned_codes)``:
    their plans, without the link; they join this batch). ``planned`` and ``results`` are updated
    in place; ``run(jobs)`` runs jobs (``run_jobs``). Returns how many were rendered again.
    """
    failed = {p.unit_code for p, r in zip(planned, results) if p.level == "district" and not r.ok}
    if not failed:
        return 0
    again = [i for i, p in enumerate(planned) if p.level == "commune" and p.district_code in failed
             and p.job.parameters.get("district_page")]
    for i in again:
        job = planned[i].job
        planned[i] = replace(planned[i], job=replace(job, parameters={**job.parameters, "district_page": False}))
    more = earlier_communes(failed, {p.unit_code for p in planned})
    jobs = [planned[i].job for i in again] + [p.job for p in more]
    redone = list(run(jobs)) if jobs else []
    for i, result in zip(again, redone):
        results[i] = result
    planned.extend(more)
    results.extend(redone[len(again):])
    return len(jobs)


# --------------------------------------------------------------------------- timings

def _lap(timings: dict, name: str, since: float) -> float:
    now = time.perf_counter()
    timings[name] = timings.get(name, 0.0) + now - since
    return now


def timing_lines(timings: dict, total: float | None = None) -> list[str]:
    """The start-up and per-report breakdown of one ``render`` (``chitieu render --timings``).

    >>> t = {"start-up": 0.5, "open store, plan": 0.1, "engine": {"workers": 1, "start workers": 0.2,
    ...      "shared work": 1.0, "reports": 2.0}, "shared projections": {"2019-09-30": "read"},
    ...      "jobs": [{"kernel": 1.0, "execute": 0.6, "html": 0.2, "write": 0.1}], "index": 0.05}
    >>> print("\\n".join(timing_lines(t)))
    chitieu render: timings (seconds)
      start-up (interpreter, imports)         0.50
      open store, plan                        0.10
      start 1 worker(s) (kernels boot on)     0.20
      shared projections                      1.00  2019-09-30: read
      reports                                 2.00  1 run on 1 worker(s)
        waiting for kernel start (max)        1.00
        per report: execute 0.60, html 0.20, write 0.10
      index                                   0.05
    """
    engine = timings.get("engine", {})
    jobs = timings.get("jobs", [])
    warm = timings.get("kept warm")
    rows = [("start-up (client; runner kept warm)" if warm else "start-up (interpreter, imports)",
             timings.get("start-up"), ""),
            ("open store, plan", timings.get("open store, plan"), ""),
            (f"start {engine.get('workers', 0)} worker(s) (kernels boot on)", engine.get("start workers"), ""),
            ("shared projections", engine.get("shared work"),
             ", ".join(f"{d}: {how}" for d, how in timings.get("shared projections", {}).items())),
            ("reports", engine.get("reports"), f"{len(jobs)} run on {engine.get('workers', 0)} worker(s)")]
    lines = ["chitieu render: timings (seconds)"]
    for name, seconds, note in rows:
        if seconds is not None:
            lines.append(f"  {name:<38}{seconds:6.2f}" + (f"  {note}" if note else ""))
        if name == "reports" and jobs:
            lines.append(f"    {'waiting for kernel start (max)':<36}{max(j.get('kernel', 0) for j in jobs):6.2f}")
            steps = [k for k in ("reset", "execute", "html", "write") if any(k in j for j in jobs)]
            lines.append("    per report: " + ", ".join(
                f"{k} {sum(j.get(k, 0) for j in jobs) / len(jobs):.2f}" for k in steps))
    for name in ("index", "index, pdf"):
        if name in timings:
            lines.append(f"  {name:<38}{timings[name]:6.2f}")
    if total is not None:
        lines.append(f"  {'total':<38}{total:6.2f}")
    return lines
