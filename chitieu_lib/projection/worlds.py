"""Simulated years that look like a province, with their truth kept for an oracle (SYNTHETIC DATA).

Nothing here describes a real unit. Unlike :func:`.synthetic.synthetic_year`
(units independent, one kind of dynamics), units here share things:

* ``campaign``: a district's campaign (like letter 934/UBND-VHTT in Vạn Ninh)
  lifts the online share of its UBND and all its communes within a few weeks
  (each unit its own lag and lift); a department runs its own campaign;
* ``drift_jumps``: a slow drift (unit slope + random walk) with rare jumps;
* ``new_procedure``: a newly published procedure (P08, counted from June) with
  its own, much higher online share enters the denominator mid-year; a dropped
  one (P10, until May) and a late one (P09, from mid-August) are mostly offline;
* ``tet``: volume shocks around Tết (a rush before, a trough after) and a
  wandering volume, with a drifting share;
* ``province``: all of the above, milder.

The logit online share of unit u, procedure p, week w is

    a_u + slope_u·w + RW_u(w) + J_u(w) + C_u(w) + off_up

(RW: random walk; J: cumulated jumps; C: campaign lifts, ramped in over
RAMP_WEEKS after the unit's lag). Daily counts per procedure are Poisson with
mean base_u · day weight · Tết multiplier · exp(V_u(w)) · mix_up (V: a random
walk of the log volume). :func:`world_year` returns a :class:`WorldYear`: the
dossier table (columns of docs/architecture.md, ``reason`` counted or
outside_window by the catalogue windows) and everything the generator drew,
which :mod:`.oracle` uses.

>>> y = world_year("province", seed=1, n_units=5, volume_scale=0.2)
>>> sorted(y.dossiers["reason"].unique()), y.logit.shape[0]
(['counted', 'outside_window'], 5)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..calendar import day_kinds
from ..decision import load_units
from ..sample.year import sample_decision   # the simulated years are 2019 Khánh Hòa years
from .synthetic import BASE_VOLUME, KIND_WEIGHT, synthetic_catalog

WORLDS = ("campaign", "drift_jumps", "new_procedure", "tet", "province")
RAMP_WEEKS = 3                # a campaign's lift builds up over three weeks
CAMPAIGN_WEEKS = (8, 48)      # weeks (from 1/12/2018) in which a campaign may start
# a unit's level (logit, week 0): the logit of its target plus N(mean, sd²): most units start below it
LEVEL_PRIOR = (-0.3, 0.6)

# Parameters of each world (per week, logit scale). hazard: chance per week that a campaign group
# (a district with its communes, or one department) starts its campaign (at most one a year).
_BASE = dict(slope_mean=0.0, slope_sd=0.0, rw_sd=0.03, jump_rate=0.0, jump_sd=0.0, hazard=0.0,
             lift_mean=0.0, lift_sd=0.0, max_lag=0, proc_sd=0.25, special=False, tet=False, vol_rw=0.03)
WORLD_PARAMS = {
    "campaign": {**_BASE, "hazard": 0.7 / 40, "lift_mean": 0.7, "lift_sd": 0.25, "max_lag": 6},
    "drift_jumps": {**_BASE, "slope_mean": 0.01, "slope_sd": 0.012, "rw_sd": 0.04, "jump_rate": 1 / 40,
                    "jump_sd": 0.6},
    "new_procedure": {**_BASE, "slope_mean": 0.005, "slope_sd": 0.01, "rw_sd": 0.04, "special": True},
    "tet": {**_BASE, "slope_mean": 0.01, "slope_sd": 0.01, "rw_sd": 0.04, "tet": True, "vol_rw": 0.06},
    "province": {**_BASE, "slope_mean": 0.008, "slope_sd": 0.01, "rw_sd": 0.035, "jump_rate": 1 / 60,
                 "jump_sd": 0.5, "hazard": 0.4 / 40, "lift_mean": 0.6, "lift_sd": 0.25, "max_lag": 6,
                 "special": True, "tet": True, "vol_rw": 0.04},
}
# new_procedure / province: (logit offset mean, sd, volume weight) of the special procedures
SPECIAL = {"P08": (1.3, 0.5, 3.0), "P09": (-0.8, 0.5, 1.5), "P10": (-1.0, 0.5, 1.5)}
# Tết 2019 (5/2): a rush in the three weeks before, a trough in the two weeks after the holiday
TET_SHOCKS = [("2019-01-12", "2019-02-01", 1.6), ("2019-02-11", "2019-02-24", 0.5),
              ("2019-02-25", "2019-03-17", 1.25)]


@dataclass
class WorldYear:
    """One simulated year: dossiers and the generator's draws (units in ``units`` order)."""

    world: str
    seed: int
    params: dict
    units: pd.DataFrame           # target units simulated (unit_code, level, parent_code, target)
    catalog: pd.DataFrame
    days: pd.DataFrame            # date, kind
    week_of_day: np.ndarray
    lam: np.ndarray               # units × days × procedures: expected dossiers before exp(V)
    offset: np.ndarray            # units × procedures (logit)
    logit: np.ndarray             # units × weeks: the share's logit before the procedure offsets
    parts: dict                   # a, slope, rw, jumps, campaign, logvol, group, launch, lift, lag
    counts: np.ndarray            # units × days × procedures: dossiers received
    online: np.ndarray            # same: of which online
    dossiers: pd.DataFrame = field(repr=False, default=None)


def campaign_groups(units: pd.DataFrame) -> np.ndarray:
    """Group index per unit: a district with its communes share one, each department its own."""
    key = np.where(units["level"] == "commune", units["parent_code"].astype(str), units["unit_code"].astype(str))
    return pd.factorize(key)[0]


def ramp(weeks_since):
    """Share of a campaign's lift reached ``weeks_since`` weeks after the unit's start (0 before)."""
    return np.clip((np.asarray(weeks_since, dtype=float) + 1) / RAMP_WEEKS, 0, 1)


def campaign_effect(launch, lift, lag, group, n_weeks):
    """units × weeks lift of the logit share; ``launch`` per group (−1: no campaign)."""
    w = np.arange(n_weeks)
    start = launch[group] + lag
    eff = lift[:, None] * ramp(w[None, :] - start[:, None])
    return np.where((launch[group] >= 0)[:, None], eff, 0.0)


def draw_launches(rng, n_groups, hazard, first_week, size=None):
    """Campaign start week per group from ``first_week`` on (−1: none before CAMPAIGN_WEEKS ends)."""
    lo, hi = max(first_week, CAMPAIGN_WEEKS[0]), CAMPAIGN_WEEKS[1]
    shape = (n_groups,) if size is None else (size, n_groups)
    if hazard <= 0 or lo > hi:
        return np.full(shape, -1)
    wait = rng.geometric(hazard, size=shape) - 1
    return np.where(lo + wait <= hi, lo + wait, -1)


def target_logit(units: pd.DataFrame) -> np.ndarray:
    """Per unit: the logit of its target."""
    t = units["target"].to_numpy(dtype=float)
    return np.log(t / (1 - t))


def level_prior_mean(units: pd.DataFrame) -> np.ndarray:
    """Per unit: the mean of its level's prior, logit(target) + LEVEL_PRIOR's mean."""
    return target_logit(units) + LEVEL_PRIOR[0]


def _volume_rates(rng, units, days, cat, p, volume_scale):
    """units × days × procedures: expected dossiers (base × day weight × Tết × mix)."""
    day_w = days["kind"].map(KIND_WEIGHT).to_numpy()
    if p["tet"]:
        for a, b, mult in TET_SHOCKS:
            inside = (days["date"] >= a) & (days["date"] <= b)
            day_w = np.where(inside, day_w * mult, day_w)
    base = units["level"].map(BASE_VOLUME).to_numpy() * volume_scale * rng.lognormal(0, 0.6, len(units))
    weight = np.ones(len(cat))
    if p["special"]:
        for code, (_, _, vw) in SPECIAL.items():
            weight[cat["procedure_code"].eq(code).to_numpy()] = vw
    mix = rng.dirichlet(np.full(len(cat), 4.0), size=len(units)) * weight
    mix = mix / mix.sum(axis=1, keepdims=True)
    return base[:, None, None] * day_w[None, :, None] * mix[:, None, :]


def _offsets(rng, n_units, cat, p):
    off = rng.normal(0, p["proc_sd"], (n_units, len(cat)))
    if p["special"]:
        for code, (mu, sd, _) in SPECIAL.items():
            j = cat["procedure_code"].eq(code).to_numpy()
            off[:, j] = rng.normal(mu, sd, (n_units, 1))
    return off


def _latent(rng, units, n_weeks, p):
    n = len(units)
    a = target_logit(units) + rng.normal(*LEVEL_PRIOR, n)
    slope = rng.normal(p["slope_mean"], p["slope_sd"], n)
    rw = np.cumsum(rng.normal(0, p["rw_sd"], (n, n_weeks)), axis=1)
    jumps = np.cumsum((rng.random((n, n_weeks)) < p["jump_rate"]) * rng.normal(0, max(p["jump_sd"], 1e-12),
                                                                                  (n, n_weeks)), axis=1)
    group = campaign_groups(units)
    launch = draw_launches(rng, group.max() + 1, p["hazard"], 0)
    lift = rng.normal(p["lift_mean"], max(p["lift_sd"], 1e-12), n)
    lag = rng.integers(0, p["max_lag"] + 1, n)
    camp = campaign_effect(launch, lift, lag, group, n_weeks)
    logvol = np.cumsum(rng.normal(0, p["vol_rw"], (n, n_weeks)), axis=1)
    parts = dict(a=a, slope=slope, rw=rw, jumps=jumps, campaign=camp, logvol=logvol, group=group,
                 launch=launch, lift=lift, lag=lag)
    logit = a[:, None] + slope[:, None] * np.arange(n_weeks) + rw + jumps + camp
    return logit, parts


def world_year(world: str, seed: int, *, units: pd.DataFrame | None = None, n_units: int | None = None,
               volume_scale: float = 1.0) -> WorldYear:
    """One simulated year of ``world`` (SYNTHETIC) for the target units (or ``n_units`` of them)."""
    if world not in WORLD_PARAMS:
        raise ValueError(f"world must be one of {WORLDS}")
    p = WORLD_PARAMS[world]
    rng = np.random.default_rng([seed, WORLDS.index(world)])
    d = sample_decision()
    units = load_units(d) if units is None else units
    units = units[units["target"].notna()].reset_index(drop=True)
    if n_units is not None:
        units = units.iloc[np.sort(rng.choice(len(units), size=n_units, replace=False))].reset_index(drop=True)
    cat = synthetic_catalog()
    days = day_kinds(d.window_start, d.window_end, d.calendar_file)
    week = np.arange(len(days)) // 7
    lam = _volume_rates(rng, units, days, cat, p, volume_scale)
    off = _offsets(rng, len(units), cat, p)
    logit, parts = _latent(rng, units, week.max() + 1, p)
    counts = rng.poisson(lam * np.exp(parts["logvol"][:, week])[:, :, None])
    share = 1 / (1 + np.exp(-(logit[:, week][:, :, None] + off[:, None, :])))
    online = rng.binomial(counts, share)
    y = WorldYear(world, seed, p, units, cat, days, week, lam, off, logit, parts, counts, online)
    y.dossiers = _dossier_table(rng, y)
    return y


def _dossier_table(rng, y: WorldYear) -> pd.DataFrame:
    """Expand the counts into dossier rows, classified by the catalogue windows."""
    u, dd, pp = np.nonzero(y.counts)
    c, o = y.counts[u, dd, pp], y.online[u, dd, pp]
    rep = np.repeat(np.arange(len(u)), c)
    first = np.repeat(np.cumsum(c) - c, c)
    is_online = (np.arange(len(rep)) - first) < o[rep]
    u, dd, pp = u[rep], dd[rep], pp[rep]
    cat = y.catalog
    dates = y.days["date"].to_numpy()[dd]
    inside = (dates >= cat["window_start"].to_numpy()[pp]) & (dates <= cat["window_end"].to_numpy()[pp])
    n = len(rep)
    channel = np.where(is_online, "online", np.where(rng.random(n) < 0.05, "postal", "direct"))
    out = pd.DataFrame({
        "source_file": "synthetic", "source_row": np.arange(2, n + 2),
        "dossier_id": [f"W{i:07d}" for i in range(n)],
        "unit_code": y.units["unit_code"].astype(str).to_numpy()[u],
        "procedure_code": cat["procedure_code"].to_numpy()[pp], "received_date": dates,
        "channel": pd.Categorical(channel, categories=["online", "direct", "postal"]),
        "rule": cat["rule"].to_numpy()[pp], "level": y.units["level"].to_numpy()[u],
        "target": y.units["target"].to_numpy()[u],
        "reason": pd.Categorical(np.where(inside, "counted", "outside_window")),
    })
    out["month"] = out["received_date"].dt.to_period("M").dt.to_timestamp()
    return out
