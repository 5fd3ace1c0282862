"""Spread jobs over workers: in this process, a local process pool, or a dask cluster."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import time
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


def _warm_up(engine: str, cwd: str, kernel_setup=()) -> None:
    """Get this process ready for reports: launch its kernel, then import the engine meanwhile.

    Run in each worker process as it starts (the pool's initializer), and in this
    process before an in-process batch. Never raises: the first report starts what
    is missing (and reports why it cannot).
    """
    try:
        from . import kernels  # lazy: see _run_local
        if engine == "warm":
            kernels.prestart_kernel(cwd, kernel_setup)
        from . import execute  # noqa: F401 -- papermill, nbclient: ~1 s, while the kernel boots
        from ..html import warm_up
        warm_up()              # nbconvert and its templates, compiled
    except Exception:  # noqa: BLE001
        pass


def _nothing() -> None:
    """A task that only makes the pool start one more worker process."""


def _kernel_ready(cwd: str, kernel_setup=()) -> int:
    """A task that returns once this worker's kernel is up and preloaded: the worker's pid."""
    from . import kernels  # lazy: see _run_local
    kernels.get_kernel(cwd, setup_calls=kernel_setup)
    return os.getpid()


class _Workers:
    """The workers of a local batch, started before the batch's shared work runs (``prepare``).

    In this process (one worker, no running event loop): the kernel is launched and
    the engine imported at once. Otherwise: a process pool of ``count`` workers, each
    launching its kernel as it starts (``_warm_up``); one empty task per worker makes
    the pool start them all now rather than at the first report.
    """

    def __init__(self, count: int, options: dict):
        self.count, self.options = count, options
        self.pool = None
        self.in_process = count == 1 and _in_process_ok()
        if self.in_process:
            _warm_up(options["engine"], options["cwd"], options["kernel_setup"])
        else:
            self.pool = _take_prestarted_pool(count, options)
            if self.pool is None:
                self.pool = _new_pool(count, options)
                for _ in range(count):
                    self.pool.submit(_nothing)

    def run(self, todo, bar) -> dict:
        return _run_local(todo, self.options, self.count, bar, first_pool=self.pool,
                          in_process=self.in_process)

    def close(self, failed: bool = False) -> None:
        """Stop the workers (at once when the batch failed or was interrupted before they ran)."""
        if self.in_process:
            from . import kernels
            kernels.shutdown_all()
        if self.pool is not None:
            if failed:
                for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                    process.terminate()
            self.pool.shutdown(wait=False, cancel_futures=True)


# A pool started before its batch was known (chitieu_lib.warm: a runner waiting for a command).
_prestarted: dict = {}
# The kernel set-up of this process's last batch (run_jobs): a kept-warm runner's next kernels
# are set up the same way, as the next command most likely reads the same store.
last_kernel_setup: tuple = ()


def prestart_pool(workers: int, options: dict, timeout: float = 120) -> None:
    """Start a pool of ``workers`` worker processes, each with its kernel ready, for a later batch.

    A batch takes it when it needs exactly that many workers, with the same engine and
    folder (:class:`_Workers`); :func:`discard_prestarted_pool` stops it otherwise.
    """
    discard_prestarted_pool()
    pool = _new_pool(workers, options)
    _prestarted.update(pool=pool, workers=workers, engine=options["engine"], cwd=options["cwd"])
    # Return once every worker's kernel is up: a batch started meanwhile would share the two
    # cores with workers still booting. A worker that is done takes the next probe, so probe
    # until each worker has answered (a few rounds at most).
    ready: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(ready) < workers and time.monotonic() < deadline:
        probes = [pool.submit(_kernel_ready, options["cwd"], options["kernel_setup"])
                  for _ in range(workers - len(ready))]
        answered = {probe.result(timeout=max(1.0, deadline - time.monotonic())) for probe in probes}
        if answered <= ready:
            time.sleep(0.05)     # only ready workers answered: give the others time to boot
        ready |= answered


def _take_prestarted_pool(count: int, options: dict) -> ProcessPoolExecutor | None:
    if not _prestarted or count != _prestarted["workers"] or options["engine"] != _prestarted["engine"] \
            or options["cwd"] != _prestarted["cwd"]:
        return None
    pool = _prestarted.pop("pool")
    _prestarted.clear()
    return pool


def discard_prestarted_pool() -> None:
    """Stop a prestarted pool no batch took."""
    pool = _prestarted.pop("pool", None)
    _prestarted.clear()
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(workers: int, options: dict) -> ProcessPoolExecutor:
    # spawn, not fork: the parent holds zmq sockets and threads that must not be copied.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_warm_up,
                               initargs=(options["engine"], options["cwd"], options["kernel_setup"]))


def _run_local(todo, options, workers, bar, first_pool=None, in_process=None):
    # Lazy: papermill costs ~1 s to import; render and tests import the engine for Job alone.
    from . import kernels
    from .execute import run_job

    results = {}
    if in_process if in_process is not None else (workers == 1 and _in_process_ok()):
        try:
            for i, job, fp in todo:
                results[i] = run_job(job, fp=fp, **options)
                bar.update()
        finally:
            kernels.shutdown_all()
        return results
    pending = list(todo)
    while pending:
        done, broken = _pool_round(pending, workers, options, bar, pool=first_pool)
        first_pool = None
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


def _pool_round(items, workers, options, bar, pool=None):
    """Run ``items`` in a process pool (``pool``, or a new one); return (results, jobs lost to a
    broken pool, in order)."""
    from .execute import run_job

    results, broken = {}, []
    pool = pool or _new_pool(min(workers, len(items)), options)
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
        for process in list((getattr(pool, "_processes", None) or {}).values()):
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
             scheduler=None, resume=False, progress=True, data_fingerprint=None, prepare=None,
             timings=None, kernel_setup=()):
    """Execute every job; return one ``JobResult`` per job, in the order given.

    ``engine``: ``"warm"`` (kernels kept between reports) or ``"papermill"``
    (a fresh kernel per report). ``workers``: parallel kernels (default: the
    number of cores, never more than the reports to run; ignored by dask, whose
    workers decide). ``cell_timeout``: seconds a cell may run. ``executor="dask"``
    with ``scheduler`` (an address like ``"tcp://host:8786"`` or a
    ``distributed.Client``) runs the jobs on that cluster. ``resume``: skip jobs
    whose last run succeeded with the same notebook, parameters, kit and data
    (``JobResult.skipped``). ``prepare``: a function called once the local workers
    are starting (their kernels boot meanwhile) and before the first report runs,
    for the work every report shares; not called when there is nothing to run.
    ``timings``: a dict to fill with seconds per phase (``resume check``, ``start workers``,
    ``shared work``: ``prepare``, ``reports``) and ``workers`` (how many were started).
    ``kernel_setup``: calls each new warm kernel makes before its first report
    (:data:`chitieu_lib.engine.kernels.SetupCalls`: a render's kernels read its store);
    kept in ``last_kernel_setup`` for a kept-warm runner's next kernels.
    A failing report never stops the batch: it comes back with ``ok=False`` and ``error``.
    """
    if engine not in ENGINES:
        raise EngineArgumentError(f"engine must be one of {ENGINES}, not {engine!r}")
    if executor not in EXECUTORS:
        raise EngineArgumentError(f"executor must be one of {EXECUTORS}, not {executor!r}")
    if executor == "dask" and scheduler is None:
        raise EngineArgumentError("the dask executor needs a scheduler address "
                                  "(--scheduler tcp://HOST:PORT)")
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    jobs = list(jobs)
    workers = max(1, int(workers or os.cpu_count() or 1))
    options = {"engine": engine, "cell_timeout": cell_timeout, "cwd": os.getcwd(),
               "kernel_setup": tuple(kernel_setup)}
    global last_kernel_setup
    last_kernel_setup = options["kernel_setup"]
    results, todo = {}, []
    for i, job in enumerate(jobs):
        fp = fingerprint(job, data_fingerprint)
        if resume and is_current(job, fp):
            results[i] = JobResult(job, True, None, 0.0, skipped=True)
        else:
            todo.append((i, job, fp))
    clock = _lap(timings, "resume check", clock)
    local = None
    if todo and executor == "local":
        local = _Workers(min(workers, len(todo)), options)
        timings["workers"] = local.count
        clock = _lap(timings, "start workers", clock)
    try:
        if todo and prepare is not None:
            prepare()
            clock = _lap(timings, "shared work", clock)
        with _progress(len(jobs), progress) as bar:
            bar.update(len(results))
            if todo and executor == "dask":
                results |= _run_dask(todo, options, scheduler, bar)
            elif todo:
                results |= local.run(todo, bar)
        _lap(timings, "reports", clock)
    except BaseException:
        if local is not None:
            local.close(failed=True)
        raise
    if local is not None:
        local.close()
    return [results[i] for i in range(len(jobs))]


def _lap(timings: dict, name: str, since: float) -> float:
    now = time.perf_counter()
    timings[name] = timings.get(name, 0.0) + now - since
    return now
