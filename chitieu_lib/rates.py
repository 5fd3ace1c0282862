"""Online rates over the counted dossiers: rate = online / total.

Each unit's rate is over the dossiers that unit itself received (a district People's
Committee's rate does not include its communes' dossiers: each has its own target).

>>> import pandas as pd
>>> from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units
>>> d = pd.DataFrame({"unit_code": ["STP", "STP", "STP", "571"],
...     "channel": ["online", "direct", "online", "postal"],
...     "month": pd.to_datetime(["2019-01-01"] * 4),
...     "reason": ["counted", "counted", "counted", "duplicate"]})
>>> r = unit_rates(d, load_units(load_decision(DEFAULT_DECISION))).set_index("unit_code")
>>> len(r), int(r.loc["STP", "online"]), int(r.loc["STP", "total"]), round(float(r.loc["STP", "rate"]), 4)
(162, 2, 3, 0.6667)
>>> bool(r.loc["STP", "met"]), r.loc["571", "total"], r.loc["571", "rate"] is pd.NA
(True, np.int64(0), True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RATE_COLUMNS = ["unit_code", "unit_name", "level", "parent_code", "target_group", "target",
                "online", "total", "rate", "met"]
# A rate that meets its target exactly counts as met; float noise must not flip it.
_TOLERANCE = 1e-9


def _counted(dossiers: pd.DataFrame, columns: list) -> pd.DataFrame:
    """The counted rows of the few ``columns`` needed (not of the whole table: a copy of every
    column of ten million rows would cost more than the counting)."""
    return dossiers[columns].loc[(dossiers["reason"] == "counted").to_numpy()]


def _rate(online: pd.Series, total: pd.Series) -> pd.Series:
    total = total.astype("Int64")
    return (online.astype("Float64") / total.astype("Float64")).where(total > 0, pd.NA)


def unit_rates(dossiers: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit with a target (units without dossiers included, in registry order):
    ``unit_code, unit_name, level, parent_code, target_group, target, online, total, rate, met``.
    ``rate`` and ``met`` are NA when the unit has no counted dossier."""
    counted = _counted(dossiers, ["unit_code", "channel"])
    online = (counted["channel"] == "online").to_numpy()
    codes = counted["unit_code"]
    if not isinstance(codes.dtype, pd.CategoricalDtype):
        codes = codes.astype("str")
    # Counting a categorical counts its codes; the few resulting labels are made text after.
    totals, onlines = codes.value_counts(), codes[online].value_counts()
    totals.index, onlines.index = totals.index.astype("str"), onlines.index.astype("str")
    out = units.loc[units["target"].notna().to_numpy(),
                    ["unit_code", "unit_name", "level", "parent_code", "target_group", "target"]]
    out = out.reset_index(drop=True)
    out["online"] = out["unit_code"].map(onlines).fillna(0).astype(np.int64)
    out["total"] = out["unit_code"].map(totals).fillna(0).astype(np.int64)
    out["rate"] = _rate(out["online"], out["total"])
    met = (out["online"] - out["target"] * out["total"]) >= -_TOLERANCE * np.maximum(out["total"], 1)
    out["met"] = pd.array(met.to_numpy(), dtype="boolean")
    out.loc[out["total"] == 0, "met"] = pd.NA
    return out[RATE_COLUMNS]


def monthly_rates(dossiers: pd.DataFrame) -> pd.DataFrame:
    """Counted dossiers per unit × month: ``unit_code, month, online, direct, postal, total, rate``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit_code": ["STP"] * 3, "channel": ["online", "direct", "postal"],
    ...     "month": pd.to_datetime(["2019-01-01", "2019-01-01", "2019-02-01"]), "reason": ["counted"] * 3})
    >>> monthly_rates(d)[["month", "online", "direct", "postal", "total"]].astype(str).values.tolist()
    [['2019-01-01', '1', '1', '0', '2'], ['2019-02-01', '0', '0', '1', '1']]
    """
    counted = _counted(dossiers, ["unit_code", "month", "channel"])
    channel = counted["channel"].astype("str")
    frame = pd.DataFrame({
        "unit_code": counted["unit_code"].astype("str").to_numpy(),
        "month": counted["month"].to_numpy(),
        "online": (channel == "online").to_numpy(dtype=np.int64),
        "direct": (channel == "direct").to_numpy(dtype=np.int64),
        "postal": (channel == "postal").to_numpy(dtype=np.int64),
    })
    out = frame.groupby(["unit_code", "month"], sort=True).sum().reset_index()
    out["total"] = out["online"] + out["direct"] + out["postal"]
    out["rate"] = out["online"] / out["total"]
    return out


def rates_by(dossiers: pd.DataFrame, by) -> pd.DataFrame:
    """Counted dossiers grouped by any columns: ``*by, online, total, rate``. Rows with a blank
    grouping value form their own group (NA), so the totals still add up.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit_code": ["571", "571", "571"], "agency": ["Phòng Tư pháp", "Phòng Tư pháp", None],
    ...     "channel": ["online", "direct", "online"], "reason": ["counted"] * 3})
    >>> rates_by(d, ["unit_code", "agency"]).fillna("(none)").to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'unit_code': '571', 'agency': 'Phòng Tư pháp', 'online': 1, 'total': 2, 'rate': 0.5},
     {'unit_code': '571', 'agency': '(none)', 'online': 1, 'total': 1, 'rate': 1.0}]
    """
    by = [by] if isinstance(by, str) else list(by)
    counted = _counted(dossiers, list(dict.fromkeys([*by, "channel"])))
    frame = counted[by].copy()
    frame["online"] = (counted["channel"] == "online").to_numpy(dtype=np.int64)
    frame["total"] = 1
    out = frame.groupby(by, sort=True, observed=True, dropna=False)[["online", "total"]].sum().reset_index()
    out["online"] = out["online"].astype(np.int64)
    out["total"] = out["total"].astype(np.int64)
    out["rate"] = out["online"] / out["total"]
    return out
