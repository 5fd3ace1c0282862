"""Spread jobs over workers: in this process, a local process pool, or a dask cluster."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from tqdm.auto import tqdm

from .jobs import ENGINES, EXECUTORS, EngineArgumentError, JobResult
from .outputs import fingerprint, is_current



def _in_process_ok() -> bool:
    """A kernel client needs this thread's event loop; inside a running one (a notebook) use a pool."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def _progress(total, enabled):
    return tqdm(total=total, disable=not enabled, unit="report", desc="chitieu render",
                file=sys.stderr, dynamic_ncols=True)


def _run_local(todo, options, workers, bar):
    # Lazy: papermill costs ~1 s to import; render and tests import the engine for Job alone.
    from . import kernels
    from .execute import run_job

    results = {}
    if workers == 1 and _in_process_ok():
        try:
            for i, job, fp in todo:
                results[i] = run_job(job, fp=fp, **options)
                bar.update()
        finally:
            kernels.shutdown_all()
        return results
    pending = list(todo)
    while pending:
        done, broken = _pool_round(pending, workers, options, bar)
        results |= done
        # A worker process died (a kernel dying is handled inside the worker). Every unfinished
        # job of that pool failed with it. The pool hands jobs out in order, so the culprit is
        # among the first workers + 1 unfinished ones (running, or queued for the next worker);
        # the others never started: they go round again. Each suspect runs alone, in a pool of
        # its own: a job that kills that one too is failed.
        suspects, pending = broken[:workers + 1], broken[workers + 1:]
        for item in suspects:
            done, again = _pool_round([item], 1, options, bar)
            results |= done
            for i, job, _ in again:
                results[i] = JobResult(job, False, "worker process died while running this report", 0.0)
                bar.update()
    return results


def _pool_round(items, workers, options, bar):
    """Run ``items`` in a new process pool; return (results, jobs lost to a broken pool, in order)."""
    from .execute import run_job

    results, broken = {}, []
    # spawn, not fork: the parent holds zmq sockets and threads that must not be copied.
    pool = ProcessPoolExecutor(max_workers=min(workers, len(items)),
                               mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(run_job, job, fp=fp, **options): (k, (i, job, fp))
                   for k, (i, job, fp) in enumerate(items)}
        for future in as_completed(futures):
            k, item = futures[future]
            try:
                results[item[0]] = future.result()
                bar.update()
            except BrokenProcessPool:
                broken.append((k, item))
    except BaseException:  # Ctrl-C: stop now. A worker would finish its queued reports first;
        # outputs are written atomically and each kernel exits when its worker is gone.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results, [item for _, item in sorted(broken, key=lambda b: b[0])]


def _run_dask(todo, options, scheduler, bar):
    # Lazy: dask is only for --executor dask, and heavy.
    from distributed import Client, as_completed as dask_completed

    from .execute import run_job

    results = {}
    client = scheduler if hasattr(scheduler, "submit") else Client(scheduler)
    try:
        futures = {client.submit(run_job, job, fp=fp, pure=False, **options): (i, job)
                   for i, job, fp in todo}
        for future in dask_completed(futures):
            i, job = futures[future]
            try:
                results[i] = future.result()
            except Exception as exc:  # the dask worker itself went away
                results[i] = JobResult(job, False, f"dask task failed: {type(exc).__name__}: {exc}", 0.0)
            bar.update()
    finally:
        if client is not scheduler:
            client.close()
    return results


def run_jobs(jobs, *, engine="warm", workers=None, cell_timeout=600, executor="local",
             scheduler=None, resume=False, progress=True, data_fingerprint=None):
    """Execute every job; return one ``JobResult`` per job, in the order given.

    ``engine``: ``"warm"`` (kernels kept between reports) or ``"papermill"``
    (a fresh kernel per report). ``workers``: parallel kernels (default: the
    number of cores; ignored by dask, whose workers decide). ``cell_timeout``:
    seconds a cell may run. ``executor="dask"`` with ``scheduler`` (an address
    like ``"tcp://host:8786"`` or a ``distributed.Client``) runs the jobs on
    that cluster. ``resume``: skip jobs whose last run succeeded with the same
    notebook, parameters, kit and data (``JobResult.skipped``). A failing
    report never stops the batch: it comes back with ``ok=False`` and ``error``.
    """
    if engine not in ENGINES:
        raise EngineArgumentError(f"engine must be one of {ENGINES}, not {engine!r}")
    if executor not in EXECUTORS:
        raise EngineArgumentError(f"executor must be one of {EXECUTORS}, not {executor!r}")
    if executor == "dask" and scheduler is None:
        raise EngineArgumentError("the dask executor needs a scheduler address "
                                  "(--scheduler tcp://HOST:PORT)")
    jobs = list(jobs)
    workers = max(1, int(workers or os.cpu_count() or 1))
    options = {"engine": engine, "cell_timeout": cell_timeout, "cwd": os.getcwd()}
    results, todo = {}, []
    for i, job in enumerate(jobs):
        fp = fingerprint(job, data_fingerprint)
        if resume and is_current(job, fp):
            results[i] = JobResult(job, True, None, 0.0, skipped=True)
        else:
            todo.append((i, job, fp))
    with _progress(len(jobs), progress) as bar:
        bar.update(len(results))
        if todo and executor == "dask":
            results |= _run_dask(todo, options, scheduler, bar)
        elif todo:
            results |= _run_local(todo, options, min(workers, len(todo)), bar)
    return [results[i] for i in range(len(jobs))]
