"""Exact arithmetic of what a unit still needs, and its status (an English key; words in labels).

All functions work on NumPy arrays (one value per unit) so that 162 units cost
one call. Notation: ``online``/``total`` counted so far, ``target`` a fraction,
``remaining`` the expected number of dossiers still to come in the window,
``max_remaining`` an upper bound on it (see :mod:`.volume`).

>>> import numpy as np
>>> required_rate(np.array([30.]), np.array([100.]), np.array([0.45]), np.array([100.]))
array([0.6])
>>> certain_to_meet(np.array([50.]), np.array([100.]), np.array([0.45]), np.array([10.]))
array([ True])
>>> out_of_reach(np.array([10.]), np.array([100.]), np.array([0.45]), np.array([20.]))
array([ True])
"""

from __future__ import annotations

import numpy as np

# p_meet thresholds (documented in docs/projection.md).
ON_TRACK = 0.8      # p_meet >= 0.8: đúng hướng
AT_RISK = 0.4       # 0.4 <= p_meet < 0.8: có nguy cơ; below: khó đạt

# Status keys; the words a reader sees are chitieu_lib.labels.STATUSES.
MET = "met"
ON_TRACK_WORD = "on_track"
AT_RISK_WORD = "at_risk"
UNLIKELY_WORD = "off_track"
OUT_OF_REACH = "unreachable"
STATUSES = (MET, ON_TRACK_WORD, AT_RISK_WORD, UNLIKELY_WORD, OUT_OF_REACH)

EPS = 1e-9   # rates compared as fractions: 45/100 >= 0.45 must hold despite rounding


def required_rate(online, total, target, remaining):
    """Online share needed on the ``remaining`` dossiers so that the final rate equals ``target``.

    Solves (online + r·remaining) / (total + remaining) = target for r. It is
    negative when the target is met whatever happens (clipped to 0 here), above 1 when
    the target cannot be met at that volume, and NaN when nothing remains.
    """
    online, total, target, remaining = map(np.asarray, (online, total, target, remaining))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (target * (total + remaining) - online) / remaining
    return np.where(remaining > 0, np.maximum(r, 0.0), np.nan)


def extra_online_needed(online, total, target, remaining, expected_online):
    """Online dossiers needed on top of those expected at the current pace (whole dossiers, >= 0).

    needed = target·(total + remaining) − online − expected_online, rounded up.
    """
    online, total, target, remaining, expected_online = map(
        np.asarray, (online, total, target, remaining, expected_online))
    need = target * (total + remaining) - online - expected_online
    return np.where(remaining > 0, np.maximum(np.ceil(need - EPS), 0.0), np.nan)


def certain_to_meet(online, total, target, max_remaining):
    """True when the target holds even if none of up to ``max_remaining`` more dossiers is online."""
    online, total, target, max_remaining = map(np.asarray, (online, total, target, max_remaining))
    final_total = total + max_remaining
    return (final_total > 0) & (online >= target * final_total - EPS)


def out_of_reach(online, total, target, max_remaining):
    """True when the target fails even if all of up to ``max_remaining`` more dossiers are online.

    (online + m) / (total + m) rises with m, so the best case is m = max_remaining.
    """
    online, total, target, max_remaining = map(np.asarray, (online, total, target, max_remaining))
    best_online, best_total = online + max_remaining, total + max_remaining
    return (best_total > 0) & (best_online < target * best_total - EPS)


def status_words(p_meet, certain, impossible, has_data):
    """The status of each unit; empty string where there is no projection."""
    p = np.asarray(p_meet, dtype=float)
    words = np.where(p >= ON_TRACK, ON_TRACK_WORD, np.where(p >= AT_RISK, AT_RISK_WORD, UNLIKELY_WORD))
    words = np.where(certain, MET, np.where(impossible, OUT_OF_REACH, words))
    return np.where(has_data, words, "").astype(object)
