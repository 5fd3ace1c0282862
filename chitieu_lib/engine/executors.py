"""Spread jobs over workers: in this process, a local process pool, or a dask cluster."""

from __future__ import annotations

import asyncio
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from .jobs import ENGINES, EXECUTORS, JobResult
from .outputs import fingerprint, is_current

MAX_ATTEMPTS = 3  # broken process pools a job may be caught in before it is failed


def _in_process_ok() -> bool:
    """A kernel client needs this thread's event loop; inside a running one (a notebook) use a pool."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def _progress(total, enabled):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit="report", desc="chitieu render",
                file=sys.stderr, dynamic_ncols=True)


def _run_local(todo, options, workers, bar):
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
    import multiprocessing

    # spawn, not fork: the parent holds zmq sockets and threads that must not be copied.
    context = multiprocessing.get_context("spawn")
    attempts: dict[int, int] = {}
    pending = list(todo)
    while pending:
        broken = []
        pool = ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context)
        try:
            futures = {pool.submit(run_job, job, fp=fp, **options): (i, job, fp) for i, job, fp in pending}
            for future in as_completed(futures):
                i, job, fp = futures[future]
                try:
                    results[i] = future.result()
                    bar.update()
                except BrokenProcessPool:
                    broken.append((i, job, fp))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        # A worker process died (not a kernel: that is handled in the worker). Every job queued
        # in that pool failed with it, innocent or not: run them again in a new pool, the first
        # ones (those likely running when it broke) last; a job that was in MAX_ATTEMPTS broken
        # pools is failed.
        position = {i: k for k, (i, _, _) in enumerate(pending)}
        broken.sort(key=lambda item: position[item[0]])
        suspects = workers + 1  # running, plus the one the pool had queued for the next worker
        broken = broken[suspects:] + broken[:suspects]
        pending = []
        for i, job, fp in broken:
            attempts[i] = attempts.get(i, 0) + 1
            if attempts[i] >= MAX_ATTEMPTS:
                results[i] = JobResult(job, False, f"worker process died ({attempts[i]} times)", 0.0)
                bar.update()
            else:
                pending.append((i, job, fp))
    return results


def _run_dask(todo, options, scheduler, bar):
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
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, not {executor!r}")
    if executor == "dask" and scheduler is None:
        raise ValueError("executor='dask' needs scheduler='tcp://HOST:PORT'")
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
