"""The flat aggregate CSV, prorating by working days, rates from aggregates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from chitieu_lib.aggregate import (aggregate_rates, classify_aggregates, parse_count, prorate, read_flat_csv,
                                   resolve_unit, unit_lookup)
from chitieu_lib.errors import InputError
from chitieu_lib.windows import with_windows
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)


def _catalog():
    return with_windows(pd.DataFrame({
        "procedure_code": ["1.001193", "N.1", "D.1"], "procedure_name": ["Khai sinh", "Mới", "Bỏ"],
        "rule": ["continuing", "new", "dropped"], "effective_date": ["", "2019-06-03", "2019-04-10"],
        "field": "", "authority_level": "", "online_level": ""}), DECISION)


def _working_days_by_hand(start, end):
    # Weekdays, less the closed days of the office calendar; Saturdays worked in exchange added.
    listed = pd.read_csv("chitieu_lib/data/reference/vn_office_calendar_2018_2019.csv", usecols=[0, 1],
                         names=["date", "kind"], header=0, on_bad_lines="skip", comment="#")
    listed = dict(zip(pd.to_datetime(listed["date"]), listed["kind"]))
    n = 0
    for day in pd.date_range(start, end):
        kind = listed.get(day, "working" if day.day_of_week < 5 else "off")
        n += kind == "working"
    return n


def test_flat_csv_vietnamese_headers_and_bad_rows(tmp_path):
    p = tmp_path / "flat.csv"
    p.write_text("Mã đơn vị;Mã TTHC;Từ ngày;Đến ngày;Trực tuyến;Tổng số\n"
                 "22516;1.001193;01/01/2019;31/01/2019;12;40\n"
                 "Xã Vạn Thắng;1.001193;01/02/2019;28/02/2019;1.200;2.000\n"
                 "Xã Không Có;1.001193;01/02/2019;28/02/2019;1;2\n"
                 "22516;1.001193;31/02/2019;28/02/2019;1;2\n"
                 "22516;1.001193;01/03/2019;31/03/2019;5;4\n"
                 "22516;1.001193;01/04/2019;30/04/2019;năm;4\n", encoding="utf-8")
    f = read_flat_csv(p, units=UNITS)
    assert f["reason"].tolist() == ["counted", "counted", "unknown_unit", "invalid_date", "arithmetic_error",
                                    "invalid_count"]
    assert f["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert f.loc[1, ["unit_code", "online", "total", "offline"]].tolist() == ["22516", 1200, 2000, 800]
    assert "Mã đơn vị 'Xã Không Có'" in f.loc[2, "problem"]
    assert "Từ ngày '31/02/2019'" in f.loc[3, "problem"]
    assert "Trực tuyến 5 > Tổng số 4" == f.loc[4, "problem"]
    r = aggregate_rates(f, decision=DECISION)
    assert r[["unit_code", "online", "total"]].values.tolist() == [["22516", 1212.0, 2040.0]]


def test_flat_csv_wrong_header_names_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="x.csv.*expected columns"):
        read_flat_csv(p, units=UNITS)


def test_prorate_new_procedure_mid_month():
    lines = pd.DataFrame({
        "unit_code": "STP", "row_kind": "line", "reason": "counted",
        "procedure_code": ["N.1", "N.1", "N.1", "1.001193", "D.1"],
        "period_start": pd.to_datetime(["2019-05-01", "2019-06-01", "2019-07-01", "2019-06-01", "2019-04-01"]),
        "period_end": pd.to_datetime(["2019-05-31", "2019-06-30", "2019-07-31", "2019-06-30", "2019-04-30"]),
        "online": [7, 8, 9, 10, 11], "total": [20, 40, 30, 50, 60]})
    p = prorate(lines, _catalog(), decision=DECISION)
    # N.1 effective 03/06/2019 counts from 08/06 (Article 2, khoản 2); D.1 dropped 10/04 counts to 10/04.
    june = _working_days_by_hand("2019-06-08", "2019-06-30") / _working_days_by_hand("2019-06-01", "2019-06-30")
    april = _working_days_by_hand("2019-04-01", "2019-04-10") / _working_days_by_hand("2019-04-01", "2019-04-30")
    assert (june, april) == (15 / 20, 8 / 19)   # April: 15/4 (Giỗ Tổ, moved), 29-30/4 closed
    assert p["share"].tolist() == pytest.approx([0.0, june, 1.0, 1.0, april])
    assert p["approximate"].tolist() == [False, True, False, False, True]
    c = classify_aggregates(lines, _catalog(), decision=DECISION)
    assert c["reason"].tolist() == ["outside_window", "counted", "counted", "counted", "counted"]
    r = aggregate_rates(c, by=["procedure_code"], catalog=_catalog(), decision=DECISION).set_index("procedure_code")
    assert r.loc["N.1", "online"] == pytest.approx(8 * june + 9)
    assert r.loc["N.1", "total"] == pytest.approx(40 * june + 30)
    assert r.loc["N.1", "approximate"] and not r.loc["1.001193", "approximate"]
    assert r.loc["1.001193", "rate"] == 10 / 50


def test_period_straddling_window_end():
    lines = pd.DataFrame({"unit_code": "571", "row_kind": "line", "reason": "counted", "procedure_code": None,
                          "period_start": [pd.Timestamp("2019-11-15")], "period_end": [pd.Timestamp("2019-12-14")],
                          "online": [30], "total": [90]})
    p = prorate(lines, decision=DECISION).iloc[0]
    assert p["share"] == _working_days_by_hand("2019-11-15", "2019-11-30") / _working_days_by_hand(
        "2019-11-15", "2019-12-14")
    assert p["approximate"] and p["window_end"] == pd.Timestamp(dt.date(2019, 11, 30))


def test_subtotals_and_excluded_lines_not_added():
    lines = pd.DataFrame({"unit_code": "571", "procedure_code": None,
                          "row_kind": ["line", "line", "subtotal", "total", "line"],
                          "reason": ["counted", "counted", "subtotal", "total", "arithmetic_error"],
                          "period_start": pd.Timestamp("2019-03-01"), "period_end": pd.Timestamp("2019-03-31"),
                          "online": [1, 2, 3, 3, 100], "total": [10, 20, 30, 30, 100]})
    r = aggregate_rates(lines, decision=DECISION).iloc[0]
    assert (r["online"], r["total"], r["lines"]) == (3, 30, 2)


def test_unit_names_and_counts():
    lk = unit_lookup(UNITS)
    assert resolve_unit("UBND huyện Vạn Ninh", lk) == ("571", "ok")
    assert resolve_unit("Xã Vạn Thắng", lk) == ("22516", "ok")
    assert resolve_unit("Xã Không Có", lk) == (None, "unknown_unit")
    assert [parse_count(v) for v in ("1.234", "1,234", "-", None, -1, 2.5, "7")] == [1234, 1234, 0, 0, None, None, 7]
