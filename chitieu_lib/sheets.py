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
    """A value openpyxl can store: numpy scalars as Python numbers, missing values as empty.

    >>> cell_value(np.int64(3)), cell_value(float("nan")), cell_value(pd.NA), cell_value(np.bool_(True))
    (3, None, None, True)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (str, int, float, bool, dt.date, dt.datetime)):
        return value
    return str(value)


def _put_row(ws, row: int, values: Iterable[object], bold=None) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        value = cell_value(value)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
        if bold is not None:
            cell.font = bold


def _fit_widths(ws) -> None:
    """Readable column widths in Excel: the longest value, within bounds."""
    for cells in ws.columns:
        width = max(len(str(c.value)) if c.value is not None else 0 for c in cells)
        ws.column_dimensions[cells[0].column_letter].width = min(_MAX_WIDTH, max(_MIN_WIDTH, width + 2))


def sheet_names(names: Iterable[str]) -> list[str]:
    """Excel-valid, distinct sheet names (at most 31 characters, no ``[]:*?/\\``).

    >>> sheet_names(["bang", "bang", "a/b", ""])
    ['bang', 'bang_2', 'a_b', 'bang_3']
    """
    used, out = set(), []
    for name in names:
        base = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))[:31].strip("'") or "bang"
        candidate, i = base, 2
        while candidate in used:
            candidate = f"{base[:28]}_{i}"
            i += 1
        used.add(candidate)
        out.append(candidate)
    return out


def xlsx_writer(tables: list[tuple[str, pd.DataFrame]]) -> Content:
    """A writer for :mod:`chitieu_lib.atomic`: one workbook, a sheet per ``(name, frame)``.

    Header in row 1 (bold); text always as string cells, numbers as numbers.
    """
    from openpyxl import Workbook          # heavy: imported only by what writes a workbook
    from openpyxl.styles import Font

    def write(path: str) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        bold = Font(bold=True)
        for sheet, (_, frame) in zip(sheet_names(n for n, _ in tables), tables):
            ws = wb.create_sheet(sheet)
            _put_row(ws, 1, [str(c) for c in frame.columns], bold)
            for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
                _put_row(ws, i, row)
            _fit_widths(ws)
        wb.save(path)

    return write


def formula_cells(path: str | Path) -> list[str]:
    """Every formula cell of a workbook, as ``sheet!A1`` (empty for a safe workbook); for tests and checks."""
    from openpyxl import load_workbook     # heavy: imported only when a workbook is checked

    wb = load_workbook(path)
    return [f"{ws.title}!{cell.coordinate}" for ws in wb.worksheets for row in ws.iter_rows()
            for cell in row if cell.data_type == "f"]
