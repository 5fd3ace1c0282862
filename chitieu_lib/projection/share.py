"""The online share's forecast: a combination of discounted binomial GLMs on the logit scale,
weighted, and its spread calibrated, by the model's own out-of-sample errors inside the past.

For unit u and week b before as_of (b = 0 is the week ending on as_of, t = −b):

    k_ub ~ Binomial(n_ub, p_ub),   logit p_ub = α_u + β_u·t

fitted to weekly counts by penalised IRLS, all units at once (arrays of units ×
weeks; a 2×2 solve per unit). The choices, argued in docs/projection.md:

* Candidates. Three *local levels* (β = 0) with likelihood discounts of
  half-life 3, 6 and 12 weeks, the *mean so far* (no discount) and one *damped
  local trend* (δ = 0.95, the slope projected with damping φ = 0.98 per week):
  West & Harrison's power-discount dynamic GLM, so α_u is the level *now* and
  β_u the *current* slope. From short memory to full memory, plus a trend.
* Shrinkage. Each candidate's (α, β) gets a normal prior centred on the unit's
  group (same level and target), between-unit variance by DerSimonian–Laird
  (empirical Bayes). A unit with few dossiers stays near its group.
* Rolling origin inside the past. From origins 2, 4, 6, … weeks before as_of
  (each with at least 8 weeks of history) every candidate is refitted on the
  data before the origin and forecasts the share of the next h weeks
  (h = 1, 2, 4, 8, 13, 21, 34, as far as the data go). Their logit errors give
  - the combination weights (:func:`combination_weights`): bagged stacking on
    the blocks as long as the horizon to forecast, pooled over the units of
    the same level — a trend only gets weight where it has forecast better
    than a level in this very data set, over the periods the past offers;
  - the spread (:func:`drift_variance`): the excess variance of an h-week mean
    share, beyond binomial and parameter variance, as
    ω²/h + s² + τ²·(h+1)(2h+1)/(6h) + κ²·((h+1)/2)² (week noise, level
    error, random walk, slope error), pooled over all units, then scaled so
    that 80% of the past errors fall inside the 80% interval (quantile
    calibration: the errors are heavy-tailed, most units steady, a few jump).
  Nothing is assumed about how the shares move; what the past errors show is
  carried forward, extrapolated to longer horizons by the fitted terms.

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
from scipy import optimize, stats

DISCOUNT = 0.95            # weekly discount δ of the trend candidate's likelihood (half-life ≈ 13.5 weeks)
DAMPING = 0.98             # weekly damping φ of the trend when projecting
LEVEL_HALF_LIVES = (3, 6, 12)     # weeks: the local-level candidates (a short, a middle, a long memory)
MIN_GROUP = 4              # units with data needed to estimate a group's prior
PRIOR_SD_FLOOR = (0.15, 0.01)    # (level, weekly slope): never shrink harder than this
WEAK_PRIOR_SD = (3.0, 0.2)
FLAT = 1e10                # prior precision that holds β at 0 (a local level)
MIN_HISTORY = 8            # weeks of data before an in-sample origin
ORIGIN_STEP = 2            # weeks between in-sample origins
BLOCKS = (1, 2, 4, 8, 13, 21, 34)   # weeks ahead whose mean share is scored
MIN_BLOCK_N = 20           # dossiers in a scored block (and in its history)
BAGS = 25                  # bootstrap resamples of the origins behind the combination weights


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def candidates() -> list[tuple[str, float, bool]]:
    """(name, likelihood discount, has a trend) of each candidate forecaster."""
    out = [(f"level{h}", 0.5 ** (1 / h), False) for h in LEVEL_HALF_LIVES]
    return out + [("mean", 1.0, False), ("trend", DISCOUNT, True)]


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


def dersimonian_laird(est, var):
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
                mu, tau2 = dersimonian_laird(theta[pool, j], cov[pool, j, j])
            mean[members, j] = mu
            prec[members, j, j] = 1 / max(tau2, PRIOR_SD_FLOOR[j] ** 2)
    return mean, prec


def rw_block_factor(h):
    """Variance of the mean of a random walk with unit steps over weeks 1..h: (h+1)(2h+1)/(6h)."""
    h = np.asarray(h, dtype=float)
    return (h + 1) * (2 * h + 1) / (6 * h)


def _fit_with_priors(k, n, groups, *, discount=DISCOUNT, trend=True) -> dict:
    """Weak-prior fit → group priors (empirical Bayes) → shrunk fit. ``trend=False``: β held at 0."""
    n_units = len(n)
    has_data = n.sum(axis=1) > 0
    pooled = (k.sum() + 0.5) / (n.sum() + 1.0)
    weak_mean = np.tile([np.log(pooled / (1 - pooled)), 0.0], (n_units, 1))
    weak_prec = np.tile(np.diag([1 / WEAK_PRIOR_SD[0] ** 2, 1 / WEAK_PRIOR_SD[1] ** 2]), (n_units, 1, 1))
    if not trend:
        weak_prec[:, 1, 1] = FLAT
    first = fit_trend(k, n, discount=discount, prior_mean=weak_mean, prior_prec=weak_prec)
    mean, prec = group_priors(first["theta"], first["cov"], has_data, groups)
    if not trend:
        mean[:, 1], prec[:, 1, 1] = 0.0, FLAT
    final = fit_trend(k, n, discount=discount, prior_mean=mean, prior_prec=prec)
    final.update(prior_mean=mean, prior_prec=prec)
    return final


def fit_candidates(k, n, groups) -> list[dict]:
    """Every candidate fitted to the same weeks (see :func:`candidates`)."""
    return [_fit_with_priors(k, n, groups, discount=disc, trend=tr) for _, disc, tr in candidates()]


def candidate_paths(fits, n_ahead: int, damping=DAMPING) -> tuple[np.ndarray, np.ndarray]:
    """Logit forecasts and their parameter variances for weeks 1..n_ahead: arrays candidates × units × weeks."""
    steps = np.cumsum(damping ** np.arange(1, n_ahead + 1))
    etas, vpars = [], []
    for fit in fits:
        th, cov = fit["theta"], fit["cov"]
        etas.append(th[:, :1] + th[:, 1:] * steps)
        vpars.append(cov[:, :1, 0] + 2 * cov[:, :1, 1] * steps + cov[:, 1:, 1] * steps ** 2)
    return np.array(etas), np.maximum(np.array(vpars), 0.0)


def origin_errors(k, n, groups, *, blocks=BLOCKS, step=ORIGIN_STEP, min_history=MIN_HISTORY,
                  min_n=MIN_BLOCK_N) -> dict:
    """Out-of-sample errors of every candidate inside the past (rolling origin before as_of).

    For each origin m weeks before as_of the candidates are fitted on weeks
    b ≥ m only and forecast the mean share of the next h weeks (b = m−1 … m−h).
    Returns flat arrays over the scored (unit, origin, h) blocks: ``unit``, ``h``,
    ``err`` (candidates × blocks: empirical logit of the block minus the logit
    of the forecast share), ``v_obs`` (binomial variance of the empirical logit),
    ``v_par`` (candidates × blocks).
    """
    out = {"unit": [], "origin": [], "h": [], "err": [], "v_obs": [], "v_par": []}
    n_weeks = n.shape[1]
    for m in range(step, n_weeks - min_history + 1, step):
        past_k, past_n = k[:, m:], n[:, m:]
        fits = fit_candidates(past_k, past_n, groups)
        eta, vpar = candidate_paths(fits, m)                   # week j = 1..m ahead is b = m − j
        hist_ok = past_n.sum(axis=1) >= min_n
        for h in blocks:
            if h > m:
                break
            cols = np.arange(m - 1, m - h - 1, -1)              # b of weeks 1..h ahead
            big_k, big_n = k[:, cols].sum(axis=1), n[:, cols].sum(axis=1)
            ok = hist_ok & (big_n >= min_n)
            if not ok.any():
                continue
            w = n[ok][:, cols] / big_n[ok, None]               # the block's own weekly weights
            p_hat = np.clip((w * expit(eta[:, ok, :h])).sum(axis=2), 1e-6, 1 - 1e-6)
            kk, nn = big_k[ok], big_n[ok]
            emp = np.log((kk + 0.5) / (nn - kk + 0.5))
            out["unit"].append(np.flatnonzero(ok))
            out["h"].append(np.full(ok.sum(), h))
            out["origin"].append(np.full(ok.sum(), m))
            out["err"].append(emp - np.log(p_hat / (1 - p_hat)))
            out["v_obs"].append(1 / (kk + 0.5) + 1 / (nn - kk + 0.5))
            out["v_par"].append((w * vpar[:, ok, :h]).sum(axis=2))
    if not out["unit"]:
        n_c = len(candidates())
        return {"unit": np.zeros(0, int), "origin": np.zeros(0, int), "h": np.zeros(0), "err": np.zeros((n_c, 0)), "v_obs": np.zeros(0),
                "v_par": np.zeros((n_c, 0))}
    return {key: np.concatenate(v, axis=-1) for key, v in out.items()}


def _pool_index(groups: pd.DataFrame, has: np.ndarray) -> list[np.ndarray]:
    """Units pooled for each unit's combination weights: its level, or everyone if too few."""
    level = groups["level"].to_numpy()
    pools = []
    for lv in level:
        members = (level == lv) & has
        pools.append(members if members.sum() >= MIN_GROUP else has)
    return pools


def horizon_blocks(scored_h: np.ndarray, horizon: int) -> np.ndarray:
    """Which scored blocks judge a forecast of the next ``horizon`` weeks: the horizon-matched ones.

    What counts for the final rate is the mean share over all remaining weeks,
    so candidates are compared on blocks as long as that, as far as the past
    allows: lengths between half of min(horizon, longest scored) and the horizon.
    (A short memory wins one week ahead and loses over months.)
    """
    if scored_h.size == 0:
        return np.zeros(0, bool)
    reach = min(max(horizon, 1), scored_h.max())
    return (scored_h >= reach / 2) & (scored_h <= max(horizon, 1))


def combination_weights(errs: dict, groups: pd.DataFrame, horizon: int | None = None) -> np.ndarray:
    """Units × candidates: bagged stacking on the horizon-matched blocks, pooled over the unit's level.

    Stacking (Breiman 1996; constrained Granger–Ramanathan): the weights ≥ 0
    summing to 1 that minimise Σ π_i (Σ_c w_c e_ci)² over the pool's blocks
    (the units of the unit's level; everyone if fewer than MIN_GROUP units were
    scored), π_i = 1 / (binomial variance + pooled mean squared error) so that
    a handful of dossiers does not drown a busy unit's clear verdict. Plain
    stacking flips between extremes when the past periods disagree, so it is
    bagged: repeated on BAGS resamples of the origins (whole periods, with
    replacement) and averaged. Clear evidence (a trend every period shows)
    gives concentrated weights; conflicting periods give a spread-out
    combination. Equal weights where nothing could be scored.
    """
    n_units, n_c = len(groups), errs["err"].shape[0]
    weights = np.full((n_units, n_c), 1 / n_c)
    if errs["err"].shape[1] == 0:
        return weights
    if horizon is not None:
        keep = horizon_blocks(errs["h"], horizon)
        errs = {key: v[..., keep] for key, v in errs.items()}
    has = np.zeros(n_units, bool)
    has[errs["unit"]] = True
    done = {}
    for i, pool in enumerate(_pool_index(groups, has)):
        key = pool.tobytes()
        if key not in done:
            sel = pool[errs["unit"]]
            done[key] = _bagged_stack(errs["err"][:, sel], errs["v_obs"][sel], errs["origin"][sel]) \
                if sel.any() else np.full(n_c, 1 / n_c)
        weights[i] = done[key]
    return weights


def _bagged_stack(err, v_obs, origin, bags=BAGS) -> np.ndarray:
    """Stacking weights averaged over bootstrap resamples of the origins (fixed stream: deterministic)."""
    rng = np.random.default_rng(0)
    origins, inv = np.unique(origin, return_inverse=True)
    out = np.zeros(err.shape[0])
    for _ in range(bags):
        times = np.bincount(rng.integers(len(origins), size=len(origins)), minlength=len(origins))[inv]
        use = times > 0
        out += _stack(err[:, use], v_obs[use], times[use])
    return out / bags


def _stack(err, v_obs, mult) -> np.ndarray:
    """Simplex weights minimising the precision-weighted squared error of the combination.

    The error counted is the forecast's whole error (its parameter error
    included: a short memory pays for its noise); ``mult``: how many times each
    block counts.
    """
    mse = max(float(np.average(err ** 2 - v_obs, weights=np.tile(mult, (err.shape[0], 1)))), 1e-4)
    sw = np.sqrt(mult / (v_obs + mse))
    a = (err * sw).T                                        # blocks × candidates
    big = 1e3 * np.sqrt(np.sum(a ** 2))                     # the sum-to-one row, weighted heavily
    a = np.vstack([a, np.full(err.shape[0], big)])
    b = np.r_[np.zeros(err.shape[1]), big]
    w = optimize.nnls(a, b)[0]
    return w / w.sum()


def drift_variance(errs: dict, weights: np.ndarray, horizon: int | None = None, iters: int = 5) -> dict:
    """The combined forecast's error variance, from its out-of-sample errors, pooled over units.

    The excess squared error of an h-week mean share (beyond binomial and
    parameter variance, on the logit scale) is modelled as

        c · (ω²/h + s² + τ²·(h+1)(2h+1)/(6h) + κ²·((h+1)/2)²)

    week-to-week noise beyond the binomial (overdispersion: it averages out
    over long blocks), a level error that does not grow with h, a random walk
    and a slope error (a trend missed or mistaken): non-negative weighted least
    squares, weights 1 / (binomial variance + current fit)² (the variance of a
    squared normal error); a term the data do not support comes out 0.

    Errors are heavy tailed (most units steady, a few jump), so a normal law
    with the mean squared error makes the 80% interval too wide for most units.
    The factor c is set so that, on the horizon-matched blocks, 80% of the past
    errors fall inside the 80% interval of a normal with that variance
    (quantile calibration; c = 1 for normal errors). When the horizon is longer
    than any scored block, the error to come sums more weekly shocks than any
    seen; its excess kurtosis falls like 1/length (central limit theorem), so c
    moves towards 1 in proportion: c_H = 1 − (1 − c)·reach/H.
    Returns ``omega2, sigma2, tau2, kappa2`` (c included) and ``calibration`` (c).
    """
    if errs["err"].shape[1] == 0:
        return {"omega2": 0.0, "sigma2": 0.0, "tau2": 0.0, "kappa2": 0.0, "calibration": 1.0}
    w = weights[errs["unit"]].T                                   # candidates × blocks
    err = (w * errs["err"]).sum(axis=0)
    v_par = (w * errs["v_par"]).sum(axis=0)
    y = err ** 2 - errs["v_obs"] - v_par
    h = errs["h"].astype(float)
    x = np.stack([1 / h, np.ones_like(h), rw_block_factor(h), ((h + 1) / 2) ** 2], axis=1)
    coef = np.array([0.0, max(float(np.mean(y)), 0.0), 0.0, 0.0])
    for _ in range(iters):
        sw = 1 / (errs["v_obs"] + v_par + x @ coef)
        coef = optimize.nnls(x * sw[:, None], y * sw)[0]
    keep = horizon_blocks(errs["h"], horizon) if horizon is not None else np.ones(len(h), bool)
    c = _quantile_calibration(err[keep], (errs["v_obs"] + v_par)[keep], (x @ coef)[keep])
    reach = float(errs["h"].max())
    if horizon is not None and horizon > reach:
        # (the horizon-matched blocks are then the longest the past offers: reach/2 … reach)
        # beyond the longest scored block the error sums more weekly shocks: its excess kurtosis
        # falls like 1/length (CLT), so the normal law with the mean square takes over (c → 1)
        c = 1 - (1 - c) * reach / horizon
    return {"omega2": c * float(coef[0]), "sigma2": c * float(coef[1]), "tau2": c * float(coef[2]),
            "kappa2": c * float(coef[3]), "calibration": c}


def _quantile_calibration(err, v_known, v_drift, level=0.8) -> float:
    """c ≥ 0 such that a share ``level`` of |err| lies within z·sqrt(v_known + c·v_drift)."""
    if err.size == 0 or not np.any(v_drift > 0):
        return 1.0
    z = stats.norm.ppf(0.5 + level / 2)

    def inside(c):
        return np.mean(np.abs(err) <= z * np.sqrt(v_known + c * v_drift))

    if inside(0.0) >= level:
        return 0.0
    lo, hi = 0.0, 1.0
    while inside(hi) < level and hi < 1e4:
        lo, hi = hi, hi * 2
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if inside(mid) < level else (lo, mid)
    return hi


def fit_share_model(k, n, groups: pd.DataFrame, horizon: int | None = None) -> dict:
    """Candidates fitted on all weeks, their combination weights for ``horizon`` weeks ahead, the drift."""
    errs = origin_errors(k, n, groups)
    weights = combination_weights(errs, groups, horizon)
    return {"fits": fit_candidates(k, n, groups), "weights": weights,
            **drift_variance(errs, weights, horizon),
            "n_scored": errs["err"].shape[1]}


def forecast(model: dict, n_ahead: int) -> tuple[np.ndarray, np.ndarray]:
    """Combined logit forecast (units × weeks ahead) and the sd of its parameter error."""
    eta, vpar = candidate_paths(model["fits"], n_ahead)
    w = model["weights"].T[:, :, None]
    return (w * eta).sum(axis=0), np.sqrt((w * vpar).sum(axis=0))
