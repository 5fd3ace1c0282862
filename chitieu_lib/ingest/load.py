"""Reading export files into the normalised dossier table (one row per input data row).

:func:`read_dossier_file` reads one file (no global rule applied: a processed store can cache
it); :func:`load_dossiers` reads many, then :func:`~chitieu_lib.ingest.classify.classify` gives
every row its reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from .format import ExportFormat, load_format
from .headers import MissingColumnsError, header_score, map_headers
from .read import read_table
from .units import MATCHES, resolve_units
from .values import clean_text, parse_channels, parse_dates, trim_cells

DOSSIER_EXTENSIONS = (".csv", ".xlsx", ".xlsm")
TEXT_FIELDS = ("procedure_name", "field", "agency", "status")
DATE_FIELDS = ("received_date", "due_date", "resolved_date")
COLUMNS = ["source_file", "source_row", "dossier_id", "unit_text", "unit_code", "unit_match",
           "procedure_code", "procedure_name", "field", "received_date", "channel", "agency",
           "due_date", "resolved_date", "status"]


def expand_paths(paths, exclude=(), *, with_origin: bool = False) -> list:
    """Files to read: each path itself, or for a folder its .csv/.xlsx files sorted by name
    (hidden files, Excel lock files '~$...' and the paths in ``exclude`` skipped).
    ``with_origin`` returns ``(path, found_in_folder)`` pairs."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    skip = {Path(p).resolve() for p in exclude if p}
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(f for f in p.iterdir()
                            if f.is_file() and f.suffix.lower() in DOSSIER_EXTENSIONS
                            and not f.name.startswith((".", "~$")) and f.resolve() not in skip)
            if not inside:
                raise InputError("folder holds no .csv or .xlsx dossier file", path=p)
            files.extend((f, True) for f in inside)
        elif not p.exists():
            raise InputError("file not found", path=p)
        else:
            files.append((p, False))
    return files if with_origin else [f for f, _ in files]


def read_dossier_file(path: str | Path, units: pd.DataFrame | None = None, *,
                      header_map: dict | None = None, sheet: str | None = None,
                      source_name: str | None = None, fmt: ExportFormat | None = None) -> pd.DataFrame:
    """One export file as normalised columns (see docs/architecture.md), not yet classified.

    Invalid values become NaT/NA; ``unit_match`` says whether the unit text resolved (ok),
    matched nothing (unknown) or fitted several units (ambiguous). Personal-data columns are
    never read into the result; their header names are listed in ``attrs["ingest"]``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("Mã hồ sơ,Họ tên,Cơ quan tiếp nhận,Mã TTHC,Ngày tiếp nhận,Hình thức nộp\\n"
    ...                  "H1,Nguyễn Văn A,UBND TP Nha Trang,T1,05/03/2019 08:30,Trực tuyến\\n", encoding="utf-8")
    >>> d = read_dossier_file(p)
    >>> r = d.iloc[0]
    >>> int(r.source_row), r.unit_code, str(r.received_date.date()), r.channel
    (2, '568', '2019-03-05', 'online')
    >>> d.attrs["ingest"]["personal_data_dropped"], "Nguyễn Văn A" in d.to_string()
    (['Họ tên'], False)
    """
    fmt = fmt or load_format()
    path = Path(path)
    table = read_table(path, sheet=sheet, header_score=lambda cells: header_score(cells, fmt))
    where = f"{path}" + (f" (sheet '{table.sheet}')" if table.sheet else "")
    mapping = map_headers(table.headers, path=where, header_map=header_map, fmt=fmt)
    # Only the mapped columns are ever cleaned or kept: personal data is not even trimmed.
    kept = {pos for positions in mapping.columns.values() for pos in positions}
    cells = {pos: trim_cells(table.columns[pos], few_distinct=pos not in _high_cardinality(mapping))
             for pos in sorted(kept)}
    # A row whose kept cells are all empty is a blank row (spreadsheets trail them), not data.
    blank = np.ones(table.n_rows, dtype=bool)
    for values in cells.values():
        blank &= values.is_null().to_numpy(zero_copy_only=False)
    rows = table.source_row
    if blank.any():
        keep = pa.array(~blank)
        cells = {pos: values.filter(keep) for pos, values in cells.items()}
        rows = rows[~blank]
    n = len(rows)
    if n == 0:
        raise InputError("no data rows below the header", path=where)

    def column(field):
        positions = mapping.columns.get(field)
        if not positions:
            return None
        arrays = [cells[p] for p in positions]
        return arrays[0] if len(arrays) == 1 else pc.coalesce(*arrays)

    unit_raw = column("unit")
    resolved = resolve_units(unit_raw, units, fmt)
    out = pd.DataFrame({
        "source_file": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                                 categories=[source_name or str(path)]),
        "source_row": rows.astype(np.int64),
        "dossier_id": clean_text(column("dossier_id"), n),
        "unit_text": clean_text(unit_raw, n),
        "unit_code": resolved["unit_code"],
        "unit_match": resolved["unit_match"],
        "procedure_code": clean_text(column("procedure_code"), n),
    })
    for f in TEXT_FIELDS:
        out[f] = clean_text(column(f), n)
    for f in DATE_FIELDS:
        out[f] = parse_dates(column(f), n)
    out["channel"] = parse_channels(column("channel"), fmt)
    out = out[COLUMNS]
    out.attrs["ingest"] = {
        "file": source_name or str(path), "rows": n, "encoding": table.encoding, "sheet": table.sheet,
        "header_row": table.header_row, "blank_rows_skipped": int(blank.sum()),
        "columns": {f: h for f, h in mapping.headers.items()},
        "personal_data_dropped": list(mapping.personal),
        "unrecognised_dropped": list(mapping.unrecognised),
    }
    return out


def _high_cardinality(mapping) -> set:
    """Columns with about one distinct value per row (ids, dates): normalised as a whole."""
    fields = ("dossier_id", "received_date", "due_date", "resolved_date")
    return {p for f in fields for p in mapping.columns.get(f, [])}


def concat_files(frames: list) -> pd.DataFrame:
    """Stack per-file tables in input order (categories unioned)."""
    if not frames:
        raise InputError("no dossier files given")
    meta = [f.attrs.get("ingest", {}) for f in frames]
    for f in frames:
        f.attrs = {}
    out = pd.concat(frames, ignore_index=True)
    out["source_file"] = pd.Categorical(out["source_file"].astype("str"),
                                        categories=list(dict.fromkeys(m.get("file") for m in meta
                                                                      if m.get("file"))) or None)
    out["unit_match"] = pd.Categorical(out["unit_match"], categories=list(MATCHES))
    out["channel"] = pd.Categorical(out["channel"], categories=["online", "direct", "postal"])
    for f, m in zip(frames, meta):
        f.attrs["ingest"] = m
    out.attrs["ingest"] = {"files": meta}
    return out


def load_dossiers(paths, catalog, units: pd.DataFrame | None = None, *, header_map: dict | None = None,
                  sheet: str | None = None, as_of=None, decision=None, exclude=()) -> pd.DataFrame:
    """Read every file (a folder means its .csv/.xlsx files), then classify every row.

    ``catalog`` is a frame from :func:`chitieu_lib.windows.read_catalog` or a path to a catalogue
    CSV. Returns the dossier table of docs/architecture.md, one row per input data row.
    """
    from ..decision import load_units
    from ..windows import read_catalog
    from .classify import classify

    if not isinstance(catalog, pd.DataFrame):
        catalog = read_catalog(catalog, decision)
    units = load_units(decision) if units is None else units
    frames, skipped = [], []
    for path, in_folder in expand_paths(paths, exclude=exclude, with_origin=True):
        try:
            frames.append(read_dossier_file(path, units, header_map=header_map, sheet=sheet))
        except MissingColumnsError as exc:
            # A folder may also hold the catalogue or other tables: a file that names at most
            # one of the required columns is not a dossier export. Named files always count.
            if not in_folder or exc.matched > 1:
                raise
            skipped.append(str(path))
    if not frames:
        raise InputError("no dossier export among the files given (skipped, not dossier "
                         f"exports: {', '.join(skipped)})")
    dossiers = concat_files(frames)
    meta = dict(dossiers.attrs["ingest"], skipped_files=skipped)
    out = classify(dossiers, catalog, units, as_of=as_of)
    out.attrs["ingest"] = meta
    return out
