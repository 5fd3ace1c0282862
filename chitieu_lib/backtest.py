"""Rolling-origin evaluation of the projection on a complete year.

At each as-of date (month ends 31/3 … 31/10 by default) the projection sees
only dossiers received up to that day; its answer is compared with the unit's
true final rate (all counted dossiers of the window). Two naive rules are
measured in the same run on the same units:

* ``carry``: the cumulative rate so far is the final rate;
* ``last3``: the share of the last three months applies to the rest, i.e.
  (online + s₃·E) / (total + E) with E the same expected remaining volume
  the model uses (so the comparison isolates the share's forecast).

A naive rule's p_meet is 1 if its projection reaches the target, else 0; it
has no interval.

Scores: MAE of the projected rate, coverage of the 80% interval, Brier score of
p_meet (mean of (p_meet − met)²).

>>> from chitieu_lib.projection.synthetic import synthetic_year, synthetic_catalog
>>> d = synthetic_year(n_units=6, seed=2, volume_scale=0.3)
>>> det = backtest(d, synthetic_catalog(), None, as_of_dates=["2019-08-31"], n_sims=300,
...                decision=sample_decision())
>>> sorted(det["method"].unique())
['carry', 'last3', 'model']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import labels
from .decision import load_units
from .sample.year import sample_decision   # the simulated worlds are drawn for it
from .projection import project
from .projection.limit import limit_forecast
from .projection.oracle import oracle_forecast
from .projection.status import EPS
from .projection.worlds import WORLDS, world_year

def as_of_dates_for(decision) -> list[str]:
    """The backtest's as-of dates for a decision: the month ends from the window's fourth month to
    the one before its last (for 817: 31/3 … 31/10, as the first landing used).

    >>> from chitieu_lib.sample.year import sample_decision
    >>> as_of_dates_for(sample_decision())[0], as_of_dates_for(sample_decision())[-1], len(as_of_dates_for(sample_decision()))
    ('2019-03-31', '2019-10-31', 8)
    """
    start = pd.Timestamp(decision.window_start).to_period("M") + 3
    last = pd.Timestamp(decision.window_end).to_period("M") - 1
    return [p.to_timestamp(how="end").date().isoformat() for p in pd.period_range(start, last, freq="M")]


# simulated years (issue 13): as-of dates, and seeds kept apart for tuning and for the reported table
WORLD_AS_OF = ("2019-04-30", "2019-06-30", "2019-08-31", "2019-09-30")
TUNE_SEEDS = (1, 2, 3)
HOLDOUT_SEEDS = (101, 102, 103, 104)
METHODS = ("model", "carry", "last3")
METHOD_LABELS = labels.BACKTEST_METHODS


def true_final_rates(dossiers: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """unit_code, target, final_online, final_total, final_rate, final_met over the whole window."""
    tu = units[units["target"].notna()][["unit_code", "target"]]
    c = dossiers[dossiers["reason"].astype(str) == "counted"]
    agg = c.assign(on=(c["channel"].astype(str) == "online")).groupby("unit_code")["on"].agg(["sum", "size"])
    out = tu.merge(agg.rename(columns={"sum": "final_online", "size": "final_total"}),
                   left_on="unit_code", right_index=True, how="left").fillna(
        {"final_online": 0, "final_total": 0})
    out["final_rate"] = np.where(out["final_total"] > 0, out["final_online"] / out["final_total"].clip(lower=1),
                                 np.nan)
    out["final_met"] = out["final_rate"] >= out["target"] - EPS
    return out.reset_index(drop=True)


def _last3_share(dossiers, as_of, units_index):
    start = as_of - pd.DateOffset(months=3)
    c = dossiers[(dossiers["reason"].astype(str) == "counted") & (dossiers["received_date"] > start)
                 & (dossiers["received_date"] <= as_of)]
    g = c.assign(on=(c["channel"].astype(str) == "online")).groupby("unit_code")["on"].agg(["sum", "size"])
    g = g.reindex(units_index)
    return (g["sum"] / g["size"]).to_numpy()


def backtest(dossiers: pd.DataFrame, catalog: pd.DataFrame, units: pd.DataFrame | None = None, *,
             as_of_dates=None, seed: int = 0, n_sims: int | None = None, decision,
             method: str | None = None) -> pd.DataFrame:
    """Detail of the evaluation: one row per as-of date × unit × method.

    Columns: as_of, unit_code, target, final_rate, final_met, method,
    projected_rate, projected_low, projected_high, p_meet. Only units with
    counted dossiers by the as-of date (and hence a final rate) enter.
    ``method``: the projection's method (default: ``project``'s).
    """
    units = load_units(decision) if units is None else units
    truth = true_final_rates(dossiers, units).set_index("unit_code")
    kw = {} if n_sims is None else {"n_sims": n_sims}
    if method is not None:
        kw["method"] = method
    frames = []
    for as_of in pd.to_datetime(as_of_dates or as_of_dates_for(decision)):
        p = project(dossiers, catalog, units, as_of, seed=seed, decision=decision, **kw).set_index("unit_code")
        frames.append(_scored_methods(p[p["total_so_far"] > 0], truth, dossiers, as_of))
    return pd.concat(frames, ignore_index=True)


def _scored_methods(p: pd.DataFrame, truth: pd.DataFrame, dossiers: pd.DataFrame, as_of) -> pd.DataFrame:
    """The model's answers (``p``, indexed by unit) beside the naive rules', with the truth."""
    t = truth.loc[p.index]
    base = pd.DataFrame({"as_of": as_of, "unit_code": p.index, "target": t["target"].to_numpy(),
                         "final_rate": t["final_rate"].to_numpy(), "final_met": t["final_met"].to_numpy()})
    so_far = (p["online_so_far"] / p["total_so_far"]).to_numpy()
    s3 = _last3_share(dossiers, as_of, p.index)
    s3 = np.where(np.isnan(s3), so_far, s3)
    e = p["expected_remaining"].to_numpy()
    last3 = (p["online_so_far"].to_numpy() + s3 * e) / (p["total_so_far"].to_numpy() + e)
    frames = []
    for method, proj, low, high, pm in [
        ("model", p["projected_rate"].to_numpy(), p["projected_low"].to_numpy(),
         p["projected_high"].to_numpy(), p["p_meet"].to_numpy()),
        ("carry", so_far, np.nan, np.nan, (so_far >= base["target"] - EPS).astype(float)),
        ("last3", last3, np.nan, np.nan, (last3 >= base["target"] - EPS).astype(float)),
    ]:
        frames.append(base.assign(method=method, projected_rate=proj, projected_low=low,
                                  projected_high=high, p_meet=pm))
    return pd.concat(frames, ignore_index=True)


def world_backtest(worlds=WORLDS, seeds=HOLDOUT_SEEDS, *, as_of_dates=WORLD_AS_OF, seed: int = 0,
                   n_sims: int | None = None, method: str | None = None, oracle: bool = True,
                   n_units: int | None = None, progress=None) -> pd.DataFrame:
    """The backtest on simulated years (SYNTHETIC): ``backtest``'s detail plus world, year_seed and the limits.

    One simulated year per world × seed (:func:`chitieu_lib.projection.worlds.world_year`);
    the oracle (:mod:`chitieu_lib.projection.oracle`) and the limit of what the
    dossiers allow (method ``limit``, :mod:`chitieu_lib.projection.limit`) are
    scored beside the model and the naive rules on the same units.
    """
    kw = {} if n_sims is None else {"n_sims": n_sims}
    if method is not None:
        kw["method"] = method
    frames = []
    for world in worlds:
        for s in seeds:
            y = world_year(world, s, n_units=n_units)
            truth = true_final_rates(y.dossiers, y.units).set_index("unit_code")
            for as_of in pd.to_datetime(list(as_of_dates)):
                p = project(y.dossiers, y.catalog, y.units, as_of, seed=seed, decision=sample_decision(),
                            **kw).set_index("unit_code")
                p = p[p["total_so_far"] > 0]
                det = _scored_methods(p, truth, y.dossiers, as_of)
                if oracle:
                    base = det[det["method"] == "model"].drop(columns=["projected_rate", "projected_low",
                                                                       "projected_high", "p_meet"])
                    for name, forecast in (("oracle", oracle_forecast), ("limit", limit_forecast)):
                        o = forecast(y, as_of, seed=seed).set_index("unit_code").loc[p.index]
                        det = pd.concat([det, base.assign(method=name, **{c: o[c].to_numpy() for c in o})],
                                        ignore_index=True)
                frames.append(det.assign(world=world, year_seed=s))
                if progress:
                    progress(world, s, as_of)
    return pd.concat(frames, ignore_index=True)


def world_table(detail: pd.DataFrame, by=("world", "as_of")) -> pd.DataFrame:
    """Per ``by`` group: MAE, Brier, coverage of every method, ratios to the best naive rule, gap closed.

    ``best naive`` is, per group and per score, the better of carry and last3;
    ``gap closed`` = (best naive − model) / (best naive − oracle) (1: the model
    is as good as the oracle; 0: no better than the best naive rule); the same
    against the ``limit`` method where the detail has it (``*_limit_gap_closed``).
    """
    s = score(detail, by=(*by, "method")).set_index([*by, "method"])
    rows = []
    for key, g in s.groupby(level=list(range(len(by)))):
        g = g.droplevel(list(range(len(by))))
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)), n=int(g.loc["model", "n"]))
        for m in g.index:
            row.update({f"{m}_mae": g.loc[m, "mae"], f"{m}_brier": g.loc[m, "brier"]})
            if m in ("model", "oracle", "limit"):
                row[f"{m}_cov80"] = g.loc[m, "coverage80"]
        for sc in ("mae", "brier"):
            best = min(row[f"carry_{sc}"], row[f"last3_{sc}"])
            row[f"{sc}_ratio"] = row[f"model_{sc}"] / best if best > 0 else np.nan
            for bound, suffix in (("oracle", ""), ("limit", "_limit")):
                if bound in g.index:
                    row[f"{bound}_{sc}_ratio"] = row[f"{bound}_{sc}"] / best if best > 0 else np.nan
                    gap = best - row[f"{bound}_{sc}"]
                    row[f"{sc}{suffix}_gap_closed"] = (best - row[f"model_{sc}"]) / gap if gap > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


GOAL = {"mae_ratio": 0.76, "brier_ratio": 0.64, "coverage": (0.76, 0.86), "min_date_coverage": 0.65}


def goal_check(per_world: pd.DataFrame, per_date: pd.DataFrame) -> pd.DataFrame:
    """Per world: does the model meet issue 13's goal? (MAE, Brier ratios, coverage, worst date)."""
    worst = per_date.groupby("world")["model_cov80"].min()
    out = per_world[["world", "mae_ratio", "brier_ratio", "model_cov80"]].copy()
    out["worst_date_cov80"] = out["world"].map(worst)
    lo, hi = GOAL["coverage"]
    out["meets"] = ((out["mae_ratio"] <= GOAL["mae_ratio"]) & (out["brier_ratio"] <= GOAL["brier_ratio"])
                    & out["model_cov80"].between(lo, hi) & (out["worst_date_cov80"] >= GOAL["min_date_coverage"]))
    return out


def score(detail: pd.DataFrame, by=("method",)) -> pd.DataFrame:
    """MAE, 80% coverage and Brier score per method (and whatever else ``by`` names)."""
    d = detail.assign(
        abs_err=(detail["projected_rate"] - detail["final_rate"]).abs(),
        covered=np.where(detail["projected_low"].notna(),
                         (detail["final_rate"] >= detail["projected_low"] - EPS)
                         & (detail["final_rate"] <= detail["projected_high"] + EPS), np.nan),
        sq=(detail["p_meet"] - detail["final_met"].astype(float)) ** 2)
    out = d.groupby(list(by), sort=False).agg(n=("abs_err", "size"), mae=("abs_err", "mean"),
                                              coverage80=("covered", "mean"), brier=("sq", "mean"))
    return out.reset_index()


def calibration_table(detail: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Model p_meet in equal-width bins: mean forecast, observed share met, count."""
    m = detail[detail["method"] == "model"]
    b = np.minimum((m["p_meet"].to_numpy() * bins).astype(int), bins - 1)
    g = m.assign(bin=b, met=m["final_met"].astype(float)).groupby("bin")
    return g.agg(p_mean=("p_meet", "mean"), observed=("met", "mean"), n=("met", "size")).reset_index()


def calibration_plot(detail: pd.DataFrame, path, note: str | None = None) -> None:
    """Two panels (Vietnamese labels): reliability of p_meet; 80% coverage by as-of date."""
    import matplotlib  # lazy: only --plot draws; Agg must be chosen before pyplot is imported
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    CHART = labels.BACKTEST_CHART
    cal = calibration_table(detail)
    by = score(detail, by=("as_of", "method"))
    cov = by[by["method"] == "model"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.2))
    a1.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label=CHART["perfect"])
    a1.scatter(cal["p_mean"], cal["observed"], s=20 + cal["n"] / cal["n"].max() * 200, color="#1f77b4",
               alpha=0.8, label=CHART["model"])
    a1.set_xlabel(CHART["p_meet_axis"])
    a1.set_ylabel(CHART["observed_axis"])
    a1.set_title(CHART["reliability_title"])
    a1.set_xlim(-0.02, 1.02), a1.set_ylim(-0.02, 1.02)
    a1.legend(loc="upper left", fontsize=8)
    days = [f"{d:%d/%m}" for d in cov["as_of"]]
    a2.bar(days, cov["coverage80"], color="#1f77b4")
    a2.axhspan(0.75, 0.85, color="0.85", zorder=0, label=CHART["expected_band"])
    a2.axhline(0.8, color="0.4", lw=1, ls="--")
    a2.set_ylim(0, 1)
    a2.set_xlabel(CHART["date_axis"].format(year=cov["as_of"].iloc[0].year if len(cov) else ""))
    a2.set_ylabel(CHART["coverage_axis"])
    a2.set_title(CHART["coverage_title"])
    a2.legend(loc="lower right", fontsize=8)
    if note:   # e.g. that the data are synthetic
        fig.text(0.5, 0.005, note, ha="center", fontsize=8, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)
