"""The two records the engine trades in: a job (one report) and its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InputError

ENGINES = ("warm", "papermill")
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Job:
    """One report: a notebook template, its parameters and where its outputs go.

    ``data_fingerprint`` (optional) identifies the data the report reads, for
    ``resume``; when absent it is taken from ``manifest.json`` of any parameter
    naming a processed store folder (see ``outputs.data_fingerprint``).
    ``extra_outputs`` (optional, a module-level function so that it travels to
    worker processes): ``extra_outputs(nb, job) -> {path: content}``, more files
    made from the executed notebook (a report's tables), written together with
    the .ipynb and the HTML (see :mod:`chitieu_lib.atomic` for what content may be).
    """

    name: str
    notebook: Path
    parameters: dict
    out_ipynb: Path
    out_html: Path
    data_fingerprint: str | None = field(default=None, compare=False)
    extra_outputs: Callable[[object, "Job"], dict] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class JobResult:
    job: Job
    ok: bool
    error: str | None
    seconds: float
    skipped: bool = False
    # Seconds per step of the job in its worker: kernel (waiting for it to start), reset,
    # execute, html, write (see execute.run_job).
    timings: dict = field(default_factory=dict, compare=False)


class EngineArgumentError(InputError, ValueError):
    """A bad choice of engine, executor or scheduler (the CLI prints it and exits 2)."""
