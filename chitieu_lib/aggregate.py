"""Aggregate reports: the flat aggregate CSV, rates from aggregates, prorating by working days.

An aggregate line says how many dossiers one unit received in one period,
online and in total (``total`` = online + direct/postal received *in the
period*; the carry-over from the previous period is never part of it). Lines
come from Biểu 06 workbooks (:mod:`chitieu_lib.bieu06`) or from a flat CSV::

    unit,procedure_code,period_start,period_end,online,total
    22516,1.001193,2019-01-01,2019-01-31,12,40

Where a line's period straddles the edge of its counting window (Article 2,
:func:`chitieu_lib.windows.window`) only part of it counts. The counted part is
estimated by working days (:func:`chitieu_lib.calendar.working_days`) and the
figure is marked ``approximate=True`` wherever it goes.

>>> lines = pd.DataFrame({"unit_code": ["22516", "22516"], "procedure_code": [None, None],
...     "period_start": pd.to_datetime(["2018-11-01", "2019-01-01"]),
...     "period_end": pd.to_datetime(["2018-12-31", "2019-01-31"]),
...     "online": [30, 10], "total": [100, 40], "row_kind": "line", "reason": "counted"})
>>> from chitieu_lib.decision import DEFAULT_DECISION
>>> d = load_decision(DEFAULT_DECISION)
>>> p = prorate(lines, decision=d)
>>> p[["share", "approximate"]].values.tolist()   # Dec 2018: 20 of the 42 working days
[[0.47619047619047616, True], [1.0, False]]
>>> r = aggregate_rates(lines, decision=d)
>>> round(float(r.loc[0, "rate"]), 4), bool(r.loc[0, "approximate"])
(0.2772, True)
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .calendar import working_days
from .decision import Decision, load_decision, load_units
from .errors import InputError
from .ingest.codes import match_codes
from .ingest.messages import short
from .ingest.dates import parse_day  # noqa: F401 (the one date parser; bieu06 imports it from here)
from .ingest.units import unit_resolver
from .text import fold

# The columns of the aggregates table (aggregates.parquet), in order.
FIGURES = ["received_total", "online", "offline", "carried_over",
           "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
           "pending_total", "pending_on_time", "pending_late"]
AGGREGATE_COLUMNS = (["source_file", "source_kind", "sheet", "source_row", "row_kind", "level_group",
                      "unit_code", "unit_label", "field", "procedure_code", "period_start", "period_end",
                      "online", "offline", "total", "carried_over"]
                     + [f for f in FIGURES if f.startswith(("resolved", "pending"))]
                     + ["received_total", "reason", "problem"])
CATEGORICAL = ["source_file", "source_kind", "sheet", "row_kind", "unit_code", "procedure_code", "reason"]
COUNTED = "counted"

# Flat CSV: the canonical header and the folded spellings accepted for it.
FLAT_COLUMNS = ["unit", "procedure_code", "period_start", "period_end", "online", "total"]
FLAT_ALIASES = {
    "unit": ["unit", "unit code", "unit_code", "don vi", "ma don vi", "ten don vi"],
    "procedure_code": ["procedure code", "procedure_code", "ma tthc", "ma thu tuc", "ma thu tuc hanh chinh"],
    "period_start": ["period start", "period_start", "tu ngay", "ngay bat dau"],
    "period_end": ["period end", "period_end", "den ngay", "ngay ket thuc"],
    "online": ["online", "truc tuyen", "so ho so truc tuyen"],
    "total": ["total", "tong so", "tong so ho so"],
}
_ALIAS_TO_COLUMN = {fold(a): col for col, aliases in FLAT_ALIASES.items() for a in aliases}


# ---------------------------------------------------------------- unit names

def unit_lookup(units: pd.DataFrame, unit_map: dict | None = None):
    """The kit's one unit resolver (:class:`chitieu_lib.ingest.units.UnitResolver`) for
    :func:`resolve_unit`: aggregates resolve names exactly as dossier exports do."""
    return unit_resolver(units, unit_map=unit_map)


def resolve_unit(label: object, lookup, parent: str | None = None) -> tuple[str | None, str]:
    """Unit code for a code or a name as an office writes it, and a status.

    Status is ``ok``, ``unknown_unit`` or ``ambiguous_unit``. "Ủy ban nhân dân
    huyện Vạn Ninh", "UBND huyện Vạn Ninh" and "571" all give ``571``; a name
    shared by communes of two districts is settled by ``parent`` if given. A row
    number written into the label ("1. Xã ...") is not part of the name.

    >>> from chitieu_lib.decision import DEFAULT_DECISION
    >>> lk = unit_lookup(load_units(load_decision(DEFAULT_DECISION)))
    >>> resolve_unit("ỦY BAN NHÂN DÂN HUYỆN VẠN NINH", lk), resolve_unit("Sở Tư Pháp", lk)
    (('571', 'ok'), ('STP', 'ok'))
    >>> resolve_unit("TP. Nha Trang", lk), resolve_unit("Xã Vạn Thắng, huyện Vạn Ninh", lk)
    (('568', 'ok'), ('22516', 'ok'))
    """
    text = str(label if label is not None else "").strip()
    if not text.isdigit():
        text = re.sub(r"^\d+(?:[.)]\d*)*[.)]?\s+(?=\D)", "", text)   # "1. Xã ..." -> "Xã ..."
    code, match = lookup.resolve(text, parent=parent)
    return code, ("ok" if match == "ok" else f"{match}_unit")


# ---------------------------------------------------------------- flat CSV

def _read_csv_text(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                           sep=None, engine="python")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        # pandas' message may quote the file's lines: never shown.
        raise InputError(f"not a readable CSV file ({type(exc).__name__}); save it as 'CSV UTF-8'",
                         path=path) from None


def flat_header_map(headers) -> dict:
    """Map a file's own headers to the flat CSV columns (empty if it is not one)."""
    found = {}
    for h in headers:
        col = _ALIAS_TO_COLUMN.get(fold(h))
        if col and col not in found.values():
            found[h] = col
    return found if set(found.values()) == set(FLAT_COLUMNS) else {}


def parse_count(value: object) -> int | None:
    """A dossier count as offices write it: 1234, "1.234", "1,234", "-" or blank (0); None if not a count.

    >>> [parse_count(v) for v in (12, 12.0, "1.234", " - ", "", "12,5", "abc")]
    [12, 12, 1234, 0, 0, None, None]
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return 0
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value) if value >= 0 else None
    if isinstance(value, (float, np.floating)):
        return int(value) if value >= 0 and float(value).is_integer() else None
    s = str(value).strip()
    if s in ("", "-", "–", "—"):
        return 0
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+|\d+", s):
        return int(re.sub(r"[.,]", "", s))
    return None


def read_flat_csv(path: str | Path, units: pd.DataFrame | None = None, *,
                  source_file: str | None = None, lookup: dict | None = None) -> pd.DataFrame:
    """Read a flat aggregate CSV into the aggregates table (one row per data row, none dropped).

    Rows that cannot be used keep their place with a ``reason`` (unknown_unit,
    ambiguous_unit, invalid_date, invalid_count, arithmetic_error) and a
    ``problem`` naming the column and what was expected.
    """
    path = Path(path)
    raw = _read_csv_text(path)
    mapping = flat_header_map(raw.columns)
    if not mapping:
        raise InputError(f"not a flat aggregate CSV: expected columns {FLAT_COLUMNS}; "
                         f"found {list(raw.columns)}", path=path)
    raw = raw.rename(columns=mapping)[FLAT_COLUMNS]
    lookup = lookup if lookup is not None else unit_lookup(units)
    recs = []
    own = {v: k for k, v in mapping.items()}  # show the user's own header names back
    for i, rec in enumerate(raw.to_dict("records")):
        row, problem, reason = i + 2, None, COUNTED
        code, status = resolve_unit(rec["unit"], lookup)
        start, end = parse_day(rec["period_start"]), parse_day(rec["period_end"])
        online, total = parse_count(rec["online"]), parse_count(rec["total"])
        if status != "ok":
            reason, problem = status, f"{own['unit']} '{short(rec['unit'])}' is not a known unit code or name"
        elif start is None or end is None or end < start:
            col = "period_start" if start is None else "period_end"
            reason = "invalid_date"
            problem = f"{own[col]} '{short(rec[col])}' is not a day (dd/mm/yyyy or yyyy-mm-dd) on or after the start"
        elif online is None or total is None:
            col = "online" if online is None else "total"
            reason, problem = "invalid_count", f"{own[col]} '{short(rec[col])}' is not a whole number of dossiers"
        elif online > total:
            reason = "arithmetic_error"
            problem = f"{own['online']} {online} > {own['total']} {total}"
        recs.append({"source_row": row, "unit_code": code, "unit_label": rec["unit"],
                     "procedure_code": rec["procedure_code"].strip() or None,
                     "period_start": start, "period_end": end, "online": online, "total": total,
                     "offline": None if online is None or total is None else total - online,
                     "reason": reason, "problem": problem})
    out = pd.DataFrame.from_records(recs, columns=["source_row", "unit_code", "unit_label", "procedure_code",
                                                   "period_start", "period_end", "online", "total",
                                                   "offline", "reason", "problem"])
    out["source_file"] = source_file or path.name
    out["source_kind"] = "flat_csv"
    out["row_kind"] = "line"
    return to_aggregate_table(out)


def to_aggregate_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame of aggregate lines the columns and dtypes of the aggregates table."""
    out = pd.DataFrame(index=frame.index)
    for col in AGGREGATE_COLUMNS:
        values = frame[col] if col in frame.columns else pd.Series(pd.NA, index=frame.index)
        if col in ("period_start", "period_end"):
            out[col] = pd.to_datetime(values).astype("datetime64[ns]")
        elif col == "source_row":
            out[col] = values.astype("int64")
        elif col in ("online", "offline", "total", "carried_over", "received_total") or col.startswith(
                ("resolved", "pending")):
            out[col] = pd.to_numeric(values).astype("Int64")
        elif col in CATEGORICAL:
            out[col] = values.astype("str").where(values.notna()).astype("category")
        else:
            out[col] = values.astype("str").where(values.notna(), pd.NA).astype("str")
    return out.reset_index(drop=True)


def empty_aggregates() -> pd.DataFrame:
    """The aggregates table with no rows."""
    return to_aggregate_table(pd.DataFrame({"source_row": pd.Series(dtype="int64")}))


# ---------------------------------------------------------------- prorating and rates

@lru_cache(maxsize=4096)
def _working_days(start: pd.Timestamp, end: pd.Timestamp, calendar_file) -> int:
    return working_days(start, end, calendar_file) if end >= start else 0


def prorate(aggregates: pd.DataFrame, catalog: pd.DataFrame | None = None, *,
            decision: Decision) -> pd.DataFrame:
    """Add each line's counting window and the share of its period inside it.

    The window is the procedure's (from the catalogue) for a line with a
    procedure code found there, else the decision's window (Article 2, khoản 1):
    a Biểu 06 line covers several procedures and is read as continuing ones.
    ``share`` = working days of the period inside the window / working days of
    the period (calendar days if the period has no working day).
    ``online_in_window`` and ``total_in_window`` are the figures times the share;
    ``approximate`` is True where 0 < share < 1: the split is an estimate.
    """
    d = decision
    out = aggregates.copy()
    n = len(out)
    w_start = pd.Series(pd.Timestamp(d.window_start), index=out.index, dtype="datetime64[ns]")
    w_end = pd.Series(pd.Timestamp(d.window_end), index=out.index, dtype="datetime64[ns]")
    if catalog is not None and n and "procedure_code" in out.columns:
        pos = match_codes(out["procedure_code"].astype(object), catalog["procedure_code"].astype(str))
        known = pos >= 0
        w_start[known] = catalog["window_start"].to_numpy(dtype="datetime64[ns]")[pos[known]]
        w_end[known] = catalog["window_end"].to_numpy(dtype="datetime64[ns]")[pos[known]]
    out["window_start"], out["window_end"] = w_start, w_end
    shares = []
    for ps, pe, ws, we in zip(out["period_start"], out["period_end"], w_start, w_end):
        if pd.isna(ps) or pd.isna(pe):
            shares.append(np.nan)
            continue
        lo, hi = max(ps, ws), min(pe, we)
        if hi < lo:
            shares.append(0.0)
        elif lo == ps and hi == pe:
            shares.append(1.0)
        else:
            period = _working_days(ps, pe, d.calendar_file)   # the decision's year, its holidays
            inside = _working_days(lo, hi, d.calendar_file)
            if period == 0:
                period, inside = (pe - ps).days + 1, (hi - lo).days + 1
            shares.append(inside / period)
    out["share"] = pd.Series(shares, index=out.index, dtype="float64")
    out["online_in_window"] = out["online"].astype("Float64") * out["share"]
    out["total_in_window"] = out["total"].astype("Float64") * out["share"]
    out["approximate"] = (out["share"] > 0) & (out["share"] < 1)
    return out


def counted_lines(aggregates: pd.DataFrame) -> pd.DataFrame:
    """The lines a rate adds up: detail lines (no subtotals or totals) with reason ``counted``."""
    keep = (aggregates["row_kind"] == "line") & (aggregates["reason"] == COUNTED)
    return aggregates[keep.fillna(False).to_numpy()]


def aggregate_rates(aggregates: pd.DataFrame, by=("unit_code",), catalog: pd.DataFrame | None = None, *,
                    decision: Decision) -> pd.DataFrame:
    """Online rate from aggregate lines: online / (online + direct/postal) received in the period.

    Only counted detail lines are added (subtotal and total rows are checks, not
    data; the carry-over is never counted). Lines are prorated to their window
    (:func:`prorate`); a group holding any prorated line is ``approximate``.
    Returns ``*by, online, total, rate, approximate, lines`` (online and total
    are floats because prorated figures are not whole numbers).
    """
    by = [by] if isinstance(by, str) else list(by)
    lines = prorate(counted_lines(aggregates), catalog, decision=decision)
    lines = lines[lines["share"] > 0]
    grouped = lines.groupby(by, observed=True, dropna=False, sort=True)
    out = grouped.agg(online=("online_in_window", "sum"), total=("total_in_window", "sum"),
                      approximate=("approximate", "any"), lines=("share", "size")).reset_index()
    out["online"] = out["online"].astype("float64")
    out["total"] = out["total"].astype("float64")
    out["rate"] = (out["online"] / out["total"]).where(out["total"] > 0)
    return out[by + ["online", "total", "rate", "approximate", "lines"]]


def classify_aggregates(aggregates: pd.DataFrame, catalog: pd.DataFrame | None = None, *,
                        decision: Decision) -> pd.DataFrame:
    """Exclude counted lines the decision does not count, with a reason (as for dossiers).

    ``not_in_catalogue``: a flat line whose procedure code is not in the
    catalogue; ``outside_window``: a line whose whole period lies outside its
    window. Lines partly inside stay ``counted`` and are prorated by
    :func:`aggregate_rates`.
    """
    out = aggregates.copy()
    if not len(out):
        return out
    reason = out["reason"].astype(object)
    counted = reason == COUNTED
    if catalog is not None:
        code = out["procedure_code"].astype(object)
        unmatched = match_codes(code, catalog["procedure_code"].astype(str)) < 0
        missing = counted & code.notna() & unmatched
        reason = reason.mask(missing, "not_in_catalogue")
    share = prorate(out, catalog, decision=decision)["share"]
    reason = reason.mask((reason == COUNTED) & (share == 0), "outside_window")
    out["reason"] = reason.astype("category")
    return out
