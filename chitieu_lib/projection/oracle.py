"""Two limits for a simulated year (SYNTHETIC DATA): the oracle and what the dossiers allow.

:func:`oracle_forecast` knows every unit's parameters and its state so far —
volume rates, Tết multipliers, procedure offsets, slope, the random walks and
jumps up to as-of, campaigns already started (with each unit's lag and lift) —
but not what is still to come: future random-walk steps, jumps, volume wander
and campaigns not yet started are drawn from their priors. No forecaster that
sees only the dossiers can do better on average.

:func:`limit_forecast` is what the dossiers allow: it knows the generator's
settings (the priors every unit's level and slope were drawn from, the
random walk's and the jumps' sizes) and, to be generous, each unit's volume
and procedure offsets, but not the unit's own level, slope, steps or jumps: it
reads them from the unit's dossiers with the filter of :mod:`.kalman` (Bayes
for this generator, up to the Laplace and jump-mixture approximations). A
forecaster of the dossiers alone does no better on average, so where it is
far from the oracle, the gap between them is beyond any forecaster's reach.
Defined for worlds without campaigns (:func:`has_limit`): a campaign's start,
lag and ramp are not a state this filter represents.

Both simulate the rest of the window the same way (Poisson volumes, binomial
online counts, counted procedures only) and score like the model: mean,
10–90% interval, share of draws meeting the target.

>>> from chitieu_lib.projection.worlds import world_year
>>> y = world_year("campaign", seed=2, n_units=4, volume_scale=0.3)
>>> o = oracle_forecast(y, "2019-06-30", n_draws=50)
>>> list(o.columns), len(o)
(['unit_code', 'projected_rate', 'projected_low', 'projected_high', 'p_meet'], 4)
>>> has_limit(y.params), has_limit(world_year("tet", seed=2, n_units=4, volume_scale=0.3).params)
(False, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kalman import kalman_filter
from .status import EPS
from .worlds import LEVEL_PRIOR, WorldYear, campaign_effect, draw_launches, level_prior_mean

N_DRAWS = 400
CHUNK = 50


def has_limit(params: dict) -> bool:
    """Whether :func:`limit_forecast` is defined for a world's parameters: no campaigns."""
    return params["hazard"] <= 0


def _counted_mask(y: WorldYear) -> np.ndarray:
    """days × procedures: inside the procedure's window (Article 2, via the catalogue)."""
    dates = y.days["date"].to_numpy()[:, None]
    return (dates >= y.catalog["window_start"].to_numpy()[None, :]) & \
        (dates <= y.catalog["window_end"].to_numpy()[None, :])


def _future_steps(p: dict, rng, shape) -> np.ndarray:
    """Cumulated future random-walk steps and jumps (their priors), along the last axis of ``shape``."""
    steps = rng.normal(0, p["rw_sd"], shape)
    jumps = (rng.random(shape) < p["jump_rate"]) * rng.normal(0, max(p["jump_sd"], 1e-12), shape)
    return np.cumsum(steps, axis=-1) + np.cumsum(jumps, axis=-1)


def _oracle_logit(y: WorldYear, rng, w0: int, n_draws: int) -> np.ndarray:
    """draws × units × weeks: the logit share (before offsets), known up to week w0, drawn after."""
    p, parts = y.params, y.parts
    n_units, n_weeks = y.logit.shape
    fut = n_weeks - w0 - 1
    steps = _future_steps(p, rng, (n_draws, n_units, fut))
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


def _limit_state(y: WorldYear, d0: int, w0: int) -> dict:
    """The filter of the unit's own dossiers up to as-of, with the generator's settings as its priors.

    Every dossier received up to as-of tells the share (a procedure outside
    its window too); the offsets are the generator's own.
    """
    p = y.params
    starts = np.arange(0, d0 + 1, 7)                          # the world's weeks start on day 0
    k = np.add.reduceat(y.online[:, :d0 + 1], starts, axis=1).transpose(0, 2, 1).astype(float)
    n = np.add.reduceat(y.counts[:, :d0 + 1], starts, axis=1).transpose(0, 2, 1).astype(float)
    assert k.shape[2] == w0 + 1
    ones = np.ones(len(y.units))
    jump_var = p["jump_rate"] * p["jump_sd"] ** 2
    # week 0's level already has one step (and maybe a jump) of its random walk
    level0_sd = np.sqrt(LEVEL_PRIOR[1] ** 2 + p["rw_sd"] ** 2 + jump_var)
    jumps = dict(jump_prob=p["jump_rate"] * ones, q_jump=p["jump_sd"] ** 2 * ones) if p["jump_rate"] > 0 else {}
    return kalman_filter(k, n, y.offset, q_level=p["rw_sd"] ** 2 * ones, q_noise=0 * ones, q_slope=0 * ones,
                         slope_mean=p["slope_mean"] * ones, slope_var=p["slope_sd"] ** 2 * ones,
                         level0=level_prior_mean(y.units), level0_sd=level0_sd * ones, **jumps)


def _limit_logit(y: WorldYear, state: dict, rng, w0: int, n_draws: int) -> np.ndarray:
    """draws × units × weeks from w0: level and slope drawn from the filter's state, steps from their priors."""
    m, P = state["m"], state["P"]
    n_units, n_weeks = y.logit.shape
    z = rng.standard_normal((2, n_draws, n_units))
    sd0 = np.sqrt(P[:, 0, 0])
    level = m[:, 0] + sd0 * z[0]
    beta = np.where(sd0 > 0, P[:, 0, 1] / np.where(sd0 > 0, P[:, 0, 0], 1), 0)   # slope given level
    slope = m[:, 1] + beta * (level - m[:, 0]) + np.sqrt(np.maximum(P[:, 1, 1] - beta * P[:, 0, 1], 0)) * z[1]
    ahead = np.arange(n_weeks - w0)
    out = level[..., None] + slope[..., None] * ahead
    out[:, :, 1:] += _future_steps(y.params, rng, (n_draws, n_units, n_weeks - w0 - 1))
    return out


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


def _forecast(y: WorldYear, as_of, n_draws: int, rng, logit_draws) -> pd.DataFrame:
    """The rest of the window simulated from ``logit_draws(rng, d0, w0, draws)``; scored like the model."""
    as_of = pd.Timestamp(as_of)
    d0 = int((as_of - y.days["date"].iloc[0]).days)
    w0 = int(y.week_of_day[d0])
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
    final = np.concatenate([_final_rates(y, rng, logit_draws(rng, d0, w0, m), w0, lam_w, on_so_far, tot_so_far)
                            for m in np.diff(np.r_[0:n_draws:CHUNK, n_draws])])
    target = y.units["target"].to_numpy(dtype=float)
    lo, hi = np.nanquantile(final, [0.1, 0.9], axis=0)
    return pd.DataFrame({"unit_code": y.units["unit_code"].astype(str).to_numpy(),
                         "projected_rate": np.nanmean(final, axis=0), "projected_low": lo, "projected_high": hi,
                         "p_meet": np.nanmean(final >= target[None] - EPS, axis=0)})


def _rng(seed: int, stream: int, as_of) -> np.random.Generator:
    return np.random.default_rng([seed, stream, int(pd.Timestamp(as_of).value // 86_400_000_000_000)])


def oracle_forecast(y: WorldYear, as_of, *, n_draws: int = N_DRAWS, seed: int = 0) -> pd.DataFrame:
    """unit_code, projected_rate, projected_low, projected_high, p_meet: the oracle's answer at as_of."""
    return _forecast(y, as_of, n_draws, _rng(seed, 7, as_of), lambda rng, d0, w0, m: _oracle_logit(y, rng, w0, m))


def limit_forecast(y: WorldYear, as_of, *, n_draws: int = N_DRAWS, seed: int = 0) -> pd.DataFrame:
    """Same columns: what the dossiers allow at as_of (worlds without campaigns, :func:`has_limit`).

    >>> from chitieu_lib.projection.worlds import world_year
    >>> y = world_year("drift_jumps", seed=2, n_units=4, volume_scale=0.3)
    >>> len(limit_forecast(y, "2019-06-30", n_draws=50))
    4
    """
    if not has_limit(y.params):
        raise ValueError(f"world {y.world!r} has campaigns: the limit filter does not represent them")
    cache = {}

    def draws(rng, d0, w0, m):
        if "state" not in cache:
            cache["state"] = _limit_state(y, d0, w0)
        return _limit_logit(y, cache["state"], rng, w0, m)

    return _forecast(y, as_of, n_draws, _rng(seed, 8, as_of), draws)
