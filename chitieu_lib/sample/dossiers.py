"""Drawing one file's dossiers (one level, one quarter) with numpy, no Python object per dossier.

Each (level, quarter) has its own random stream, so a file does not depend on
the others and memory stays at one file's rows whatever --scale is.

>>> from chitieu_lib.sample.profiles import build_plan
>>> rows = draw_chunk(build_plan(2019), "department", "2019Q4", scale=0.01, seed=2019)
>>> sorted(rows)[:4]
['channel', 'day', 'due', 'minute']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..calendar import day_kinds
from .profiles import POSTAL_SHARE, Plan, _sigmoid
from .year import sample_decision

LEVELS = ("department", "district", "commune")
# Quarters of the window; December 2018 belongs to the first one.
QUARTERS = {"2019Q1": ("2018-12-01", "2019-03-31"), "2019Q2": ("2019-04-01", "2019-06-30"),
            "2019Q3": ("2019-07-01", "2019-09-30"), "2019Q4": ("2019-10-01", "2019-11-30")}
EXPORT_DAY = np.datetime64("2019-12-02")      # the day every file was exported
ORIGIN = np.datetime64("2018-12-01")
# Offices closed after the calendar file ends (due and result dates run into 2020).
CLOSED_AFTER_CALENDAR = ["2020-01-01", "2020-01-23", "2020-01-24", "2020-01-27", "2020-01-28",
                         "2020-01-29", "2020-04-30", "2020-05-01", "2020-09-02"]
LATE_SHARE = {"department": 0.04, "district": 0.06, "commune": 0.02}
STUCK_SHARE = {"department": 0.002, "district": 0.004, "commune": 0.001}
CHANNEL_DIRECT, CHANNEL_ONLINE, CHANNEL_POSTAL = 0, 1, 2
STATUS_DONE, STATUS_PENDING, STATUS_WAITING = 0, 1, 2


def working_dates() -> np.ndarray:
    """Full working days (datetime64[D]) from the window start to the end of 2021."""
    k = day_kinds("2018-12-01", "2021-12-31", sample_decision().calendar_file)
    k.loc[k["date"].isin(pd.to_datetime(CLOSED_AFTER_CALENDAR)), "kind"] = "closed"
    return k.loc[k["kind"] == "working", "date"].to_numpy().astype("datetime64[D]")


def draw_chunk(plan: Plan, level: str, quarter: str, *, scale: float, seed: int) -> dict:
    """The dossiers of one level and quarter, sorted as an export is (by reception time).

    Returns numpy arrays of equal length: unit (row of plan.units), day (index into
    plan.days), minute (of the day), proc (row of plan.procs), channel (0 direct,
    1 online, 2 postal), p_online, due and resolved (datetime64[D], NaT when pending
    at the export day), status (0 returned, 1 in progress, 2 waiting for documents),
    seq (1.. within unit and day).
    """
    rng = np.random.default_rng([seed, 1, LEVELS.index(level), list(QUARTERS).index(quarter)])
    first, last = (np.datetime64(x) for x in QUARTERS[quarter])
    day_sel = np.flatnonzero((plan.days >= first) & (plan.days <= last))
    unit_sel = np.flatnonzero((plan.units["level"] == level).to_numpy())
    counts = rng.poisson(plan.volume[np.ix_(unit_sel, day_sel)] * scale).ravel()
    local = np.repeat(np.repeat(np.arange(len(unit_sel)), len(day_sel)), counts)
    unit = unit_sel[local]
    day = np.repeat(np.tile(day_sel, len(unit_sel)), counts)
    n = len(unit)

    # Procedure: inverse CDF of each unit's mix, all units at once (unit k's CDF shifted by k).
    cdf = np.cumsum(plan.mix[unit_sel], axis=1)
    cdf[:, -1] = 1.0
    n_procs = cdf.shape[1]
    flat = (cdf + np.arange(len(unit_sel))[:, None]).ravel()
    proc = np.searchsorted(flat, rng.random(n) + local, side="right") - local * n_procs

    p_online = _sigmoid(plan.trajectory[unit, day] + plan.offset[unit, proc]) * plan.available[proc, day]
    online = rng.random(n) < p_online
    postal = ~online & (rng.random(n) < POSTAL_SHARE[level])
    channel = np.where(online, CHANNEL_ONLINE, np.where(postal, CHANNEL_POSTAL, CHANNEL_DIRECT))

    saturday = plan.kinds[day] == "saturday"
    minute = _minutes(rng, n, online, saturday)
    due, resolved, status = _timeliness(rng, plan, level, unit, day, proc)

    order = np.lexsort((unit, minute, day))
    rows = {"unit": unit, "day": day, "minute": minute, "proc": proc, "channel": channel,
            "p_online": p_online, "due": due, "resolved": resolved, "status": status}
    rows = {k: v[order] for k, v in rows.items()}
    rows["seq"] = _sequence(rows["unit"], rows["day"])
    return rows


def _minutes(rng, n, online, saturday):
    """Reception time: office hours at the desk (Saturday mornings only); online also evenings."""
    morning = rng.integers(7 * 60, 11 * 60 + 30, n)
    afternoon = rng.integers(13 * 60 + 30, 17 * 60, n)
    desk = np.where(rng.random(n) < 0.62, morning, afternoon)
    desk = np.where(saturday, rng.integers(7 * 60 + 30, 11 * 60 + 30, n), desk)
    anytime = rng.integers(6 * 60, 23 * 60, n)
    return np.where(online & (rng.random(n) < 0.35), anytime, desk)


def _timeliness(rng, plan, level, unit, day, proc):
    """Due date (working days after reception), result date (mostly on time) and status."""
    work = working_dates()
    received = plan.days.to_numpy().astype("datetime64[D]")[day]
    k = plan.procs["due_days"].to_numpy()[proc]
    r = np.searchsorted(work, received)                   # first working day on or after reception
    on_working_day = work[np.minimum(r, len(work) - 1)] == received
    start = np.where(on_working_day, r, r - 1)            # a Saturday counts from the Monday
    due = np.where(k == 0, received, work[np.clip(start + k, 0, len(work) - 1)])

    units = plan.units
    unit_late = np.random.default_rng([plan.seed, 3]).lognormal(0.0, 0.6, len(units))
    p_late = np.clip(LATE_SHARE[level] * unit_late[unit], 0, 0.5)
    is_land = plan.procs["field"].to_numpy()[proc] == "Đất đai"
    p_late = np.where(is_land, np.minimum(p_late * 2, 0.5), p_late)
    u = rng.random(len(unit))
    late = u < p_late
    early = ~late & (k > 0) & (u > 1 - np.where(k >= 2, 0.35, 0.2))
    delay = rng.geometric(np.where(is_land, 0.08, 0.3))
    early_idx = start + 1 + (rng.random(len(unit)) * np.maximum(k - 1, 0)).astype(np.int64)
    due_idx = np.where(k == 0, r, start + k)
    idx = np.where(late, due_idx + delay, np.where(early, early_idx, due_idx))
    resolved = np.where(~late & (k == 0), received, work[np.clip(idx, 0, len(work) - 1)])
    stuck = rng.random(len(unit)) < np.where(is_land, 5, 1) * STUCK_SHARE[level]
    pending = stuck | (resolved > EXPORT_DAY)
    resolved = np.where(pending, np.datetime64("NaT"), resolved).astype("datetime64[D]")
    status = np.where(pending, np.where(rng.random(len(unit)) < 0.08, STATUS_WAITING, STATUS_PENDING),
                      STATUS_DONE)
    return due.astype("datetime64[D]"), resolved, status


def _sequence(unit, day):
    """1, 2, ... within each (unit, day), in the given (time) order."""
    key = unit.astype(np.int64) * 1000 + day
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    run = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    seq = np.empty(len(key), dtype=np.int64)
    seq[order] = run + 1
    return seq
