"""The online share's trend: a discounted binomial GLM on the logit scale, shrunk to the group.

For unit u and week b before as_of (b = 0 is the week ending on as_of, t = −b):

    k_ub ~ Binomial(n_ub, p_ub),   logit p_ub = α_u + β_u·t

fitted to weekly counts by penalised IRLS, all units at once (arrays of units ×
weeks; a 2×2 solve per unit). Three choices, argued in docs/projection.md:

* Discounting. Week b enters the likelihood with weight δ^b (δ = 0.95, half-life
  about 13.5 weeks): the power-discount form of West & Harrison's dynamic GLM,
  so α_u is the level *now* and β_u the *current* slope, not a whole-year average.
* Week-to-week drift. The logit share also wanders: a random walk (variance τ²
  per week) plus a part that does not grow with the horizon (σ²). Both are
  calibrated on the model's own recent forecasts: refit at as_of − h (h = 2, 4,
  8, 13 weeks), forecast the last h weeks, and regress the excess squared logit
  error (beyond binomial and parameter variance) on the random walk's factor
  (h+1)(2h+1)/(6h). Pooled over units; see :func:`drift_variance`.
* Shrinkage. Each unit's (α, β) gets a normal prior centred on its group (same
  level and target) with the between-unit variance estimated by
  DerSimonian–Laird (empirical Bayes). A unit with few dossiers stays near its
  group; a busy unit is barely moved.

>>> import numpy as np
>>> k = np.array([[30., 30, 30, 30]]); n = np.array([[100., 100, 100, 100]])
>>> fit = fit_trend(k, n, discount=1.0, prior_mean=np.zeros((1, 2)),
...                 prior_prec=np.array([[[1e-6, 0], [0, 1e-6]]]))
>>> round(float(1 / (1 + np.exp(-fit["theta"][0, 0]))), 4), round(float(fit["theta"][0, 1]), 4)
(0.3, 0.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DISCOUNT = 0.95            # weekly discount factor δ of the likelihood (half-life ≈ 13.5 weeks)
DAMPING = 0.98             # weekly damping φ of the trend when projecting (see simulate.py)
MIN_GROUP = 4              # units with data needed to estimate a group's prior
PRIOR_SD_FLOOR = (0.15, 0.01)    # (level, weekly slope): never shrink harder than this
WEAK_PRIOR_SD = (3.0, 0.2)
HORIZONS = (2, 4, 8, 13)     # weeks: the model's own recent forecasts that calibrate the drift


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def weekly_counts(counted: pd.DataFrame, unit_codes, as_of: pd.Timestamp,
                  window_start: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Online and total counted dossiers per unit (rows) and week back from as_of (b = 0, 1, ...)."""
    unit_codes = pd.Index(unit_codes)
    n_weeks = max(((as_of - window_start).days) // 7 + 1, 1)
    b = ((as_of - counted["received_date"]).dt.days // 7).to_numpy()
    u = unit_codes.get_indexer(counted["unit_code"])
    ok = (u >= 0) & (b >= 0) & (b < n_weeks)
    k = np.zeros((len(unit_codes), n_weeks))
    n = np.zeros((len(unit_codes), n_weeks))
    np.add.at(n, (u[ok], b[ok]), 1)
    np.add.at(k, (u[ok], b[ok]), (counted["channel"].to_numpy() == "online")[ok].astype(float))
    return k, n


def fit_trend(k, n, *, discount=DISCOUNT, prior_mean, prior_prec, extra_var=0.0, iters=30) -> dict:
    """Penalised IRLS for logit p = α + β·t, t = −b, every unit at once.

    Returns ``theta`` (units × 2) and ``cov`` (units × 2 × 2, the inverse of the
    discounted information plus the prior precision).
    """
    n_units, n_weeks = n.shape
    t = -np.arange(n_weeks, dtype=float)
    x = np.stack([np.ones(n_weeks), t], axis=1)                  # weeks × 2
    w = discount ** np.arange(n_weeks)
    theta = prior_mean.astype(float).copy()
    pm = np.einsum("uij,uj->ui", prior_prec, prior_mean)
    for _ in range(iters):
        eta = theta[:, :1] + theta[:, 1:] * t
        p = np.clip(expit(eta), 1e-6, 1 - 1e-6)
        npq = n * p * (1 - p)
        omega = w * npq / (1.0 + npq * extra_var)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = eta + np.where(npq > 0, (k - n * p) / npq, 0.0)
        a = np.einsum("ub,bi,bj->uij", omega, x, x) + prior_prec
        rhs = np.einsum("ub,bi->ui", omega * z, x) + pm
        new = np.linalg.solve(a, rhs[..., None])[..., 0]
        if np.max(np.abs(new - theta)) < 1e-8:
            theta = new
            break
        theta = new
    return {"theta": theta, "cov": np.linalg.inv(a)}


def rw_block_factor(h: int) -> float:
    """Variance of the mean of a random walk with unit steps over weeks 1..h: (h+1)(2h+1)/(6h)."""
    return (h + 1) * (2 * h + 1) / (6 * h)


def drift_variance(k, n, groups: pd.DataFrame, *, discount=DISCOUNT, damping=DAMPING,
                   horizons=HORIZONS, min_history=8, min_n=30) -> tuple[float, float]:
    """τ²: the random-walk variance per week of the logit share, from the model's own recent errors.

    For each horizon h, the model is fitted on the weeks before as_of − h and
    forecasts the share of the last h weeks. Its squared error on the logit
    scale, minus the binomial variance of the observed share and the variance
    of the forecast from the parameters, is what drift must explain; a random
    walk contributes τ²·(h+1)(2h+1)/(6h) to it. Pooled over units and horizons.
    Misspecification of the trend also shows up here, so the intervals widen
    when the model forecasts badly.
    """
    xs, ys, ws = [], [], []
    for h in horizons:
        if n.shape[1] - h < min_history:
            continue
        past_k, past_n = k[:, h:], n[:, h:]
        fit = _fit_with_priors(past_k, past_n, groups, discount=discount)
        steps = np.cumsum(damping ** np.arange(1, h + 1))[::-1]     # week b < h is h − b weeks ahead
        eta = fit["theta"][:, :1] + fit["theta"][:, 1:] * steps
        big_k, big_n = k[:, :h].sum(axis=1), n[:, :h].sum(axis=1)
        # the empirical logit is unbiased only away from 0 and n: keep blocks with >= 5 of each
        ok = ((big_n >= min_n) & (past_n.sum(axis=1) >= min_n) & (big_k >= 5) & (big_n - big_k >= 5))
        if not ok.any():
            continue
        p_hat = (n[:, :h] * expit(eta)).sum(axis=1) / np.maximum(big_n, 1)
        p_hat = np.clip(p_hat, 1e-4, 1 - 1e-4)
        err = np.log((big_k + 0.5) / (big_n - big_k + 0.5)) - np.log(p_hat / (1 - p_hat))
        v_obs = 1 / (big_k + 0.5) + 1 / (big_n - big_k + 0.5)
        g = np.stack([np.ones(len(n)), np.full(len(n), steps.mean())], axis=1)
        v_par = np.einsum("ui,uij,uj->u", g, fit["cov"], g)
        xs.append(rw_block_factor(h)), ys.append(float(np.mean((err ** 2 - v_obs - v_par)[ok])))
        ws.append(int(ok.sum()))
    if not xs:
        return 0.0, 0.0
    if len(xs) == 1:       # one horizon: all the excess error is drift
        return max(ys[0] / xs[0], 0.0), 0.0
    # excess = s2 + tau2 · f(h): a level that does not grow with h (week shocks, a wrong level) and a
    # part that does (drift); weighted least squares over horizons.
    slope, intercept = np.polyfit(xs, ys, 1, w=np.sqrt(ws))
    tau2 = max(float(slope), 0.0)
    return tau2, max(float(np.average(ys, weights=ws) - tau2 * np.average(xs, weights=ws)), 0.0)


def _dersimonian_laird(est, var):
    """Random-effects mean and between-unit variance of estimates with known variances."""
    w = 1 / var
    mu_fixed = np.sum(w * est) / np.sum(w)
    q = np.sum(w * (est - mu_fixed) ** 2)
    denom = np.sum(w) - np.sum(w ** 2) / np.sum(w)
    tau2 = max((q - (len(est) - 1)) / denom, 0.0) if denom > 0 else 0.0
    ws = 1 / (var + tau2)
    return float(np.sum(ws * est) / np.sum(ws)), float(tau2)


def group_priors(theta, cov, has_data, groups: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and precision of (α, β) for every unit, from its group's units.

    ``groups`` has columns level and target (one row per unit, same order). A
    group with fewer than MIN_GROUP units with data borrows from its level, then
    from all units.
    """
    n_units = len(theta)
    mean = np.zeros((n_units, 2))
    prec = np.zeros((n_units, 2, 2))
    level = groups["level"].to_numpy()
    target = groups["target"].to_numpy()
    for (lv, tg) in groups[["level", "target"]].drop_duplicates().itertuples(index=False):
        members = (level == lv) & (target == tg)
        pool = members & has_data
        if pool.sum() < MIN_GROUP:
            pool = (level == lv) & has_data
        if pool.sum() < MIN_GROUP:
            pool = has_data
        for j in range(2):
            if pool.sum() == 0:
                mu, tau2 = 0.0, WEAK_PRIOR_SD[j] ** 2
            else:
                mu, tau2 = _dersimonian_laird(theta[pool, j], cov[pool, j, j])
            mean[members, j] = mu
            prec[members, j, j] = 1 / max(tau2, PRIOR_SD_FLOOR[j] ** 2)
    return mean, prec


def _fit_with_priors(k, n, groups, *, discount=DISCOUNT) -> dict:
    """Weak-prior fit → group priors (empirical Bayes) → shrunk fit."""
    n_units = len(n)
    has_data = n.sum(axis=1) > 0
    pooled = (k.sum() + 0.5) / (n.sum() + 1.0)
    weak_mean = np.tile([np.log(pooled / (1 - pooled)), 0.0], (n_units, 1))
    weak_prec = np.tile(np.diag([1 / WEAK_PRIOR_SD[0] ** 2, 1 / WEAK_PRIOR_SD[1] ** 2]), (n_units, 1, 1))
    first = fit_trend(k, n, discount=discount, prior_mean=weak_mean, prior_prec=weak_prec)
    mean, prec = group_priors(first["theta"], first["cov"], has_data, groups)
    final = fit_trend(k, n, discount=discount, prior_mean=mean, prior_prec=prec)
    final.update(prior_mean=mean, prior_prec=prec)
    return final


def fit_share_model(k, n, groups: pd.DataFrame, *, discount=DISCOUNT) -> dict:
    """The shrunk trend fit and the drift variance τ² (arrays per unit)."""
    final = _fit_with_priors(k, n, groups, discount=discount)
    tau2, s2 = drift_variance(k, n, groups, discount=discount)
    final.update(tau2=tau2, sigma2=s2)
    return final
