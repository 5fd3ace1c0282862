"""The report batch, one module per job.

- :mod:`.plan`   which reports: units, notebooks, parameters, output paths (``plan``, ``plan_jobs``)
- :mod:`.tables` each report's tables as XLSX/CSV beside its HTML (the engine's ``extra_outputs``)
- :mod:`.index`  ``index.html``: every report, its figures and status, failures with why
- :mod:`.batch`  ``render``: check, plan, run (:func:`chitieu_lib.engine.run_jobs`), PDFs, index
"""

from ..decision import DEFAULT_DECISION, load_decision, load_units  # noqa: F401 (re-exported for scripts)
from .batch import check_decision, check_previous, check_since, render, timing_lines
from .index import (INDEX_STATE, index_extra, index_html, index_rows, merge_earlier_rows, write_index)
from .plan import (FOLDERS, LEVELS, NOTEBOOK_OF, NOTEBOOKS_DIR, PROVINCE_NAME, Planned, notebooks_dir, plan,
                   plan_jobs, select_units)
from .tables import notebook_tables, report_tables, table_files, write_tables

__all__ = [name for name in dir() if not name.startswith("__")]
