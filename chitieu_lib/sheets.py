"""The one writer of tables for spreadsheet programs (XLSX and CSV), safe against formula injection.

A unit, procedure or phòng name comes from a user's files and may read
``=HYPERLINK("http://…","x")``. Following the OWASP rule for CSV injection,
text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written as text: in XLSX as a string cell (never a formula), in CSV with a
leading apostrophe. Numbers stay numbers.

>>> safe_csv_value('=1+2'), safe_csv_value('Sở Y tế'), safe_csv_value(-3)
("'=1+2", 'Sở Y tế', -3)
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .atomic import Content

# OWASP "CSV injection": the first characters a spreadsheet program reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH, _MIN_WIDTH = 60, 10


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet program would take for a formula.

    >>> is_formula_like("@SUM(A1)"), is_formula_like("Xã Vạn Thắng"), is_formula_like(5)
    (True, False, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_csv_value(value: object) -> object:
    """``value``, with a leading apostrophe when it is formula-like text."""
    return "'" + value if is_formula_like(value) else value


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers are safe in CSV; numeric columns untouched.

    >>> csv_safe_frame(pd.DataFrame({"-x": ["+84", "ok"], "n": [-1, 2]})).to_dict("list")
    {"'-x": ["'+84", 'ok'], 'n': [-1, 2]}
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
            out[name] = column.astype(object).map(safe_csv_value)
    out.columns = [safe_csv_value(str(c)) for c in out.columns]
    return out


def csv_writer(frame: pd.DataFrame, *, encoding: str = "utf-8-sig", na_rep: str = "") -> Content:
    """A writer for :mod:`chitieu_lib.atomic`: ``frame`` as a spreadsheet-safe CSV, no index.

    The default encoding carries a BOM so that Excel shows Vietnamese letters correctly.
    Lines end with CRLF (RFC 4180), which also makes the csv module quote a value holding
    a lone carriage return instead of breaking the row there.
    """
    safe = csv_safe_frame(frame)
    return lambda path: safe.to_csv(path, index=False, encoding=encoding, na_rep=na_rep,
                                    lineterminator="\r\n")


def cell_value(value: object) -> object:
    """A value a workbook cell can hold: numpy scalars as Python numbers, missing values as empty.

    >>> cell_value(np.int64(3)), cell_value(float("nan")), cell_value(pd.NA), cell_value(np.bool_(True))
    (3, None, None, True)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()           # numpy's NaT becomes None here
        if value is None:
            return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (str, int, float, bool, dt.date, dt.datetime)):
        return value
    return str(value)


def _column_width(values: Iterable[object]) -> float:
    """A readable column width in Excel: the longest value, within bounds."""
    width = max((len(str(v)) for v in values if v is not None), default=0)
    return min(_MAX_WIDTH, max(_MIN_WIDTH, width + 2))


def sheet_names(names: Iterable[str]) -> list[str]:
    """Excel-valid, distinct sheet names (at most 31 characters, no ``[]:*?/\\``).

    Excel compares sheet names regardless of case, so "Bang" and "bang" are the same name.

    >>> sheet_names(["bang", "bang", "a/b", "", "Bang", "x\\ty"])
    ['bang', 'bang_2', 'a_b', 'bang_3', 'Bang_4', 'x_y']
    """
    used, out = set(), []
    for name in names:
        base = "".join("_" if ch in "[]:*?/\\" or ch < " " else ch for ch in str(name))[:31].strip("'") or "bang"
        candidate, i = base, 2
        while candidate.casefold() in used:
            candidate = f"{base[:28]}_{i}"
            i += 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def xlsx_writer(tables: list[tuple[str, pd.DataFrame]]) -> Content:
    """A writer for :mod:`chitieu_lib.atomic`: one workbook, a sheet per ``(name, frame)``.

    Header in row 1 (bold); text always as string cells (never a formula), numbers as
    numbers, dates as dates, missing values as empty cells, an infinite number as the text
    ``inf`` or ``-inf`` (as in the CSV; Excel would make it a formula). A value no cell can
    hold (text over 32,767 characters, a date with a time zone) is refused with its sheet,
    row and column. Written with XlsxWriter (a third of openpyxl's time on a report's
    tables), in memory, then to ``path`` at once.
    """
    import xlsxwriter  # imported only by what writes a workbook

    def write(path: str) -> None:
        buffer = io.BytesIO()
        wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
        bold = wb.add_format({"bold": True})
        dates = {dt.datetime: wb.add_format({"num_format": "yyyy-mm-dd h:mm:ss"}),
                 dt.date: wb.add_format({"num_format": "yyyy-mm-dd"})}
        for sheet, (_, frame) in zip(sheet_names(n for n, _ in tables), tables):
            ws = wb.add_worksheet(sheet)
            header = [str(c) for c in frame.columns]
            rows = [[cell_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]
            for c, name in enumerate(header):
                _put_cell(ws, (sheet, 0, name), c, name, bold)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    _put_cell(ws, (sheet, r, header[c]), c, value, dates.get(type(value)))
            for c, name in enumerate(header):
                ws.set_column(c, c, _column_width([name, *(row[c] for row in rows)]))
        wb.close()
        Path(path).write_bytes(buffer.getvalue())

    return write


def _put_cell(ws, where: tuple[str, int, str], col: int, value: object, fmt=None) -> None:
    """Write one cell; ``where`` = (sheet, row index, column header) names it in an error."""
    if value is None:
        return
    sheet, row, column = where
    problem = _unwritable(value) or _write_cell(ws, row, col, value, fmt)
    if problem:
        raise ValueError(f"sheet {sheet!r}, row {row + 1}, column {column!r}: {problem}")


def _unwritable(value: object) -> str | None:
    """Why no spreadsheet cell holds ``value`` before trying (XlsxWriter's own error says less)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return "a date and time with a time zone, which a spreadsheet cell cannot hold"
    return None


def _write_cell(ws, row: int, col: int, value: object, fmt) -> str | None:
    """Write ``value`` with the writer of its type; what went wrong, or None."""
    try:
        if isinstance(value, str):
            written = ws.write_string(row, col, value, fmt)   # text stays text, whatever it starts with
        elif isinstance(value, bool):
            written = ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, float) and math.isinf(value):
            written = ws.write_string(row, col, str(value), fmt)
        elif isinstance(value, (int, float)):
            written = ws.write_number(row, col, value, fmt)
        else:
            written = ws.write_datetime(row, col, value, fmt)
    except (TypeError, ValueError, OverflowError):
        return f"a value ({type(value).__name__}) a spreadsheet cell cannot hold"
    if written == -2:
        return f"a text of {len(value):,} characters; a spreadsheet cell holds at most 32,767"
    if written not in (0, None):
        return "beyond a sheet's last row or column (1,048,576 rows, 16,384 columns)"
    return None


def formula_cells(path: str | Path) -> list[str]:
    """Every formula cell of a workbook, as ``sheet!A1`` (empty for a safe workbook); for tests and checks."""
    from openpyxl import load_workbook     # heavy: imported only when a workbook is checked

    wb = load_workbook(path)
    return [f"{ws.title}!{cell.coordinate}" for ws in wb.worksheets for row in ws.iter_rows()
            for cell in row if cell.data_type == "f"]
