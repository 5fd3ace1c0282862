"""How many dossiers each unit will still receive before the window closes.

Expected volume = the unit's recent pace (dossiers per office-day equivalent
over the last ``LOOKBACK_DAYS``) × the office days left, procedure by
procedure, within each procedure's own window (Article 2, via the catalogue):

* a ``continuing`` procedure counts every remaining day;
* a ``new`` procedure counts only from its window start; before that its
  dossiers are in the data as ``outside_window`` and still tell its pace;
* a ``dropped`` procedure stops at its window end (nothing more after it).

Office days come from :func:`chitieu_lib.calendar.day_kinds`. A Saturday or a
closed day counts as a fraction of a working day estimated from the data so
far (pooled over all units): many desks open on Saturday morning and online
dossiers arrive on any day.

The upper bound ``max_remaining`` (for the certain/impossible statuses) is
stated, not estimated: twice the unit's busiest week so far (dossiers of
procedures still open), every remaining week, partial weeks rounded up.

>>> import pandas as pd
>>> b = future_buckets(pd.Timestamp("2019-11-20"), pd.Timestamp("2019-11-30"))
>>> b.tolist()
[0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..calendar import day_kinds

LOOKBACK_DAYS = 91          # a quarter: recent enough to follow the pace, long enough to be stable
UPPER_FACTOR = 2            # max_remaining = 2 × busiest week so far × remaining weeks
DEFAULT_WEIGHTS = {"working": 1.0, "saturday": 0.5, "closed": 0.0}


def kind_weights(seen: pd.DataFrame, start, as_of, calendar_file) -> dict:
    """Dossiers on a Saturday / closed day relative to a working day, pooled over all units.

    ``calendar_file``: the decision's office calendar (each year has its own holidays)."""
    kinds = day_kinds(start, as_of, calendar_file)
    if kinds.empty or seen.empty:
        return dict(DEFAULT_WEIGHTS)
    per_day = seen["received_date"].value_counts()
    kinds["n"] = kinds["date"].map(per_day).fillna(0).to_numpy()
    by_kind = kinds.groupby("kind")["n"].agg(["sum", "size"])
    if "working" not in by_kind.index or by_kind.loc["working", "sum"] == 0:
        return dict(DEFAULT_WEIGHTS)
    base = by_kind.loc["working", "sum"] / by_kind.loc["working", "size"]
    out = {"working": 1.0}
    for kind in ("saturday", "closed"):
        if kind in by_kind.index and by_kind.loc[kind, "size"] >= 4:
            out[kind] = float(np.clip(by_kind.loc[kind, "sum"] / by_kind.loc[kind, "size"] / base, 0, 1.5))
        else:
            out[kind] = DEFAULT_WEIGHTS[kind]
    return out


def day_weights(start, end, weights: dict, calendar_file) -> pd.Series:
    """Office-day equivalent of every day from start to end (inclusive), indexed by date."""
    kinds = day_kinds(start, end, calendar_file)
    return pd.Series(kinds["kind"].map(weights).to_numpy(dtype=float), index=kinds["date"])


def future_buckets(as_of: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Week index (0-based) of each day after as_of up to end: days 1–7 → 0, 8–14 → 1, ..."""
    n_days = max((end - as_of).days, 0)
    return np.arange(n_days) // 7


def remaining_volume(seen: pd.DataFrame, catalog: pd.DataFrame, unit_codes, as_of: pd.Timestamp,
                     window_start: pd.Timestamp, window_end: pd.Timestamp, weights: dict,
                     lookback_days: int = LOOKBACK_DAYS, *, calendar_file) -> dict:
    """Expected remaining dossiers per unit and future week, and the bound on them.

    ``seen``: dossiers of catalogue procedures received up to as_of (counted or
    outside_window), columns unit_code, procedure_code, received_date.
    Returns a dict of arrays (units in the order of ``unit_codes``):
    ``expected`` (units × weeks), ``lookback_n`` (dossiers behind each pace),
    ``max_remaining``, ``remaining_days``.
    """
    unit_codes = pd.Index(unit_codes)
    n_units = len(unit_codes)
    buckets = future_buckets(as_of, window_end)
    n_weeks = int(buckets.max()) + 1 if len(buckets) else 0
    cat = catalog[["procedure_code", "window_start", "window_end"]].copy()
    cat["rem_start"] = cat["window_start"].clip(lower=as_of + pd.Timedelta(days=1))
    cat["rem_end"] = cat["window_end"].clip(upper=window_end)
    open_proc = cat[cat["rem_start"] <= cat["rem_end"]]
    out = {"expected": np.zeros((n_units, n_weeks)), "lookback_n": np.zeros(n_units),
           "max_remaining": np.zeros(n_units), "remaining_days": len(buckets),
           "expected_segments": np.zeros((n_units, 0, n_weeks)), "segment_of_proc": pd.Series(dtype=int)}
    if n_weeks == 0 or open_proc.empty:
        return out

    # Office-day equivalents of each segment (procedures sharing a remaining window) per future week.
    fut = day_weights(as_of + pd.Timedelta(days=1), window_end, weights, calendar_file)
    segments = open_proc[["rem_start", "rem_end"]].drop_duplicates().reset_index(drop=True)
    seg_weeks = np.zeros((len(segments), n_weeks))
    for s, (a, b) in enumerate(segments.itertuples(index=False)):
        inside = ((fut.index >= a) & (fut.index <= b)).astype(float)
        seg_weeks[s] = np.bincount(buckets, weights=fut.to_numpy() * inside, minlength=n_weeks)
    seg_of_proc = open_proc.merge(segments.reset_index(), on=["rem_start", "rem_end"]).set_index(
        "procedure_code")["index"]

    look_start = max(as_of - pd.Timedelta(days=lookback_days - 1), window_start)
    look_w = float(day_weights(look_start, as_of, weights, calendar_file).sum())
    mine = seen[seen["procedure_code"].isin(seg_of_proc.index) & seen["unit_code"].isin(unit_codes)]
    recent = mine[mine["received_date"] >= look_start]
    u_idx = unit_codes.get_indexer(recent["unit_code"])
    s_idx = seg_of_proc.reindex(recent["procedure_code"]).to_numpy()
    counts = np.zeros((n_units, len(segments)))
    np.add.at(counts, (u_idx, s_idx), 1)
    if look_w > 0:
        out["expected"] = counts / look_w @ seg_weeks
        # per segment too: the procedure mix of the remaining volume (its shares may differ)
        out["expected_segments"] = counts[:, :, None] / look_w * seg_weeks[None, :, :]
    out["segment_of_proc"] = seg_of_proc
    out["lookback_n"] = counts.sum(axis=1)

    # Busiest week so far, 7-day bins counted back from as_of.
    back = ((as_of - mine["received_date"]).dt.days // 7).to_numpy()
    per_week = pd.Series(1, index=pd.MultiIndex.from_arrays([mine["unit_code"].to_numpy(), back])) \
        .groupby(level=[0, 1]).sum()
    peak = per_week.groupby(level=0).max().reindex(unit_codes).fillna(0).to_numpy()
    out["max_remaining"] = UPPER_FACTOR * peak * int(np.ceil(len(buckets) / 7))
    return out
