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
* District-shared steps (third pass): the pooled dossiers of a unit's district
  mates (its district's UBND and communes, the unit's own left out) are
  filtered, and their level's weekly step beyond its slope enters the unit's
  level step with a loading N(λ, σ²), so that a district's campaign, read
  from all its units, moves each of them (its own weeks say how far). (λ, σ)
  by the pooled likelihood; (0, 0) where units do not move together.

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
# District-shared steps (a district's campaign lifts its UBND and communes within weeks): the level of
# the pooled dossiers of a unit's district mates (the unit's own left out) is filtered, and its weekly
# step beyond its slope enters the unit's level step with a loading N(λ, σ²) per unit; (λ, σ) from
# GRID_SHARED by the pooled likelihood of the units with mates, (0, 0): the units move on their own.
GRID_SHARED = ((0.0, 0.0), (0.5, 0.0), (1.0, 0.0), (0.5, 0.5), (1.0, 0.5))
GRID_DISTRICT = ((1e-3, 0.0, 0.0), (1e-2, 0.0, 0.0), (1e-3, 0.05, 0.25))   # mates' filter: (q_ℓ, π, q_jump)
SHARED_BURN_IN = 4                 # weeks: the mates' filter is still leaving its prior, no steps read


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
                  level0_sd=LEVEL0_SD, jump_prob=None, q_jump=None, shared_steps=None, loading=0.0,
                  loading_var=0.0, history=False) -> dict:
    """Filter every unit at once. k, n: units × groups × weeks; q_*: per-unit arrays.

    Level steps are Gaussian, N(0, q_level), or — with ``jump_prob`` π and
    ``q_jump`` — a scale mixture: with probability π a week's step also has a
    jump N(0, q_jump) (campaigns, reorganisations: heavier tails than a random
    walk). The mixture is filtered by GPB1: each week both branches are
    updated, weighted by π·likelihood, and collapsed to one Gaussian (moments).
    ``shared_steps`` (units × weeks, :func:`district_steps`): known steps of
    the unit's district, added to its level step with a loading N(λ, σ²)
    (``loading``, ``loading_var``): mean λ·step, variance σ²·step² more.
    Returns the state at the last week, ``m`` (units × 2: level, slope) and
    ``P`` (units × 2 × 2) and ``loglik`` per unit (Laplace approximation of the
    one-week-ahead predictive likelihood, binomial constants dropped); with
    ``history``, ``levels`` and ``slopes`` (units × weeks, filtered).
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
    levels, slopes = np.zeros((n_units, n_weeks)), np.zeros((n_units, n_weeks))
    for t in range(n_weeks):
        jump_now = mixture and t > 0
        if t > 0:    # predict: ℓ += b (+ the district's step)
            d = 0.0 if shared_steps is None else shared_steps[:, t]
            m = np.stack([m[:, 0] + m[:, 1] + loading * d, m[:, 1]], axis=1)
            p00 = P[:, 0, 0] + 2 * P[:, 0, 1] + P[:, 1, 1] + q_level + loading_var * d ** 2
            p01 = P[:, 0, 1] + P[:, 1, 1]
            P = np.stack([np.stack([p00, p01], -1), np.stack([p01, P[:, 1, 1] + q_slope], -1)], axis=1)
        m, P, ll = _week(m, P, k[:, :, t], n[:, :, t], off, q_noise, jump_now, jump_prob, q_jump)
        loglik += ll
        levels[:, t], slopes[:, t] = m[:, 0], m[:, 1]
    out = {"m": m, "P": P, "loglik": loglik}
    return {**out, "levels": levels, "slopes": slopes} if history else out


def _week(m, P, kt, nt, off, q_noise, jump_now, jump_prob, q_jump):
    """One week's update (Gaussian, or the GPB1 jump mixture). Returns m, P, the week's log-likelihood."""
    has = nt.sum(axis=1) > 0
    if not has.any():
        if jump_now:                                     # no data: the mixture's variance
            P = P.copy()
            P[:, 0, 0] += jump_prob * q_jump
        return m, P, np.zeros(len(m))
    if not jump_now:
        return _update(m, P, kt, nt, off, q_noise, has)
    Pj = P.copy()
    Pj[:, 0, 0] += q_jump
    return collapse(_update(m, P, kt, nt, off, q_noise, has), _update(m, Pj, kt, nt, off, q_noise, has),
                    jump_prob, has)


def collapse(without, with_jump, jump_prob, has):
    """GPB1: the two branches' (m, P, log-likelihood), weighted by prior × likelihood, as one Gaussian.

    Returns m, P (moments of the mixture) and the week's log-likelihood (0 where ``has`` is False).
    """
    (m0, P0, ll0), (m1, P1, ll1) = without, with_jump
    with np.errstate(divide="ignore"):
        a0, a1 = np.log1p(-jump_prob) + ll0, np.log(jump_prob) + ll1
    top = np.maximum(a0, a1)
    tot = top + np.log(np.exp(a0 - top) + np.exp(a1 - top))
    w1 = np.where(has, np.exp(a1 - tot), jump_prob)
    m = (1 - w1)[:, None] * m0 + w1[:, None] * m1
    d0, d1 = m0 - m, m1 - m
    P = ((1 - w1)[:, None, None] * (P0 + d0[:, :, None] * d0[:, None, :])
         + w1[:, None, None] * (P1 + d1[:, :, None] * d1[:, None, :]))
    return m, P, np.where(has, tot, 0.0)


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
    years it cost 2–3% of MAE.) With a ``district`` column (:func:`districts`),
    a third pass adds the district mates' steps (:func:`shared_pass`).
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
    if "district" in groups:
        fit = shared_pass(k, n, off, hyper, fit, groups["district"].to_numpy(), has)
    return {"m": fit["m"], "P": fit["P"], "off": off, "off_var": off_var, **hyper,
            "loading": fit.get("loading", (0.0, 0.0))}


def districts(units: pd.DataFrame) -> np.ndarray:
    """Index per unit: a commune's district (its parent) shared with the district's UBND; others alone."""
    key = np.where(units["level"] == "commune", units["parent_code"].astype(str), units["unit_code"].astype(str))
    return pd.factorize(key)[0]


def district_steps(k, n, district) -> np.ndarray:
    """units × weeks: the weekly level step, beyond its slope, of the unit's district mates' pooled dossiers.

    The mates' online and total dossiers (the unit's own left out: its weeks
    are its own evidence) form one series per unit, filtered (local level and
    slope, the option of ``GRID_DISTRICT`` with the best likelihood per
    series); the step is the filtered level's change minus the slope carried:
    the news of that week (read with the mates' dossiers of that week: the
    unit's own likelihood is then conditional on its mates'). 0 for a unit
    without mates and in the first ``SHARED_BURN_IN`` weeks.
    """
    kk, nn = k.sum(axis=1), n.sum(axis=1)
    n_d = int(district.max()) + 1
    pool_k, pool_n = np.zeros((n_d, kk.shape[1])), np.zeros((n_d, kk.shape[1]))
    np.add.at(pool_k, district, kk)
    np.add.at(pool_n, district, nn)
    mk, mn = (pool_k[district] - kk)[:, None, :], (pool_n[district] - nn)[:, None, :]
    ones = np.ones(len(district))
    runs = [kalman_filter(mk, mn, np.zeros((len(district), 1)), q_level=ql * ones, q_noise=0 * ones,
                          q_slope=0 * ones, slope_mean=0 * ones, slope_var=SLOPE0_SD ** 2 * ones,
                          jump_prob=pj * ones, q_jump=qj * ones, history=True)
            for ql, pj, qj in GRID_DISTRICT]
    best = np.argmax([r["loglik"] for r in runs], axis=0)
    lv = np.choose(best[:, None], [r["levels"] for r in runs])
    sl = np.choose(best[:, None], [r["slopes"] for r in runs])
    steps = np.zeros_like(lv)
    steps[:, 1:] = lv[:, 1:] - lv[:, :-1] - sl[:, :-1]
    steps[:, :SHARED_BURN_IN] = 0.0
    alone = mn.sum(axis=(1, 2)) == 0
    steps[alone] = 0.0
    return steps


def shared_pass(k, n, off, hyper, fit, district, has) -> dict:
    """The second pass again with each loading (λ, σ) of ``GRID_SHARED``; the best by pooled likelihood.

    One loading for the province, chosen on the units with district mates (the
    others' likelihood does not depend on it): where units move on their own
    the mates' steps explain nothing and (0, 0) wins.
    """
    mates = has & (np.bincount(district)[district] > 1)
    steps = district_steps(k, n, district)
    best, best_ll = {**fit, "loading": GRID_SHARED[0]}, fit["loglik"][mates].sum()
    for lam, sd in GRID_SHARED[1:]:
        run = kalman_filter(k, n, off, **hyper, **fit["priors"], shared_steps=steps, loading=lam,
                            loading_var=sd ** 2)
        if run["loglik"][mates].sum() > best_ll:
            best, best_ll = {**run, "loading": (lam, sd)}, run["loglik"][mates].sum()
    return best


def second_pass(k, n, off, hyper, first, groups, has, s_mean, s_var) -> dict:
    """The filter with the pooled priors; the slopes' spread scaled by the best of ``SLOPE_VAR_SCALES``.

    The between-unit variance of the slopes comes from first-pass slopes that
    also carry level shifts (a campaign's rise reads as a slope); the pooled
    likelihood of each level's units says how much of that spread is real.
    """
    runs, priors = [], []
    for c in SLOPE_VAR_SCALES:
        l0, l0_sd = level0_prior(first, groups, has, s_mean, c * s_var, hyper, k.shape[2])
        priors.append(dict(slope_mean=s_mean, slope_var=c * s_var, level0=l0, level0_sd=l0_sd))
        runs.append(kalman_filter(k, n, off, **hyper, **priors[-1]))
    out = {key: runs[0][key].copy() for key in ("m", "P", "loglik")}
    chosen = {key: np.array(np.broadcast_to(v, (len(groups),)), dtype=float) for key, v in priors[0].items()}
    for members in _levels(groups):
        pool = members & has
        i = int(np.argmax([r["loglik"][pool].sum() for r in runs]))
        for key in out:
            out[key][members] = runs[i][key][members]
        for key in chosen:
            chosen[key][members] = np.broadcast_to(priors[i][key], (len(groups),))[members]
    out["priors"] = chosen       # each unit's chosen priors, for a further pass (:func:`shared_pass`)
    return out
