"""Batch execution of parameterized report notebooks (the report engine).

``run_jobs`` executes many papermill templates and writes, for each job, the
executed ``.ipynb``, a code-free offline HTML page (``chitieu_lib.html``) and a
one-line run record (``<out_html stem>.run.json``: status, error, seconds,
parameters, fingerprint, timestamps — Notebooker's "one result record per run").

Two engines, same cells and outputs:

- ``"papermill"``: papermill's own nbclient engine, a fresh kernel per report
  (about 3 s of start-up before any work).
- ``"warm"``: one long-lived kernel per worker; between reports the kernel is
  reset (see ``chitieu_lib.engine.kernels``), so a report costs only its own
  cells. Papermill still parameterizes the notebook and records its metadata:
  the warm kernel is plugged in as a papermill engine (``"chitieu-warm"``).

Executors: ``"local"`` (a process pool, one kernel per worker process) or
``"dask"`` (``scheduler="tcp://HOST:PORT"``; each dask worker keeps its own
warm kernel; paths must be visible to the workers, e.g. a shared disk).

>>> from pathlib import Path
>>> job = Job("568", Path("notebooks/unit_report.ipynb"), {"unit_code": "568"},
...           Path("outputs/568.ipynb"), Path("outputs/568.html"))
>>> record_path(job).name
'568.run.json'
"""

from __future__ import annotations

from .. import fast_nbformat  # noqa: F401  -- before papermill and nbclient import nbformat
from .jobs import Job, JobResult
from .outputs import fingerprint, read_record, record_path
from .executors import run_jobs

__all__ = ["Job", "JobResult", "run_jobs", "record_path", "read_record", "fingerprint"]
