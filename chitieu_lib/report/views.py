"""A report's view of the store: the units it is about, their rates, months and projection.

Everything here is computed from the processed store through the public API
(``apply_as_of``, ``unit_rates``, ``monthly_rates``, ``project``). The decision is
the store's own (``store.decision``): a report quotes the decision its data were
classified by.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..decision import Decision
from ..errors import InputError
from ..ingest import apply_as_of
from ..projection import project, projection_fan
from ..rates import monthly_rates, unit_rates
from ..store import open_store
from ..store.open import STORE_FILES, Store, default_processed_dir
from ..store.shared import read_shared, shared_key, write_shared


@dataclass
class View:
    """Everything a report needs about a set of units at one as-of date."""

    as_of: pd.Timestamp
    units: pd.DataFrame        # registry rows of the units in view (with targets)
    dossiers: pd.DataFrame     # the units' dossiers, after apply_as_of (all reasons)
    rates: pd.DataFrame        # unit_rates
    projection: pd.DataFrame   # project(...)
    monthly: pd.DataFrame      # monthly_rates, every window month up to as-of, zeros filled
    catalog: pd.DataFrame
    decision: Decision
    manifest: dict = field(default_factory=dict)
    fan: pd.DataFrame | None = None  # projection_fan rows: unit_code, date, q10 ... q90

    @property
    def window(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of the decision's counting window (Article 2)."""
        return pd.Timestamp(self.decision.window_start), pd.Timestamp(self.decision.window_end)

    def unit_fan(self, unit_code: str) -> pd.DataFrame | None:
        if self.fan is None or self.fan.empty:
            return None
        return self.fan[self.fan["unit_code"] == str(unit_code)].sort_values("date")

    def summary(self) -> pd.DataFrame:
        """unit_rates joined with the projection, one row per unit."""
        return self.rates.merge(self.projection, on="unit_code", how="left")


# The tables of the last store a report opened, kept for the next report of the same warm
# kernel: reading them is about a fifth of a commune report's time (bench/README.md, issue 15).
# Keyed by every store file's inode, size and modification time, so a re-ingest is read
# afresh. Each report gets its own shallow copies; pandas' copy-on-write keeps whatever a
# report does to them (new columns, values set in place, rows dropped) out of the kept tables.
_KEPT: dict = {}


def _files_key(path: Path) -> tuple | None:
    try:
        return tuple((f, st.st_ino, st.st_size, st.st_mtime_ns)
                     for f in STORE_FILES for st in [(path / f).stat()])
    except OSError:
        return None


def _own_copy(store: Store) -> Store:
    """A Store whose tables and manifest belong to the caller alone (no table data copied)."""
    return Store(**{name: getattr(store, name).copy(deep=False) for name in
                    ("dossiers", "catalog", "units", "aggregates", "accounting")},
                 manifest=copy.deepcopy(store.manifest), path=store.path)


def open_report_store(processed_dir: str = ""):
    """Open the processed store; ``""`` means the default (env ``CHITIEU_PROCESSED_DIR``).

    Within one process the tables are read once while the store's files stay the same
    (see ``_KEPT``); every call returns a store of its own.
    """
    path = Path(processed_dir) if processed_dir else default_processed_dir()
    key = _files_key(path)
    if key is None:
        return open_store(path)             # incomplete or missing: open_store's message
    if _KEPT.get("key") != key:
        _KEPT.clear()
        _KEPT.update(key=key, store=open_store(path))
    return _own_copy(_KEPT["store"])


def default_as_of(store) -> str:
    """The as-of date when none is given: the store's data date, capped at the window's end."""
    end = pd.Timestamp(store.decision.window_end)
    data_date = store.manifest.get("data_date") if isinstance(store.manifest, dict) else None
    day = min(pd.Timestamp(data_date), end) if data_date else end
    return day.date().isoformat()


def resolve_as_of(store, as_of: str) -> str:
    """A notebook's ``as_of`` parameter: the day given, or (empty) :func:`default_as_of`."""
    return pd.Timestamp(as_of).date().isoformat() if as_of else default_as_of(store)


def fill_months(monthly: pd.DataFrame, codes, as_of, window) -> pd.DataFrame:
    """Monthly rows of ``codes`` for every window month up to ``as_of``, zeros where none came.

    >>> m = pd.DataFrame({"unit_code": ["A"], "month": [pd.Timestamp("2019-02-01")], "online": [1],
    ...                   "direct": [3], "postal": [0], "total": [4]})
    >>> w = (pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31"))
    >>> fill_months(m, ["A"], "2019-03-15", w)["total"].tolist()
    [0, 4, 0]
    """
    start, end = window
    last = min(pd.Timestamp(as_of), end).to_period("M").to_timestamp()
    months = pd.date_range(start.to_period("M").to_timestamp(), last, freq="MS")
    grid = pd.MultiIndex.from_product([list(codes), months], names=["unit_code", "month"])
    cols = ["online", "direct", "postal", "total"]
    m = monthly.copy()
    m["month"] = pd.to_datetime(m["month"])
    m = m.set_index(["unit_code", "month"])[cols].reindex(grid, fill_value=0).reset_index()
    m[cols] = m[cols].astype("int64")
    m["rate"] = (m["online"] / m["total"].where(m["total"] > 0)).astype("float64")
    return m


# The province-wide projection, computed once per store content, decision and as-of date and
# kept while a warm kernel runs many reports. Keyed by the store's fingerprint (not its path):
# a re-ingest in a live kernel changes the fingerprint and so never serves a stale projection.
_PROJECTION_CACHE: dict = {}


def projection_key(store, as_of) -> tuple:
    return (store.fingerprint, store.decision.sha256, pd.Timestamp(as_of).isoformat())


def province_projection(store, as_of) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``project`` and ``projection_fan`` of every unit of the store at ``as_of`` (cached).

    Always computed on the whole province: the share model pools units of the same
    level and target, so a unit's projection must not depend on which report asks.
    Looked up in this process's cache, then in the store folder (where
    :func:`share_projections` keeps it for a batch), else computed here.
    """
    key = projection_key(store, as_of)
    if key not in _PROJECTION_CACHE:
        frames = _read_shared_projection(store, key)
        _remember(key, frames if frames is not None else _compute_projection(store, as_of))
    return _PROJECTION_CACHE[key]


def share_projections(store, dates) -> dict[str, str]:
    """Compute the province-wide projection at each of ``dates`` once and keep it in the store folder.

    ``chitieu render`` calls this before its reports run, so that every kernel reads the
    result (:func:`province_projection`) instead of computing it. Returns, per date,
    ``"read"`` (already kept), ``"computed"`` (and kept) or ``"computed, not kept"``
    (a read-only store or a store without a fingerprint: each kernel computes it).
    """
    done = {}
    for as_of in dict.fromkeys(pd.Timestamp(d).date().isoformat() for d in dates if d):
        key = projection_key(store, as_of)
        frames = _read_shared_projection(store, key)
        if frames is not None:
            done[as_of] = "read"
        else:
            frames = _compute_projection(store, as_of)
            kept = _shared_key(store, key) is not None and write_shared(
                store.path, "projection", _shared_key(store, key), frames)
            done[as_of] = "computed" if kept else "computed, not kept"
        _remember(key, frames)
    return done


def _compute_projection(store, as_of) -> tuple[pd.DataFrame, pd.DataFrame]:
    d, units, decision = store.dossiers, store.units, store.decision
    proj = project(d, store.catalog, units, as_of, seed=0, decision=decision)
    try:
        fan = projection_fan(d, store.catalog, units, as_of, seed=0, decision=decision)
    except Exception:  # noqa: BLE001 -- the fan is decoration; the chart falls back to the interval
        fan = pd.DataFrame(columns=["unit_code", "date", "q10", "q50", "q90"])
    return proj, fan


def _remember(key, frames) -> None:
    if key not in _PROJECTION_CACHE:
        while len(_PROJECTION_CACHE) >= 4:   # a meeting pack asks for two dates; keep a few
            _PROJECTION_CACHE.pop(next(iter(_PROJECTION_CACHE)))
        _PROJECTION_CACHE[key] = tuple(frames)


def _shared_key(store, key) -> str | None:
    """The store-folder key of a projection; None for a store without a recorded fingerprint."""
    return shared_key(*key) if store.manifest.get("fingerprint") else None


def _read_shared_projection(store, key):
    shared = _shared_key(store, key)
    return None if shared is None else read_shared(store.path, "projection", shared, 2)


def build_view(store, codes, as_of) -> View:
    """Rates, projection and monthly figures of the units ``codes`` at ``as_of``.

    Rates and months read only these units' dossiers; the projection is the
    province-wide one (see :func:`province_projection`).
    """
    as_of = pd.Timestamp(as_of)
    codes = [str(c) for c in codes]
    units = store.units[store.units["unit_code"].isin(codes) & store.units["target"].notna()]
    if units.empty:
        raise InputError(f"no unit with a target among {codes}")
    units = units.reset_index(drop=True)
    decision = store.decision
    d = store.dossiers
    d = apply_as_of(d[d["unit_code"].isin(codes)].reset_index(drop=True), as_of)
    rates = unit_rates(d, units)
    proj, fan = province_projection(store, as_of)
    projection = proj[proj["unit_code"].isin(codes)].reset_index(drop=True)
    counted = d[d["reason"] == "counted"]
    window = (pd.Timestamp(decision.window_start), pd.Timestamp(decision.window_end))
    monthly = fill_months(monthly_rates(counted), units["unit_code"], as_of, window)
    return View(as_of=as_of, units=units, dossiers=d, rates=rates, projection=projection,
                monthly=monthly, catalog=store.catalog, decision=decision, manifest=store.manifest,
                fan=fan[fan["unit_code"].isin(codes)].reset_index(drop=True))


def unit_row(view: View, unit_code: str) -> pd.Series:
    """One unit's rates, projection and registry entry as a Series."""
    s = view.summary().set_index("unit_code")
    return s.loc[str(unit_code)]


def cumulative(monthly_unit: pd.DataFrame) -> pd.DataFrame:
    """Monthly rows of one unit with the cumulative online rate since the window start.

    >>> m = pd.DataFrame({"month": pd.to_datetime(["2019-01-01", "2019-02-01"]),
    ...                   "online": [1, 3], "total": [4, 4]})
    >>> cumulative(m)["cum_rate"].tolist()
    [0.25, 0.5]
    """
    m = monthly_unit.sort_values("month").reset_index(drop=True)
    cum_total = m["total"].cumsum()
    m["cum_rate"] = (m["online"].cumsum() / cum_total.where(cum_total > 0)).astype("float64")
    return m


def district_codes(store, district_code: str) -> list[str]:
    """A district and every commune of it (registry order)."""
    u = store.units
    district_code = str(district_code)
    chosen = (u["unit_code"] == district_code) | (u["parent_code"] == district_code)
    return u.loc[chosen, "unit_code"].tolist()


def all_target_codes(store) -> list[str]:
    """Every unit with a target in Article 1."""
    return store.units.loc[store.units["target"].notna(), "unit_code"].tolist()


def commune_codes(view: View, district_code: str) -> list[str]:
    u = view.units
    return u.loc[(u["parent_code"] == str(district_code)) & (u["level"] == "commune"), "unit_code"].tolist()


def unit_names(view: View) -> dict:
    return dict(zip(view.units["unit_code"], view.units["unit_name"]))


def common_target(view: View, codes) -> float:
    """The target shared by ``codes`` (the communes of one district share a clause)."""
    targets = view.units.loc[view.units["unit_code"].isin(codes), "target"].dropna().unique()
    return float(targets[0]) if len(targets) else float("nan")


def unit_monthly(view: View, unit_code: str) -> pd.DataFrame:
    """One unit's months (every window month up to the as-of, zeros filled) with cumulative rate."""
    return cumulative(view.monthly[view.monthly["unit_code"] == str(unit_code)])


def units_monthly(view: View, codes) -> pd.DataFrame:
    return view.monthly[view.monthly["unit_code"].isin([str(c) for c in codes])].reset_index(drop=True)
