"""Biểu 06: reading by content, subtotals, arithmetic, and agreement with record-level rates."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from chitieu_lib.aggregate import aggregate_rates
from chitieu_lib.bieu06 import (FIGURES, bieu06_to_aggregates, check_bieu06, dossier_figures, read_bieu06,
                                write_bieu06)
from chitieu_lib.sample.workbooks import write_workbooks_from_dossiers
from chitieu_lib.errors import InputError
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

PARTS = ["received_online", "received_offline", "carried_over", "resolved_early", "resolved_on_time",
         "resolved_late", "pending_on_time", "pending_late"]


def _lines():
    # received (online + offline + carried) == resolved + pending on every line, as in a real form.
    rows = [
        ("Cấp huyện", "Lĩnh vực Đất đai", 5, 20, 2, 10, 5, 2, 8, 2),
        ("Cấp huyện", "Lĩnh vực Xây dựng", 3, 7, 0, 5, 2, 0, 3, 0),
        ("Cấp xã", "Xã Vạn Thắng", 10, 30, 100, 20, 10, 1, 100, 9),
        ("Cấp xã", "Thị trấn Vạn Giã", 4, 16, 0, 10, 5, 0, 5, 0),
    ]
    return pd.DataFrame(rows, columns=["group", "label"] + PARTS)


@pytest.fixture
def workbook(tmp_path):
    return write_bieu06(tmp_path / "571_2019-01.xlsx", _lines(), office="Ủy ban nhân dân huyện Vạn Ninh",
                        period_start="2019-01-01", period_end="2019-01-31", period_label="tháng 01/2019")


def test_read_back_what_was_written(workbook):
    f = read_bieu06(workbook, units=UNITS)
    assert f["row_kind"].tolist() == ["subtotal", "line", "line", "subtotal", "line", "line", "total"]
    lines = f[f["row_kind"] == "line"]
    # Commune rows resolve to their own unit; field rows belong to the reporting unit (title block).
    assert lines["unit_code"].tolist() == ["571", "571", "22516", "22489"]
    assert lines["field"].tolist()[:2] == ["Lĩnh vực Đất đai", "Lĩnh vực Xây dựng"]
    assert lines["level_group"].tolist() == ["Cấp huyện", "Cấp huyện", "Cấp xã", "Cấp xã"]
    assert lines["received_online"].tolist() == [5, 3, 10, 4]
    assert lines["carried_over"].tolist() == [2, 0, 100, 0]
    assert lines["received_total"].tolist() == [27, 10, 140, 20]
    assert (f["period_start"] == pd.Timestamp("2019-01-01")).all()
    assert (f["period_end"] == pd.Timestamp("2019-01-31")).all()
    # Subtotal of "Cấp xã" on the sheet: the group row sits above its lines.
    sub = f[f["label"] == "Cấp xã"].iloc[0]
    assert sub["received_online"] == 14 and sub["stt"] == "II"
    assert (f.loc[f["row_kind"] == "line", "parent_row"].tolist()
            == [sub["source_row"] - 3, sub["source_row"] - 3, sub["source_row"], sub["source_row"]])
    assert check_bieu06(f).empty


def test_rate_counts_lines_once_and_never_the_carry_over(workbook):
    agg = bieu06_to_aggregates(read_bieu06(workbook, units=UNITS))
    r = aggregate_rates(agg.assign(all="x"), by="all", decision=DECISION).iloc[0]
    # Lines only (subtotals and the total are not added again): online 5+3+10+4, received in the
    # period (5+20)+(3+7)+(10+30)+(4+16); Vạn Thắng's 100 dossiers carried over are not in it.
    assert r["online"] == 22 and r["total"] == 95
    assert r["rate"] == pytest.approx(22 / 95)
    assert not r["approximate"]
    vt = aggregate_rates(agg, decision=DECISION).set_index("unit_code").loc["22516"]
    assert vt["rate"] == pytest.approx(10 / 40)


def test_header_found_by_content_anywhere(tmp_path):
    # Header starts in column B, row 4, upper case and decomposed (NFD) accents; no column-number row.
    import unicodedata
    nfd = lambda s: unicodedata.normalize("NFD", s).upper()  # noqa: E731
    wb = Workbook()
    ws = wb.active
    ws["B1"] = "SỞ TƯ PHÁP"
    ws["B2"] = "Kỳ báo cáo: Quý I năm 2019 (Từ ngày 01/01/2019 đến ngày 31/03/2019)"
    ws["B4"], ws["C4"] = nfd("Số TT"), nfd("Lĩnh vực, công việc giải quyết theo cấp")
    ws["D4"], ws["H4"], ws["L4"] = (nfd("Số hồ sơ nhận giải quyết"), nfd("Số hồ sơ đã giải quyết"),
                                    nfd("Số hồ sơ đang giải quyết"))
    ws.merge_cells("D4:G4"), ws.merge_cells("H4:K4"), ws.merge_cells("L4:N4")
    ws["D5"], ws["E5"], ws["G5"] = "Tổng số", "Trong kỳ", "Từ kỳ trước"
    ws.merge_cells("E5:F5")
    ws["E6"], ws["F6"] = "Trực tuyến", "Trực tiếp/dịch vụ bưu chính"
    for col, text in zip("HIJK", ["Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn"]):
        ws[f"{col}5"] = text
    for col, text in zip("LMN", ["Tổng số", "Trong hạn", "Quá hạn"]):
        ws[f"{col}5"] = text
    ws.append([None, "I", "Cấp tỉnh", 30, 10, 15, 5, 20, 10, 5, 5, 10, 8, 2])
    ws.append([None, "1", "Hộ tịch", 30, 10, 15, 5, 20, 10, 5, 5, 10, 8, 2])
    ws.append([None, None, "Người lập biểu", None, None, None, None, None, None, "Giám đốc"])
    path = tmp_path / "stp.xlsx"
    wb.save(path)
    f = read_bieu06(path, units=UNITS)
    line = f[f["row_kind"] == "line"].iloc[0]
    assert (line["source_row"], line["unit_code"], line["field"]) == (8, "STP", "Hộ tịch")
    assert [int(line[c]) for c in FIGURES] == [30, 10, 15, 5, 20, 10, 5, 5, 10, 8, 2]
    assert (line["period_start"], line["period_end"]) == (pd.Timestamp("2019-01-01"), pd.Timestamp("2019-03-31"))
    assert len(f) == 2 and check_bieu06(f).empty


def _edit(path, cell, value):
    wb = load_workbook(path)
    wb.active[cell] = value
    wb.save(path)


def test_subtotal_mismatch_reported_with_row(workbook):
    f = read_bieu06(workbook, units=UNITS)
    sub_row = int(f.loc[f["label"] == "Cấp xã", "source_row"].iloc[0])
    _edit(workbook, f"D{sub_row}", 99)    # Trực tuyến of the "Cấp xã" subtotal; its lines say 10 + 4
    f = read_bieu06(workbook, units=UNITS)
    p = check_bieu06(f)
    sub = p[(p["check"] == "subtotal")]
    assert sub[["source_row", "column", "expected", "found"]].values.tolist() == [
        [sub_row, "received_online", 14, 99]]
    assert f"row {sub_row}" in sub["message"].iloc[0]
    # The subtotal row also breaks its own arithmetic (Tổng số ≠ its parts), and the total row,
    # checked against the group rows as written, disagrees with the 99.
    assert set(p["check"]) == {"subtotal", "arithmetic", "total"}
    # Lines are still counted, once: the wrong subtotal changes nothing in the rate.
    r = aggregate_rates(bieu06_to_aggregates(f, p).assign(all="x"), by="all", decision=DECISION).iloc[0]
    assert (r["online"], r["total"]) == (22, 95)


def test_arithmetic_error_reported_and_line_not_counted(workbook):
    f = read_bieu06(workbook, units=UNITS)
    row = int(f.loc[f["label"] == "Xã Vạn Thắng", "source_row"].iloc[0])
    _edit(workbook, f"C{row}", 141)       # Tổng số 141 but 10 + 30 + 100 = 140
    f = read_bieu06(workbook, units=UNITS)
    p = check_bieu06(f)
    arith = p[(p["check"] == "arithmetic") & (p["source_row"] == row)]
    assert arith[["column", "expected", "found"]].values.tolist() == [["received_total", 140, 141]]
    assert "Trực tuyến + Trực tiếp, dịch vụ bưu chính + Từ kỳ trước = 140" in arith["message"].iloc[0]
    agg = bieu06_to_aggregates(f, p)
    assert agg.loc[agg["source_row"] == row, "reason"].tolist() == ["arithmetic_error"]
    assert "22516" not in set(aggregate_rates(agg, decision=DECISION)["unit_code"])


def test_period_straddling_window_start_is_prorated_and_approximate(tmp_path):
    lines = _lines().iloc[[2]]
    path = write_bieu06(tmp_path / "b.xlsx", lines, office="UBND huyện Vạn Ninh",
                        period_start="2018-11-01", period_end="2018-12-31")
    r = aggregate_rates(bieu06_to_aggregates(read_bieu06(path, units=UNITS)), decision=DECISION).set_index("unit_code").loc["22516"]
    # November 2018 has 22 working days, December 20 (31/12 was a holiday): 20/42 of the period counts.
    assert r["online"] == pytest.approx(10 * 20 / 42)
    assert r["total"] == pytest.approx(40 * 20 / 42)
    assert r["approximate"]


def test_not_a_count_and_no_header_are_input_errors(workbook, tmp_path):
    f = read_bieu06(workbook, units=UNITS)
    row = int(f.loc[f["label"] == "Thị trấn Vạn Giã", "source_row"].iloc[0])
    _edit(workbook, f"E{row}", "mười")
    with pytest.raises(InputError) as err:
        read_bieu06(workbook, units=UNITS)
    assert err.value.row == row and "Trực tiếp" in err.value.column
    wb = Workbook()
    wb.active["A1"] = "Bảng kê"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError, match="no Biểu 06 table"):
        read_bieu06(tmp_path / "other.xlsx", units=UNITS)


def test_dossier_figures_carry_over_and_deadlines():
    d = pd.DataFrame({
        "u": "A",
        "channel": ["online", "direct", "online", "postal", "direct"],
        "received_date": pd.to_datetime(["2019-01-20", "2019-01-25", "2019-02-01", "2019-02-11", "2019-01-10"]),
        "due_date": pd.to_datetime(["2019-02-05", "2019-02-01", "2019-02-10", "2019-03-10", "2019-01-15"]),
        "resolved_date": pd.to_datetime(["2019-02-05", None, "2019-02-12", None, "2019-01-15"]),
    })
    f = dossier_figures(d, "2019-02-01", "2019-02-28", "u").iloc[0]
    # Carried over: received in January and not resolved before February (rows 0, 1); row 4 was
    # resolved in January. Resolved in February: row 0 on its due day, row 2 two days late.
    # Pending at 28/02: row 1 (due 01/02, overdue) and row 3 (due 10/03, in time).
    assert {c: int(f[c]) for c in FIGURES} == {
        "received_total": 4, "received_online": 1, "received_offline": 1, "carried_over": 2,
        "resolved_total": 2, "resolved_early": 0, "resolved_on_time": 1, "resolved_late": 1,
        "pending_total": 2, "pending_on_time": 1, "pending_late": 1}


# ---------------------------------------------------------------- both routes

def _dossier_csv(path):
    """A small record-level export: Vạn Ninh and two of its communes, Sở Tư pháp with a new procedure."""
    import numpy as np
    rng = np.random.default_rng(7)
    rows = []
    days = pd.bdate_range("2018-12-01", "2019-11-29")
    units = [("571", "L.0002"), ("22516", "1.001193"), ("22489", "2.000815"), ("STP", "L.0001"),
             ("STP", "1.000001")]
    n = 0
    for unit, proc in units:
        for day in rng.choice(days, size=60, replace=False):
            n += 1
            day = pd.Timestamp(day)
            channel = rng.choice(["Trực tuyến", "Trực tiếp", "Bưu chính"], p=[0.3, 0.6, 0.1])
            due = day + pd.Timedelta(days=int(rng.integers(1, 10)))
            res = day + pd.Timedelta(days=int(rng.integers(0, 14)))
            rows.append([f"H{n}", unit, proc, f"{day:%d/%m/%Y}", channel, f"{due:%d/%m/%Y}",
                         "" if res > pd.Timestamp("2019-11-20") else f"{res:%d/%m/%Y}"])
    frame = pd.DataFrame(rows, columns=["Mã hồ sơ", "Mã đơn vị", "Mã TTHC", "Ngày tiếp nhận", "Hình thức nộp",
                                        "Ngày hẹn trả", "Ngày trả kết quả"])
    frame.to_csv(path, index=False)


CATALOG = """procedure_code,procedure_name,rule,effective_date,field,authority_level,online_level
1.001193,Đăng ký khai sinh,continuing,,Hộ tịch,commune,3
2.000815,Chứng thực bản sao từ bản chính,continuing,,Chứng thực,commune,3
L.0002,Cấp phép xây dựng (mã địa phương),continuing,,Xây dựng,district,3
1.000001,Thủ tục của Sở (mã địa phương),continuing,,Hộ tịch,department,3
L.0001,Thủ tục mới năm 2019 (mã địa phương),new,2019-06-12,Lý lịch tư pháp,department,4
"""


def test_both_routes_give_the_same_rates_on_whole_months(tmp_path):
    from chitieu_lib.aggregate import read_flat_csv
    from chitieu_lib.ingest import load_dossiers
    from chitieu_lib.windows import read_catalog

    (tmp_path / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    _dossier_csv(tmp_path / "dossiers.csv")
    catalog = read_catalog(tmp_path / "catalog.csv", DECISION)
    dossiers = load_dossiers(tmp_path / "dossiers.csv", catalog, decision=DECISION)
    written = write_workbooks_from_dossiers(dossiers, catalog, tmp_path, district="571", department="STP")
    assert len(written) == 12 + 1 + 1

    # Route 1: record level, a plain count per unit and month.
    c = dossiers[dossiers["reason"] == "counted"]
    rec = (c.assign(online=(c["channel"] == "online").astype(int))
           .groupby([c["unit_code"].astype(str), "month"])["online"].agg(["sum", "size"]))
    rec.index.names = ["unit_code", "period_start"]

    # Route 2: the monthly Biểu 06 workbooks of Vạn Ninh, read back.
    agg = pd.concat([bieu06_to_aggregates(read_bieu06(p, units=UNITS)) for p in written if p.name.startswith("571_")])
    via = aggregate_rates(agg, by=["unit_code", "period_start"], decision=DECISION).set_index(["unit_code", "period_start"])
    assert len(via) == 14 * 12 and not via["approximate"].any()   # the district and its 13 communes
    for key, row in via.iterrows():
        online, total = rec.loc[key] if key in rec.index else (0, 0)
        assert (row["online"], row["total"]) == (online, total), key

    # Quarter I of Sở Tư pháp (continuing procedures only in the quarter).
    q = bieu06_to_aggregates(read_bieu06(tmp_path / "bieu06" / "STP_2019-Q1.xlsx", units=UNITS))
    stp = aggregate_rates(q, decision=DECISION).set_index("unit_code").loc["STP"]
    in_q = c[(c["unit_code"] == "STP") & (c["month"] >= "2019-01-01") & (c["month"] <= "2019-03-01")]
    assert (stp["online"], stp["total"]) == ((in_q["channel"] == "online").sum(), len(in_q))

    # The flat CSV counts whole months per procedure: only June (L.0001's window opens on 17/06,
    # 12/06 + 5 days) is prorated; it alone differs from the record level and is marked approximate.
    flat = read_flat_csv(tmp_path / "aggregates" / "flat_STP_2019.csv", units=UNITS)
    by = ["procedure_code", "period_start"]
    f = aggregate_rates(flat, by=by, catalog=catalog, decision=DECISION).set_index(by)
    r = (c[c["unit_code"] == "STP"].assign(online=lambda x: (x["channel"] == "online").astype(int))
         .groupby([c["procedure_code"].astype(str), "month"])["online"].agg(["sum", "size"]))
    approx = f[f["approximate"]]
    assert approx.index.tolist() == [("L.0001", pd.Timestamp("2019-06-01"))]
    june = approx.iloc[0]
    assert june["total"] == pytest.approx(flat.set_index(by).loc[("L.0001", "2019-06-01"), "total"] * 10 / 20)
    for key, row in f[~f["approximate"]].iterrows():
        assert (row["online"], row["total"]) == tuple(r.loc[key]), key
