"""The one place where each dossier row gets its reason: ``counted`` or why it is excluded.

Reasons are checked in this order; the first that applies wins:

==================  =====================================================================
reason              the row ...
==================  =====================================================================
missing_id          has no dossier_id
duplicate           repeats a dossier_id seen on an earlier row (across all files, in order)
invalid_date        has no readable received_date
invalid_channel     has a channel word that is not online/direct/postal
unknown_unit        names a unit that is not in the registry
ambiguous_unit      names a unit that fits several units of the registry
no_target           is for a unit without a target (Trường Sa)
not_in_catalogue    has a procedure_code missing from the catalogue
outside_window      was received outside its procedure's window (Article 2, windows.py)
after_as_of         was received after the as-of date
counted             none of the above
==================  =====================================================================
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import labels
from .codes import code_key, match_codes

from .dedupe import first_seen
from .values import by_unique

REASONS = ("counted", "missing_id", "duplicate", "invalid_date", "invalid_channel", "unknown_unit",
           "ambiguous_unit", "no_target", "not_in_catalogue", "outside_window", "after_as_of")
EXCLUSIONS = REASONS[1:]
# Reasons the reading itself settles, before any rule is checked (set by read_dossier_file):
# blank_row — a data row with no value in any column the kit reads (only an STT, or text in
# personal-data columns). Listed by the accounting only when it happens.
READ_REASONS = ("blank_row",)
ALL_REASONS = REASONS + READ_REASONS          # the categories of `reason` (REASONS' codes unchanged)
# What a report reader sees for each reason: chitieu_lib.labels, the one place for reader words.
REASON_LABELS = labels.REASONS


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Per row the index of its distinct value (-1 = NA), and the distinct values."""
    if isinstance(values.dtype, pd.CategoricalDtype):   # already encoded (not in first-seen order)
        cats = values.cat.categories
        return values.cat.codes.to_numpy().astype(np.int64), pd.Series(cats.astype("str"))
    arr = pa.array(values.array) if len(values) else pa.array([], pa.string())
    uniques, codes = by_unique(arr.cast(pa.string()) if arr.type != pa.string() else arr)
    return codes, uniques


def _lookup(values: pd.Series, index: pd.Index, key=None) -> np.ndarray:
    """Position of each value in ``index`` (-1 if absent or NA), found for distinct values only;
    ``key`` transforms the distinct values first (e.g. strip and upper-case)."""
    codes, uniques = _codes(values)
    if key is not None:
        uniques = key(uniques)
    found = index.get_indexer(pd.Index(uniques)) if len(uniques) else np.zeros(0, dtype=np.int64)
    return np.append(found, -1)[codes]


def _first_seen(values: pd.Series) -> np.ndarray:
    """True where a non-NA value appears for the first time (see dedupe.py for how)."""
    arr = pa.array(values.astype("str").array) if len(values) else pa.array([], pa.string())
    return first_seen(arr)


def _from_registry(column: pd.Series, unit_pos: np.ndarray, categories=None) -> pd.Categorical:
    """A registry column spread over the rows as a categorical (NA where the unit is unknown)."""
    values = column.fillna("").astype(str)
    cats = list(categories) if categories is not None else sorted(set(values))
    position = {c: i for i, c in enumerate(cats)}
    per_unit = np.array([position.get(v, -1) for v in values] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(per_unit[unit_pos], categories=cats)


def _as_datetime(day) -> np.datetime64 | None:
    if day is None or (isinstance(day, float) and np.isnan(day)):
        return None
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return np.datetime64(pd.Timestamp(day).normalize().to_datetime64(), "ns")


def classify(dossiers: pd.DataFrame, catalog: pd.DataFrame, units: pd.DataFrame,
             as_of=None) -> pd.DataFrame:
    """Add ``level, parent_code, target_group, target, rule, catalog_code, window_start,
    window_end, month`` and ``reason`` (see the table above) to the rows read by ``read_dossier_file``.
    ``level``, ``parent_code``, ``target_group`` and ``rule`` are categoricals ('' for a unit
    without a parent), NA where the unit or the procedure is unknown.

    >>> import pandas as pd
    >>> from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units
    >>> from chitieu_lib.windows import with_windows
    >>> dec = load_decision(DEFAULT_DECISION)
    >>> cat = with_windows(pd.DataFrame({"procedure_code": ["T1"], "procedure_name": ["x"],
    ...     "rule": ["continuing"], "effective_date": [""], "field": [""], "authority_level": [""],
    ...     "online_level": [""]}), dec)
    >>> d = pd.DataFrame({"dossier_id": ["a", "a", None, "b", "c"],
    ...     "unit_code": ["STP", "STP", "STP", "576", "STP"], "unit_match": ["ok"] * 5,
    ...     "procedure_code": ["T1"] * 5, "channel": ["online"] * 5,
    ...     "received_date": pd.to_datetime(["2019-03-05"] * 4 + ["2019-12-01"])})
    >>> classify(d, cat, load_units(dec))["reason"].tolist()
    ['counted', 'duplicate', 'missing_id', 'no_target', 'outside_window']
    """
    n = len(dossiers)
    out = dossiers.copy(deep=False)
    reason = np.full(n, -1, dtype=np.int8)

    def mark(name: str, mask) -> None:
        mask = np.asarray(mask, dtype=bool)
        reason[(reason < 0) & mask] = REASONS.index(name)

    if "reason" in out.columns:       # rows the reading settled (blank_row) keep their reason
        preset = pd.Categorical(out["reason"], categories=list(ALL_REASONS)).codes
        reason[preset >= 0] = preset[preset >= 0]
    ids = out["dossier_id"]
    missing_id = ids.isna().to_numpy()
    mark("missing_id", missing_id)
    mark("duplicate", ~missing_id & ~_first_seen(ids))
    received = out["received_date"].to_numpy(dtype="datetime64[ns]")
    mark("invalid_date", np.isnat(received))
    mark("invalid_channel", pd.isna(out["channel"]).to_numpy() if n else np.zeros(0, bool))
    match = pd.Categorical(out["unit_match"], categories=["ok", "unknown", "ambiguous"]).codes
    unit_pos = _lookup(out["unit_code"], pd.Index(units["unit_code"].astype(str)))
    mark("unknown_unit", (match == 1) | (match == -1) | ((match == 0) & (unit_pos < 0)))
    mark("ambiguous_unit", match == 2)
    target = np.append(units["target"].to_numpy(dtype=float), np.nan)[unit_pos]
    mark("no_target", np.isnan(target))
    cat_keys = catalog["procedure_code"].astype(str).map(code_key)
    first = ~cat_keys.duplicated().to_numpy()
    cat = catalog[first].reset_index(drop=True)
    codes, uniques = _codes(out["procedure_code"])
    cat_pos = np.append(match_codes(uniques, cat["procedure_code"].astype(str)), -1)[codes]
    mark("not_in_catalogue", cat_pos < 0)
    nat = np.datetime64("NaT", "ns")
    start = np.append(cat["window_start"].to_numpy(dtype="datetime64[ns]"), nat)[cat_pos]
    end = np.append(cat["window_end"].to_numpy(dtype="datetime64[ns]"), nat)[cat_pos]
    mark("outside_window", (received < start) | (received > end))
    reason[reason < 0] = REASONS.index("counted")

    out["level"] = _from_registry(units["level"], unit_pos, ["department", "district", "commune"])
    out["parent_code"] = _from_registry(units["parent_code"], unit_pos)
    out["target_group"] = _from_registry(units["target_group"], unit_pos)
    out["target"] = target
    out["rule"] = _from_registry(cat["rule"], cat_pos, ["continuing", "new", "dropped"])
    # The code as written stays in procedure_code; the catalogue code it matched (a local code
    # 1.001193.000.00.00.H34 matches 1.001193, codes.py) goes beside it.
    out["catalog_code"] = _from_registry(cat["procedure_code"].astype(str), cat_pos)
    out["window_start"], out["window_end"] = start, end
    out["month"] = received.astype("datetime64[M]").astype("datetime64[ns]")
    out["reason"] = pd.Categorical.from_codes(reason, categories=list(ALL_REASONS))
    return apply_as_of(out, as_of) if as_of is not None else out


def apply_as_of(dossiers: pd.DataFrame, as_of) -> pd.DataFrame:
    """Re-mark ``after_as_of``: counted rows received after ``as_of`` (a date or ISO string).
    Rows marked by an earlier as-of are reconsidered, so the store can be re-cut at any date;
    ``as_of=None`` counts them again.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"received_date": pd.to_datetime(["2019-06-30", "2019-07-01"]),
    ...                   "reason": pd.Categorical(["counted", "counted"], categories=list(REASONS))})
    >>> apply_as_of(d, "2019-06-30")["reason"].tolist()
    ['counted', 'after_as_of']
    """
    out = dossiers.copy()
    codes = pd.Categorical(out["reason"], categories=list(ALL_REASONS)).codes.copy()
    counted, late = REASONS.index("counted"), REASONS.index("after_as_of")
    codes[codes == late] = counted
    day = _as_datetime(as_of)
    if day is not None:
        received = out["received_date"].to_numpy(dtype="datetime64[ns]")
        codes[(codes == counted) & (received > day)] = late
    out["reason"] = pd.Categorical.from_codes(codes, categories=list(ALL_REASONS))
    return out
