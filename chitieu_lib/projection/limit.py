"""What the dossiers allow: a Bayes forecaster that knows a simulated world's settings (SYNTHETIC DATA).

The oracle (:mod:`.oracle`) knows each unit's level, slope and steps so far;
no forecaster sees those. This one knows only what the generator
(:mod:`.worlds`) draws them *from* — the priors of a unit's level (around its
target), slope and campaign lift, the random walk's and the jumps' sizes,
the campaign hazard, which units campaign together, the lags — and, to be
generous, each unit's volume (rates and current level) and procedure offsets.
It reads the rest from the unit's dossiers (and, for a campaign, from its
campaign group's), exactly as the generator would have it:

* per unit, the state (r, b, c): r the logit level without the campaign, b
  the slope, c the campaign lift; week t's logit share is r_t + c·ramp(t − s)
  + the procedure's offset, s the week the unit's campaign starts (its
  group's launch + its own lag), r_{t+1} = r_t + b + random walk (+ a rare
  jump: a two-branch mixture, collapsed by moments, as in :mod:`.kalman`);
* binomial weeks by a Laplace step (:func:`.kalman._week_mode`), one filter
  per unit and per start week s (the weeks up to as-of, or not yet started);
* the group's launch week from its prior (the hazard) and the likelihood of
  all its units, each unit's lag from its own (Bayes' rule, exact sums);
* the rest of the window drawn from that posterior: launch, lag, state, then
  future steps, jumps and launches from their priors, volumes (from each
  unit's true volume level at as-of, as the oracle) and online counts as the
  oracle draws them; the point forecast is the draws' median.

So no forecaster of the dossiers alone does better in expectation (up to the
Laplace and mixture approximations); a table of a few simulated years
measures that expectation with its own sampling error. Where this limit is
far from the oracle, the gap between them is beyond any forecaster's reach.

>>> from chitieu_lib.projection.worlds import world_year
>>> y = world_year("campaign", seed=2, n_units=4, volume_scale=0.3)
>>> list(limit_forecast(y, "2019-06-30", n_draws=50).columns)
['unit_code', 'projected_rate', 'projected_low', 'projected_high', 'p_meet']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kalman import _week_mode, collapse   # the same Laplace step and jump mixture as the model's filter
from .oracle import N_DRAWS, as_of_weeks, forecast_from, future_steps, stream
from .worlds import CAMPAIGN_WEEKS, LEVEL_PRIOR, WorldYear, draw_launches, level_prior_mean, ramp

NOT_YET = -1                      # start-week hypothesis: the unit's campaign has not started by as-of
_F = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])   # r += b; b, c stay


def weekly_counts(y: WorldYear, d0: int) -> tuple[np.ndarray, np.ndarray]:
    """Online and total dossiers received up to day d0: units × procedures × the world's weeks.

    Every dossier tells the share, a procedure outside its window too.
    """
    starts = np.arange(0, d0 + 1, 7)                      # the world's weeks start on day 0
    k = np.add.reduceat(y.online[:, :d0 + 1], starts, axis=1).transpose(0, 2, 1)
    n = np.add.reduceat(y.counts[:, :d0 + 1], starts, axis=1).transpose(0, 2, 1)
    return k.astype(float), n.astype(float)


def start_weeks(w0: int) -> np.ndarray:
    """The start-week hypotheses at week w0: every week a campaign may have started by, then NOT_YET."""
    return np.r_[np.arange(CAMPAIGN_WEEKS[0], w0 + 1), NOT_YET]


def _hypothesis(start, w0: int, n_h: int):
    """Index into :func:`start_weeks` (w0) of a start week (NOT_YET, or later than w0: the last)."""
    start = np.asarray(start)
    return np.where((start >= CAMPAIGN_WEEKS[0]) & (start <= w0), start - CAMPAIGN_WEEKS[0], n_h - 1)


def _launch_lag_hypothesis(launches: np.ndarray, max_lag: int, w0: int, n_h: int) -> np.ndarray:
    """launches × lags: the start hypothesis of a launch and a lag (NOT_YET once past w0)."""
    lags = np.arange(max_lag + 1)
    return _hypothesis(np.where(launches[:, None] >= 0, launches[:, None] + lags[None, :], NOT_YET), w0, n_h)


def _prior_state(y: WorldYear, rows: int, unit: np.ndarray):
    p = y.params
    m = np.zeros((rows, 3))
    P = np.zeros((rows, 3, 3))
    m[:, 0] = level_prior_mean(y.units)[unit]
    m[:, 1] = p["slope_mean"]
    m[:, 2] = p["lift_mean"]
    # week 0's level already has one step (and maybe a jump) of its random walk
    P[:, 0, 0] = LEVEL_PRIOR[1] ** 2 + p["rw_sd"] ** 2 + p["jump_rate"] * p["jump_sd"] ** 2
    P[:, 1, 1] = p["slope_sd"] ** 2
    P[:, 2, 2] = p["lift_sd"] ** 2
    return m, P


def _update(m, P, h, kt, nt, off, has):
    """One week's Laplace update of states observed through h·state. Returns m, P, the week's log-lik."""
    mx = (h * m).sum(axis=1)
    Ph = np.einsum("rij,rj->ri", P, h)
    s2 = np.maximum((h * Ph).sum(axis=1), 1e-12)
    x, info, ll = _week_mode(kt, nt, off, mx, s2)
    post = 1 / (info + 1 / s2)
    loglik = np.where(has, ll - (x - mx) ** 2 / (2 * s2) + 0.5 * np.log(post / s2), 0.0)
    info_ = np.maximum(info, 1e-9)
    z = x + (x - mx) / (s2 * info_)                        # the equivalent Gaussian pseudo-observation
    gain = np.where(has[:, None], Ph / (s2 + 1 / info_)[:, None], 0.0)
    m = m + gain * (z - mx)[:, None]
    P = P - gain[:, :, None] * Ph[:, None, :]
    return m, (P + P.transpose(0, 2, 1)) / 2, loglik


def _week(m, P, h, kt, nt, off, jump_prob, q_jump):
    """The update, or the two-branch jump mixture (collapsed by moments) when jumps are on."""
    has = nt.sum(axis=1) > 0
    if jump_prob <= 0:
        return _update(m, P, h, kt, nt, off, has)
    Pj = P.copy()
    Pj[:, 0, 0] += q_jump
    return collapse(_update(m, P, h, kt, nt, off, has), _update(m, Pj, h, kt, nt, off, has), jump_prob, has)


def filter_starts(y: WorldYear, d0: int, w0: int) -> dict:
    """Per unit and start-week hypothesis (:func:`start_weeks`): the state at w0 and the log-likelihood.

    Returns ``starts`` (H), ``m`` (units × H × 3), ``P`` and its square root
    ``sqrt_P`` (units × H × 3 × 3), ``loglik`` (units × H). Without campaigns
    (hazard 0) only NOT_YET.
    """
    p = y.params
    starts = start_weeks(w0) if p["hazard"] > 0 else np.array([NOT_YET])
    k, n = weekly_counts(y, d0)
    n_units, n_h = len(y.units), len(starts)
    unit = np.repeat(np.arange(n_units), n_h)
    s = np.tile(starts, n_units)
    m, P = _prior_state(y, len(unit), unit)
    off = y.offset[unit]
    loglik = np.zeros(len(unit))
    for t in range(w0 + 1):
        if t > 0:
            m = m @ _F.T
            P = _F @ P @ _F.T
            P[:, 0, 0] += p["rw_sd"] ** 2
        h = np.stack([np.ones(len(unit)), np.zeros(len(unit)), np.where(s >= 0, ramp(t - s), 0.0)], axis=1)
        jump = p["jump_rate"] if t > 0 else 0.0
        m, P, ll = _week(m, P, h, k[unit, :, t], n[unit, :, t], off, jump, p["jump_sd"] ** 2)
        loglik += ll
    # a square root of each P for the draws (eigenvalues floored at 0: P is a covariance up to rounding,
    # and singular where the generator fixes a part, e.g. no slope)
    val, vec = np.linalg.eigh(P)
    sqrt_P = vec * np.sqrt(np.maximum(val, 0))[:, None, :]
    return {"starts": starts, "m": m.reshape(n_units, n_h, 3), "P": P.reshape(n_units, n_h, 3, 3),
            "sqrt_P": sqrt_P.reshape(n_units, n_h, 3, 3), "loglik": loglik.reshape(n_units, n_h)}


def launch_posterior(y: WorldYear, fit: dict, w0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The campaign groups' launch week given their units' dossiers up to w0.

    Returns ``launches`` (L: the weeks 8 … w0, then NOT_YET for "not launched
    by w0"), ``post`` (groups × L) and ``lag_post`` (units × L × lags: a
    unit's lag given its group's launch). A launch l and lag g put the unit's
    start at l + g, or NOT_YET when that is after w0.
    """
    p, group = y.params, y.parts["group"]
    starts, ll = fit["starts"], fit["loglik"]
    weeks = starts[starts >= 0]
    launches = np.r_[weeks, NOT_YET]
    idx = _launch_lag_hypothesis(launches, p["max_lag"], w0, len(starts))
    unit_ll = ll[:, idx]                                       # units × L × lags
    lag_ll = np.logaddexp.reduce(unit_ll, axis=2) - np.log(idx.shape[1])
    lag_post = np.exp(unit_ll - np.logaddexp.reduce(unit_ll, axis=2, keepdims=True))
    # the generator's launch: week 8 + a geometric wait (the hazard), none if that passes week 48
    h = p["hazard"]
    first, last = CAMPAIGN_WEEKS
    with np.errstate(divide="ignore"):
        prior = np.r_[np.where(weeks <= last, np.log(h) + (weeks - first) * np.log1p(-h), -np.inf),
                      max(min(w0, last) - first + 1, 0) * np.log1p(-h)]
    n_groups = int(group.max()) + 1
    glog = np.zeros((n_groups, len(launches)))
    np.add.at(glog, group, lag_ll)
    glog += prior
    post = np.exp(glog - np.logaddexp.reduce(glog, axis=1, keepdims=True))
    return launches, post, lag_post


def start_posterior(y: WorldYear, fit: dict, w0: int) -> np.ndarray:
    """units × :func:`start_weeks` (w0): the probability of each week as the unit's campaign start.

    A group's launch week itself is not told apart from its units' lags (the
    dossiers show when each unit rises, not when its district decided); the
    units' starts are what the posterior pins down.
    """
    launches, post, lag_post = launch_posterior(y, fit, w0)
    n_h = len(fit["starts"])
    hyp = _launch_lag_hypothesis(launches, lag_post.shape[2] - 1, w0, n_h)
    weight = post[y.parts["group"]][:, :, None] * lag_post                # units × L × lags
    out = np.zeros((n_h, len(y.units)))
    np.add.at(out, hyp.ravel(), weight.reshape(len(y.units), -1).T)
    return out.T


def _pick(rng, probs: np.ndarray, size) -> np.ndarray:
    """Index drawn from each row of ``probs`` (… × K), ``size`` draws per row (draws first)."""
    cum = np.cumsum(probs, axis=-1)
    u = rng.random((size, *probs.shape[:-1], 1)) * cum[..., -1:]
    return np.minimum((cum[None] < u).sum(axis=-1), probs.shape[-1] - 1)


def _draw_logit(y: WorldYear, fit: dict, post, lag_post, launches, rng, w0: int, n_draws: int) -> np.ndarray:
    """draws × units × weeks from w0: launch, lag, state from the posterior; the future from the priors."""
    p, group = y.params, y.parts["group"]
    n_units, n_weeks = y.logit.shape
    units = np.arange(n_units)
    if p["hazard"] > 0:
        li = _pick(rng, post, n_draws)[:, group]                        # draws × units: launch index
        gi = _pick(rng, lag_post, n_draws)[np.arange(n_draws)[:, None], units, li]   # lag given the launch
        launch = launches[li]
        start = np.where(launch >= 0, launch + gi, NOT_YET)
        # not launched by w0: a launch from w0 + 1 on (the hazard's), each unit its lag from the prior
        later = draw_launches(rng, int(group.max()) + 1, p["hazard"], w0 + 1, size=n_draws)[:, group]
        start = np.where(launch >= 0, start, np.where(later >= 0, later + gi, NOT_YET))
        hyp = _hypothesis(start, w0, len(fit["starts"]))
    else:
        start = np.full((n_draws, n_units), NOT_YET)
        hyp = np.zeros((n_draws, n_units), dtype=int)
    m = fit["m"][units, hyp]                                             # draws × units × 3
    state = m + np.einsum("duij,duj->dui", fit["sqrt_P"][units, hyp], rng.standard_normal((n_draws, n_units, 3)))
    ahead = np.arange(n_weeks - w0)
    out = state[..., 0:1] + state[..., 1:2] * ahead
    out[:, :, 1:] += future_steps(p, rng, (n_draws, n_units, n_weeks - w0 - 1))
    lift = np.where(start[..., None] >= 0, ramp(w0 + ahead - start[..., None]), 0.0)
    return out + state[..., 2:3] * lift


def limit_forecast(y: WorldYear, as_of, *, n_draws: int = N_DRAWS, seed: int = 0) -> pd.DataFrame:
    """unit_code, projected_rate, projected_low, projected_high, p_meet: what the dossiers allow at as_of."""
    d0, w0 = as_of_weeks(y, as_of)
    fit = filter_starts(y, d0, w0)
    launches, post, lag_post = launch_posterior(y, fit, w0) if y.params["hazard"] > 0 else (None, None, None)
    return forecast_from(y, d0, w0, n_draws, stream(seed, 8, as_of),
                         lambda rng, m: _draw_logit(y, fit, post, lag_post, launches, rng, w0, m))
