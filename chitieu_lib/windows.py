"""The procedure catalogue and the counting windows of Article 2 of the decision.

This module is the one place where Article 2 is read. For Decision 817/QĐ-UBND
(window 01/12/2018 – 30/11/2019, 5 grace days), both ends inclusive:

============  =============================================  ==========================
rule          Article 2                                      counted days
============  =============================================  ==========================
continuing    khoản 1: "tính từ ngày 01/12/2018 đến ngày     2018-12-01 .. 2019-11-30
              30/11/2019"
new           khoản 2: "tính sau 05 ngày, kể từ ngày         effective_date + 5 days ..
              Quyết định công bố ... có hiệu lực thi hành    2019-11-30
              đến ngày 30/11/2019"
dropped       khoản 3: "tính từ ngày 01/12/2018 đến ngày     2018-12-01 ..
              Quyết định công bố Danh mục ... năm 2019 ...   effective_date
              có hiệu lực thi hành"
============  =============================================  ==========================

``effective_date`` is, for ``new``, the day the 2019 decision publishing the
procedure took effect; for ``dropped``, the day the 2019 list decision took
effect. A ``new`` procedure effective on 2019-06-01 counts from 2019-06-06.

>>> import datetime as dt
>>> from chitieu_lib.decision import DEFAULT_DECISION
>>> d = load_decision(DEFAULT_DECISION)
>>> window("new", dt.date(2019, 6, 1), d)
(datetime.date(2019, 6, 6), datetime.date(2019, 11, 30))
>>> window("dropped", dt.date(2019, 4, 1), d)
(datetime.date(2018, 12, 1), datetime.date(2019, 4, 1))
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from . import contracts, labels
from .contracts import USER_CATALOG, check_file
from .decision import Decision, load_decision
from .errors import InputError

RULES = contracts.RULES     # continuing, new, dropped
CATALOG_COLUMNS = ["procedure_code", "procedure_name", "rule", "effective_date", "field",
                   "authority_level", "online_level"]
REQUIRED_COLUMNS = ["procedure_code", "procedure_name", "rule"]


def window(rule: str, effective_date: dt.date | None, decision: Decision) -> tuple[dt.date, dt.date]:
    """First and last counted day (inclusive) for a procedure of this rule."""
    d = decision
    if rule == "continuing":
        return d.window_start, d.window_end
    if effective_date is None:
        raise ValueError(f"rule '{rule}' needs an effective_date")
    if rule == "new":
        return effective_date + dt.timedelta(days=d.grace_days), d.window_end
    if rule == "dropped":
        return d.window_start, min(effective_date, d.window_end)
    raise ValueError(f"unknown rule '{rule}'; expected one of {RULES}")


def read_catalog(path: str | Path, decision: Decision) -> pd.DataFrame:
    """Read and check a catalogue CSV; add each procedure's window.

    Returns one row per procedure with the columns of ``CATALOG_COLUMNS`` plus
    ``window_start`` and ``window_end`` (datetime64, inclusive). A bad row stops
    with its row number (header = row 1) and the reason.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("catalogue file not found", path=path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False)
    except UnicodeDecodeError as exc:
        raise InputError(f"catalogue is not UTF-8 text ({exc.reason} at byte {exc.start})",
                         path=path) from None
    raw = raw[~(raw == "").all(axis=1)]      # blank lines dropped; the index still gives each row's number
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(f"catalogue lacks column(s) {missing}; found {list(raw.columns)}", path=path)
    if raw.empty:
        raise InputError("catalogue has no data rows", path=path)
    for col in CATALOG_COLUMNS:
        if col not in raw.columns:
            raw[col] = ""
    cat = raw[CATALOG_COLUMNS].apply(lambda s: s.str.strip())
    return with_windows(cat, decision, path=path)


def with_windows(catalog: pd.DataFrame, decision: Decision, path: object = "catalogue") -> pd.DataFrame:
    """Check a catalogue frame (string columns) row by row and add window_start/window_end."""
    d = decision
    check_file(catalog, USER_CATALOG, path, key="procedure_code")  # all at once; rows = index + 2
    starts, ends, effective = [], [], []
    for rec in catalog.to_dict("records"):
        rule, eff_text = rec["rule"].lower(), rec["effective_date"]
        eff = dt.date.fromisoformat(eff_text) if eff_text else None
        start, end = window(rule, eff, d)
        starts.append(start), ends.append(end), effective.append(eff)
    out = catalog.copy()
    out["rule"] = out["rule"].str.lower()
    out["effective_date"] = pd.to_datetime(pd.Series(effective, index=out.index, dtype=object))
    out["window_start"] = pd.to_datetime(pd.Series(starts, index=out.index))
    out["window_end"] = pd.to_datetime(pd.Series(ends, index=out.index))
    return out.reset_index(drop=True)


def as_of_warnings(as_of: dt.date | str | None, decision) -> list[str]:
    """A warning (Vietnamese: it is shown beside the figures) when ``as_of`` is outside the window.

    >>> as_of_warnings("2019-09-30", load_decision())
    []
    >>> as_of_warnings("2020-01-15", load_decision())[0][:60]
    'Ngày tính đến 15/01/2020 nằm ngoài thời gian tính của Quyết '
    """
    if as_of is None:
        return []
    day = dt.date.fromisoformat(str(as_of)[:10])
    start, end = decision.window_start, decision.window_end
    if start <= day <= end:
        return []
    effect = (labels.say("as_of_before") if day < start
              else labels.say("as_of_after", end=f"{end:%d/%m/%Y}"))
    return [labels.say("as_of_outside", as_of=f"{day:%d/%m/%Y}", number=decision.number,
                       start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}", effect=effect)]
