"""The processed store: a raw folder read once into Parquet, and opened by notebooks and reports.

``ingest(raw_dir, out_dir)`` recognises every file under the raw folder by its
content (dossier export, catalogue, Biểu 06 workbook, flat aggregate CSV,
``source.json``), reads each once and writes ``out_dir``::

    dossiers.parquet    the classified dossier table (contract of chitieu_lib.ingest), no as-of
    catalog.parquet     the procedure catalogue with each procedure's window
    units.parquet       the units registry of the decision
    aggregates.parquet  Biểu 06 and flat aggregate lines (chitieu_lib.aggregate)
    accounting.csv      per input file x reason: rows, example rows
    manifest.json       kit version, inputs (size, mtime, sha256, kind, rows), synthetic flag, data date
    cache/              each dossier file's parsed rows, keyed by its sha256

Re-running on unchanged input does nothing; a changed file is re-parsed (the
others come from the cache) and the global classification (duplicates across
files) is redone. The store is written into a temporary folder and swapped in
whole: a failure leaves the previous store as it was.

``open_store()`` reads it back into a frozen :class:`Store`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .errors import InputError
from .text import fold

STORE_FILES = ("dossiers.parquet", "catalog.parquet", "units.parquet", "aggregates.parquet",
               "accounting.csv", "manifest.json")
CACHE_VERSION = "2"        # bump when the cached per-file frame changes shape
ENV_VAR = "CHITIEU_PROCESSED_DIR"
KINDS = {
    "dossiers": "dossier export",
    "catalog": "procedure catalogue",
    "bieu06": "Biểu 06 workbook",
    "flat_aggregate": "flat aggregate CSV",
    "source": "source description",
    "documentation": "documentation (not data, not read)",
    "unknown": "NOT RECOGNISED (not read)",
}
DOC_SUFFIXES = (".md", ".rst", ".pdf", ".html", ".docx", ".doc")
ACCOUNTING_COLUMNS = ["file", "kind", "reason", "rows", "example_rows"]


# ====================================================================== locating things

def project_root() -> Path:
    """The folder holding pyproject.toml above this package; the working folder if there is none."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd()


def default_processed_dir() -> Path:
    """``$CHITIEU_PROCESSED_DIR`` if set, else ``<project root>/data/processed``."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else project_root() / "data" / "processed"


# ====================================================================== recognising raw files

@dataclass(frozen=True)
class RawFile:
    """One file under the raw folder and what it was recognised as."""

    path: Path
    rel: str            # path relative to the raw folder, with '/'
    kind: str           # a key of KINDS
    size: int
    mtime_ns: int
    note: str = ""


def _csv_head_rows(path: Path, n: int = 12) -> list[list[str]]:
    """The first ``n`` rows of a text file, decoded from its first lines only (a stray byte further
    down must not change how the header reads). Encoding and delimiter: the loader's own rules."""
    import csv
    import io

    from .ingest.read import _python_codec, sniff_delimiter, sniff_encoding
    data = path.open("rb").read(1 << 16)
    cut = -1
    for _ in range(n):
        nxt = data.find(b"\n", cut + 1)
        if nxt < 0:
            break
        cut = nxt
    head = data if cut < 0 else data[:cut + 1]
    try:
        encoding = sniff_encoding(head, path, complete=cut >= 0)
    except InputError:  # recognition only: reading the file reports the encoding problem
        encoding = "cp1258"
    text = data.decode("utf-16", errors="ignore") if encoding == "utf-16" else \
        head.decode(_python_codec(encoding), errors="replace")
    lines = text.splitlines()[:n]
    if not lines:
        return []
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines[0])))


def _dossier_score(cells: list) -> int:
    from .ingest.headers import header_score
    return header_score(cells)


def _kind_of_rows(rows: list[list]) -> tuple[str, str]:
    from .aggregate import flat_header_map
    from .bieu06 import _find_header
    if _find_header(rows) is not None:
        return "bieu06", ""
    for i, row in enumerate(rows[:30]):
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        if not cells:
            continue
        keys = {fold(c) for c in cells}
        if {"procedure code", "rule"} <= keys:
            return "catalog", ""
        if flat_header_map(cells):
            return "flat_aggregate", ""
        if _dossier_score(cells) >= 4:
            return "dossiers", f"header on row {i + 1}" if i else ""
    return "unknown", ""


def _xlsx_head_rows(path: Path, n: int = 40) -> list[list[list]]:
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [[list(r) for r in ws.iter_rows(min_row=1, max_row=n, values_only=True)]
                for ws in wb.worksheets]
    finally:
        wb.close()


def recognise(path: str | Path) -> tuple[str, str]:
    """What a raw file is, from its content: (kind, note). Kinds: see ``KINDS``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.name.lower() == "source.json":
        return "source", ""
    if suffix in DOC_SUFFIXES:
        return "documentation", ""
    try:
        if suffix in (".xlsx", ".xlsm"):
            for rows in _xlsx_head_rows(path):
                kind, note = _kind_of_rows(rows)
                if kind != "unknown":
                    return kind, note
            return "unknown", "a workbook with neither a dossier header nor a Biểu 06 table"
        if suffix in (".csv", ".tsv", ".txt"):
            kind, note = _kind_of_rows(_csv_head_rows(path))
            if kind != "unknown":
                return kind, note
            if suffix == ".txt":
                return "documentation", ""
            return "unknown", "a CSV whose header is not a dossier export, catalogue or flat aggregate"
    except Exception as exc:  # noqa: BLE001 - an unreadable file is reported, not fatal here
        return "unknown", f"could not be opened ({type(exc).__name__}: {exc})"
    return "unknown", f"'{suffix or 'no extension'}' files are not read"


def scan_raw_dir(raw_dir: str | Path, previous: dict | None = None) -> list[RawFile]:
    """Every file under ``raw_dir`` (hidden files and folders skipped), recognised, in path order.

    ``previous`` (a store manifest): a file with the size and mtime recorded there keeps the kind
    recorded there, without being opened again.
    """
    raw_dir = Path(raw_dir)
    known = {i["path"]: i for i in (previous or {}).get("inputs", [])}
    if not raw_dir.is_dir():
        raise InputError("raw folder not found (run `chitieu sample` to make the sample year)", path=raw_dir)
    out = []
    for path in sorted(raw_dir.rglob("*")):
        rel = path.relative_to(raw_dir)
        if not path.is_file() or any(p.startswith((".", "~$")) for p in rel.parts):
            continue
        st = path.stat()
        old = known.get(rel.as_posix())
        if old and old.get("size") == st.st_size and old.get("mtime_ns") == st.st_mtime_ns and "kind" in old:
            kind, note = old["kind"], old.get("note", "")
        else:
            kind, note = recognise(path)
        out.append(RawFile(path, rel.as_posix(), kind, st.st_size, st.st_mtime_ns, note))
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ====================================================================== ingest

@dataclass
class IngestResult:
    """What :func:`ingest` did: ``up_to_date`` (nothing written) or ``written``."""

    status: str
    out_dir: Path
    manifest: dict
    lines: list = field(default_factory=list)   # what was printed


def _fingerprint(inputs: list[dict]) -> str:
    from .decision import load_decision
    d = load_decision()
    parts = [__version__, CACHE_VERSION, sha256_of(d.path)]
    fmt = Path(__file__).parent / "data" / "export_format.toml"
    if fmt.is_file():
        parts.append(sha256_of(fmt))
    parts += [f"{i['path']}|{i['kind']}|{i['size']}|{i['sha256']}" for i in inputs]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _previous_manifest(out_dir: Path) -> dict | None:
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not all((out_dir / f).is_file() for f in STORE_FILES):
        return None
    return manifest


def _hash_inputs(files: list[RawFile], previous: dict | None) -> list[dict]:
    """size, mtime and sha256 of each file; the previous hash is reused when size and mtime match."""
    known = {i["path"]: i for i in (previous or {}).get("inputs", [])}
    out = []
    for f in files:
        old = known.get(f.rel)
        same = old and old.get("size") == f.size and old.get("mtime_ns") == f.mtime_ns
        out.append({"path": f.rel, "kind": f.kind, "note": f.note, "size": f.size, "mtime_ns": f.mtime_ns,
                    "mtime": dt.datetime.fromtimestamp(f.mtime_ns / 1e9).isoformat(timespec="seconds"),
                    "sha256": old["sha256"] if same else sha256_of(f.path)})
    return out


def ingest(raw_dir: str | Path | None = None, out_dir: str | Path | None = None, *,
           force: bool = False, log=print) -> IngestResult:
    """Read everything under ``raw_dir`` once and write the processed store ``out_dir``.

    Does nothing (status ``up_to_date``) when the inputs, the kit version and the
    decision are those of the existing store, unless ``force``. Raises
    InputError (nothing written, the previous store intact) on unusable input.
    """
    raw_dir = Path(raw_dir) if raw_dir else project_root() / "data" / "raw" / "sample"
    out_dir = Path(out_dir) if out_dir else default_processed_dir()
    lines: list[str] = []

    def say(text: str = "") -> None:
        lines.append(text)
        if log:
            log(text)

    previous = _previous_manifest(out_dir)
    same_kit = previous and previous.get("kit_version") == __version__ and not force
    files = scan_raw_dir(raw_dir, previous if same_kit else None)
    inputs = _hash_inputs(files, previous)
    fingerprint = _fingerprint(inputs)
    if previous and previous.get("fingerprint") == fingerprint and not force:
        say(f"{out_dir}: up to date ({len(inputs)} input files unchanged since "
            f"{previous.get('ingested_at')}); nothing to do")
        return IngestResult("up_to_date", out_dir, previous, lines)

    say(f"reading {raw_dir} ({len(files)} files)")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "cache").mkdir(parents=True)
    try:
        manifest = _build(raw_dir, out_dir, tmp, files, inputs, fingerprint, say)
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"wrote {out_dir}: {manifest['rows']['dossiers']:,} dossier rows "
        f"({manifest['rows']['dossiers_counted']:,} counted), {manifest['rows']['aggregates']:,} aggregate "
        f"rows, {manifest['rows']['catalog']:,} procedures; data date {manifest['data_date']}")
    if manifest.get("synthetic"):
        say("note: these data are SYNTHETIC (source.json) — not real figures")
    return IngestResult("written", out_dir, manifest, lines)


def _build(raw_dir: Path, out_dir: Path, tmp: Path, files: list[RawFile], inputs: list[dict],
           fingerprint: str, say) -> dict:
    from .aggregate import classify_aggregates, empty_aggregates, read_flat_csv, unit_lookup
    from .bieu06 import bieu06_to_aggregates, check_bieu06, read_bieu06
    from .decision import load_decision, load_units
    from .windows import read_catalog

    decision = load_decision()
    units = load_units(decision)
    lookup = unit_lookup(units)
    by_kind: dict[str, list[RawFile]] = {}
    for f in files:
        by_kind.setdefault(f.kind, []).append(f)
    sha = {i["path"]: i["sha256"] for i in inputs}
    rows_per_file: dict[str, int] = {}
    accounting: list[pd.DataFrame] = []

    for f in files:
        say(f"  {f.rel:<44} {KINDS[f.kind]}" + (f" — {f.note}" if f.note else ""))

    # Catalogue: exactly one.
    cats = by_kind.get("catalog", [])
    if len(cats) > 1:
        raise InputError(f"more than one catalogue: {[c.rel for c in cats]}; keep one", path=raw_dir)
    if not cats:
        raise InputError("no procedure catalogue found (a CSV with columns procedure_code, procedure_name, "
                         "rule, effective_date); the dossiers cannot be classified without it", path=raw_dir)
    catalog = read_catalog(cats[0].path, decision)
    rows_per_file[cats[0].rel] = len(catalog)
    accounting.append(_acc_rows(cats[0].rel, "catalog", "procedure", len(catalog), ""))

    # Source description.
    synthetic, description, description_en = None, None, None
    for f in by_kind.get("source", []):
        try:
            src = json.loads(f.path.read_text(encoding="utf-8-sig"))
        except ValueError as exc:
            raise InputError(f"not valid JSON: {exc}", path=f.path) from None
        synthetic = bool(src.get("synthetic")) if "synthetic" in src else synthetic
        description = (src.get("description") or src.get("description_vi") or src.get("description_en")
                       or description)
        description_en = src.get("description_en")

    # Dossiers: each file parsed once (cache by content hash), then classified together.
    dossier_files = by_kind.get("dossiers", [])
    dossiers = _load_dossiers(dossier_files, sha, catalog, units, out_dir / "cache", tmp / "cache", say)
    for f in dossier_files:
        rows_per_file[f.rel] = 0
    if len(dossiers):
        counts = dossiers["source_file"].value_counts()
        for name, n in counts.items():
            rows_per_file[str(name)] = int(n)
        accounting.append(_acc_frame(dossiers, "dossiers"))

    # Aggregates.
    agg_frames, problems = [], []
    for f in by_kind.get("bieu06", []):
        frame = read_bieu06(f.path, units, source_file=f.rel, lookup=lookup)
        probs = check_bieu06(frame)
        problems += probs["message"].tolist()
        agg_frames.append(bieu06_to_aggregates(frame, probs))
        rows_per_file[f.rel] = len(frame)
    for f in by_kind.get("flat_aggregate", []):
        flat = read_flat_csv(f.path, units, source_file=f.rel, lookup=lookup)
        problems += flat["problem"].dropna().tolist()
        agg_frames.append(flat)
        rows_per_file[f.rel] = len(flat)
    aggregates = pd.concat(agg_frames, ignore_index=True) if agg_frames else empty_aggregates()
    aggregates = classify_aggregates(aggregates, catalog)
    if len(aggregates):
        accounting.append(_acc_frame(aggregates, None, kinds={f.rel: f.kind for f in files}))
    if problems:
        say(f"  {len(problems)} problem(s) in aggregate reports (kept in aggregates.parquet, column 'problem'):")
        for p in problems[:10]:
            say(f"    {p}")
        if len(problems) > 10:
            say(f"    ... and {len(problems) - 10} more")

    for f in files:
        if f.kind in ("unknown", "documentation", "source"):
            reason = {"unknown": "not_recognised", "documentation": "not_read", "source": "source"}[f.kind]
            accounting.append(_acc_rows(f.rel, f.kind, reason, 0, f.note))

    # Write.
    received = dossiers["received_date"] if len(dossiers) else pd.Series(dtype="datetime64[ns]")
    data_date = received.max()
    counted = int((dossiers["reason"] == "counted").sum()) if len(dossiers) else 0
    acc = pd.concat(accounting, ignore_index=True)[ACCOUNTING_COLUMNS]
    for i in inputs:
        i["rows"] = rows_per_file.get(i["path"])
    manifest = {
        "kit": "chitieu", "kit_version": __version__, "decision": decision.number,
        "fingerprint": fingerprint,
        "ingested_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "raw_dir": _display_path(raw_dir),
        "synthetic": synthetic, "description": description, "description_en": description_en,
        "data_date": None if pd.isna(data_date) else str(data_date.date()),
        "rows": {"dossiers": int(len(dossiers)), "dossiers_counted": counted,
                 "catalog": int(len(catalog)), "aggregates": int(len(aggregates)),
                 "aggregate_lines_counted": int(((aggregates["row_kind"] == "line")
                                                 & (aggregates["reason"] == "counted")).sum())},
        "aggregate_problems": len(problems),
        "inputs": inputs,
        "not_read": [i["path"] for i in inputs if i["kind"] in ("unknown", "documentation")],
        "files": list(STORE_FILES),
    }
    _to_parquet(with_categories(dossiers), tmp / "dossiers.parquet")
    _to_parquet(catalog, tmp / "catalog.parquet")
    _to_parquet(units, tmp / "units.parquet")
    _to_parquet(aggregates, tmp / "aggregates.parquet")
    acc.to_csv(tmp / "accounting.csv", index=False)
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


# Repeating codes and names stored as categories: small on disk and in memory at 10 million rows.
CATEGORY_COLUMNS = ("unit_code", "unit_text", "procedure_code", "procedure_name", "field", "agency",
                    "status", "parent_code", "target_group", "level", "rule", "channel", "reason",
                    "unit_match", "source_file")


def with_categories(dossiers: pd.DataFrame) -> pd.DataFrame:
    """The dossier table with its code and name columns as categoricals (values unchanged)."""
    out = dossiers.copy(deep=False)
    for col in CATEGORY_COLUMNS:
        if col in out.columns and not isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("category")
    return out


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(project_root()).as_posix()
    except ValueError:
        return str(path.resolve())


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, engine="pyarrow", index=False, compression="zstd")


def _acc_rows(file: str, kind: str, reason: str, rows: int, example: str) -> pd.DataFrame:
    return pd.DataFrame([{"file": file, "kind": kind, "reason": reason, "rows": rows,
                          "example_rows": example}])


def _acc_frame(frame: pd.DataFrame, kind: str | None, kinds: dict | None = None) -> pd.DataFrame:
    """Rows per (source file, reason) with up to 5 example rows ``file:row``."""
    keys = ["source_file", "reason"]
    small = frame[keys + ["source_row"]]
    grouped = small.groupby(keys, observed=True, sort=True)
    counts = grouped.size().rename("rows")
    head = grouped.head(5)
    head = head.assign(at=head["source_file"].astype("str") + ":" + head["source_row"].astype("str"))
    examples = head.groupby(keys, observed=True, sort=True)["at"].agg(" ".join)
    out = pd.concat([counts, examples.rename("example_rows")], axis=1).reset_index()
    out = out.rename(columns={"source_file": "file"})
    out["file"] = out["file"].astype(str)
    out["reason"] = out["reason"].astype(str)
    out["kind"] = kind if kind else out["file"].map(kinds or {})
    return out


def _swap(tmp: Path, out_dir: Path) -> None:
    """Put the new store in place of the old one; keep the cache entries in use and dotfiles."""
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        for item in out_dir.iterdir():
            if item.name.startswith(".") and item.is_file():
                shutil.copy2(item, tmp / item.name)    # e.g. .gitkeep
        if (out_dir / "cache").is_dir():
            used = _used_cache(tmp)
            for entry in (out_dir / "cache").iterdir():
                if entry.name in used and not (tmp / "cache" / entry.name).exists():
                    os.replace(entry, tmp / "cache" / entry.name)
        out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _used_cache(tmp: Path) -> set:
    used = tmp / "cache" / "used.txt"
    return set(used.read_text().split()) if used.is_file() else set()


# ---------------------------------------------------------------------- dossiers

def _cache_name(sha: str) -> str:
    return f"{sha[:40]}-v{__version__}-c{CACHE_VERSION}.parquet"


def _load_dossiers(files: list[RawFile], sha: dict, catalog: pd.DataFrame, units: pd.DataFrame,
                   old_cache: Path, new_cache: Path, say) -> pd.DataFrame:
    """Each file's parsed rows (from the cache when its content is known), classified together."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .ingest import classify, read_dossier_file
    from .ingest.units import MATCHES

    tables, used = [], []
    for f in files:
        name = _cache_name(sha[f.rel])
        used.append(name)
        hit = old_cache / name
        if hit.is_file():
            table = pq.read_table(hit)
            say(f"  {f.rel}: unchanged, {table.num_rows:,} rows from the cache")
        else:
            parsed = read_dossier_file(f.path, units, source_name=f.rel)
            info = parsed.attrs.get("ingest", {})
            parsed.attrs = {}
            table = pa.Table.from_pandas(parsed, preserve_index=False)
            pq.write_table(table, new_cache / name, compression="zstd")
            dropped = info.get("personal_data_dropped") or []
            say(f"  {f.rel}: parsed, {table.num_rows:,} rows"
                + (f"; personal-data columns not read: {dropped}" if dropped else ""))
        # The file's name relative to the raw folder, whatever name it had when cached.
        idx = table.schema.get_field_index("source_file")
        col = pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, np.int32)), pa.array([f.rel]))
        table = table.set_column(idx, "source_file", col)
        tables.append(table)
    (new_cache / "used.txt").write_text("\n".join(used))
    if tables:
        merged = pa.concat_tables(tables, promote_options="permissive").unify_dictionaries()
        frame = merged.to_pandas()
        del merged, tables
    else:
        frame = _empty_parsed()
    # Fixed category lists (re-coding a categorical is cheap, even at 10 million rows).
    for col, cats in (("source_file", [f.rel for f in files]), ("unit_match", list(MATCHES)),
                      ("channel", ["online", "direct", "postal"])):
        frame[col] = frame[col].astype(pd.CategoricalDtype(cats))
    return classify(frame, catalog, units)


def _empty_parsed() -> pd.DataFrame:
    """The columns of ``read_dossier_file`` with no rows (a raw folder with no dossier export)."""
    from .ingest.load import COLUMNS, DATE_FIELDS
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in DATE_FIELDS else
                                      "int64" if c == "source_row" else "str") for c in COLUMNS})


# ====================================================================== opening

@dataclass(frozen=True, eq=False)
class Store:
    """The processed store, read back. Frames are shared: treat them as read-only."""

    dossiers: pd.DataFrame
    catalog: pd.DataFrame
    units: pd.DataFrame
    aggregates: pd.DataFrame
    accounting: pd.DataFrame
    manifest: dict
    path: Path

    @property
    def synthetic(self) -> bool | None:
        """True when source.json said the data are synthetic (the bundled sample); None if unknown."""
        return self.manifest.get("synthetic")

    @property
    def description(self) -> str | None:
        return self.manifest.get("description")

    @property
    def data_date(self) -> pd.Timestamp | None:
        """The latest received date in the dossiers: the data are complete up to about this day."""
        d = self.manifest.get("data_date")
        return pd.Timestamp(d) if d else None

    @property
    def ingested_at(self) -> str | None:
        return self.manifest.get("ingested_at")

    @cached_property
    def counted(self) -> pd.DataFrame:
        """The dossiers with reason ``counted`` (no as-of applied)."""
        return self.dossiers[(self.dossiers["reason"] == "counted").to_numpy()]

    def __repr__(self) -> str:
        kind = {True: "SYNTHETIC data", False: "real data", None: "data of unknown origin"}[self.synthetic]
        return (f"Store({self.path}: {len(self.dossiers):,} dossiers, {len(self.aggregates):,} aggregate rows, "
                f"{len(self.catalog):,} procedures, data date {self.manifest.get('data_date')}, {kind})")


def open_store(processed_dir: str | Path | None = None, *, dossier_columns: list | None = None) -> Store:
    """Open the processed store written by ``chitieu ingest``.

    ``processed_dir`` None or "" means ``$CHITIEU_PROCESSED_DIR`` if set, else
    ``<project root>/data/processed``. ``dossier_columns`` reads only those
    columns of the dossier table (for very large stores).
    """
    path = Path(processed_dir) if processed_dir else default_processed_dir()
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise InputError("no processed store here; run `chitieu ingest` first "
                         "(e.g. `chitieu sample && chitieu ingest`)", path=path)
    missing = [f for f in STORE_FILES if not (path / f).is_file()]
    if missing:
        raise InputError(f"the processed store is incomplete (missing {missing}); run `chitieu ingest` "
                         "again", path=path)
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    accounting = pd.read_csv(path / "accounting.csv", dtype={"file": "str", "kind": "str", "reason": "str",
                                                             "example_rows": "str"}, keep_default_na=False)
    return Store(
        dossiers=pd.read_parquet(path / "dossiers.parquet", columns=dossier_columns),
        catalog=pd.read_parquet(path / "catalog.parquet"),
        units=pd.read_parquet(path / "units.parquet"),
        aggregates=pd.read_parquet(path / "aggregates.parquet"),
        accounting=accounting, manifest=manifest, path=path,
    )
