"""Run one job: parameterize with papermill, execute, write the .ipynb, the HTML and the record.

Both engines go through papermill's own steps (``parameterize_notebook``,
``prepare_notebook_metadata``, its engine and error markers); they differ only
in the kernel: a fresh one per report (papermill's ``nbclient`` engine) or this
worker's warm kernel (the ``chitieu-warm`` engine below).
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import (prepare_notebook_metadata, raise_for_execution_errors,
                               remove_error_markers)
from papermill.iorw import load_notebook_node
from papermill.log import logger
from papermill.parameterize import parameterize_notebook
from papermill.utils import chdir

from .. import fast_nbformat
from ..atomic import write_all
from ..errors import InputError
from . import kernels
from .client import PipelinedClient
from .jobs import JobResult
from .outputs import base_record, file_hashes, read_record, recorded_files, write_record

WARM_ENGINE = "chitieu-warm"


class TimesManager(NotebookExecutionManager):
    """papermill's execution manager, a cell's duration computed without ``dateutil``.

    papermill parses each cell's start time back from its text with ``dateutil`` (about 3 ms a
    report in a worker); the text is ``datetime.isoformat``'s, which
    :meth:`datetime.fromisoformat` reads exactly. Same metadata, same values.
    """

    def cell_complete(self, cell, cell_index=None, **kwargs):
        meta = cell.metadata.papermill
        start = meta.get("start_time")
        if not start:
            return super().cell_complete(cell, cell_index=cell_index, **kwargs)
        meta["start_time"] = None  # so that papermill does not parse it; put back below
        try:
            return super().cell_complete(cell, cell_index=cell_index, **kwargs)
        finally:
            meta["start_time"] = start
            if meta.get("end_time"):
                meta["duration"] = (datetime.fromisoformat(meta["end_time"])
                                    - datetime.fromisoformat(start)).total_seconds()


class WarmEngine(NBClientEngine):
    """papermill engine running the notebook in an already started kernel (``warm=``), its
    cells sent at once (:class:`.client.PipelinedClient`)."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                         log_output=False, autosave_cell_every=30, **kwargs):
        """papermill's ``Engine.execute_notebook``, with :class:`TimesManager`."""
        nb_man = TimesManager(nb, output_path=output_path, progress_bar=progress_bar,
                              log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 warm=None, **kwargs):
        client = PipelinedClient(
            nb_man, km=warm.km, timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=logger, log_output=log_output, stdout_file=stdout_file,
            stderr_file=stderr_file)
        client.kc = warm.kc  # nbclient keeps a given client and kernel alive after the run
        try:
            return client.execute()
        finally:
            warm.ended = warm.ended or client.exit_requested


papermill_engines.register(WARM_ENGINE, WarmEngine)


def papermill_execute(notebook, parameters, *, output_path, engine_name=None, cell_timeout=None,
                      **engine_kwargs):
    """``papermill.execute_notebook`` minus its file writes; returns ``(nb, error)``.

    Same steps, same order as papermill 2.x, so the executed notebook (the
    injected-parameters cell, papermill metadata, error marker cells) is
    papermill's. ``error`` is the ``PapermillExecutionError`` of a failing cell,
    or None; ``nb`` is returned in both cases (with papermill's error markers).
    A timeout or a dead kernel (nbclient's ``CellTimeoutError``,
    ``DeadKernelError``) is returned as ``error`` with the partly executed nb.
    """
    input_path = str(notebook)
    nb = _template(input_path)
    if parameters:
        nb = parameterize_notebook(nb, parameters, False, kernel_name=kernels.KERNEL_NAME,
                                   engine_name=engine_name)
    nb = prepare_notebook_metadata(nb, input_path, str(output_path))
    nb = remove_error_markers(nb)
    kernel_name = papermill_engines.nb_kernel_name(engine_name=engine_name, nb=nb,
                                                   name=kernels.KERNEL_NAME)
    try:
        # The engine executes nb's cells in place: on a timeout or a dead kernel, nb
        # holds what ran so far.
        papermill_engines.execute_notebook_with_engine(
            engine_name, nb, input_path=input_path, output_path=None, kernel_name=kernel_name,
            progress_bar=False, log_output=False, start_timeout=60, stdout_file=None,
            stderr_file=None, execution_timeout=cell_timeout, **engine_kwargs)
    except (CellTimeoutError, DeadKernelError) as exc:
        return nb, exc
    try:
        raise_for_execution_errors(nb, None)  # inserts papermill's error markers into nb
    except PapermillExecutionError as exc:
        return nb, exc
    return nb, None


_templates: dict[str, tuple] = {}  # path: (size and modification time, node read)


def _template(path: str):
    """``papermill.iorw.load_notebook_node(path)``, read once per version of the file: a copy
    of the node read before (new dicts and lists, the same strings) while the file's size and
    modification time are unchanged."""
    stat = os.stat(path)
    version = (stat.st_mtime_ns, stat.st_size)
    known = _templates.get(path)
    if known is None or known[0] != version:
        known = _templates[path] = (version, load_notebook_node(path))
    return fast_nbformat.nbformat.from_dict(known[1])


def _describe(exc: BaseException, cell_timeout) -> str:
    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue} (cell [{exc.exec_count}])"
    if isinstance(exc, CellTimeoutError):
        return f"timeout: a cell ran longer than {cell_timeout} s"
    if isinstance(exc, DeadKernelError):
        return f"kernel died: {exc}"
    if isinstance(exc, kernels.KernelError):
        return f"kernel failure: {exc}"
    if isinstance(exc, (ExtraOutputError, InputError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def report_files(job, nb, html: str) -> dict[Path, object]:
    """Every file of a successful report: the executed .ipynb, the HTML, the job's extra outputs."""
    files = {Path(job.out_ipynb): fast_nbformat.writes(nb), Path(job.out_html): html}
    if job.extra_outputs is not None:
        try:
            files |= {Path(p): c for p, c in job.extra_outputs(nb, job).items()}
        except Exception as exc:  # noqa: BLE001 -- reported as this report's failure
            raise ExtraOutputError(f"tables not written: {type(exc).__name__}: {exc}") from exc
    return files


class ExtraOutputError(RuntimeError):
    """The job's extra outputs (a report's tables) could not be made."""


def _remove_stale(job, previous: dict | None, keep) -> None:
    """Remove the files of the previous run that this run did not rewrite (a failed report's
    HTML and tables), so that no file on disk is older than its record says."""
    keep = {Path(p).resolve() for p in keep}
    for path in [*recorded_files(job, previous), Path(job.out_html)]:
        if path.resolve() not in keep:
            path.unlink(missing_ok=True)


def run_job(job, *, engine="warm", cell_timeout=600, cwd=None, fp=None, kernel_setup=()) -> JobResult:
    """Execute one job and write its outputs; never raises for a failing report.

    On success: the executed .ipynb, the HTML and the job's extra outputs (the
    report's tables), written together (:func:`chitieu_lib.atomic.write_all`),
    then a record with status ``ok`` listing each file with its hash. On failure:
    the (partly) executed .ipynb when there is one, a record with status
    ``failed`` and the error, and no HTML nor tables (those of a previous run of
    this job are removed, so no page on disk is older than its record says).
    ``kernel_setup``: for a warm kernel this job starts (:data:`.kernels.SetupCalls`).
    """
    from ..html import notebook_to_html  # nbconvert is heavy; import where it is used

    cwd = cwd or os.getcwd()
    started, t0 = _now(), time.perf_counter()
    previous = read_record(job)
    nb, error, written, steps = None, None, [], {}
    try:
        if engine == "papermill":
            with chdir(cwd):  # a fresh kernel starts in the current directory
                nb, exc = papermill_execute(job.notebook, job.parameters,
                                            output_path=job.out_ipynb, cell_timeout=cell_timeout,
                                            extra_arguments=kernels.KERNEL_ARGUMENTS)
        else:
            nb, exc = _execute_warm(job, cell_timeout, cwd, steps, kernel_setup)
        steps["execute"] = time.perf_counter() - t0 - sum(steps.values())
        if exc is not None:
            error = _describe(exc, cell_timeout)
        else:
            t1 = time.perf_counter()
            html = notebook_to_html(nb)
            steps["html"] = time.perf_counter() - t1
            written = write_all(report_files(job, nb, html))
    except Exception as exc:  # a report's failure must not stop the batch
        error = _describe(exc, cell_timeout)
    if error is not None and nb is not None:
        try:
            written = write_all({Path(job.out_ipynb): fast_nbformat.writes(nb)})
        except Exception:  # noqa: BLE001 -- the error already says why the report failed
            written = []
    _remove_stale(job, previous, written)
    seconds = time.perf_counter() - t0
    record = base_record(job, fp) | {
        "status": "ok" if error is None else "failed", "error": error, "engine": engine,
        "seconds": round(seconds, 3), "started": started, "finished": _now(),
        "files": file_hashes(job, written)}
    try:
        write_record(job, record)
    except (OSError, InputError) as exc:
        error = error or f"cannot write the run record: {exc}"
    steps["write"] = seconds - sum(steps.values())
    return JobResult(job, error is None, error, seconds, timings={k: round(v, 4) for k, v in steps.items()})


def _execute_warm(job, cell_timeout, cwd, steps, kernel_setup=()):
    """Run the job in this worker's warm kernel; ``steps`` gets the seconds spent waiting for
    the kernel (its start, when this is its first report) and for its reset (sent when the
    report before ended)."""
    t0 = time.perf_counter()
    kernel = kernels.get_kernel(cwd, setup_calls=kernel_setup)
    steps["kernel"] = time.perf_counter() - t0
    try:
        if kernel.reports:
            t0 = time.perf_counter()
            kernels.reset_kernel(kernel)
            steps["reset"] = time.perf_counter() - t0
        kernel.reports += 1
        nb, exc = papermill_execute(job.notebook, job.parameters, output_path=job.out_ipynb,
                                    engine_name=WARM_ENGINE, cell_timeout=cell_timeout, warm=kernel)
    except BaseException:
        kernels.discard_kernel()  # hung, dead or in an unknown state: never reuse it
        raise
    if exc is not None or kernel.ended:
        # A failed report may have left anything behind; a kernel asked to exit stops soon.
        kernels.discard_kernel()
    else:
        kernels.begin_reset(kernel)  # it resets while this worker writes the report
    return nb, exc
