"""The Biểu 06 figures of a period computed from dossier records (the record-level route to the form)."""

from __future__ import annotations

import pandas as pd

from .layout import FIGURES, with_totals  # noqa: F401 (FIGURES: used by the doctest)


def dossier_figures(dossiers: pd.DataFrame, period_start, period_end, by) -> pd.DataFrame:
    """The 11 Biểu 06 figures of a period, computed from dossier records.

    Uses ``received_date``, ``channel``, ``due_date`` ("Ngày hẹn trả") and
    ``resolved_date`` ("Ngày trả kết quả"). Received in the period splits by
    channel (online vs direct + postal); *từ kỳ trước* are dossiers received
    before the period and not resolved before it; resolved in the period are
    early (before the due day), on time (on it) or late; pending at the end of
    the period are in time if their due day is not past. A dossier without a due
    day counts as early/in time.

    >>> d = pd.DataFrame({"k": "A", "channel": ["online", "direct", "postal"],
    ...     "received_date": pd.to_datetime(["2019-01-28", "2019-02-04", "2019-02-05"]),
    ...     "due_date": pd.to_datetime(["2019-02-08", "2019-02-06", "2019-02-20"]),
    ...     "resolved_date": pd.to_datetime(["2019-02-08", "2019-02-07", None])})
    >>> f = dossier_figures(d, "2019-02-01", "2019-02-28", ["k"]).iloc[0]
    >>> [int(f[c]) for c in FIGURES]
    [3, 0, 2, 1, 2, 0, 1, 1, 1, 0, 1]
    """
    ps, pe = pd.Timestamp(period_start), pd.Timestamp(period_end)
    by = [by] if isinstance(by, str) else list(by)
    rec, res, due = dossiers["received_date"], dossiers["resolved_date"], dossiers["due_date"]
    in_period = (rec >= ps) & (rec <= pe)
    carried = (rec < ps) & ~(res < ps)
    open_in_period = in_period | carried
    resolved = open_in_period & (res >= ps) & (res <= pe)
    pending = open_in_period & ~(res <= pe)
    online = dossiers["channel"].astype(object) == "online"
    flags = pd.DataFrame({
        "received_online": in_period & online,
        "received_offline": in_period & ~online,
        "carried_over": carried,
        "resolved_early": resolved & ~(res >= due),
        "resolved_on_time": resolved & (res == due),
        "resolved_late": resolved & (res > due),
        "pending_on_time": pending & ~(due < pe),
        "pending_late": pending & (due < pe),
    }).fillna(False).astype("int64")
    for col in by:
        flags[col] = dossiers[col].to_numpy()
    out = flags.groupby(by, observed=True, sort=True).sum().reset_index()
    return with_totals(out)
