"""The limit: a forecaster that knows the generator of a simulated year (SYNTHETIC DATA).

For a :class:`.worlds.WorldYear` and an as-of date, the oracle knows every
unit's parameters and its state so far — volume rates, Tết multipliers,
procedure offsets, slope, the random walks and jumps up to as-of, campaigns
already started (with each unit's lag and lift) — but not what is still to
come: future random-walk steps, jumps, volume wander and campaigns not yet
started are drawn from their priors. It then simulates the rest of the window
(Poisson volumes, binomial online counts, counted procedures only,
:func:`forecast_from`, which :mod:`.limit` shares) and scores like the model:
median (the MAE's best point), 10–90% interval, share of draws meeting the
target. It knows more than any dossier tells; :mod:`.limit` is what the
dossiers allow.

>>> from chitieu_lib.projection.worlds import world_year
>>> y = world_year("campaign", seed=2, n_units=4, volume_scale=0.3)
>>> o = oracle_forecast(y, "2019-06-30", n_draws=50)
>>> list(o.columns), len(o)
(['unit_code', 'projected_rate', 'projected_low', 'projected_high', 'p_meet'], 4)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .status import EPS
from .worlds import WorldYear, campaign_effect, draw_launches

N_DRAWS = 400
CHUNK = 50


def _counted_mask(y: WorldYear) -> np.ndarray:
    """days × procedures: inside the procedure's window (Article 2, via the catalogue)."""
    dates = y.days["date"].to_numpy()[:, None]
    return (dates >= y.catalog["window_start"].to_numpy()[None, :]) & \
        (dates <= y.catalog["window_end"].to_numpy()[None, :])


def future_steps(p: dict, rng, shape) -> np.ndarray:
    """Cumulated future random-walk steps and jumps (their priors), along the last axis of ``shape``."""
    steps = rng.normal(0, p["rw_sd"], shape)
    jumps = (rng.random(shape) < p["jump_rate"]) * rng.normal(0, max(p["jump_sd"], 1e-12), shape)
    return np.cumsum(steps, axis=-1) + np.cumsum(jumps, axis=-1)


def _oracle_logit(y: WorldYear, rng, w0: int, n_draws: int) -> np.ndarray:
    """draws × units × weeks: the logit share (before offsets), known up to week w0, drawn after."""
    p, parts = y.params, y.parts
    n_units, n_weeks = y.logit.shape
    fut = n_weeks - w0 - 1
    steps = future_steps(p, rng, (n_draws, n_units, fut))
    known = parts["a"][:, None] + parts["slope"][:, None] * np.arange(n_weeks) \
        + np.concatenate([parts["rw"][:, :w0 + 1], np.repeat(parts["rw"][:, w0:w0 + 1], fut, axis=1)], axis=1) \
        + np.concatenate([parts["jumps"][:, :w0 + 1], np.repeat(parts["jumps"][:, w0:w0 + 1], fut, axis=1)],
                         axis=1)
    started = (parts["launch"] >= 0) & (parts["launch"] <= w0)
    known = known + campaign_effect(np.where(started, parts["launch"], -1), parts["lift"], parts["lag"],
                                    parts["group"], n_weeks)
    out = np.repeat(known[None], n_draws, axis=0)
    out[:, :, w0 + 1:] += steps
    if p["hazard"] > 0:
        n_groups = parts["group"].max() + 1
        launches = draw_launches(rng, n_groups, p["hazard"], w0 + 1, size=n_draws)
        launches = np.where(started[None, :], -1, launches)
        for s in range(n_draws):
            lift = rng.normal(p["lift_mean"], p["lift_sd"], n_units)
            lag = rng.integers(0, p["max_lag"] + 1, n_units)
            out[s] += campaign_effect(launches[s], lift, lag, parts["group"], n_weeks)
    return out[:, :, w0:]


def _final_rates(y, rng, logit, w0, lam_w, on_so_far, tot_so_far):
    """draws × units: simulated final rates, from ``logit`` (draws × units × the weeks from w0)."""
    n_draws, n_units, n_fut = logit.shape
    logvol = y.parts["logvol"][:, w0][None, :, None] + np.concatenate(
        [np.zeros((n_draws, n_units, 1)),
         np.cumsum(rng.normal(0, y.params["vol_rw"], (n_draws, n_units, n_fut - 1)), axis=2)], axis=2)
    n_fut = rng.poisson(lam_w[None] * np.exp(logvol)[..., None])
    share = 1 / (1 + np.exp(-(logit[..., None] + y.offset[None, :, None, :])))
    k_fut = rng.binomial(n_fut, share)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (on_so_far[None] + k_fut.sum(axis=(2, 3))) / (tot_so_far[None] + n_fut.sum(axis=(2, 3)))


def as_of_weeks(y: WorldYear, as_of) -> tuple[int, int]:
    """(day, week) of ``as_of`` in the simulated year; refused outside it."""
    as_of = pd.Timestamp(as_of)
    d0 = int((as_of - y.days["date"].iloc[0]).days)
    if not 0 <= d0 < len(y.days):
        raise ValueError(f"as_of {as_of.date()} is outside the simulated window "
                         f"({y.days['date'].iloc[0].date()} to {y.days['date'].iloc[-1].date()})")
    return d0, int(y.week_of_day[d0])


def forecast_from(y: WorldYear, d0: int, w0: int, n_draws: int, rng, logit_draws) -> pd.DataFrame:
    """The rest of the window after day d0 (week w0) simulated from ``logit_draws(rng, draws)``
    (draws × units × the weeks from w0); scored like the model.

    ``projected_rate`` is the median of the draws: the point with the least expected absolute
    error (the MAE's best), as a limit should give; the model's is their mean.
    """
    mask = _counted_mask(y)
    on_so_far = (y.online[:, :d0 + 1] * mask[None, :d0 + 1]).sum(axis=(1, 2))
    tot_so_far = (y.counts[:, :d0 + 1] * mask[None, :d0 + 1]).sum(axis=(1, 2))
    n_weeks = y.logit.shape[1]
    # expected counted dossiers per unit, future week and procedure (before the volume wander)
    lam = y.lam[:, d0 + 1:] * mask[None, d0 + 1:]
    wk = y.week_of_day[d0 + 1:]
    lam_w = np.zeros((len(y.units), n_weeks, lam.shape[2]))
    np.add.at(lam_w, (slice(None), wk), lam)
    lam_w = lam_w[:, w0:]                                            # weeks touched by the future
    # in chunks of draws: units × weeks × procedures × draws would not fit in memory at once
    final = np.concatenate([_final_rates(y, rng, logit_draws(rng, m), w0, lam_w, on_so_far, tot_so_far)
                            for m in np.diff(np.r_[0:n_draws:CHUNK, n_draws])])
    target = y.units["target"].to_numpy(dtype=float)
    lo, hi = np.nanquantile(final, [0.1, 0.9], axis=0)
    return pd.DataFrame({"unit_code": y.units["unit_code"].astype(str).to_numpy(),
                         "projected_rate": np.nanmedian(final, axis=0), "projected_low": lo, "projected_high": hi,
                         "p_meet": np.nanmean(final >= target[None] - EPS, axis=0)})


def stream(seed: int, which: int, as_of) -> np.random.Generator:
    """The random stream of one forecaster (``which``) at one as-of date."""
    return np.random.default_rng([seed, which, int(pd.Timestamp(as_of).value // 86_400_000_000_000)])


def oracle_forecast(y: WorldYear, as_of, *, n_draws: int = N_DRAWS, seed: int = 0) -> pd.DataFrame:
    """unit_code, projected_rate, projected_low, projected_high, p_meet: the oracle's answer at as_of."""
    d0, w0 = as_of_weeks(y, as_of)
    return forecast_from(y, d0, w0, n_draws, stream(seed, 7, as_of), lambda rng, m: _oracle_logit(y, rng, w0, m))
