"""The online share as a state-space model: local level and slope of the logit, binomial weeks.

For unit u, week t (oldest first) and procedure group g (procedures sharing a
remaining window, plus one group for procedures already closed):

    k_ugt ~ Binomial(n_ugt, expit(ℓ_ut + ε_ut + o_ug))       ε_ut ~ N(0, q_ε)  (week noise)
    ℓ_u,t+1 = ℓ_ut + b_ut + η_ut,  b_u,t+1 = b_ut + ζ_ut      η ~ N(0, q_ℓ), ζ ~ N(0, q_b)

* Binomial observations by Laplace: each week the posterior mode of the week's
  level is found by Newton steps (a 1-D problem per unit), and the state is
  updated with the equivalent Gaussian pseudo-observation (an iterated
  extended Kalman filter). Weeks with 0–5 dossiers are used as they are; no
  empirical logit of a share of 0 or 1.
* Procedure offsets o_ug: log odds ratio of group g against the busiest group,
  Mantel–Haenszel over the weeks (so a share that moves over time does not
  bias it), shrunk towards the group's mean over all units (empirical Bayes,
  DerSimonian–Laird). Dossiers outside their window (a new procedure before it
  counts) still tell their group's share; the forecast weights each group by
  its remaining volume (the catalogue says which open or close before 30/11).
* Hyperparameters (q_ℓ, q_ε, q_b) by maximum likelihood (Laplace-approximated
  one-week-ahead predictive likelihood) on a grid, pooled over the units of the
  same level (department, district, commune): the data say how fast shares move.
* Hierarchical pooling, as priors of a second pass: the slope starts from a
  prior centred on the pooled mean slope (between-unit variance by
  DerSimonian–Laird from a first pass, scaled by the best of
  ``SLOPE_VAR_SCALES`` by the level's pooled likelihood); the first week's
  level from its group's (same level and target) current level carried back,
  with the between-unit variance: a commune with a handful of dossiers starts
  near its group and its own weeks move it from there.

>>> import numpy as np
>>> k = np.full((1, 1, 30), 30.0); n = np.full((1, 1, 30), 100.0)
>>> f = kalman_filter(k, n, np.zeros((1, 1)), q_level=np.full(1, 1e-3), q_noise=np.zeros(1),
...                   q_slope=np.zeros(1), slope_mean=np.zeros(1), slope_var=np.full(1, 1e-4))
>>> round(float(1 / (1 + np.exp(-f["m"][0, 0]))), 3)
0.3
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .share import dersimonian_laird   # the one random-effects pooling (v1 and v2)

LEVEL0_SD = 2.0                    # first week's level: weak prior around the pooled share
SLOPE0_SD = 0.03                   # hyperparameter likelihoods: weak prior on the weekly slope
SLOPE_FIRST_SD = 0.1               # first pass (slopes to pool): weaker still, undone afterwards
GRID_LEVEL = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 6e-2)   # q_ℓ: weekly sd from 0.017 to 0.24
GRID_NOISE = (0.0, 0.03, 0.1)                         # q_ε: week-to-week noise beyond the binomial
GRID_SLOPE = (0.0, 1e-5)                              # q_b: a slope that wanders, or not
GRID_JUMP = ((0.02, 0.25), (0.05, 0.1))               # (π, q_jump): rare jumps of sd 0.5, or 0.32
STEP_MAX = 2.0                     # largest Newton step (logit)
LOGIT_MAX = 12.0                   # shares beyond expit(±12) are 0 or 1 for any count here
NEWTON = 4                         # Newton steps per week for the week's level
MIN_GROUP = 4                      # units needed to estimate a group's prior
LEVEL_SD_FLOOR = 0.15              # the group's level prior is never tighter than this
SLOPE_SD_FLOOR = 0.003
SLOPE_VAR_SCALES = (1.0, 0.25, 0.05)   # slopes' between-unit variance × these: best by likelihood
SLOPE_MEAN_PROVINCE = True         # slope prior mean pooled over all units, not per level


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def group_counts(seen: pd.DataFrame, unit_codes, group_of_proc: pd.Series, n_groups: int,
                 as_of: pd.Timestamp, window_start: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Online and total dossiers: units × groups × weeks (oldest first, the last week ends on as_of)."""
    unit_codes = pd.Index(unit_codes)
    n_weeks = max((as_of - window_start).days // 7 + 1, 1)
    t = n_weeks - 1 - ((as_of - seen["received_date"]).dt.days // 7).to_numpy()
    u = unit_codes.get_indexer(seen["unit_code"])
    g = group_of_proc.reindex(seen["procedure_code"].astype(str)).fillna(n_groups - 1).to_numpy(dtype=int)
    ok = (u >= 0) & (t >= 0) & (t < n_weeks)
    k = np.zeros((len(unit_codes), n_groups, n_weeks))
    n = np.zeros_like(k)
    np.add.at(n, (u[ok], g[ok], t[ok]), 1)
    np.add.at(k, (u[ok], g[ok], t[ok]), (seen["channel"].astype(str).to_numpy() == "online")[ok].astype(float))
    return k, n


def procedure_offsets(k, n, ref: int) -> tuple[np.ndarray, np.ndarray]:
    """units × groups: log odds ratio of each group against ``ref`` (Mantel–Haenszel over weeks), shrunk.

    Returns the shrunk offsets and their variances (0 for ``ref``; groups
    without dossiers get the mean over units, with the between-unit variance).
    """
    n_units, n_groups, _ = k.shape
    off = np.zeros((n_units, n_groups))
    var = np.zeros((n_units, n_groups))
    kr, nr = k[:, ref], n[:, ref]
    for g in range(n_groups):
        if g == ref:
            continue
        kg, ng = k[:, g], n[:, g]
        tot = np.maximum(ng + nr, 1)
        num = (kg * (nr - kr) / tot).sum(axis=1) + 0.25
        den = ((ng - kg) * kr / tot).sum(axis=1) + 0.25
        est = np.log(num / den)
        both = ((ng > 0) & (nr > 0)).any(axis=1)
        a, b = kg.sum(axis=1), ng.sum(axis=1) - kg.sum(axis=1)
        c, d = kr.sum(axis=1), nr.sum(axis=1) - kr.sum(axis=1)
        v = 1 / (a + 0.5) + 1 / (b + 0.5) + 1 / (c + 0.5) + 1 / (d + 0.5)
        if both.sum() >= 2:
            mu, tau2 = dersimonian_laird(est[both], v[both])
        else:
            mu, tau2 = 0.0, 1.0
        tau2 = max(tau2, 0.01)
        post_var = np.where(both, 1 / (1 / v + 1 / tau2), tau2)
        off[:, g] = np.where(both, post_var * (est / v + mu / tau2), mu)
        var[:, g] = post_var
    return off, var


def _week_mode(k, n, off, m, s2):
    """Newton steps for the mode of the week's level: binomial groups × N(m, s2). Returns mode, info."""
    x = m.copy()
    for _ in range(NEWTON):
        p = expit(x[:, None] + off)
        score = (k - n * p).sum(axis=1) - (x - m) / s2
        info = (n * p * (1 - p)).sum(axis=1)
        # damped Newton: a week of all-online (or none) with a vague prior must not overshoot
        x = np.clip(x + np.clip(score / (info + 1 / s2), -STEP_MAX, STEP_MAX), -LOGIT_MAX, LOGIT_MAX)
    p = np.clip(expit(x[:, None] + off), 1e-12, 1 - 1e-12)
    info = (n * p * (1 - p)).sum(axis=1)
    loglik = (k * np.log(p) + (n - k) * np.log1p(-p)).sum(axis=1)
    return x, info, loglik


def _update(m, P, kt, nt, off, q_noise, has):
    """One week's Laplace (iterated extended Kalman) update. Returns m, P and the week's log-likelihood."""
    s2 = P[:, 0, 0] + q_noise
    x, info, ll = _week_mode(kt, nt, off, m[:, 0], s2)
    post = 1 / (info + 1 / s2)
    # Laplace: log ∫ Bin(k | x) N(x; m, s2) dx
    loglik = np.where(has, ll - (x - m[:, 0]) ** 2 / (2 * s2) + 0.5 * np.log(post / s2), 0.0)
    info_ = np.maximum(info, 1e-9)
    z = x + (x - m[:, 0]) / (s2 * info_)              # the equivalent Gaussian pseudo-observation
    r = 1 / info_ + q_noise
    gain = P[:, :, 0] / (P[:, 0, 0] + r)[:, None]
    gain = np.where(has[:, None], gain, 0.0)
    m = m + gain * (z - m[:, 0])[:, None]
    P = P - gain[:, :, None] * P[:, None, 0, :]
    return m, (P + P.transpose(0, 2, 1)) / 2, loglik     # keep P symmetric against rounding


def kalman_filter(k, n, off, *, q_level, q_noise, q_slope, slope_mean, slope_var, level0=None,
                  level0_sd=LEVEL0_SD, jump_prob=None, q_jump=None) -> dict:
    """Filter every unit at once. k, n: units × groups × weeks; q_*: per-unit arrays.

    Level steps are Gaussian, N(0, q_level), or — with ``jump_prob`` π and
    ``q_jump`` — a scale mixture: with probability π a week's step also has a
    jump N(0, q_jump) (campaigns, reorganisations: heavier tails than a random
    walk). The mixture is filtered by GPB1: each week both branches are
    updated, weighted by π·likelihood, and collapsed to one Gaussian (moments).
    Returns the state at the last week, ``m`` (units × 2: level, slope) and
    ``P`` (units × 2 × 2) and ``loglik`` per unit (Laplace approximation of the
    one-week-ahead predictive likelihood, binomial constants dropped).
    """
    n_units, _, n_weeks = k.shape
    if level0 is None:
        pooled = (k.sum() + 0.5) / (n.sum() + 1.0)
        level0 = np.full(n_units, np.log(pooled / (1 - pooled)))
    mixture = jump_prob is not None and np.any(np.asarray(jump_prob) > 0)
    m = np.stack([level0, slope_mean], axis=1).astype(float)
    P = np.zeros((n_units, 2, 2))
    P[:, 0, 0], P[:, 1, 1] = np.asarray(level0_sd) ** 2, slope_var
    loglik = np.zeros(n_units)
    for t in range(n_weeks):
        jump_now = mixture and t > 0
        if t > 0:    # predict: ℓ += b
            m = np.stack([m[:, 0] + m[:, 1], m[:, 1]], axis=1)
            p00 = P[:, 0, 0] + 2 * P[:, 0, 1] + P[:, 1, 1] + q_level
            p01 = P[:, 0, 1] + P[:, 1, 1]
            P = np.stack([np.stack([p00, p01], -1), np.stack([p01, P[:, 1, 1] + q_slope], -1)], axis=1)
        kt, nt = k[:, :, t], n[:, :, t]
        has = nt.sum(axis=1) > 0
        if not has.any():
            if jump_now:                                     # no data: the mixture's variance
                P = P.copy()
                P[:, 0, 0] += jump_prob * q_jump
            continue
        if not jump_now:
            m, P, ll = _update(m, P, kt, nt, off, q_noise, has)
            loglik += ll
            continue
        Pj = P.copy()
        Pj[:, 0, 0] += q_jump
        m0, P0, ll0 = _update(m, P, kt, nt, off, q_noise, has)
        m1, P1, ll1 = _update(m, Pj, kt, nt, off, q_noise, has)
        with np.errstate(divide="ignore"):
            a0, a1 = np.log1p(-jump_prob) + ll0, np.log(jump_prob) + ll1
        top = np.maximum(a0, a1)
        tot = top + np.log(np.exp(a0 - top) + np.exp(a1 - top))
        w1 = np.where(has, np.exp(a1 - tot), jump_prob)
        loglik += np.where(has, tot, 0.0)
        m = (1 - w1)[:, None] * m0 + w1[:, None] * m1
        d0, d1 = m0 - m, m1 - m
        P = ((1 - w1)[:, None, None] * (P0 + d0[:, :, None] * d0[:, None, :])
             + w1[:, None, None] * (P1 + d1[:, :, None] * d1[:, None, :]))
    return {"m": m, "P": P, "loglik": loglik}


def _levels(groups: pd.DataFrame) -> list[np.ndarray]:
    level = groups["level"].to_numpy()
    return [level == lv for lv in pd.unique(level)]


def choose_hyper(k, n, off, groups, has) -> dict:
    """Per-unit q_level, q_noise, q_slope, jump_prob, q_jump: best likelihood pooled over the unit's level.

    First the Gaussian grid (q_ℓ, q_ε, q_b); then, at the best q_ε and q_b, each
    jump option of ``GRID_JUMP`` with every q_ℓ (a mixture of rare jumps and
    small steps may explain the weeks better than one middling step).
    """
    n_units = len(groups)
    ones = np.ones(n_units)
    grid = [(ql, qn, qb, 0.0, 0.0) for ql, qn, qb in itertools.product(GRID_LEVEL, GRID_NOISE, GRID_SLOPE)]

    def run(points):
        return np.array([kalman_filter(k, n, off, q_level=ql * ones, q_noise=qn * ones, q_slope=qb * ones,
                                       slope_mean=0 * ones, slope_var=SLOPE0_SD ** 2 * ones,
                                       jump_prob=pj * ones, q_jump=qj * ones)["loglik"]
                         for ql, qn, qb, pj, qj in points])

    ll = run(grid)
    keys = ("q_level", "q_noise", "q_slope", "jump_prob", "q_jump")
    out = {key: np.empty(n_units) for key in keys}
    pools = []
    for members in _levels(groups):
        pool = members & has if (members & has).sum() >= MIN_GROUP else has
        pools.append((members, pool))
    # second stage: jump options at each level's best (q_ε, q_b)
    # (jumps take over part of the steps: only q_ℓ up to the Gaussian best)
    best0 = [grid[int(np.argmax(ll[:, pool].sum(axis=1)))] for _, pool in pools if pool.any()]
    extra = sorted({(ql, b[1], b[2], pj, qj) for b in best0 for ql in GRID_LEVEL if ql <= b[0]
                    for pj, qj in GRID_JUMP})
    if extra:
        grid, ll = grid + extra, np.concatenate([ll, run(extra)])
    for members, pool in pools:
        best = grid[int(np.argmax(ll[:, pool].sum(axis=1)))] if pool.any() else grid[len(GRID_LEVEL) // 2]
        for key, v in zip(keys, best):
            out[key][members] = v
    return out


def _eb(values, variances, pools, floor):
    """Per unit: prior mean and variance from its pool (DerSimonian–Laird), variance floored."""
    mean, var = np.zeros(len(values)), np.full(len(values), 1.0)
    for members, pool in pools:
        if pool.sum() >= 2:
            mu, tau2 = dersimonian_laird(values[pool], variances[pool])
        else:
            mu, tau2 = 0.0, 1.0
        mean[members], var[members] = mu, max(tau2, floor ** 2)
    return mean, var


def _pools(groups, has, by):
    """(members, pool) pairs: units with the same ``by`` values; their level, then all, if too few."""
    out = []
    level = groups["level"].to_numpy()
    for key in groups[list(by)].drop_duplicates().itertuples(index=False):
        members = np.all([groups[c].to_numpy() == v for c, v in zip(by, key)], axis=0)
        pool = members & has
        if pool.sum() < MIN_GROUP:
            pool = (level == level[members][0]) & has
        if pool.sum() < MIN_GROUP:
            pool = has
        out.append((members, pool))
    return out


def level0_prior(first, groups, has, s_mean, s_var, hyper, n_weeks) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: prior mean and sd of the first week's level, from its group's current level.

    The group's (same level and target) current mean and between-unit variance
    (DerSimonian–Laird on the first pass's levels) carried back to week 0 by the
    pooled slope; the variance adds what the slope and the level steps spread
    over the weeks between. A unit with a handful of dossiers starts near its
    group; a busy one is led by its own weeks.
    """
    l_mean, l_var = _eb(first["m"][:, 0], first["P"][:, 0, 0], _pools(groups, has, ["level", "target"]),
                        LEVEL_SD_FLOOR)
    back = n_weeks - 1
    spread = back ** 2 * s_var + back * (hyper["q_level"] + hyper["jump_prob"] * hyper["q_jump"])
    return l_mean - s_mean * back, np.sqrt(l_var + spread)


def fit_state_space(k, n, groups: pd.DataFrame) -> dict:
    """The whole fit: offsets, hyperparameters, two-pass hierarchical filter.

    ``groups``: level, target per unit. Returns m, P (state now), off, off_var
    (units × groups) and the hyperparameters per unit. Pooling enters as priors
    of the second pass: the slope's (centred on the pooled slope) and the first
    week's level's (its group's, :func:`level0_prior`). (Shrinking the current
    level towards its group's after filtering, as before, treated the group as
    news about the level alone and dragged the slope with it; on the tuning
    years it cost 2–3% of MAE.)
    """
    n_units = len(groups)
    has = n.sum(axis=(1, 2)) > 0
    ref = int(np.argmax(n.sum(axis=(0, 2))))
    off, off_var = procedure_offsets(k, n, ref)
    hyper = choose_hyper(k, n, off, groups, has)
    ones = np.ones(n_units)
    first = kalman_filter(k, n, off, **hyper, slope_mean=0 * ones, slope_var=SLOPE_FIRST_SD ** 2 * ones)
    # the first pass's slopes are shrunk towards 0 by its prior: undo that before pooling (the data's
    # own estimate and variance: precision of the posterior minus the prior's)
    lik_prec = np.maximum(1 / first["P"][:, 1, 1] - 1 / SLOPE_FIRST_SD ** 2, 1e-6)
    s_est = first["m"][:, 1] / first["P"][:, 1, 1] / lik_prec
    s_mean, s_var = _eb(s_est, 1 / lik_prec, _pools(groups, has, ["level"]), SLOPE_SD_FLOOR)
    if SLOPE_MEAN_PROVINCE and has.sum() >= 2:
        # the prior mean from all units (precision-weighted: the busy units lead), the spread by level:
        # a commune's few dossiers give a slope biased towards 0 (the filter lags on thin weeks)
        mu_all, _ = dersimonian_laird(s_est[has], 1 / lik_prec[has])
        s_mean[:] = mu_all
    fit = second_pass(k, n, off, hyper, first, groups, has, s_mean, s_var)
    return {"m": fit["m"], "P": fit["P"], "off": off, "off_var": off_var, **hyper}


def second_pass(k, n, off, hyper, first, groups, has, s_mean, s_var) -> dict:
    """The filter with the pooled priors; the slopes' spread scaled by the best of ``SLOPE_VAR_SCALES``.

    The between-unit variance of the slopes comes from first-pass slopes that
    also carry level shifts (a campaign's rise reads as a slope); the pooled
    likelihood of each level's units says how much of that spread is real.
    """
    runs = []
    for c in SLOPE_VAR_SCALES:
        l0, l0_sd = level0_prior(first, groups, has, s_mean, c * s_var, hyper, k.shape[2])
        runs.append(kalman_filter(k, n, off, **hyper, slope_mean=s_mean, slope_var=c * s_var, level0=l0,
                                  level0_sd=l0_sd))
    out = {key: runs[0][key].copy() for key in ("m", "P", "loglik")}
    for members in _levels(groups):
        pool = members & has
        best = runs[int(np.argmax([r["loglik"][pool].sum() for r in runs]))]
        for key in out:
            out[key][members] = best[key][members]
    return out
