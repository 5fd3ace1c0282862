"""Opening the processed store: where it lives, its manifest, and the frozen :class:`Store` read back."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..decision import Decision, read_decision
from ..errors import InputError

STORE_FILES = ("dossiers.parquet", "catalog.parquet", "units.parquet", "aggregates.parquet",
               "accounting.csv", "manifest.json")
ENV_VAR = "CHITIEU_PROCESSED_DIR"
DECISION_DIR = "decision"     # the store's copy of its decision file and the files it names


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


def read_manifest(out_dir: Path) -> dict | None:
    """The manifest of a complete store in ``out_dir``; None if there is none or a file is missing."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not all((out_dir / f).is_file() for f in STORE_FILES):
        return None
    return manifest


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

    @property
    def fingerprint(self) -> str:
        """What the store was built from (kit, decision, inputs): equal fingerprints, equal data."""
        return str(self.manifest.get("fingerprint") or id(self))

    @cached_property
    def decision(self) -> Decision:
        """The decision the store was classified by, read from the store's own copy."""
        entry = self.manifest.get("decision")
        if not isinstance(entry, dict) or not (self.path / entry.get("file", "")).is_file():
            raise InputError("this store was written by an older kit and does not carry its decision; "
                             "run `chitieu ingest --force` again", path=self.path)
        return read_decision(self.path / entry["file"])   # uncached: a re-ingest may change it in place

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
