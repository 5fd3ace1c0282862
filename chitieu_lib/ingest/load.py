"""Reading export files into the normalised dossier table (one row per input data row).

:func:`read_dossier_file` reads one file (no global rule applied: a processed store can cache
it); :func:`load_dossiers` reads many, then :func:`~chitieu_lib.ingest.classify.classify` gives
every row its reason.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..decision import load_units
from ..errors import InputError
from ..windows import read_catalog
from .classify import classify
from .classify import READ_REASONS
from .format import ExportFormat, detect_profile, load_profile, profiles
from .headers import MissingColumnsError, header_score, map_headers
from .read import other_content, read_table
from .units import MATCHES, resolve_units
from .values import clean_text, encode_cells, parse_channels, parse_dates, take_back, trim_cells

DOSSIER_EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".xls", ".htm")   # .xls: HTML tables or old binary
TEXT_FIELDS = ("procedure_name", "field", "agency", "status")
DATE_FIELDS = ("received_date", "due_date", "resolved_date")
COLUMNS = ["source_file", "source_row", "dossier_id", "unit_text", "unit_code", "unit_match",
           "procedure_code", "procedure_name", "field", "received_date", "channel", "agency",
           "due_date", "resolved_date", "status", "reason"]
# `reason` here is set only for rows the reading itself settles (`blank_row`); classify gives the rest.


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


def read_dossier_file(path: str | Path, units: pd.DataFrame, *,
                      header_map: dict | None = None, sheet: str | None = None,
                      source_name: str | None = None, fmt: ExportFormat | None = None,
                      format_name: str | None = None, unit_map: dict | None = None) -> pd.DataFrame:
    """One export file as normalised columns (see docs/architecture.md), not yet classified.

    Invalid values become NaT/NA; ``unit_match`` says whether the unit text resolved (ok),
    matched nothing (unknown) or fitted several units (ambiguous). Personal-data columns are
    never read into the result; their header names are listed in ``attrs["ingest"]``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("Mã hồ sơ,Họ tên,Cơ quan tiếp nhận,Mã TTHC,Ngày tiếp nhận,Hình thức nộp\\n"
    ...                  "H1,Nguyễn Văn A,UBND TP Nha Trang,T1,05/03/2019 08:30,Trực tuyến\\n", encoding="utf-8")
    >>> from chitieu_lib.decision import DEFAULT_DECISION, load_decision
    >>> d = read_dossier_file(p, load_units(load_decision(DEFAULT_DECISION)))
    >>> r = d.iloc[0]
    >>> int(r.source_row), r.unit_code, str(r.received_date.date()), r.channel
    (2, '568', '2019-03-05', 'online')
    >>> d.attrs["ingest"]["personal_data_dropped"], "Nguyễn Văn A" in d.to_string()
    (['Họ tên'], False)
    """
    forced = load_profile(format_name) if format_name else fmt
    path = Path(path)
    mapped = {}

    def profile_of(headers):     # --format, else the profile whose signature the header row holds
        return forced or detect_profile(headers)

    def score(cells):            # a header row below a title block, in whichever profile fits
        return header_score(cells, forced) if forced else max(header_score(cells, p) for p in profiles().values())

    def select(headers):  # a CSV's header row is mapped before reading: only mapped columns are read
        mapped["fmt"] = profile_of(headers)
        mapped["mapping"] = map_headers(headers, path=str(path), header_map=header_map, fmt=mapped["fmt"])
        return _kept(mapped["mapping"])

    table = read_table(path, sheet=sheet, header_score=score, select=select)
    where = f"{path}" + (f" (sheet '{table.sheet}')" if table.sheet else "")
    fmt = mapped.get("fmt") or profile_of(table.headers)
    mapping = mapped.get("mapping") or map_headers(table.headers, path=where, header_map=header_map,
                                                   fmt=fmt)
    # Only the mapped columns are ever cleaned or kept: personal data is not even trimmed.
    # Ids are one per row: cleaned as a whole. Every other column is cleaned, parsed and
    # resolved on its distinct values only, kept as (distinct values, per-row codes).
    ids = set(mapping.columns.get("dossier_id", []))
    cells, raw = {}, None
    for pos in sorted(_kept(mapping)):
        raw, table.columns[pos] = table.columns[pos], None      # free the raw text as we go
        cells[pos] = trim_cells(raw) if pos in ids else encode_cells(raw)
    del raw
    # A row whose kept cells are all empty holds no dossier. Wholly empty, it is not a data row
    # (spreadsheets trail them); with text elsewhere (an STT, a name) it is a data row accounted
    # as `blank_row`, so that the accounting sums to the data rows.
    blank = np.ones(table.n_rows, dtype=bool)
    for values in cells.values():
        blank &= values[1] < 0 if isinstance(values, tuple) else \
            values.is_null().to_numpy(zero_copy_only=False)
    blank_row = blank & other_content(table, blank, _kept(mapping)) if blank.any() else blank
    blank &= ~blank_row
    rows = table.source_row
    if blank.any():
        keep = ~blank
        blank_row = blank_row[keep]
        cells = {pos: (v[0], v[1][keep]) if isinstance(v, tuple) else v.filter(pa.array(keep))
                 for pos, v in cells.items()}
        rows = rows[keep]
    n = len(rows)
    if n == 0:
        raise InputError("no data rows below the header", path=where)

    def column(field):
        positions = mapping.columns.get(field)
        if not positions:
            return None
        parts = [cells[p] for p in positions]
        if len(parts) == 1:
            return parts[0]
        merged = pc.coalesce(*(_decode(*v) if isinstance(v, tuple) else v for v in parts))
        return merged if field == "dossier_id" else encode_cells(merged)

    unit_text, units_out = _resolve_unit_columns([cells[p] for p in mapping.columns["unit"]], n, units,
                                                 fmt, unit_map)
    out = pd.DataFrame({
        "source_file": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                                 categories=[source_name or str(path)]),
        "source_row": rows.astype(np.int64),
        "dossier_id": clean_text(column("dossier_id"), n),
        "unit_text": unit_text,
        "unit_code": units_out["unit_code"],
        "unit_match": units_out["unit_match"],
        "procedure_code": _category(column("procedure_code"), n),
    })
    for f in TEXT_FIELDS:
        out[f] = _category(column(f), n)
    for f in DATE_FIELDS:
        out[f] = _dates(column(f), n)
    out["channel"] = _channels(column("channel"), n, fmt)
    out["reason"] = pd.Categorical.from_codes(np.where(blank_row, 0, -1).astype(np.int8),
                                              categories=list(READ_REASONS))
    out = out[COLUMNS]
    out.attrs["ingest"] = {
        "file": source_name or str(path), "rows": n, "encoding": table.encoding, "sheet": table.sheet,
        "header_row": table.header_row, "blank_rows_skipped": int(blank.sum()),
        "blank_rows_accounted": int(blank_row.sum()), "format": fmt.name,
        "columns": {f: h for f, h in mapping.headers.items()},
        "personal_data_dropped": list(mapping.personal),
        "unrecognised_dropped": list(mapping.unrecognised),
    }
    return out


def _kept(mapping) -> set:
    return {pos for positions in mapping.columns.values() for pos in positions}


# Per-file columns come as (distinct values, codes per row, -1 = empty): the helpers below
# turn them into the table's columns without materialising a string per row.

def _decode(uniques: pa.Array, codes: np.ndarray) -> pa.Array:
    return uniques.take(pa.array(codes, mask=codes < 0))


def _category(column, n: int) -> pd.Categorical:
    if column is None:
        return pd.Categorical.from_codes(np.full(n, -1, np.int8), categories=pd.Index([], dtype="str"))
    uniques, codes = column
    return pd.Categorical.from_codes(codes, categories=pd.Index(pd.array(uniques, dtype="str")))


def _dates(column, n: int) -> pd.Series:
    if column is None:
        return parse_dates(None, n)
    uniques, codes = column
    days = parse_dates(uniques).to_numpy(dtype="datetime64[ns]")
    return pd.Series(take_back(days, codes, np.datetime64("NaT")))


def _channels(column, n: int, fmt) -> pd.Categorical:
    if column is None:
        return parse_channels(pa.nulls(n, pa.string()), fmt)
    uniques, codes = column
    per_unique = parse_channels(uniques, fmt)
    return pd.Categorical.from_codes(take_back(per_unique.codes.astype(np.int8), codes, -1),
                                     categories=per_unique.categories)


def _resolve_unit_columns(parts: list, n: int, units, fmt, unit_map) -> tuple:
    """``unit_text`` and the resolved ``unit_code``/``unit_match`` from the unit columns, the
    preferred first: a row takes the first column whose value resolves; when none does, the first
    column with a value (and its match: unknown or ambiguous)."""
    parts = [p if isinstance(p, tuple) else encode_cells(p) for p in parts]
    if len(parts) == 1:
        return _category(parts[0], n), _resolve_units(parts[0], n, units, fmt, unit_map)
    ok = MATCHES.index("ok")
    chosen = np.full(n, -1, dtype=np.int64)
    resolved = [_resolve_units(p, n, units, fmt, unit_map) for p in parts]
    for i, (part, res) in enumerate(zip(parts, resolved)):
        good = (res["unit_match"].codes == ok) & (chosen < 0)
        chosen[good] = i
    for i, part in enumerate(parts):
        chosen[(chosen < 0) & (part[1] >= 0)] = i
    chosen[chosen < 0] = 0
    texts = pc.coalesce(*[pc.if_else(pa.array(chosen == i), _decode(*p), pa.scalar(None, pa.string()))
                          for i, p in enumerate(parts)])
    unit_text = _category(encode_cells(texts), n)
    codes = pd.Series(pd.NA, index=range(n), dtype="str")
    match = np.zeros(n, dtype=np.int8)
    for i, res in enumerate(resolved):
        at = chosen == i
        codes[at] = res["unit_code"].astype("str").to_numpy()[at]
        match[at] = res["unit_match"].codes[at]
    return unit_text, {"unit_code": pd.Categorical(codes), "unit_match": pd.Categorical.from_codes(
        match, categories=list(MATCHES))}


def _resolve_units(column, n: int, units, fmt, unit_map=None) -> dict:
    """``unit_code`` (categorical, NA if unresolved) and ``unit_match`` per row."""
    uniques, codes = column if column is not None else (pa.array([], pa.string()), np.full(n, -1))
    resolved = resolve_units(uniques, units, fmt, unit_map)
    unit_pos, unit_codes = pd.factorize(resolved["unit_code"])
    match = resolved["unit_match"].cat.codes.to_numpy()
    return {
        "unit_code": pd.Categorical.from_codes(take_back(unit_pos, codes, -1),
                                               categories=pd.Index(unit_codes, dtype="str")),
        "unit_match": pd.Categorical.from_codes(take_back(match, codes, MATCHES.index("unknown")),
                                                categories=list(MATCHES)),
    }


# Categories kept in a fixed order; every other categorical is sorted, so that grouping on it
# orders groups as grouping on the text itself would.
def as_arrow(frame: pd.DataFrame) -> pa.Table:
    """One file's parsed rows (``read_dossier_file``) as the Arrow table :func:`stack_files` takes."""
    plain = frame.copy(deep=False)
    plain.attrs = {}          # the file's reading notes stay with the caller, not in the table
    return pa.Table.from_pandas(plain, preserve_index=False)


def empty_parsed() -> pd.DataFrame:
    """The columns of ``read_dossier_file`` with no rows (a raw folder with no dossier export)."""
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in DATE_FIELDS else
                                      "int64" if c == "source_row" else "str") for c in COLUMNS})


def _typed_dictionaries(table: pa.Table) -> pa.Table:
    """``table`` with its value-less dictionary columns (a code missing in every row of a file:
    pandas categories of no type) as string dictionaries, which Arrow can unify."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type) and pa.types.is_null(field.type.value_type):
            typed = pa.dictionary(field.type.index_type, pa.string())
            table = table.set_column(i, field.with_type(typed), table.column(i).cast(typed))
    return table


def stack_files(tables: list[pa.Table], names: list[str]) -> pd.DataFrame:
    """Per-file tables stacked in input order: the one way files become one dossier table.

    ``tables``: Arrow tables of ``read_dossier_file``'s rows (:func:`as_arrow`, or read back
    from ingest's cache); ``names``: each file's name as messages and ``source_file`` give it
    (set here, whatever name a cached table had). Code columns are unified into one
    dictionary each (categories in order of first appearance; that is cheap at ten million
    rows); ``source_file``, ``unit_match`` and ``channel`` get their fixed category lists.
    """
    if not tables:
        frame = empty_parsed()
    else:
        named = []
        for table, name in zip(tables, names):
            idx = table.schema.get_field_index("source_file")
            col = pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, np.int32)), pa.array([name]))
            named.append(_typed_dictionaries(table.set_column(idx, "source_file", col)))
        merged = pa.concat_tables(named, promote_options="permissive").unify_dictionaries()
        del named
        frame = merged.to_pandas()
        del merged
    for col, cats in (("source_file", list(dict.fromkeys(names))), ("unit_match", list(MATCHES)),
                      ("channel", ["online", "direct", "postal"])):
        frame[col] = frame[col].astype(pd.CategoricalDtype(cats))
    return frame


def load_dossiers(paths, catalog, units: pd.DataFrame | None = None, *, header_map: dict | None = None,
                  sheet: str | None = None, as_of=None, decision=None, exclude=(),
                  format_name: str | None = None, unit_map: dict | None = None) -> pd.DataFrame:
    """Read every file (a folder means its .csv/.xlsx/.xls files), then classify every row.

    ``format_name`` forces an export profile (``--format``; default: recognised per file by its
    header signature); ``unit_map`` maps a system's own unit codes or names to registry codes
    (:func:`chitieu_lib.ingest.units.read_unit_map`).

    ``catalog`` is a frame from :func:`chitieu_lib.windows.read_catalog` or a path to a catalogue
    CSV (read for ``decision``). Returns the dossier table of docs/architecture.md, one row per
    input data row. ``units`` or ``decision`` is needed: the registry is the decision's.
    """
    if not isinstance(catalog, pd.DataFrame):
        catalog = read_catalog(catalog, decision)
    units = load_units(decision) if units is None else units
    files = expand_paths(paths, exclude=exclude, with_origin=True)

    def read(path):
        try:
            return read_dossier_file(path, units, header_map=header_map, sheet=sheet,
                                     format_name=format_name, unit_map=unit_map)
        except InputError as exc:
            return exc                  # raised below, in file order, as a plain loop would
        finally:
            # Arrow's allocator keeps freed pages for reuse; a file's raw text is not reused.
            pa.default_memory_pool().release_unused()

    # Reading is mostly Arrow work that releases the GIL (parsing a CSV is single-threaded when
    # values may hold line breaks): two files at a time use both cores of a small machine.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1, len(files) or 1)) as pool:
        results = list(pool.map(read, [path for path, _ in files]))
    frames, skipped = [], []
    for (path, in_folder), result in zip(files, results):
        if isinstance(result, MissingColumnsError) and in_folder and result.matched <= 1:
            # A folder may also hold the catalogue or other tables: a file that names at most
            # one of the required columns is not a dossier export. Named files always count.
            skipped.append(str(path))
        elif isinstance(result, Exception):
            raise result
        else:
            frames.append(result)
    del results
    if not frames:
        raise InputError("no dossier export among the files given (skipped, not dossier "
                         f"exports: {', '.join(skipped)})")
    files_meta = [f.attrs.get("ingest", {}) for f in frames]
    names = [m["file"] for m in files_meta]        # read_dossier_file always names its file
    tables = []
    while frames:                       # each file's frame freed once it is in Arrow
        frame = frames.pop(0)
        tables.append(as_arrow(frame))
        del frame
    dossiers = stack_files(tables, names)
    del tables
    meta = {"files": files_meta, "skipped_files": skipped}
    out = classify(dossiers, catalog, units, as_of=as_of)
    out.attrs["ingest"] = meta
    return out
