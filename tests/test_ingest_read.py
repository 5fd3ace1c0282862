"""Reading export files: encodings, XLSX, title blocks, delimiters, and the fatal errors."""

import csv
import datetime as dt
import io
import unicodedata

import openpyxl
import pytest

from _dossier_files import HEADERS, row, write_csv
from chitieu_lib.errors import InputError
from chitieu_lib.ingest import read_dossier_file
from chitieu_lib.ingest.read import encode_cp1258, read_table
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

ROWS = [row("H1", unit="UBND xã Vạn Thắng, huyện Vạn Ninh", channel="Trực tuyến"),
        row("H2", unit="UBND TP Nha Trang", day="06/03/2019", channel="Trực tiếp"),
        row("H3", unit="Sở Tư pháp", day="2019-03-07", channel="Dịch vụ bưu chính công ích")]


def _text(rows=ROWS, headers=HEADERS, sep=","):
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator="\n")
    w.writerow(headers)
    w.writerows([str(i + 1)] + r for i, r in enumerate(rows))
    return out.getvalue()


def _check(d):
    assert d["dossier_id"].tolist() == ["H1", "H2", "H3"]
    assert d["unit_code"].tolist() == ["22516", "568", "STP"]
    assert [str(x.date()) for x in d["received_date"]] == ["2019-03-05", "2019-03-06", "2019-03-07"]
    assert d["channel"].tolist() == ["online", "direct", "postal"]
    assert d["source_row"].tolist() == [2, 3, 4]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_encodings(tmp_path, encoding):
    p = tmp_path / "d.csv"
    p.write_text(_text(), encoding=encoding)
    _check(read_dossier_file(p, UNITS))


def test_windows_1258_is_decoded(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(encode_cp1258(_text()))
    d = read_dossier_file(p, UNITS)
    _check(d)
    assert d.attrs["ingest"]["encoding"] == "cp1258"


def test_nfd_text(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(unicodedata.normalize("NFD", _text()), encoding="utf-8")
    _check(read_dossier_file(p, UNITS))


def test_semicolon_delimiter_and_title_block(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("DANH SÁCH HỒ SƠ TIẾP NHẬN;;;;;\nTừ ngày 01/03/2019;;;;;\n\n" + _text(sep=";"),
                 encoding="utf-8")
    d = read_dossier_file(p, UNITS)
    assert d["dossier_id"].tolist() == ["H1", "H2", "H3"]
    assert d["source_row"].tolist() == [5, 6, 7]        # header on line 4


def test_blank_rows_are_not_data_rows_and_row_numbers_hold(tmp_path):
    p = tmp_path / "d.csv"
    lines = _text().splitlines()
    p.write_text("\n".join(lines[:2] + ["", ",,,,,"] + lines[2:]) + "\n\n", encoding="utf-8")
    d = read_dossier_file(p, UNITS)
    assert d["source_row"].tolist() == [2, 5, 6]
    assert d.attrs["ingest"]["blank_rows_skipped"] == 3


def test_undecodable_bytes_are_refused_naming_the_encoding(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(_text().encode("utf-8") + b"H9,\x81\x8d\x8f,x,y,z\n")   # undefined in cp1258 too
    with pytest.raises(InputError, match="not UTF-8") as err:
        read_dossier_file(p, UNITS)
    assert "Windows-1258" in str(err.value) and str(p) in str(err.value)


def test_mixed_encodings_are_refused(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(_text().encode("utf-8") + encode_cp1258("4,H4,T-CONT,Sở Tư pháp,05/03/2019,Trực tuyến\n"))
    with pytest.raises(InputError, match="mixed text encodings"):
        read_dossier_file(p, UNITS)


def test_utf16_without_bom_is_refused(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(_text().encode("utf-16-le"))
    with pytest.raises(InputError, match="UTF-16"):
        read_dossier_file(p, UNITS)


def _xlsx(path, title_rows=0, sheet_name="Sheet1", extra_sheet_first=False):
    book = openpyxl.Workbook()
    ws = book.active
    if extra_sheet_first:
        ws.title = "Tổng hợp"
        ws.append(["không phải danh sách hồ sơ"])
        ws = book.create_sheet(sheet_name)
    else:
        ws.title = sheet_name
    for i in range(title_rows):
        ws.append([f"Tiêu đề {i + 1}"])
    ws.append(HEADERS)
    ws.append([1, "H1", "T-CONT", "UBND xã Vạn Thắng, huyện Vạn Ninh", dt.datetime(2019, 3, 5, 8, 30), "Trực tuyến"])
    ws.append([2, "H2", "T-CONT", 568, "06/03/2019", 1])          # a code typed as a number, channel 1
    ws.append([3, "H3", "T-CONT", "STP", 43531, "BCCI"])          # Excel serial day number: 2019-03-07
    book.save(path)
    return path


def test_xlsx_first_sheet_with_date_cells_and_numbers(tmp_path):
    d = read_dossier_file(_xlsx(tmp_path / "d.xlsx"), UNITS)
    _check(d)


def test_xlsx_named_sheet_below_a_title(tmp_path):
    p = _xlsx(tmp_path / "d.xlsx", title_rows=2, sheet_name="Hồ sơ", extra_sheet_first=True)
    d = read_dossier_file(p, UNITS, sheet="Hồ sơ")
    assert d["dossier_id"].tolist() == ["H1", "H2", "H3"]
    assert d["source_row"].tolist() == [4, 5, 6]       # the sheet's own row numbers
    with pytest.raises(InputError, match="sheet 'Khác' not found"):
        read_dossier_file(p, UNITS, sheet="Khác")


@pytest.mark.parametrize("content, words", [
    (None, "file not found"),
    (b"", "empty"),
    (HEADERS, "no data rows"),
    (b"\xd0\xcf\x11\xe0rest", ".xls"),
])
def test_fatal_file_problems(tmp_path, content, words):
    p = tmp_path / "d.csv"
    if isinstance(content, list):
        p.write_text(",".join(content) + "\n", encoding="utf-8")
    elif content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError, match=words.replace(".", r"\.")) as err:
        read_dossier_file(p, UNITS)
    assert str(p) in str(err.value)


def test_ragged_row_is_refused_with_its_row_number(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(_text() + "4,H4,T-CONT\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 5 has 3 fields but the header has 6"):
        read_dossier_file(p, UNITS)


def test_broken_xlsx(tmp_path):
    p = tmp_path / "d.xlsx"
    p.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a valid XLSX"):
        read_dossier_file(p, UNITS)


def test_write_csv_helper_round_trip(tmp_path):
    d = read_dossier_file(write_csv(tmp_path / "d.csv", ROWS), UNITS)
    _check(d)


def test_windows_1258_found_after_a_long_ascii_head(tmp_path):
    # The first megabyte is plain ASCII (valid UTF-8); the accented row comes later.
    lines = ["dossier_id,procedure_code,unit_code,received_date,channel"]
    lines += [f"H{i},T-CONT,STP,05/03/2019,2" for i in range(60000)]
    lines += ["X1,T-CONT,Sở Tư pháp,05/03/2019,Trực tuyến"]
    p = tmp_path / "d.csv"
    p.write_bytes(encode_cp1258("\n".join(lines) + "\n"))
    d = read_dossier_file(p, UNITS)
    assert d.attrs["ingest"]["encoding"] == "cp1258"
    assert d["unit_text"].iloc[-1] == "Sở Tư pháp" and d["unit_code"].iloc[-1] == "STP"
    assert len(d) == 60001


# Row 2's last cell opens a quote; rows 3 and 4 follow, whole.
_QUOTE_OPENED = ("Mã hồ sơ,Cơ quan tiếp nhận,Mã TTHC,Ngày tiếp nhận,Hình thức nộp,Họ tên\n"
                 'H1,Sở Tư pháp,T1,05/03/2019,Trực tuyến,"Nguyễn Văn A\n'
                 "H2,Sở Tư pháp,T1,06/03/2019,Trực tiếp,Trần Thị B\n"
                 "H3,Sở Tư pháp,T1,07/03/2019,Trực tiếp,Lê Văn C\n")


def _refused(path) -> InputError:
    with pytest.raises(InputError) as err:
        read_dossier_file(path, UNITS)
    assert (err.value.row, err.value.column) == (2, "Họ tên")
    assert not any(name in str(err.value) for name in ("Nguyễn", "Trần", "Lê Văn", "Phạm", "Hồ Thị"))
    return err.value


def test_a_quote_never_closed_is_refused_not_swallowing_rows(tmp_path):
    """Row 2's last cell opens a quote that never closes: rows 3-4 would vanish into it (issue 10)."""
    p = tmp_path / "d.csv"
    p.write_text(_QUOTE_OPENED, encoding="utf-8")
    message = str(_refused(p))
    assert "does not close on its row" in message and "2 line(s)" in message


def test_a_quote_closed_rows_later_is_refused_even_when_the_last_line_is_whole(tmp_path):
    """Row 2 opens a quote that row 5's quoted cell closes: a CSV reader makes rows 2-5 one record.
    The file's last line is a whole record, so only counting lines shows that rows are gone
    (they were merged silently before)."""
    p = tmp_path / "d.csv"
    p.write_text(_QUOTE_OPENED + 'H4,Sở Tư pháp,T1,08/03/2019,Trực tiếp,"Phạm Văn D"\n'
                 "H5,Sở Tư pháp,T1,09/03/2019,Trực tiếp,Hồ Thị E\n", encoding="utf-8")
    assert "3 line(s)" in str(_refused(p))


@pytest.mark.parametrize("cell", ['"Số 12\nngõ 2, phường 3, quận 4, TP HN, Việt Nam"',
                                  '"dòng 1\r\ndòng 2, có, phẩy"', '"một\nhai\nba"'])
def test_a_cell_with_line_breaks_and_commas_is_read_whatever_its_row(tmp_path, cell):
    """Found by a hostile test: once lines were counted, an address on two lines in a middle row
    (its last line with as many commas as the header has, less one) was refused."""
    p = tmp_path / "d.csv"
    p.write_text("a,b,c,d,e,f\n" + f"1,2,3,4,5,{cell}\n" + "7,8,9,10,11,12\n", encoding="utf-8")
    table = read_table(p)
    assert table.source_row.tolist() == [2, 3]
    assert table.columns[5].to_pylist()[0] == cell.strip('"')


def test_a_file_with_old_mac_line_endings_is_read(tmp_path):
    """Lines ending in a bare CR (found by a hostile review: a raw csv error, no file named)."""
    p = tmp_path / "d.csv"
    p.write_text("Báo cáo hồ sơ\rMã hồ sơ,Ghi chú,Họ tên\rH1,a,x\rH2,b,y\r", encoding="utf-8", newline="")
    table = read_table(p, header_score=lambda cells: int(cells[:1] == ["Mã hồ sơ"]))
    assert table.header_row == 2 and table.source_row.tolist() == [3, 4]
    assert table.columns[0].to_pylist() == ["H1", "H2"]


@pytest.mark.parametrize("last_spans_lines", [False, True])
def test_rows_are_numbered_one_per_record_whatever_spans_lines(tmp_path, last_spans_lines):
    """A quoted cell with line breaks stays in its spreadsheet row, as Excel shows the file: the
    rows after it keep their numbers, whether or not the file's last record spans lines too
    (the two ways the reader counts rows)."""
    last = '"dòng 1\ndòng 2"' if last_spans_lines else "ghi chú"
    p = tmp_path / "d.csv"
    p.write_text("Báo cáo hồ sơ\n"                                  # a title above the header: row 1
                 "Mã hồ sơ,Ghi chú\n"                                # header: row 2
                 'H1,"một\nhai\nba"\n'                               # row 3, on three lines
                 "\n"                                                # row 4, blank
                 "H2,bình thường\n"                                  # row 5
                 f"H3,{last}\n", encoding="utf-8")                   # row 6
    table = read_table(p, header_score=lambda cells: int(cells[:1] == ["Mã hồ sơ"]))
    assert table.header_row == 2
    assert table.source_row.tolist() == [3, 4, 5, 6]
