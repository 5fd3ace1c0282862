"""Projection to the window's end (30/11/2019): will each unit make its target, and what would it take?

``project`` gives one row per unit with a target; ``projection_fan`` the
quantiles of the cumulative rate from as_of to the window's end for charts.
Method and thresholds: docs/projection.md. Modules: :mod:`.volume` (remaining
dossiers), :mod:`.share` (the online share's trend), :mod:`.simulate`
(uncertainty), :mod:`.status` (arithmetic and status words).

>>> from chitieu_lib.projection.synthetic import synthetic_year, synthetic_catalog
>>> from chitieu_lib.sample.year import sample_decision
>>> d = synthetic_year(n_units=4, seed=3, volume_scale=0.3)
>>> out = project(d, synthetic_catalog(), None, "2019-06-30", seed=1, decision=sample_decision())
>>> len(out), bool(out["p_meet"].dropna().between(0, 1).all()), int(out["p_meet"].notna().sum())
(162, True, 4)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..decision import load_units
from .. import labels, vi
from . import kalman, share, simulate, status, volume

__all__ = ["project", "projection_fan", "PROJECTION_COLUMNS", "RATES_COLUMNS", "LITTLE_DATA"]

PROJECTION_COLUMNS = ["unit_code", "projected_rate", "projected_low", "projected_high", "p_meet",
                      "required_rate", "extra_online_needed", "extra_online_per_week", "remaining_weeks",
                      "status", "status_note"]
EXTRA_COLUMNS = ["online_so_far", "total_so_far", "expected_remaining", "expected_online_remaining",
                 "max_remaining"]
# the columns `chitieu rates` adds (blank for units without dossiers)
RATES_COLUMNS = ["projected_rate", "projected_low", "projected_high", "p_meet", "required_rate", "status"]
INTERVAL = (0.10, 0.90)       # the 80% interval
PACE_SD = 0.15                # month-to-month wander of the pace, on the log scale (assumed)
# v2 intervals: the filter's state variance is too small out of sample (z-scores of the state errors
# 1.1–1.4 on the tuning worlds): scaled up (1.3: 80% coverage 0.79–0.83 per world on seeds 1–4)
STATE_VAR_SCALE = 1.3
STEP_SCALE = 1.0
LITTLE_DATA = 100             # fewer counted dossiers than this: the note says the group helps


def _inputs(dossiers, catalog, units, as_of, decision):
    if decision is None:    # its window's end and office calendar: each year has its own
        raise TypeError("the projection needs the decision (decision=store.decision or load_decision(FILE))")
    d = decision
    as_of = pd.Timestamp(as_of).normalize()
    units = load_units(d) if units is None else units
    tu = units[units["target"].notna()].reset_index(drop=True)
    codes = pd.Index(tu["unit_code"].astype(str))
    # only the columns the model reads: filtering a wide frame of Arrow strings is what costs
    d_cols = dossiers[["unit_code", "procedure_code", "received_date", "channel", "reason"]]
    rows = d_cols[d_cols["received_date"].notna() & (d_cols["received_date"] <= as_of)
                  & d_cols["unit_code"].isin(codes)]
    reason = rows["reason"].astype(str)
    counted = rows[reason == "counted"]
    seen = rows[reason.isin(["counted", "outside_window"])
                & rows["procedure_code"].isin(catalog["procedure_code"])]
    return d, as_of, tu, codes, counted, seen


def _remaining(d, seen, catalog, codes, as_of):
    """The window's ends and the expected remaining volume (the decision's own calendar)."""
    start, end = pd.Timestamp(d.window_start), pd.Timestamp(d.window_end)
    weights = volume.kind_weights(seen, start, min(as_of, end), d.calendar_file)
    vol = volume.remaining_volume(seen, catalog, codes, as_of, start, end, weights,
                                  calendar_file=d.calendar_file)
    return start, end, vol


def _model(dossiers, catalog, units, as_of, seed, n_sims, decision, period_ends_fn):
    d, as_of, tu, codes, counted, seen = _inputs(dossiers, catalog, units, as_of, decision)
    start, end, vol = _remaining(d, seen, catalog, codes, as_of)
    k, n = share.weekly_counts(counted, codes, as_of, start)
    fit = share.fit_share_model(k, n, tu[["level", "target"]], horizon=vol["expected"].shape[1])
    eta, sd_par = share.forecast(fit, vol["expected"].shape[1])
    online = k.sum(axis=1)
    total = n.sum(axis=1)
    expected = vol["expected"]
    n_weeks = expected.shape[1]
    period_ends = period_ends_fn(as_of, end, n_weeks)
    sims = {}
    if n_weeks:
        pace_sd = np.sqrt(1 / np.maximum(vol["lookback_n"], 1) + PACE_SD ** 2)
        for i, code in enumerate(codes):
            if total[i] == 0:
                continue
            sims[code] = simulate.simulate_unit(
                simulate.unit_rng(seed, code), eta=eta[i], sd_par=sd_par[i],
                omega2=fit["omega2"], sigma2=fit["sigma2"], tau2=fit["tau2"], kappa2=fit["kappa2"],
                expected=expected[i],
                max_remaining=vol["max_remaining"][i], pace_sd=pace_sd[i], period_ends=period_ends,
                n_sims=n_sims)
    fut_online = (vol["expected"] * share.expit(eta)).sum(axis=1)
    return dict(decision=d, as_of=as_of, end=end, units=tu, codes=codes, fit=fit, eta=eta, vol=vol,
                online=online, total=total, sims=sims, period_ends=period_ends, fut_online=fut_online)


def _model_v2(dossiers, catalog, units, as_of, seed, n_sims, decision, period_ends_fn):
    """The state-space share (:mod:`.kalman`) with the procedure mix of the remaining volume."""
    d, as_of, tu, codes, counted, seen = _inputs(dossiers, catalog, units, as_of, decision)
    start, end, vol = _remaining(d, seen, catalog, codes, as_of)
    seg = vol["segment_of_proc"]
    n_seg = vol["expected_segments"].shape[1]
    # the share is read from every dossier of a catalogue procedure (a new one's before it counts too)
    k, n = kalman.group_counts(seen, codes, seg, n_seg + 1, as_of, start)
    fit = kalman.fit_state_space(k, n, tu[["level", "target"]].assign(district=kalman.districts(tu)))
    online = counted.assign(on=counted["channel"].astype(str) == "online").groupby(
        counted["unit_code"].astype(str))["on"].agg(["sum", "size"]).reindex(codes).fillna(0)
    total, online = online["size"].to_numpy(dtype=float), online["sum"].to_numpy(dtype=float)
    e_seg = vol["expected_segments"]
    n_weeks = e_seg.shape[2]
    period_ends = period_ends_fn(as_of, end, n_weeks)
    steps = np.arange(1, n_weeks + 1)
    eta = fit["m"][:, :1] + fit["m"][:, 1:] * steps
    fut_online = (e_seg * kalman.expit(eta[:, None, :] + fit["off"][:, :n_seg, None])).sum(axis=(1, 2))
    sims = {}
    if n_weeks and n_seg:
        pace_sd = np.sqrt(1 / np.maximum(vol["lookback_n"], 1) + PACE_SD ** 2)
        for i, code in enumerate(codes):
            if total[i] == 0:
                continue
            sims[code] = simulate.simulate_state_space(
                simulate.unit_rng(seed, code), m=fit["m"][i], P=STATE_VAR_SCALE * fit["P"][i],
                q_level=fit["q_level"][i],
                q_noise=fit["q_noise"][i], q_slope=fit["q_slope"][i], off=fit["off"][i, :n_seg],
                off_var=fit["off_var"][i, :n_seg], expected_segments=e_seg[i],
                max_remaining=vol["max_remaining"][i], pace_sd=pace_sd[i], period_ends=period_ends,
                n_sims=n_sims, jump_prob=fit["jump_prob"][i], q_jump=fit["q_jump"][i],
                step_scale=STEP_SCALE)
    return dict(decision=d, as_of=as_of, end=end, units=tu, codes=codes, fit=fit, vol=vol,
                online=online, total=total, sims=sims, period_ends=period_ends, fut_online=fut_online)


METHODS = {"v1": _model, "v2": _model_v2}
DEFAULT_METHOD = "v2"


def _single_period(as_of, end, n_weeks):
    return [n_weeks - 1] if n_weeks else []


def project(dossiers: pd.DataFrame, catalog: pd.DataFrame, units: pd.DataFrame | None, as_of, *,
            seed: int = 0, n_sims: int = simulate.N_SIMS, decision,
            method: str = DEFAULT_METHOD) -> pd.DataFrame:
    """One row per unit with a target: the projected final rate, its 80% interval, p_meet, status.

    Uses only dossiers received up to ``as_of`` (any later row is ignored,
    whatever its reason). ``units`` defaults to the decision's registry.
    Columns: ``PROJECTION_COLUMNS`` then ``online_so_far, total_so_far,
    expected_remaining, max_remaining``. ``method``: ``"v2"`` (the state-space
    share, docs/projection.md) or ``"v1"`` (the previous forecast combination).
    """
    m = METHODS[method](dossiers, catalog, units, as_of, seed, n_sims, decision, _single_period)
    tu, codes, online, total, vol = m["units"], m["codes"], m["online"], m["total"], m["vol"]
    target = tu["target"].to_numpy(dtype=float)
    exp_rem = vol["expected"].sum(axis=1)
    max_rem = vol["max_remaining"]
    has = total > 0
    n_units = len(codes)
    proj, low, high, p_meet = (np.full(n_units, np.nan) for _ in range(4))
    for i, code in enumerate(codes):
        if not has[i]:
            continue
        if code in m["sims"]:
            k_f, n_f = m["sims"][code][0][:, -1], m["sims"][code][1][:, -1]
            final = (online[i] + k_f) / (total[i] + n_f)
        else:
            final = np.array([online[i] / total[i]])
        proj[i] = final.mean()
        low[i], high[i] = np.quantile(final, INTERVAL)
        p_meet[i] = np.mean(final >= target[i] - status.EPS)
    # Online dossiers expected on the expected volume at the current pace (the share's point forecast).
    fut_online = np.where(has, m["fut_online"], np.nan)
    certain = has & status.certain_to_meet(online, total, target, max_rem)
    impossible = has & status.out_of_reach(online, total, target, max_rem)
    p_meet = np.where(certain, 1.0, np.where(impossible, 0.0, p_meet))
    rem_days = vol["remaining_days"]
    weeks = rem_days / 7
    req = np.where(has, status.required_rate(online, total, target, exp_rem), np.nan)
    extra = np.where(has, status.extra_online_needed(online, total, target, exp_rem, fut_online), np.nan)
    out = pd.DataFrame({
        "unit_code": codes, "projected_rate": proj, "projected_low": low, "projected_high": high,
        "p_meet": p_meet, "required_rate": req, "extra_online_needed": extra,
        "extra_online_per_week": extra / weeks if weeks > 0 else np.where(has, 0.0, np.nan),
        "remaining_weeks": weeks,
        "status": status.status_words(p_meet, certain, impossible, has),
        "online_so_far": online.astype("int64"), "total_so_far": total.astype("int64"),
        "expected_remaining": exp_rem, "expected_online_remaining": fut_online,
        "max_remaining": max_rem,
    })
    out["status_note"] = [_note(r, m["as_of"], m["end"]) for r in out.assign(target=target).itertuples()]
    out["status"] = out["status"].astype(str)
    return out[PROJECTION_COLUMNS + EXTRA_COLUMNS]


def _note(r, as_of, end) -> str:
    """The unit's note for a reader; the words are chitieu_lib.labels.PROJECTION_NOTES."""
    f, day, n, words = vi.fmt_pct, vi.fmt_date, vi.fmt_int, labels.PROJECTION_NOTES
    if r.total_so_far == 0:
        return words["no_data"].format(as_of=day(as_of))
    rate_now = r.online_so_far / r.total_so_far
    if r.status == status.MET:
        if r.max_remaining == 0:
            return words["window_over"].format(rate=f(rate_now), target=f(r.target))
        return words["met"].format(max_remaining=n(r.max_remaining), end=day(end), target=f(r.target))
    if r.status == status.OUT_OF_REACH:
        best = (r.online_so_far + r.max_remaining) / (r.total_so_far + r.max_remaining)
        return words["unreachable"].format(max_remaining=n(r.max_remaining), best=f(best), target=f(r.target))
    note = words["forecast"].format(projected=f(r.projected_rate), low=f(r.projected_low),
                                    high=f(r.projected_high), p_meet=f(r.p_meet, 0))
    if r.extra_online_needed > 0:
        note += words["needed"].format(required=f(min(r.required_rate, 1)), extra=n(r.extra_online_needed),
                                       per_week=vi.fmt_num(r.extra_online_per_week, 1))
    if r.total_so_far < LITTLE_DATA:
        note += words["little_data"].format(total=n(r.total_so_far))
    return note


def _month_ends(as_of, end, n_weeks):
    """Last future week of each calendar month (weekly buckets counted from as_of)."""
    if not n_weeks:
        return []
    days = pd.date_range(as_of + pd.Timedelta(days=1), end, freq="D")
    week = np.arange(len(days)) // 7
    ends = sorted({int(week[i]) for i in range(len(days)) if days[i].is_month_end or i == len(days) - 1})
    return ends


def projection_fan(dossiers: pd.DataFrame, catalog: pd.DataFrame, units: pd.DataFrame | None, as_of, *,
                   seed: int = 0, freq: str = "month", quantiles=(0.1, 0.25, 0.5, 0.75, 0.9),
                   n_sims: int = simulate.N_SIMS, decision, method: str = DEFAULT_METHOD) -> pd.DataFrame:
    """Quantiles of the cumulative rate from as_of to the window's end, per unit (tidy).

    ``freq``: ``"month"`` (a point at the end of each week that closes a month)
    or ``"week"``. Columns: unit_code, date, mean, q10, q25, q50, q75, q90 (for
    the default quantiles). The first row of each unit is as_of itself, with the
    rate so far.
    """
    if freq not in ("month", "week"):
        raise ValueError("freq must be 'month' or 'week'")
    ends_fn = _month_ends if freq == "month" else (lambda a, e, n: list(range(n)))
    m = METHODS[method](dossiers, catalog, units, as_of, seed, n_sims, decision, ends_fn)
    rows = []
    qnames = [f"q{round(q * 100):02d}" for q in quantiles]
    for i, code in enumerate(m["codes"]):
        if m["total"][i] == 0:
            continue
        now = m["online"][i] / m["total"][i]
        rows.append({"unit_code": code, "date": m["as_of"], "mean": now, **dict.fromkeys(qnames, now)})
        if code not in m["sims"]:
            continue
        k_c, n_c = m["sims"][code]
        rates = (m["online"][i] + k_c) / (m["total"][i] + n_c)
        qs = np.quantile(rates, quantiles, axis=0)
        for j, wk in enumerate(m["period_ends"]):
            date = min(m["as_of"] + pd.Timedelta(days=7 * (wk + 1)), m["end"])
            rows.append({"unit_code": code, "date": date, "mean": rates[:, j].mean(),
                         **{q: qs[a, j] for a, q in enumerate(qnames)}})
    return pd.DataFrame(rows, columns=["unit_code", "date", "mean", *qnames])
