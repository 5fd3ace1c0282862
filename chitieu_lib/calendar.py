"""The office calendar: which days one-stop offices receive dossiers.

Weekdays are working days and Sundays closed, except where the calendar file
(``data/reference/vn_office_calendar_2018_2019.csv``) lists a day as ``closed``
(holidays, Tết, bridge days) or ``working`` (a Saturday worked in exchange).
Other Saturdays are ``saturday``: many one-stop desks open in the morning, so
they get dossiers, fewer than on a weekday.

>>> from chitieu_lib.decision import REFERENCE_DIR
>>> cal = REFERENCE_DIR / "vn_office_calendar_2018_2019.csv"
>>> k = day_kinds("2019-02-01", "2019-02-11", cal).set_index("date")["kind"]
>>> k["2019-02-01"], k["2019-02-05"], k["2019-02-11"]
('working', 'closed', 'working')
>>> int(working_days("2019-04-27", "2019-05-05", cal))   # 27/4-1/5 off; Thu 2, Fri 3, Sat 4 (worked)
3
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd



@lru_cache(maxsize=4)
def _listed(path: Path) -> dict:
    # The note column may hold unquoted commas, so split each line at its first two commas.
    lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines() if not ln.startswith("#")][1:]
    rows = [line.split(",", 2) for line in lines if line.strip()]
    return {pd.Timestamp(r[0]): r[1].strip() for r in rows}


def day_kinds(start, end, calendar_file: str | Path) -> pd.DataFrame:
    """One row per day from start to end (inclusive): date, kind (working/saturday/closed).

    ``calendar_file``: the decision's (``decision.calendar_file``) — each year has its own holidays.
    """
    listed = _listed(Path(calendar_file))
    days = pd.date_range(start, end, freq="D")
    kind = pd.Series("working", index=days, dtype=object)
    kind[days.day_of_week == 5] = "saturday"
    kind[days.day_of_week == 6] = "closed"
    for day, what in listed.items():
        if day in kind.index:
            kind[day] = what
    return pd.DataFrame({"date": days, "kind": kind.to_numpy()})


def working_days(start, end, calendar_file: str | Path) -> int:
    """Number of full working days from start to end inclusive (Saturdays not counted)."""
    return int((day_kinds(start, end, calendar_file)["kind"] == "working").sum())
