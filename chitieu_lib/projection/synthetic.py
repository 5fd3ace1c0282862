"""A small synthetic year whose truth is known, for testing the projection.

SYNTHETIC DATA: nothing here describes a real unit. The generator is
deliberately simple and independent of ``chitieu sample``: each unit has a
daily volume (Poisson, by office-day kind) and an online share whose logit
follows one of four week-to-week dynamics (``dynamics=``): ``trend`` (a straight
line plus a random walk), ``steps`` (flat, with level shifts at random weeks),
``revert`` (an AR(1) wander around a fixed level) or ``flat`` (constant). They
check that the projection is not tuned to one kind of year. It returns a frame with
the columns of the dossier table of ``docs/architecture.md`` (classified:
``reason`` is ``counted`` or ``outside_window`` by the catalogue windows).

>>> cat = synthetic_catalog()
>>> sorted(cat["rule"].unique())
['continuing', 'dropped', 'new']
>>> d = synthetic_year(n_units=3, seed=1, volume_scale=0.2)
>>> set(d["reason"].unique()) <= {"counted", "outside_window"}
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..calendar import day_kinds
from ..decision import load_units
from ..sample.year import sample_decision   # the simulated years are 2019 Khánh Hòa years
from ..windows import with_windows

KIND_WEIGHT = {"working": 1.0, "saturday": 0.3, "closed": 0.02}
BASE_VOLUME = {"department": 12.0, "district": 18.0, "commune": 2.5}   # dossiers per working day


def synthetic_catalog() -> pd.DataFrame:
    """Ten procedures: seven continuing, two new (June, mid-August), one dropped (May)."""
    rows = [(f"P{i:02d}", f"Thủ tục {i}", "continuing", "") for i in range(1, 8)]
    rows += [("P08", "Thủ tục 8", "new", "2019-06-01"), ("P09", "Thủ tục 9", "new", "2019-08-15"),
             ("P10", "Thủ tục 10", "dropped", "2019-05-01")]
    cat = pd.DataFrame(rows, columns=["procedure_code", "procedure_name", "rule", "effective_date"])
    for col in ("field", "authority_level", "online_level"):
        cat[col] = ""
    return with_windows(cat, sample_decision())


def _path(rng, dynamics, n_weeks, slope_mean, slope_sd, drift_sd, jump_rate, jump_sd, ar, ar_sd):
    """The logit share's departure from the unit's level, week by week."""
    if dynamics == "trend":
        b = rng.normal(slope_mean, slope_sd)
        return b * np.arange(n_weeks) + np.cumsum(rng.normal(0, drift_sd, n_weeks))
    if dynamics == "steps":
        jumps = (rng.random(n_weeks) < jump_rate) * rng.normal(0, jump_sd, n_weeks)
        return np.cumsum(jumps)
    if dynamics == "revert":
        x = np.zeros(n_weeks)
        x[0] = rng.normal(0, ar_sd)
        shocks = rng.normal(0, ar_sd * np.sqrt(1 - ar ** 2), n_weeks)
        for w in range(1, n_weeks):
            x[w] = ar * x[w - 1] + shocks[w]
        return x
    return np.zeros(n_weeks)


def synthetic_year(units: pd.DataFrame | None = None, *, n_units: int | None = None, seed: int = 0,
                   volume_scale: float = 1.0, slope_mean: float = 0.02, slope_sd: float = 0.02,
                   drift_sd: float = 0.06, dynamics: str = "trend", jump_rate: float = 1 / 20,
                   jump_sd: float = 0.5, ar: float = 0.9, ar_sd: float = 0.25) -> pd.DataFrame:
    """Dossiers of a whole window (01/12/2018–30/11/2019) for target units (SYNTHETIC).

    The logit online share of unit u in week w is a_u + x_u(w), a_u around the
    unit's target, with x_u by ``dynamics``:

    * ``trend``: b_u·w + RW_u(w), b_u ~ N(slope_mean, slope_sd) per week, RW a random
      walk with steps N(0, drift_sd²);
    * ``steps``: a sum of level shifts N(0, jump_sd²), one in any week with
      probability ``jump_rate``;
    * ``revert``: AR(1), x(w) = ar·x(w−1) + N(0, ar_sd²·(1 − ar²)) (stationary sd ar_sd);
    * ``flat``: 0.
    """
    if dynamics not in ("trend", "steps", "revert", "flat"):
        raise ValueError("dynamics must be 'trend', 'steps', 'revert' or 'flat'")
    rng = np.random.default_rng(seed)
    d = sample_decision()
    units = load_units(d) if units is None else units
    units = units[units["target"].notna()].reset_index(drop=True)
    if n_units is not None:
        units = units.iloc[rng.choice(len(units), size=n_units, replace=False)].reset_index(drop=True)
    cat = synthetic_catalog()
    days = day_kinds(d.window_start, d.window_end, d.calendar_file)
    day_w = days["kind"].map(KIND_WEIGHT).to_numpy()
    week = (np.arange(len(days)) // 7)
    n_weeks = week.max() + 1
    proc_share = rng.dirichlet(np.full(len(cat), 3.0))
    frames = []
    for i, u in units.iterrows():
        vol = BASE_VOLUME[u["level"]] * volume_scale * rng.lognormal(0, 0.5)
        counts = rng.poisson(vol * day_w)
        a = np.log(u["target"] / (1 - u["target"])) + rng.normal(-0.5, 0.7)
        p_week = 1 / (1 + np.exp(-(a + _path(rng, dynamics, n_weeks, slope_mean, slope_sd, drift_sd,
                                             jump_rate, jump_sd, ar, ar_sd))))
        n = int(counts.sum())
        if n == 0:
            continue
        day_idx = np.repeat(np.arange(len(days)), counts)
        online = rng.random(n) < p_week[week[day_idx]]
        proc = rng.choice(len(cat), size=n, p=proc_share)
        frames.append(pd.DataFrame({
            "unit_code": u["unit_code"], "procedure_code": cat["procedure_code"].to_numpy()[proc],
            "received_date": days["date"].to_numpy()[day_idx],
            "channel": np.where(online, "online", np.where(rng.random(n) < 0.05, "postal", "direct")),
            "rule": cat["rule"].to_numpy()[proc], "level": u["level"], "target": u["target"],
        }))
    out = pd.concat(frames, ignore_index=True)
    ws = out["procedure_code"].map(cat.set_index("procedure_code")["window_start"])
    we = out["procedure_code"].map(cat.set_index("procedure_code")["window_end"])
    inside = (out["received_date"] >= ws) & (out["received_date"] <= we)
    out["reason"] = pd.Categorical(np.where(inside, "counted", "outside_window"))
    out["channel"] = pd.Categorical(out["channel"], categories=["online", "direct", "postal"])
    out["month"] = out["received_date"].dt.to_period("M").dt.to_timestamp()
    out.insert(0, "dossier_id", [f"S{i:07d}" for i in range(len(out))])
    out.insert(0, "source_row", np.arange(2, len(out) + 2))
    out.insert(0, "source_file", "synthetic")
    return out
