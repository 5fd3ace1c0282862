"""Exports as they really come (issue 9): the national portal's field set, HTML ".xls" dossier lists
and Biểu 06a, local procedure codes, unit names in aggregates, the unit map, and messages that
never echo data. Each layout goes through `chitieu rates` and `chitieu ingest` as a user runs them
(the CLI entry point, in process); every count is a hand tally written in the test.

Fixtures are written here from the public descriptions (field names of the DVCQG sync in
HuanVu201/DichVuCong_KhoaLuan_PASETO, the Biểu 06 form); all values are synthetic.
"""

import csv
import zipfile

import openpyxl
import pandas as pd
import pytest

from chitieu_lib.aggregate import read_flat_csv
from chitieu_lib.cli import main
from chitieu_lib.ingest import read_dossier_file
from chitieu_lib.ingest.codes import match_codes
from chitieu_lib.store import open_store
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

CATALOG = """procedure_code,procedure_name,rule,effective_date
1.001193,Thủ tục A,continuing,
2.000001,Thủ tục B,continuing,
T-CONT,Thủ tục C,continuing,
1.001190,Thủ tục D,continuing,
"""
# Planted personal data (synthetic): no message may ever show any of these.
PERSONAL = ["Nguyễn Thị Hoa Mơ", "Số 12 đường Hoa Lan", "079188001234", "0905111222"]


def _catalog(folder):
    p = folder / "catalog.csv"
    p.write_text(CATALOG, encoding="utf-8")
    return p


def _rates(capsys, *args):
    """`chitieu rates` as a user runs it; returns (exit code, rates by unit, accounting, output)."""
    out = args[args.index("--out") + 1]
    code = main(["rates", *map(str, args)])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    if code != 0:
        return code, None, None, text
    rates = {r["unit_code"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    acc_path = args[args.index("--accounting") + 1] if "--accounting" in args else None
    acc = {r["reason"]: int(r["rows"]) for r in csv.DictReader(open(acc_path, encoding="utf-8"))} \
        if acc_path else None
    return code, rates, acc, text


def _rates_of(capsys, tmp_path, dossiers, catalog, *extra):
    """`chitieu rates` on one dossier file, writing rates and accounting into ``tmp_path``."""
    return _rates(capsys, "--dossiers", dossiers, "--catalog", catalog, "--out", tmp_path / "r.csv",
                  "--accounting", tmp_path / "a.csv", *extra)


def _ingest(capsys, raw, out, *extra):
    code = main(["ingest", str(raw), "--out", str(out), *map(str, extra)])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def _tally(dossiers, unit):
    counted = dossiers[(dossiers["reason"].astype(str) == "counted") & (dossiers["unit_code"].astype(str) == unit)]
    return int((counted["channel"].astype(str) == "online").sum()), len(counted)


# ---------------------------------------------------------------- national portal (DVCQG) field set

DVCQG_HEADERS = ["MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "ChuHoSo",
                 "LoaiDoiTuong", "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayTra",
                 "HinhThuc", "NgayKetThucXuLy", "DonViXuLy", "MaDinhDanh", "NgayNopHoSo"]


def _dvcqg_row(mahoso, code, kenh, ngay, donvi="UBND huyện Vạn Ninh", madinhdanh="", hinhthuc="1"):
    values = dict.fromkeys(DVCQG_HEADERS, "")
    values.update(MaHoSo=mahoso, MaTTHC=code, KenhThucHien=kenh, NgayTiepNhan=ngay, NgayNopHoSo=ngay,
                  DonViXuLy=donvi, MaDinhDanh=madinhdanh, HinhThuc=hinhthuc, ChuHoSo=PERSONAL[0],
                  TrichYeuHoSo="hồ sơ mẫu", TrangThaiHoSo="4")
    return [values[h] for h in DVCQG_HEADERS]


DVCQG_ROWS = [
    _dvcqg_row("H1", "1.001193.000.00.00.H34", "2", "20190305083000"),           # online, local code
    _dvcqg_row("H2", "1.001193", "1", "20190306", hinhthuc="2"),                 # direct (HinhThuc is not the channel)
    _dvcqg_row("H3", "2.000001.000.00.00.H34", "3", "20190401101010"),           # postal
    _dvcqg_row("H4", "9.999999.000.00.00.H34", "2", "20190402000000"),           # not_in_catalogue
    _dvcqg_row("H5", "1.001193.000.00.00.H34", "2", "20191215000000"),           # outside_window
    _dvcqg_row("H6", "1.001193.000.00.00.H34", "2", "20190310", donvi="", madinhdanh="000.00.17.H34"),
]


def _write_dvcqg(path):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(DVCQG_HEADERS)
        w.writerows(DVCQG_ROWS)
    return path


def test_dvcqg_set_with_local_codes_and_compact_dates(tmp_path, capsys):
    cat, d = _catalog(tmp_path), _write_dvcqg(tmp_path / "dvcqg.csv")
    code, rates, acc, text = _rates_of(capsys, tmp_path, d, cat)
    assert code == 0, text
    # Hand tally: H1 online, H2 direct, H3 postal for 571; H6's agency code is unknown without a map.
    assert (rates["571"]["online"], rates["571"]["total"]) == ("1", "3")
    assert (acc["counted"], acc["not_in_catalogue"], acc["outside_window"], acc["unknown_unit"]) == (3, 1, 1, 1)
    assert sum(acc.values()) == 6
    assert PERSONAL[0] not in text

    # The unit map resolves the national agency code; --format forces the profile.
    umap = tmp_path / "units.csv"
    umap.write_text("unit,unit_code\n000.00.17.H34,571\n", encoding="utf-8")
    code, rates, acc, text = _rates_of(capsys, tmp_path, d, cat, "--unit-map", umap, "--format", "dvcqg")
    assert code == 0, text
    assert (rates["571"]["online"], rates["571"]["total"]) == ("2", "4") and acc["unknown_unit"] == 0

    raw = tmp_path / "raw"
    raw.mkdir()
    _catalog(raw), _write_dvcqg(raw / "dvcqg.csv")
    code, text = _ingest(capsys, raw, tmp_path / "store", "--unit-map", umap)
    assert code == 0, text
    store = open_store(tmp_path / "store")
    assert _tally(store.dossiers, "571") == (2, 4)
    d = store.dossiers.set_index("dossier_id")
    # The code as written and the catalogue code it matched are both kept.
    assert (d.loc["H1", "procedure_code"], d.loc["H1", "catalog_code"]) == ("1.001193.000.00.00.H34", "1.001193")
    assert store.manifest["format"] == "auto"
    assert store.manifest["unit_map"]["path"] == str(umap.resolve())
    assert len(store.manifest["unit_map"]["sha256"]) == 64


def test_unknown_format_lists_the_known_ones(tmp_path, capsys):
    cat, d = _catalog(tmp_path), _write_dvcqg(tmp_path / "dvcqg.csv")
    code, _, _, text = _rates(capsys, "--dossiers", d, "--catalog", cat, "--out", tmp_path / "r.csv",
                              "--format", "khac")
    assert code == 2 and "generic" in text and "dvcqg" in text and "opencps" in text
    assert not (tmp_path / "r.csv").exists()


def test_code_matcher_both_directions():
    assert match_codes(["1.001193", "1.001193.000.00.00.H34", "1.001194"],
                       ["2.000001.000.00.00.H34", "1.001193.000.00.00.H34"]).tolist() == [1, 1, -1]
    assert match_codes(["2.000001"], ["2.000001.000.00.00.H34"]).tolist() == [0]


# ---------------------------------------------------------------- HTML ".xls" dossier list

HTML_HEAD = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head><body>')


def _html_list(path):
    rows = [("1", "A1", "T-CONT", "UBND TP Nha Trang", "05/03/2019", "Trực tuyến", PERSONAL[0]),
            ("2", "A2", "T-CONT", "TP. Nha Trang", "06/03/2019", "Trực tiếp", PERSONAL[1]),
            ("3", "A3", "T-CONT", "Sở Tư pháp", "07/03/2019", "Trực tuyến", PERSONAL[0]),
            ("4", "", "", "", "", "", PERSONAL[0])]                       # only an STT and a name
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    path.write_text(
        HTML_HEAD + '<table border="1">'
        '<tr><td colspan="7"><b>DANH S&Aacute;CH HỒ SƠ TIẾP NHẬN</b></td></tr>'
        '<tr><td colspan="7">Từ ngày 01/03/2019 đến ngày 31/03/2019</td></tr>'
        '<tr><th rowspan="2">STT</th><th rowspan="2">Mã hồ sơ</th><th rowspan="2">Mã TTHC</th>'
        '<th colspan="3">Thông tin tiếp nhận</th><th rowspan="2">Họ tên</th></tr>'
        '<tr><th>Cơ quan tiếp nhận</th><th>Ngày tiếp nhận</th><th>Hình thức nộp</th></tr>'
        + body + "</table></body></html>", encoding="utf-8")
    return path


def test_html_xls_dossier_list_with_title_rows_and_merged_headers(tmp_path, capsys):
    cat, d = _catalog(tmp_path), _html_list(tmp_path / "danhsach.xls")
    code, rates, acc, text = _rates_of(capsys, tmp_path, d, cat)
    assert code == 0, text
    # Hand tally: Nha Trang (568) A1 online + A2 direct; Sở Tư pháp A3 online; row 4 is blank_row.
    assert (rates["568"]["online"], rates["568"]["total"]) == ("1", "2")
    assert (rates["STP"]["online"], rates["STP"]["total"]) == ("1", "1")
    assert (acc["counted"], acc["blank_row"], sum(acc.values())) == (3, 1, 4)
    assert not any(p in text for p in PERSONAL)
    frame = read_dossier_file(d, UNITS)
    assert frame["source_row"].tolist() == [5, 6, 7, 8]          # the header ends on the table's 4th row

    raw = tmp_path / "raw"
    raw.mkdir()
    _catalog(raw), _html_list(raw / "danhsach.xls")
    code, text = _ingest(capsys, raw, tmp_path / "store")
    assert code == 0, text
    store = open_store(tmp_path / "store")
    assert _tally(store.dossiers, "568") == (1, 2) and _tally(store.dossiers, "STP") == (1, 1)
    assert int((store.dossiers["reason"].astype(str) == "blank_row").sum()) == 1


# ---------------------------------------------------------------- HTML ".xls" Biểu 06a

def _html_bieu06(path):
    def row(stt, label, *figures):
        return "<tr>" + f"<td>{stt}</td><td>{label}</td>" + "".join(f"<td>{f}</td>" for f in figures) + "</tr>"
    # Figures as text with "." thousands separators: total, online, offline, carried | resolved x4 | pending x3
    inner = ('<table border="1">'
             '<tr><td rowspan="3">STT</td><td rowspan="3">Lĩnh vực, công việc giải quyết theo cấp</td>'
             '<td colspan="4">Số hồ sơ nhận giải quyết</td><td colspan="4">Số hồ sơ đã giải quyết</td>'
             '<td colspan="3">Số hồ sơ đang giải quyết</td></tr>'
             '<tr><td rowspan="2">Tổng số</td><td colspan="2">Trong kỳ</td><td rowspan="2">Từ kỳ trước</td>'
             '<td rowspan="2">Tổng số</td><td rowspan="2">Trước hạn</td><td rowspan="2">Đúng hạn</td>'
             '<td rowspan="2">Quá hạn</td><td rowspan="2">Tổng số</td><td rowspan="2">Trong hạn</td>'
             '<td rowspan="2">Quá hạn</td></tr>'
             '<tr><td>Trực tuyến</td><td>Trực tiếp, dịch vụ bưu chính</td></tr>'
             + row("I", "Cấp xã", "1.334", "1.250", "84", "0", "1.334", "1.000", "300", "34", "0", "0", "0")
             + row("1", "Xã Vạn Thắng, huyện Vạn Ninh", "1.234", "1.200", "34", "0", "1.234", "1.000", "200", "34",
                   "0", "0", "0")
             + row("2", "UBND xã Vạn Phước", "100", "50", "50", "0", "100", "0", "100", "0", "0", "0", "0")
             + row("", "Tổng cộng", "1.334", "1.250", "84", "0", "1.334", "1.000", "300", "34", "0", "0", "0")
             + "</table>")
    path.write_text(
        HTML_HEAD + '<table><tr><td>UBND HUYỆN VẠN NINH</td><td>Biểu số 06a/VPCP/KSTT</td></tr>'
        '<tr><td colspan="2">TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH</td></tr>'
        '<tr><td colspan="2">Kỳ báo cáo: từ ngày 01/01/2019 đến ngày 31/01/2019</td></tr>'
        f'<tr><td colspan="2">{inner}</td></tr></table></body></html>', encoding="utf-8")
    return path


def test_html_xls_bieu06a_with_nested_tables_and_text_numbers(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    _catalog(raw), _html_list(raw / "danhsach.xls"), _html_bieu06(raw / "bieu06a.xls")
    code, text = _ingest(capsys, raw, tmp_path / "store")
    assert code == 0, text
    agg = open_store(tmp_path / "store").aggregates
    lines = agg[(agg["row_kind"].astype(str) == "line") & (agg["reason"].astype(str) == "counted")]
    got = {str(u): (int(o), int(t)) for u, o, t in zip(lines["unit_code"], lines["online"], lines["total"])}
    # Hand tally: "1.200" online of 1.200 + 34 received in the period; Vạn Phước 50 of 100.
    assert got == {"22516": (1200, 1234), "22495": (50, 100)}


# ---------------------------------------------------------------- flat aggregates: every unit-name form

UNIT_FORMS = {"UBND TP Nha Trang": "568", "TP. Nha Trang": "568", "Thành phố Nha Trang": "568", "568": "568",
              "Xã Vạn Thắng, huyện Vạn Ninh": "22516", "UBND xã Vạn Thắng - H. Vạn Ninh": "22516",
              "Sở Tư pháp tỉnh Khánh Hòa": "STP", "Ủy ban nhân dân huyện Vạn Ninh": "571"}


def test_flat_aggregates_resolve_every_unit_name_form(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    _catalog(raw), _html_list(raw / "danhsach.xls")
    lines = ["unit,procedure_code,period_start,period_end,online,total"]
    lines += [f'"{name}",,2019-01-01,2019-01-31,1,2' for name in UNIT_FORMS] + ['"Vạn Thắng",,20190101,20190131,1,2']
    (raw / "flat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    flat = read_flat_csv(raw / "flat.csv", units=UNITS)
    assert flat["unit_code"].astype(str).tolist()[:-1] == list(UNIT_FORMS.values())
    assert flat["reason"].astype(str).tolist() == ["counted"] * len(UNIT_FORMS) + ["ambiguous_unit"]
    assert flat["period_start"].iloc[-1] == pd.Timestamp("2019-01-01")      # compact dates too
    code, text = _ingest(capsys, raw, tmp_path / "store")
    assert code == 0, text
    agg = open_store(tmp_path / "store").aggregates
    counted = agg[agg["reason"].astype(str) == "counted"]
    assert counted["unit_code"].astype(str).value_counts().to_dict() == {"568": 4, "22516": 2, "STP": 1, "571": 1}


# ---------------------------------------------------------------- XLSX number formats

def test_xlsx_numeric_procedure_code_read_as_displayed(tmp_path, capsys):
    cat = _catalog(tmp_path)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Mã hồ sơ", "Mã TTHC", "Mã đơn vị", "Ngày tiếp nhận", "Hình thức nộp"])
    ws.append(["X1", 1.00119, "STP", "05/03/2019", "Trực tuyến"])
    ws.append(["X2", 1.00119, "STP", "06/03/2019", "Trực tiếp"])
    for r in (2, 3):
        ws.cell(row=r, column=2).number_format = "0.000000"
    book.save(tmp_path / "d.xlsx")
    assert read_dossier_file(tmp_path / "d.xlsx", UNITS)["procedure_code"].astype(str).tolist() == ["1.001190"] * 2
    code, rates, acc, text = _rates(capsys, "--dossiers", tmp_path / "d.xlsx", "--catalog", cat,
                                    "--out", tmp_path / "r.csv", "--accounting", tmp_path / "a.csv")
    assert code == 0, text
    assert (rates["STP"]["online"], rates["STP"]["total"], acc["not_in_catalogue"]) == ("1", "2", 0)


# ---------------------------------------------------------------- bad inputs (issue 10, reading)

def test_cell_over_the_csv_field_limit_is_read(tmp_path, capsys):
    cat = _catalog(tmp_path)
    d = tmp_path / "d.csv"
    d.write_text("Mã hồ sơ,Mã TTHC,Mã đơn vị,Ngày tiếp nhận,Hình thức nộp,Ghi chú\n"
                 f"X1,T-CONT,STP,05/03/2019,Trực tuyến,{'x' * 200_000}\n"
                 "X2,T-CONT,STP,06/03/2019,Trực tiếp,\n", encoding="utf-8")
    code, rates, acc, text = _rates_of(capsys, tmp_path, d, cat)
    assert code == 0, text
    assert (rates["STP"]["online"], rates["STP"]["total"]) == ("1", "2")


def _truncated_xlsx(path, tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Mã hồ sơ", "Mã TTHC", "Mã đơn vị", "Ngày tiếp nhận", "Hình thức nộp", "Họ tên"])
    for i in range(300):
        ws.append([f"X{i}", "T-CONT", "STP", "05/03/2019", "Trực tuyến", PERSONAL[0]])
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]                  # the sheet XML cut short
            dst.writestr(item, data)
    whole.unlink()
    return path


@pytest.mark.parametrize("problem", ["column_count", "no_header", "repeated_header", "truncated_xlsx",
                                     "html_missing_column"])
def test_messages_never_echo_personal_data(tmp_path, capsys, problem):
    cat = _catalog(tmp_path)
    folder = tmp_path / "raw"
    folder.mkdir()
    _catalog(folder)
    name = {"truncated_xlsx": "d.xlsx", "html_missing_column": "d.xls"}.get(problem, "d.csv")
    d = folder / name
    person = ",".join(f'"{p}"' for p in PERSONAL)
    if problem == "column_count":
        d.write_text("Mã hồ sơ,Mã TTHC,Mã đơn vị,Ngày tiếp nhận,Hình thức nộp,Họ tên,Địa chỉ,CCCD,Điện thoại\n"
                     f"X1,T-CONT,STP,05/03/2019,Trực tuyến,{person}\n"
                     f"X2,T-CONT,STP,05/03/2019,Trực tuyến,{person},extra,cells\n", encoding="utf-8")
    elif problem == "no_header":
        d.write_text(f"X1,T-CONT,STP,05/03/2019,Trực tuyến,{person}\n" * 3, encoding="utf-8")
    elif problem == "repeated_header":
        d.write_text("Mã hồ sơ,Mã TTHC,Mã đơn vị,Ngày tiếp nhận,Hình thức nộp,Ngày tiếp nhận,Họ tên\n"
                     f"X1,T-CONT,STP,05/03/2019,Trực tuyến,06/03/2019,{PERSONAL[0]}\n", encoding="utf-8")
    elif problem == "truncated_xlsx":
        _truncated_xlsx(d, tmp_path)
    else:
        d.write_text(HTML_HEAD + "<table><tr><th>Mã hồ sơ</th><th>Mã TTHC</th><th>Họ tên</th><th>Địa chỉ</th>"
                     "<th>Cơ quan tiếp nhận</th></tr>"
                     + f"<tr><td>X1</td><td>T-CONT</td><td>{PERSONAL[0]}</td><td>{PERSONAL[1]}</td>"
                       "<td>Sở Tư pháp</td></tr></table></body></html>", encoding="utf-8")
    code, _, _, text = _rates(capsys, "--dossiers", d, "--catalog", cat, "--out", tmp_path / "out" / "r.csv")
    assert code == 2, text
    assert str(d) in text and "Traceback" not in text and len(text) < 1920
    assert not any(p in text for p in PERSONAL), text
    assert not (tmp_path / "out").exists()
    if problem == "repeated_header":
        assert "'Ngày tiếp nhận' appears twice" in text and "columns 4 (D) and 6 (F)" in text
    code, text = _ingest(capsys, folder, tmp_path / "store")
    if problem in ("no_header", "html_missing_column"):
        assert code == 0 and "NOT RECOGNISED" in text       # not a dossier export: reported, not read
    else:
        assert code == 2 and name in text, text             # a dossier file that cannot be read stops ingest
        assert not (tmp_path / "store" / "manifest.json").exists()
    assert not any(p in text for p in PERSONAL) and "Traceback" not in text
    manifest = tmp_path / "store" / "manifest.json"
    if manifest.exists():
        assert not any(p in manifest.read_text(encoding="utf-8") for p in PERSONAL)


# ---------------------------------------------------------------- OpenCPS field names

def test_opencps_fields_are_recognised_and_counted(tmp_path, capsys):
    """OpenCPS names (opencps-v2 DossierConstants, OpenCPS DossierDisplayTerms): `online` is the
    channel flag, `viaPostal` is how the result goes back (never the channel), contactName personal."""
    headers = ["dossierNo", "serviceCode", "serviceName", "govAgencyCode", "govAgencyName", "online",
               "viaPostal", "receiveDatetime", "dossierStatus", "contactName"]
    rows = [  # unit, online flag, viaPostal, received -> by hand
        ["HS1", "1.001193", "A", "x", "UBND huyện Vạn Ninh", "true", "true", "2019-03-05 08:00:00", "done", PERSONAL[0]],
        ["HS2", "1.001193", "A", "x", "UBND huyện Vạn Ninh", "false", "true", "2019-03-06 08:00:00", "done", PERSONAL[0]],
        ["HS3", "2.000001", "B", "x", "UBND huyện Vạn Ninh", "false", "false", "2019-03-07 08:00:00", "done", PERSONAL[0]],
        ["HS4", "2.000001", "B", "x", "Sở Tư pháp", "true", "false", "2019-04-01 08:00:00", "done", PERSONAL[0]],
    ]
    d = tmp_path / "opencps.csv"
    with open(d, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([headers, *rows])
    code, rates, acc, text = _rates(capsys, "--dossiers", d, "--catalog", _catalog(tmp_path), "--out",
                                    tmp_path / "r.csv", "--accounting", tmp_path / "a.csv")
    assert code == 0, text
    assert (rates["571"]["online"], rates["571"]["total"]) == ("1", "3")     # HS1 online of HS1-HS3
    assert (rates["STP"]["online"], rates["STP"]["total"]) == ("1", "1")
    assert acc["counted"] == 4 and not any(p in text for p in PERSONAL)
