"""chitieu_lib.sheets: the workbook and CSV writers of the report tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from chitieu_lib import sheets


def test_workbook_cells_keep_their_types(tmp_path):
    frame = pd.DataFrame({
        "Đơn vị": ["Xã Vạn Thắng", "=1+2", None],
        "Hồ sơ": np.array([3, 0, 12], dtype="int64"),
        "Tỷ lệ": [0.25, float("nan"), 1.0],
        "Đạt": [True, False, True],
        "Ngày": [dt.date(2019, 9, 30), pd.Timestamp("2019-10-01 08:30"), pd.NaT],
    })
    path = tmp_path / "t.xlsx"
    sheets.xlsx_writer([("bang", frame), ("bang", frame.head(1))])(str(path))
    book = load_workbook(path)
    assert book.sheetnames == ["bang", "bang_2"]
    ws = book["bang"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == list(frame.columns) and all(c.font.b for c in ws[1])
    assert rows[1] == ["Xã Vạn Thắng", 3, 0.25, True, dt.datetime(2019, 9, 30)]
    assert rows[2] == ["=1+2", 0, None, False, dt.datetime(2019, 10, 1, 8, 30)]
    assert rows[3] == [None, 12, 1, True, None]
    assert ws["A3"].data_type == "s" and ws["B2"].data_type == "n" and ws["D2"].data_type == "b"
    assert ws["E2"].number_format == "yyyy-mm-dd" and ws["E3"].number_format == "yyyy-mm-dd h:mm:ss"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    # Column widths follow the longest value: "Xã Vạn Thắng" (12 characters) + 2, the others the minimum.
    widths = {col: d.width for d in ws.column_dimensions.values() for col in range(d.min, d.max + 1)}
    assert 13.5 < widths[1] < 15 and all(9.5 < widths[k] < 11 for k in (2, 3, 4)), widths


def test_text_longer_than_a_cell_is_refused_not_cut(tmp_path):
    frame = pd.DataFrame({"Mã": ["A", "B"], "Ghi chú": ["ngắn", "x" * 40_000]})
    with pytest.raises(ValueError, match=r"sheet 'bang', row 3, column 'Ghi chú': a text of 40,000 "
                                         r"characters; a spreadsheet cell holds at most 32,767"):
        sheets.xlsx_writer([("bang", frame)])(str(tmp_path / "t.xlsx"))
    assert not (tmp_path / "t.xlsx").exists()


def test_a_date_with_a_time_zone_is_refused_with_where_it_is(tmp_path):
    frame = pd.DataFrame({"Ngày": [pd.Timestamp("2019-10-01 08:30", tz="Asia/Ho_Chi_Minh")]})
    with pytest.raises(ValueError, match=r"sheet 'bang', row 2, column 'Ngày': a date and time with a time zone"):
        sheets.xlsx_writer([("bang", frame)])(str(tmp_path / "t.xlsx"))


def test_infinite_numbers_are_text_as_in_the_csv_never_a_formula(tmp_path):
    frame = pd.DataFrame({"Tỷ lệ": [float("inf"), -np.inf, 0.5],
                          "Ngày": np.array([np.datetime64("NaT"), np.datetime64("2019-09-30"), None], dtype=object)})
    path = tmp_path / "t.xlsx"
    sheets.xlsx_writer([("bang", frame)])(str(path))
    ws = load_workbook(path)["bang"]
    assert [c.value for c in ws["A"][1:]] == ["inf", "-inf", 0.5] and ws["A2"].data_type == "s"
    assert [c.value for c in ws["B"][1:]] == [None, dt.datetime(2019, 9, 30), None]   # NaT: empty
    assert sheets.formula_cells(path) == []
    csv_path = tmp_path / "t.csv"
    sheets.csv_writer(frame)(str(csv_path))
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[1].startswith("inf,")


def test_sheet_names_differing_only_in_case_get_distinct_names(tmp_path):
    frame = pd.DataFrame({"a": [1]})
    path = tmp_path / "t.xlsx"
    sheets.xlsx_writer([("Đơn vị", frame), ("đơn vị", frame), ("x\ty", frame)])(str(path))
    assert load_workbook(path).sheetnames == ["Đơn vị", "đơn vị_2", "x_y"]
