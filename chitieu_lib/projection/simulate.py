"""Combining the uncertainties by simulation, unit by unit, with a reproducible stream per unit.

One draw of the rest of the window for unit u:

1. the logit share in future week j: η̂_j + e_par·z₀ + c + RW_j + ε_j + j·d, where
   η̂ is the combined forecast (:mod:`.share`), z₀ ~ N(0, 1) its parameter error
   (fully correlated over the weeks), c ~ N(0, s²) a level error that does not
   grow with the horizon, RW a random walk with variance τ² per week,
   ε_j ~ N(0, ω²) week-to-week noise beyond the binomial and d ~ N(0, κ²) a
   slope error — ω², s², τ², κ² calibrated on the out-of-sample errors of the
   same forecast inside the past (:func:`.share.drift_variance`);
2. the volume: a pace multiplier g ~ lognormal (uncertainty of the pace), then
   weekly counts ~ Poisson(g·E_uj), never above the stated upper bound;
3. the online count ~ Binomial(N, p̄) per period (binomial noise), drawn by the
   inverse CDF from one uniform per period so that a higher share never gives
   fewer online dossiers in the same draw (common random numbers: p_meet is
   monotone in the share).

Each unit has its own generator seeded by (seed, CRC-32 of its code): its draws
do not depend on which other units are projected with it.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import stats

from .share import expit

N_SIMS = 2000


def unit_rng(seed: int, unit_code: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(str(unit_code).encode("utf-8"))])


def simulate_unit(rng, *, eta, sd_par, omega2, sigma2, tau2, kappa2=0.0, expected, max_remaining, pace_sd,
                  period_ends, n_sims=N_SIMS) -> tuple[np.ndarray, np.ndarray]:
    """Online and total dossiers received after as_of, cumulated to each period end.

    ``eta``, ``sd_par``: the forecast logit share per future week and the sd of
    its parameter error; ``expected``: expected dossiers per future week;
    ``period_ends``: index of the last week of each period (the last one is the
    window's last week). Returns two arrays (sims × periods).
    """
    n_weeks = len(expected)
    z_par = rng.standard_normal((n_sims, 1))
    z_level = rng.standard_normal((n_sims, 1))
    z_slope = rng.standard_normal((n_sims, 1))
    z_rw = rng.standard_normal((n_sims, n_weeks))
    z_week = rng.standard_normal((n_sims, n_weeks))
    z_pace = rng.standard_normal(n_sims)
    u_binom = rng.random((n_sims, len(period_ends)))
    vol_rng = np.random.default_rng(rng.integers(2**63))

    p = expit(eta[None, :] + sd_par[None, :] * z_par + np.sqrt(sigma2) * z_level
              + np.sqrt(tau2) * np.cumsum(z_rw, axis=1) + np.sqrt(omega2) * z_week
              + np.sqrt(kappa2) * z_slope * np.arange(1, n_weeks + 1))

    g = np.exp(pace_sd * z_pace - pace_sd ** 2 / 2)
    counts = vol_rng.poisson(g[:, None] * expected[None, :])
    cum = np.minimum(np.cumsum(counts, axis=1), max_remaining)
    counts = np.diff(cum, axis=1, prepend=0)

    period_ends = [int(e) for e in period_ends]
    starts = [0] + [e + 1 for e in period_ends[:-1]]
    online = np.zeros((n_sims, len(period_ends)))
    total = np.zeros((n_sims, len(period_ends)))
    for i, (a, b) in enumerate(zip(starts, period_ends)):
        n_per = counts[:, a:b + 1].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_bar = np.where(n_per > 0, (counts[:, a:b + 1] * p[:, a:b + 1]).sum(axis=1) / n_per, 0.5)
        online[:, i] = np.where(n_per > 0, stats.binom.ppf(u_binom[:, i], n_per, p_bar), 0)
        total[:, i] = n_per
    return np.cumsum(online, axis=1), np.cumsum(total, axis=1)


def simulate_state_space(rng, *, m, P, q_level, q_noise, q_slope, off, off_var, expected_segments,
                         max_remaining, pace_sd, period_ends, n_sims=N_SIMS, jump_prob=0.0, q_jump=0.0,
                         step_scale=1.0) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`simulate_unit`, for the state-space share (:mod:`.kalman`): one unit's future.

    One draw: the state now (level, slope) ~ N(m, P); weekly level and slope
    steps N(0, q_level), N(0, q_slope) (plus, with probability ``jump_prob``, a
    jump N(0, q_jump); the level steps' sum scaled by ``step_scale``) and week
    noise N(0, q_noise); each
    remaining procedure group's offset ~ N(off, off_var); a pace multiplier
    (lognormal, sd ``pace_sd``); per period and group Poisson dossiers around
    the expected volume (``expected_segments``: groups × weeks), capped at
    ``max_remaining`` overall; online ~ Binomial(N, the volume-weighted share)
    by the inverse CDF of one uniform per period (common random numbers).
    Returns cumulated online and total dossiers (sims × periods).
    """
    n_groups, n_weeks = expected_segments.shape
    chol = np.linalg.cholesky(P + 1e-10 * np.eye(2))
    state = m[None, :] + rng.standard_normal((n_sims, 2)) @ chol.T
    slope = state[:, 1:] + np.sqrt(q_slope) * np.cumsum(rng.standard_normal((n_sims, n_weeks)), axis=1)
    steps = np.sqrt(q_level) * rng.standard_normal((n_sims, n_weeks))
    # drawn even without jumps: the same stream whatever the fit chose (common random numbers)
    jumps = (rng.random((n_sims, n_weeks)) < jump_prob) * rng.standard_normal((n_sims, n_weeks))
    steps = steps + np.sqrt(q_jump) * jumps
    level = (state[:, :1] + np.cumsum(slope, axis=1) + step_scale * np.cumsum(steps, axis=1)
             + np.sqrt(q_noise) * rng.standard_normal((n_sims, n_weeks)))
    offs = off[None, :] + np.sqrt(off_var)[None, :] * rng.standard_normal((n_sims, n_groups))
    share = expit(level[:, None, :] + offs[:, :, None])                     # sims × groups × weeks
    g = np.exp(pace_sd * rng.standard_normal(n_sims) - pace_sd ** 2 / 2)
    u_binom = rng.random((n_sims, len(period_ends)))
    vol_rng = np.random.default_rng(rng.integers(2**63))
    period_ends = [int(e) for e in period_ends]
    starts = [0] + [e + 1 for e in period_ends[:-1]]
    n_per = np.zeros((n_sims, len(period_ends)))
    p_per = np.full((n_sims, len(period_ends)), 0.5)
    for i, (a, b) in enumerate(zip(starts, period_ends)):
        e = expected_segments[:, a:b + 1]                                   # groups × weeks
        e_sum = e.sum(axis=1)
        n_seg = vol_rng.poisson(g[:, None] * e_sum[None, :])                # sims × groups
        with np.errstate(invalid="ignore", divide="ignore"):
            p_seg = np.where(e_sum > 0, (share[:, :, a:b + 1] * e[None]).sum(axis=2) / e_sum, 0.5)
            tot = n_seg.sum(axis=1)
            n_per[:, i] = tot
            p_per[:, i] = np.where(tot > 0, (n_seg * p_seg).sum(axis=1) / np.maximum(tot, 1), 0.5)
    cum = np.minimum(np.cumsum(n_per, axis=1), max_remaining)
    n_per = np.diff(cum, axis=1, prepend=0)
    online = np.where(n_per > 0, stats.binom.ppf(u_binom, n_per, np.clip(p_per, 0, 1)), 0)
    return np.cumsum(online, axis=1), cum
