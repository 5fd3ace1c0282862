"""Who receives how many dossiers, when, and how many of them online: the sample's ground truth.

:func:`build_plan` fixes, for a seed, everything that does not depend on the
scale: each unit's yearly volume, its day-by-day volume pattern, its procedure
mix and its online trajectory. The trajectory of a unit is a logit curve

    logit p(u, d, p) = base(u) + shape(u, d) + drift(u, d) + offset(u, p)

where ``shape`` is flat, rising, falling or a jump after a campaign (Vạn Ninh's
letter 934 of 3/5/2019 for its communes and the district itself), ``drift`` a
small week-to-week AR(1) wobble, and ``offset`` the procedure's (and, for a
district, its phòng's) own lean. A procedure newly published in 2019 is not
offered online before its effective date; a dropped one no longer after its
end. ``base`` is solved so that each unit's volume-weighted year share equals
its designed share. :func:`true_online_share` gives each unit's expected online
share per day: the truth a test (or a backtest) can compare against.

>>> plan = build_plan(2019)
>>> int((plan.units["annual"] > 0).sum()), len(plan.days)
(162, 365)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..calendar import day_kinds
from ..decision import load_units
from .year import sample_decision
from .catalog import PHONG_OFFSET, procedure_table

LETTER_934 = pd.Timestamp("2019-05-03")   # Vạn Ninh's letter passing the targets down
VAN_NINH = "571"
TET_CLOSED = (pd.Timestamp("2019-02-02"), pd.Timestamp("2019-02-10"))

# Yearly dossiers at --scale 1 (about 450,000 in all).
DEPARTMENT_VOLUME = {"SGTVT": 32000, "SKHDT": 16000, "STP": 9000, "SCT": 9000, "SLDTBXH": 8000,
                     "STNMT": 7000, "SYT": 5000, "SNNPTNT": 3000, "SXD": 2500, "SGDDT": 2500,
                     "SDL": 1500, "SVHTT": 1200, "BQLKKT": 900, "SNV": 400, "STC": 300, "STTTT": 250,
                     "SKHCN": 200}
DISTRICT_VOLUME = {"568": 38000, "572": 18000, "569": 14000, "574": 13000, "571": 11000, "570": 10000,
                   "573": 3500, "575": 2500}
COMMUNE_VOLUME = {"568": 66000, "572": 42000, "574": 32000, "569": 30000, "571": 28000, "570": 24000,
                  "573": 9000, "575": 6000}   # all communes of the district together

# Designed year share and shape: (share, shape, slope or jump size, jump date).
# Shapes: flat; rising/falling (logit change over the year); jump (logit step after the date).
DEPARTMENT_DESIGN = {
    "SGTVT": (0.13, "rising", 0.8, None), "SKHDT": (0.76, "rising", 0.6, None),
    "STP": (0.37, "jump", 1.0, "2019-04-15"), "SCT": (0.66, "flat", 0, None),
    "STNMT": (0.28, "rising", 1.5, None), "SLDTBXH": (0.16, "falling", 0.8, None),
    "SYT": (0.42, "rising", 1.2, None), "SXD": (0.47, "flat", 0, None),
    "SGDDT": (0.33, "jump", 1.2, "2019-07-01"), "SNNPTNT": (0.38, "rising", 1.0, None),
    "SVHTT": (0.60, "flat", 0, None), "SDL": (0.52, "falling", 0.5, None),
    "BQLKKT": (0.46, "flat", 0, None), "SNV": (0.08, "flat", 0, None),
    "STTTT": (0.95, "flat", 0, None), "SKHCN": (0.70, "rising", 0.8, None),
    "STC": (0.25, "rising", 2.0, None),
}
DISTRICT_DESIGN = {
    "568": (0.31, "rising", 1.0, None), "569": (0.40, "flat", 0, None), "570": (0.24, "flat", 0, None),
    "571": (0.26, "jump", 1.5, "2019-05-06"), "572": (0.17, "falling", 0.6, None),
    "573": (0.32, "flat", 0, None), "574": (0.36, "rising", 0.8, None), "575": (0.09, "flat", 0, None),
}
# Communes: the district's typical year share; each commune varies around it (logit sd below).
COMMUNE_SHARE = {"568": 0.15, "569": 0.12, "570": 0.085, "571": 0.17, "572": 0.075, "573": 0.085,
                 "574": 0.12, "575": 0.075}
COMMUNE_SPREAD = 0.75
POSTAL_SHARE = {"department": 0.05, "district": 0.02, "commune": 0.005}   # of non-online dossiers
SATURDAY_FACTOR = {"department": 0.12, "district": 0.25, "commune": 0.35}
WEEKDAY_FACTOR = np.array([1.15, 1.05, 1.0, 1.0, 0.9, 0.9, 0.0])   # Mon..Sun (index 5: worked Saturday)


@dataclass(frozen=True, eq=False)
class Plan:
    """Everything about the sample year that does not depend on --scale."""

    seed: int
    days: pd.DatetimeIndex          # the window, one entry per day
    kinds: np.ndarray               # working / saturday / closed per day
    units: pd.DataFrame             # one row per generating unit (see build_plan)
    procs: pd.DataFrame             # procedure_table()
    mix: np.ndarray                 # units x procs, rows sum to 1 (0 outside the unit's level/owner)
    offset: np.ndarray              # units x procs, logit offset
    trajectory: np.ndarray          # units x days, logit base + shape + drift
    available: np.ndarray           # procs x days, 1 where the procedure is offered online
    volume: np.ndarray              # units x days, expected dossiers per day at --scale 1


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def export_name(unit: pd.Series, district_names: dict) -> str:
    """The unit's name as one-stop offices write it in their exports.

    >>> export_name(pd.Series({"level": "commune", "unit_name": "Xã Vạn Thắng", "parent_code": "571"}),
    ...             {"571": "Huyện Vạn Ninh"})
    'UBND xã Vạn Thắng, huyện Vạn Ninh'
    """
    if unit["level"] == "department":
        return unit["unit_name"]
    own = _short(unit["unit_name"])
    if unit["level"] == "district":
        return f"UBND {own}"
    return f"UBND {own}, {_short(district_names[unit['parent_code']])}"


def _short(name: str) -> str:
    for full, short in (("Thành phố ", "TP "), ("Thị xã ", "TX "), ("Huyện ", "huyện "),
                        ("Thị trấn ", "thị trấn "), ("Phường ", "phường "), ("Xã ", "xã ")):
        if name.startswith(full):
            return short + name[len(full):]
    return name


def _day_pattern(days: pd.DatetimeIndex, kinds: np.ndarray, level: str) -> np.ndarray:
    """Relative expected volume per day: weekday, Saturday, closed days, the Tết surge, seasons."""
    dow = days.day_of_week.to_numpy()
    w = WEEKDAY_FACTOR[dow].copy()
    w[kinds == "saturday"] = SATURDAY_FACTOR[level]
    w[(kinds == "working") & (dow == 5)] = WEEKDAY_FACTOR[5]
    w[kinds == "closed"] = 0.0
    t = (days - pd.Timestamp("2019-01-14")).days.to_numpy()
    before = (t >= 0) & (days < TET_CLOSED[0])            # two and a half weeks of rising demand
    w[before] *= 1.0 + 0.7 * t[before] / 18.0
    s = (days - pd.Timestamp("2019-02-11")).days.to_numpy()
    after = (s >= 0) & (s <= 11)                          # catching up after the holiday
    w[after] *= 1.6 - 0.6 * s[after] / 11.0
    season = 1.0 + 0.06 * np.sin(2 * np.pi * (days.day_of_year.to_numpy() - 80) / 365.25)
    return w * season


def _shape(days: pd.DatetimeIndex, kind: str, size: float, when) -> np.ndarray:
    x = np.arange(len(days)) / (len(days) - 1) - 0.5
    if kind == "flat":
        return np.zeros(len(days))
    if kind == "rising":
        return size * x
    if kind == "falling":
        return -size * x
    if kind == "jump":   # a campaign: the share climbs over about two weeks after the date
        dd = (days - pd.Timestamp(when)).days.to_numpy()
        return size * _sigmoid((dd - 7) / 3.0)
    raise ValueError(kind)


@lru_cache(maxsize=4)
def build_plan(seed: int) -> Plan:
    """The seeded plan of the sample year (cached per seed; treat it as read-only)."""
    rng = np.random.default_rng([seed, 0])
    d = sample_decision()
    days = pd.date_range(d.window_start, d.window_end, freq="D")
    kinds = day_kinds(days[0], days[-1], d.calendar_file)["kind"].to_numpy()
    all_units = load_units(d)
    units = all_units[all_units["target"].notna()].reset_index(drop=True).copy()
    districts = dict(zip(all_units.loc[all_units["level"] == "district", "unit_code"],
                         all_units.loc[all_units["level"] == "district", "unit_name"]))
    units["export_name"] = [export_name(u, districts) for _, u in units.iterrows()]

    n_days = len(days)
    # --- volumes -------------------------------------------------------------------------------
    annual = np.zeros(len(units))
    for i, u in units.iterrows():
        if u["level"] == "department":
            annual[i] = DEPARTMENT_VOLUME[u["unit_code"]]
        elif u["level"] == "district":
            annual[i] = DISTRICT_VOLUME[u["unit_code"]]
    for district, total in COMMUNE_VOLUME.items():
        members = np.flatnonzero((units["parent_code"] == district).to_numpy())
        weight = rng.lognormal(0.0, 0.45, len(members))
        annual[members] = total * weight / weight.sum()
    units["annual"] = annual
    growth = rng.normal(0.0, 0.1, len(units))
    x = np.arange(n_days) / (n_days - 1) - 0.5
    volume = np.zeros((len(units), n_days))
    for level in ("department", "district", "commune"):
        rows = (units["level"] == level).to_numpy()
        pattern = _day_pattern(days, kinds, level)
        shaped = pattern[None, :] * (1.0 + growth[rows, None] * x[None, :])
        volume[rows] = annual[rows, None] * shaped / shaped.sum(axis=1, keepdims=True)

    # --- procedures: mix and offsets ----------------------------------------------------------
    procs = procedure_table()
    n_procs = len(procs)
    mix = np.zeros((len(units), n_procs))
    offset = np.zeros((len(units), n_procs))
    proc_level = procs["authority_level"].to_numpy()
    owner = procs["owner"].to_numpy()
    base_w = procs["weight"].to_numpy()
    base_off = procs["online_offset"].to_numpy()
    phong_noise = {}
    city = {"568", "569", "572"}
    for i, u in units.iterrows():
        if u["level"] == "department":
            cols = (proc_level == "department") & (owner == u["unit_code"])
        else:
            cols = proc_level == u["level"]
        w = base_w[cols] * rng.gamma(30.0, 1.0 / 30.0, cols.sum())
        off = base_off[cols].copy()
        if u["level"] == "district":
            keys = owner[cols]
            if u["unit_code"] in city:   # cities build more, farm less
                w = w * np.where(keys == "QLDT", 1.5, np.where(keys == "TNMT", 0.8, 1.0))
            for key in PHONG_OFFSET:
                phong_noise[(u["unit_code"], key)] = rng.normal(0.0, 0.35)
            off = off + np.array([PHONG_OFFSET[k] + phong_noise[(u["unit_code"], k)] for k in keys])
        mix[i, cols] = w / w.sum()
        offset[i, cols] = off

    # Online availability: new procedures only from their effective date, dropped ones only up to it.
    eff = pd.to_datetime(procs["effective_date"].replace("", None)).to_numpy()
    rule = procs["rule"].to_numpy()
    available = np.ones((n_procs, n_days))
    dv = days.to_numpy()
    for j in range(n_procs):
        if rule[j] == "new":
            available[j, dv < eff[j]] = 0.0
        elif rule[j] == "dropped":
            available[j, dv > eff[j]] = 0.0

    # --- trajectories -----------------------------------------------------------------------------
    share = np.zeros(len(units))
    shape = np.zeros((len(units), n_days))
    shape_name, shape_size, shape_date = [], [], []
    for i, u in units.iterrows():
        if u["level"] == "department":
            s, kind, size, when = DEPARTMENT_DESIGN[u["unit_code"]]
        elif u["level"] == "district":
            s, kind, size, when = DISTRICT_DESIGN[u["unit_code"]]
        else:
            s, kind, size, when = _commune_design(rng, u["parent_code"])
        share[i] = s
        shape[i] = _shape(days, kind, size, when)
        shape_name.append(kind), shape_size.append(size), shape_date.append(when or "")
    drift = _drift(rng, len(units), n_days)
    units["design_share"] = share
    units["shape"] = shape_name
    units["shape_size"] = shape_size
    units["shape_date"] = shape_date
    base = _solve_base(share, shape + drift, volume, mix, offset, available)
    units["base_logit"] = base
    trajectory = base[:, None] + shape + drift
    return Plan(seed=seed, days=days, kinds=kinds, units=units, procs=procs, mix=mix, offset=offset,
                trajectory=trajectory, available=available, volume=volume)


def _commune_design(rng, district: str):
    s = float(_sigmoid(np.log(COMMUNE_SHARE[district] / (1 - COMMUNE_SHARE[district]))
                       + rng.normal(0.0, COMMUNE_SPREAD)))
    if district == VAN_NINH:   # letter 934: most communes respond strongly, a few hardly
        return s, "jump", float(rng.choice([1.8, 1.8, 1.8, 1.8, 0.5])), "2019-05-06"
    r = rng.random()
    if r < 0.40:
        return s, "flat", 0.0, None
    if r < 0.75:
        return s, "rising", float(rng.uniform(0.5, 2.0)), None
    if r < 0.87:
        return s, "falling", float(rng.uniform(0.4, 1.2)), None
    when = pd.Timestamp("2019-03-25") + pd.Timedelta(days=int(rng.integers(0, 160)))
    return s, "jump", float(rng.uniform(0.8, 1.8)), when.strftime("%Y-%m-%d")


def _drift(rng, n_units: int, n_days: int) -> np.ndarray:
    """Week-to-week AR(1) wobble on the logit scale (stationary sd about 0.19), centred per unit."""
    n_weeks = n_days // 7 + 1
    eps = rng.normal(0.0, 0.10, (n_units, n_weeks))
    weekly = np.zeros_like(eps)
    weekly[:, 0] = eps[:, 0] / np.sqrt(1 - 0.85 ** 2)
    for w in range(1, n_weeks):
        weekly[:, w] = 0.85 * weekly[:, w - 1] + eps[:, w]
    weekly -= weekly.mean(axis=1, keepdims=True)
    return np.repeat(weekly, 7, axis=1)[:, :n_days]


def _expected_share(logit, mix, offset, available):
    """units x days expected online share over each unit's procedure mix."""
    out = np.zeros(logit.shape)
    for j in np.flatnonzero(mix.any(axis=0)):
        used = mix[:, j] > 0
        out[used] += mix[used, j, None] * _sigmoid(logit[used] + offset[used, j, None]) * available[j]
    return out


def _solve_base(share, logit_shape, volume, mix, offset, available, iterations=40):
    """Bisect each unit's base logit so its volume-weighted year share is the designed one."""
    lo, hi = np.full(len(share), -12.0), np.full(len(share), 12.0)
    weight = volume / volume.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        got = (_expected_share(mid[:, None] + logit_shape, mix, offset, available) * weight).sum(axis=1)
        low = got < share
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return (lo + hi) / 2


def true_online_share(plan: Plan) -> pd.DataFrame:
    """Each unit's true expected online share per day (over its procedure mix).

    Columns: unit_code, date, kind (working/saturday/closed), expected (dossiers per day at
    --scale 1), p_online. A realised share converges to the volume-weighted mean of p_online.

    >>> t = true_online_share(build_plan(2019))
    >>> bool(t["p_online"].between(0, 1).all())
    True
    """
    p = _expected_share(plan.trajectory, plan.mix, plan.offset, plan.available)
    n_units, n_days = p.shape
    return pd.DataFrame({
        "unit_code": np.repeat(plan.units["unit_code"].to_numpy(), n_days),
        "date": np.tile(plan.days.to_numpy(), n_units),
        "kind": np.tile(plan.kinds, n_units),
        "expected": plan.volume.ravel(),
        "p_online": p.ravel(),
    })


def designed_year_share(plan: Plan) -> pd.Series:
    """Each unit's expected year share (volume-weighted), by unit_code."""
    t = true_online_share(plan)
    t["w"] = t["expected"] * t["p_online"]
    g = t.groupby("unit_code", sort=False)[["w", "expected"]].sum()
    return (g["w"] / g["expected"]).rename("year_share")
