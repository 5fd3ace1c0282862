"""Building the processed store: recognise and hash the raw files, parse each dossier file once
(cache by content hash), classify everything together, account for every row, write the store
into a temporary folder and swap it in whole."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from .. import __version__
from ..aggregate import classify_aggregates, empty_aggregates, read_flat_csv, unit_lookup
from ..atomic import remove_leftover_dirs
from ..bieu06 import bieu06_to_aggregates, check_bieu06, read_bieu06
from ..contracts import check_stored
from ..decision import Decision, load_decision, load_units
from ..errors import InputError
from ..ingest import classify, read_dossier_file
from ..ingest.accounting import EXAMPLES, join_examples
from ..ingest.load import as_arrow, stack_files
from ..ingest.recognise import KINDS, RawFile, scan_raw_dir, sha256_of
from ..windows import read_catalog
from .open import DECISION_DIR, STORE_FILES, default_processed_dir, project_root, read_manifest, with_categories

CACHE_VERSION = "3"        # bump when the cached per-file frame changes shape
ACCOUNTING_COLUMNS = ["file", "kind", "reason", "rows", "example_rows"]


@dataclass
class IngestResult:
    """What :func:`ingest` did: ``up_to_date`` (nothing written) or ``written``."""

    status: str
    out_dir: Path
    manifest: dict
    lines: list = field(default_factory=list)   # what was printed


def _fingerprint(inputs: list[dict], decision: Decision, reading: dict | None = None) -> str:
    """What the store depends on: kit and cache versions, the decision, the export format, the inputs."""
    parts = [__version__, CACHE_VERSION, decision.sha256]
    parts += [sha256_of(f) for f in decision.reference_files]
    fmt = Path(__file__).parents[1] / "data" / "export_format.toml"
    if fmt.is_file():
        parts.append(sha256_of(fmt))
    parts += [sha256_of(f) for f in sorted((fmt.parent / "formats").glob("*.toml"))]   # export profiles
    parts.append(json.dumps(reading or {}, sort_keys=True))       # --format, --unit-map
    parts += [f"{i['path']}|{i['kind']}|{i['size']}|{i['sha256']}" for i in inputs]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


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
           decision: Decision | str | Path, force: bool = False, log=print,
           format_name: str | None = None, unit_map: str | Path | None = None) -> IngestResult:
    """Read everything under ``raw_dir`` once and write the processed store ``out_dir``.

    ``decision`` (a :class:`Decision` or its file; ``chitieu ingest`` passes 817/QĐ-UBND of 2019
    when ``--decision`` is not given) travels with the data: the store keeps a copy of its file and of the registry and
    calendar it names, and every report on this store quotes that decision.

    ``format_name`` forces an export profile on every dossier file (default: recognised per file);
    ``unit_map`` is a unit map CSV (chitieu_lib.ingest.units.read_unit_map). Both are recorded in
    the manifest (``format``; ``unit_map``: path and sha256) and part of the fingerprint.

    Does nothing (status ``up_to_date``) when the inputs, the kit version and the
    decision are those of the existing store, unless ``force``. Raises
    InputError (nothing written, the previous store intact) on unusable input.
    """
    raw_dir = Path(raw_dir) if raw_dir else project_root() / "data" / "raw" / "sample"
    out_dir = Path(out_dir) if out_dir else default_processed_dir()
    remove_leftover_dirs(out_dir)   # what a killed ingest left beside the store
    lines: list[str] = []

    def say(text: str = "") -> None:
        lines.append(text)
        if log:
            log(text)

    if not isinstance(decision, Decision):
        decision = load_decision(decision)
    reading = reading_options(format_name, unit_map)
    refuse_foreign_folder(out_dir)
    previous = read_manifest(out_dir)
    same_kit = previous and previous.get("kit_version") == __version__ and not force
    files = scan_raw_dir(raw_dir, previous if same_kit else None)
    inputs = _hash_inputs(files, previous)
    fingerprint = _fingerprint(inputs, decision, reading)
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
        manifest = _build(raw_dir, out_dir, tmp, files, inputs, fingerprint, say, decision, reading)
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
           fingerprint: str, say, decision: Decision, reading: dict | None = None) -> dict:
    """Read every recognised file into the store's tables in ``tmp``; return the manifest written."""
    from ..ingest.units import read_unit_map
    reading = reading or {"format": "auto", "unit_map": None}
    units = load_units(decision)
    unit_map = read_unit_map(reading["unit_map"]["path"], units) if reading.get("unit_map") else None
    lookup = unit_lookup(units, unit_map)
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
    registry = {"registry": [sha256_of(decision.divisions_file), sha256_of(decision.agencies_file)]}
    dossiers = _load_dossiers(dossier_files, sha, catalog, units, out_dir / "cache", tmp / "cache", say,
                              {**reading, **registry}, unit_map)
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
    aggregates = classify_aggregates(aggregates, catalog, decision=decision)
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
    # The data date: the latest day received, within the decision's window (one mistyped date
    # such as 2091 must not move every report's default as-of to the window's end).
    received = dossiers["received_date"] if len(dossiers) else pd.Series(dtype="datetime64[ns]")
    in_window = received[received <= pd.Timestamp(decision.window_end)]
    data_date = in_window.max() if in_window.notna().any() else received.max()
    counted = int((dossiers["reason"] == "counted").sum()) if len(dossiers) else 0
    acc = pd.concat(accounting, ignore_index=True)[ACCOUNTING_COLUMNS]
    for i in inputs:
        i["rows"] = rows_per_file.get(i["path"])
    manifest = {
        "kit": "chitieu", "kit_version": __version__, "decision": copy_decision(decision, tmp),
        "fingerprint": fingerprint,
        "format": reading["format"], "unit_map": reading["unit_map"],
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
        "warnings": ingest_warnings(inputs, dossiers, decision),
    }
    for w in manifest["warnings"]:
        say(f"warning: {w}")
    stored = with_categories(dossiers)
    for name, table in (("dossiers", stored), ("catalog", catalog), ("units", units),
                        ("aggregates", aggregates), ("accounting", acc)):
        check_stored(name, table, out_dir)     # the tables' contracts (chitieu_lib/contracts.py)
    _to_parquet(stored, tmp / "dossiers.parquet")
    _to_parquet(catalog, tmp / "catalog.parquet")
    _to_parquet(units, tmp / "units.parquet")
    _to_parquet(aggregates, tmp / "aggregates.parquet")
    acc.to_csv(tmp / "accounting.csv", index=False)
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def refuse_foreign_folder(out_dir: Path) -> None:
    """The store folder is replaced whole: refuse one that holds anything but a store of the kit.

    An empty or missing folder is fine, and so is an earlier store (its manifest says
    ``"kit": "chitieu"``); any other content would be deleted by the swap.
    """
    if not out_dir.is_dir():
        return
    content = [p for p in out_dir.iterdir() if p.name not in (".gitkeep",) and not p.name.startswith(".")]
    if not content:
        return
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not (isinstance(manifest, dict) and manifest.get("kit") == "chitieu"):
        raise InputError(f"--out holds {len(content)} file(s) or folder(s) that are not a store of the kit "
                         "(no chitieu manifest.json); the store replaces its folder whole, so give an empty "
                         "or new folder", path=out_dir)


def ingest_warnings(inputs: list[dict], dossiers: pd.DataFrame, decision: Decision) -> list[str]:
    """What a user should know before trusting the store (kept in the manifest and printed).

    Two files with the same content (one export saved twice: read both, their rows come out as
    ``duplicate``), and most dossiers outside the decision's window (the wrong year's decision?).
    """
    out = []
    by_hash: dict[str, list[str]] = {}
    for i in inputs:
        if i["kind"] not in ("documentation", "source"):
            by_hash.setdefault(i["sha256"], []).append(i["path"])
    for paths in by_hash.values():
        if len(paths) > 1:
            out.append(f"{' and '.join(paths)} have the same content (the same export given twice?); "
                       "both were read, the second one's rows are counted as duplicates")
    if len(dossiers):
        outside = int((dossiers["reason"].astype(str) == "outside_window").sum())
        if outside > len(dossiers) / 2:
            out.append(f"{outside:,} of {len(dossiers):,} dossier rows fall outside the window of "
                       f"{decision.number} ({decision.window_start} to {decision.window_end}): is this "
                       "the right year's decision (--decision)?")
    return out


def copy_decision(decision: Decision, store_dir: Path) -> dict:
    """Copy the decision file and the files it names into ``store_dir/decision/``; its manifest entry.

    The store then carries its decision: reports read it from there, so they quote the
    decision the data were classified by even if the original file moves or changes.
    """
    folder = store_dir / DECISION_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for source in (decision.path, *decision.reference_files):
        shutil.copyfile(source, folder / source.name)
    return {"number": decision.number, "date": decision.date.isoformat(), "year": decision.year,
            "path": _display_path(decision.path), "file": f"{DECISION_DIR}/{decision.path.name}",
            "sha256": decision.sha256}


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
    """Rows per (source file, reason) with up to ``EXAMPLES`` example rows ``file:row``."""
    keys = ["source_file", "reason"]
    small = frame[keys + ["source_row"]]
    grouped = small.groupby(keys, observed=True, sort=True)
    counts = grouped.size().rename("rows")
    head = grouped.head(EXAMPLES)
    head = head.assign(at=head["source_file"].astype("str") + ":" + head["source_row"].astype("str"))
    examples = head.groupby(keys, observed=True, sort=True)["at"].agg(join_examples)
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

def _cache_name(sha: str, reading: dict | None = None) -> str:
    # A file read with another --format, --unit-map or decision registry (unit names resolve
    # against it) parses differently: another cache entry.
    options = hashlib.sha256(json.dumps(reading or {}, sort_keys=True).encode()).hexdigest()[:8]
    return f"{sha[:40]}-v{__version__}-c{CACHE_VERSION}-{options}.parquet"


def reading_options(format_name: str | None, unit_map: str | Path | None) -> dict:
    """How the dossier files are read, as the manifest records it: the export profile (``auto`` =
    recognised per file) and the unit map's path and sha256 (None without one). An unknown format
    or a missing unit map is an InputError."""
    from ..ingest.format import load_profile
    name = load_profile(format_name).name if format_name else "auto"
    if unit_map is None:
        return {"format": name, "unit_map": None}
    path = Path(unit_map)
    if not path.is_file():
        raise InputError("unit map file not found", path=path)
    return {"format": name, "unit_map": {"path": str(path.resolve()), "sha256": sha256_of(path)}}


def _load_dossiers(files: list[RawFile], sha: dict, catalog: pd.DataFrame, units: pd.DataFrame,
                   old_cache: Path, new_cache: Path, say, reading: dict | None = None,
                   unit_map: dict | None = None) -> pd.DataFrame:
    """Each file's parsed rows (from the cache when its content is known), classified together."""
    tables, used = [], []
    for f in files:
        name = _cache_name(sha[f.rel], reading)
        used.append(name)
        hit = old_cache / name
        if hit.is_file():
            table = pq.read_table(hit)
            say(f"  {f.rel}: unchanged, {table.num_rows:,} rows from the cache")
        else:
            forced = (reading or {}).get("format", "auto")   # (reading also names the registry: the cache key)
            parsed = read_dossier_file(f.path, units, source_name=f.rel, unit_map=unit_map,
                                       format_name=None if forced == "auto" else forced)
            info = parsed.attrs.get("ingest", {})
            table = as_arrow(parsed)
            pq.write_table(table, new_cache / name, compression="zstd")
            dropped = info.get("personal_data_dropped") or []
            say(f"  {f.rel}: parsed, {table.num_rows:,} rows"
                + (f"; personal-data columns not read: {dropped}" if dropped else ""))
        tables.append(table)
    (new_cache / "used.txt").write_text("\n".join(used))
    # The files' names relative to the raw folder, whatever name a table had when cached.
    frame = stack_files(tables, [f.rel for f in files])
    del tables
    return classify(frame, catalog, units)
