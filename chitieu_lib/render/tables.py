"""Each report's tables as files beside its HTML: one XLSX and a CSV per table (spreadsheet-safe)."""

from __future__ import annotations

import json
from pathlib import Path

from .. import report, sheets
from ..atomic import write_all


def notebook_tables(nb) -> list[dict]:
    """The tables a report showed with :func:`chitieu_lib.report.show_table`, in order."""
    tables = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(report.TABLE_MIME)
            if payload:
                tables.append(payload if isinstance(payload, dict) else json.loads(payload))
    return tables


def table_files(nb, out_html: Path) -> dict[Path, object]:
    """The report's tables as files beside its HTML: one XLSX (a sheet per table) and a CSV each.

    Returns ``{path: writer}`` for :func:`chitieu_lib.atomic.write_all`; written by the
    engine together with the report's notebook and HTML (:func:`report_tables`).
    Cells are spreadsheet-safe (:mod:`chitieu_lib.sheets`); CSV files are UTF-8 with a BOM
    so that Excel shows Vietnamese letters correctly.
    """
    tables = notebook_tables(nb)
    if not tables:
        return {}
    out_html = Path(out_html)
    frames = [(t["name"], report.payload_frame(t)) for t in tables]
    files: dict[Path, object] = {out_html.with_suffix(".xlsx"): sheets.xlsx_writer(frames)}
    seen: set = set()
    for name, frame in frames:
        if name in seen:
            name = f"{name}_{len(seen)}"
        seen.add(name)
        files[out_html.with_name(f"{out_html.stem}.{name}.csv")] = sheets.csv_writer(frame)
    return files


def report_tables(nb, job) -> dict[Path, object]:
    """The engine's hook (``Job.extra_outputs``): the tables of one executed report."""
    return table_files(nb, job.out_html)


def write_tables(out_ipynb: Path, out_html: Path) -> list[Path]:
    """Write the tables of an executed report notebook beside its HTML, all or nothing."""
    import nbformat  # lazy: ~0.9 s to import (jsonschema); only writing tables needs it here
    return write_all(table_files(nbformat.read(str(out_ipynb), as_version=4), out_html))
