"""Header variants, the user's header map, missing columns, personal data."""

import unicodedata

import pytest

from _dossier_files import write_csv
from chitieu_lib.errors import InputError
from chitieu_lib.ingest import map_headers, read_dossier_file, read_header_map
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)


@pytest.mark.parametrize("headers", [
    ["Mã hồ sơ", "Mã TTHC", "Cơ quan tiếp nhận", "Ngày tiếp nhận", "Hình thức nộp"],
    ["MÃ HỒ SƠ", "MÃ TTHC", "ĐƠN VỊ TIẾP NHẬN", "NGÀY TIẾP NHẬN", "HÌNH THỨC NỘP"],
    ["Số hồ sơ", "Mã thủ tục", "Mã đơn vị", "Ngày nộp", "Kênh nộp"],
    ["ma_ho_so", "ma tthc", "co quan tiep nhan", "ngay  tiep  nhan", "kenh tiep nhan"],
    ["Mã hồ sơ (*)", "Mã TTHC", "unit_code", "Ngày tiếp nhận (dd/mm/yyyy)", "Hình thức tiếp nhận"],
    [unicodedata.normalize("NFD", h) for h in
     ["Mã hồ sơ", "Mã TTHC", "Cơ quan tiếp nhận", "Ngày tiếp nhận", "Hình thức nộp"]],
    ["dossier_id", "procedure_code", "unit", "received_date", "channel"],
])
def test_header_variants(headers):
    m = map_headers(headers)
    assert {f: m.columns[f][0] for f in ["dossier_id", "procedure_code", "unit", "received_date", "channel"]} == {
        "dossier_id": 0, "procedure_code": 1, "unit": 2, "received_date": 3, "channel": 4}


def test_optional_fields_and_sample_headers():
    headers = ["STT", "Mã hồ sơ", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Đơn vị tiếp nhận",
               "Phòng xử lý", "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả", "Trạng thái"]
    m = map_headers(headers)
    assert m.headers == {"dossier_id": "Mã hồ sơ", "procedure_code": "Mã TTHC",
                         "procedure_name": "Tên thủ tục hành chính", "field": "Lĩnh vực",
                         "unit": "Đơn vị tiếp nhận", "agency": "Phòng xử lý",
                         "received_date": "Ngày tiếp nhận", "channel": "Hình thức nộp",
                         "due_date": "Ngày hẹn trả", "resolved_date": "Ngày trả kết quả", "status": "Trạng thái"}
    assert m.unrecognised == [] and m.personal == []


def test_missing_required_column_names_field_accepted_and_found(tmp_path):
    p = write_csv(tmp_path / "d.csv", [["H1", "T-CONT", "STP", "Trực tuyến"]],
                  headers=["Mã hồ sơ", "Mã TTHC", "Mã đơn vị", "Kênh"])
    with pytest.raises(InputError) as err:
        read_dossier_file(p, UNITS)
    message = str(err.value)
    assert str(p) in message
    assert "'received_date'" in message and "'Ngày tiếp nhận'" in message and "'Ngày nộp'" in message
    assert "'channel'" in message and "'Hình thức nộp'" in message
    assert "Headers found: 'Mã hồ sơ', 'Mã TTHC', 'Mã đơn vị', 'Kênh'" in message


def test_code_column_preferred_over_name_column_and_name_fills_blanks(tmp_path):
    headers = ["Mã hồ sơ", "Mã TTHC", "Cơ quan tiếp nhận", "Mã đơn vị", "Ngày tiếp nhận", "Hình thức nộp"]
    rows = [["H1", "T-CONT", "Vạn Thắng", "22516", "05/03/2019", "Trực tuyến"],      # code settles it
            ["H2", "T-CONT", "UBND TP Nha Trang", "", "05/03/2019", "Trực tuyến"]]   # no code: the name
    d = read_dossier_file(write_csv(tmp_path / "d.csv", rows, headers=headers), UNITS)
    assert d["unit_code"].tolist() == ["22516", "568"]


def test_personal_data_columns_never_reach_the_result(tmp_path):
    headers = ["Mã hồ sơ", "Họ và tên", "Số CMND/CCCD", "Địa chỉ thường trú", "Số điện thoại", "Email",
               "Mã TTHC", "Cơ quan tiếp nhận", "Ngày tiếp nhận", "Hình thức nộp", "Cột lạ"]
    secret = ["Trần Thị Bí Mật", "012345678901", "12 Đường Riêng Tư", "0905123456", "a@b.vn"]
    p = write_csv(tmp_path / "d.csv", [["H1", *secret, "T-CONT", "STP", "05/03/2019", "Trực tuyến", "v"]],
                  headers=headers)
    d = read_dossier_file(p, UNITS)
    dump = d.to_csv() + repr(d.attrs)
    for value in secret:
        assert value not in dump
    assert d.attrs["ingest"]["personal_data_dropped"] == headers[1:6]
    assert d.attrs["ingest"]["unrecognised_dropped"] == ["Cột lạ"]


@pytest.mark.parametrize("suffix, text", [
    (".csv", "header,field\nSố biên nhận,dossier_id\nNơi nhận,unit\nNgày đến,received_date\nMã TTHC,ignore\nThủ tục,procedure_code\n"),
    (".toml", '[headers]\n"Số biên nhận" = "dossier_id"\n"Nơi nhận" = "unit"\n"Ngày đến" = "received_date"\n"Mã TTHC" = "ignore"\n"Thủ tục" = "procedure_code"\n'),
    (".json", '{"Số biên nhận": "dossier_id", "Nơi nhận": "unit", "Ngày đến": "received_date", "Mã TTHC": "ignore", "Thủ tục": "procedure_code"}'),
])
def test_user_header_map_overrides(tmp_path, suffix, text):
    # "Thủ tục" would be procedure_name and "Mã TTHC" procedure_code: the user's map wins.
    mp = tmp_path / f"map{suffix}"
    mp.write_text(text, encoding="utf-8")
    headers = ["Số biên nhận", "Nơi nhận", "Mã TTHC", "Thủ tục", "Ngày đến", "Hình thức nộp"]
    p = write_csv(tmp_path / "d.csv", [["B1", "Sở Tư pháp", "WRONG", "T-CONT", "05/03/2019", "2"]], headers=headers)
    d = read_dossier_file(p, UNITS, header_map=read_header_map(mp))
    r = d.iloc[0]
    assert (r.dossier_id, r.unit_code, r.procedure_code, r.channel) == ("B1", "STP", "T-CONT", "online")


def test_header_map_with_an_unknown_field_is_refused(tmp_path):
    mp = tmp_path / "map.csv"
    mp.write_text("header,field\nSố biên nhận,so_bien_nhan\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a field"):
        read_header_map(mp)


def test_sample_row_layout(tmp_path):
    headers = ["STT", "Mã hồ sơ", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Đơn vị tiếp nhận",
               "Phòng xử lý", "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả", "Trạng thái"]
    rows = [["H1", "T-CONT", "Đăng ký khai sinh", "Hộ tịch", "UBND xã Vạn Thắng, huyện Vạn Ninh", "Bộ phận một cửa",
             "05/03/2019 08:30", "Dịch vụ bưu chính công ích", "08/03/2019 17:00", "07/03/2019 10:00", "Đã trả kết quả"]]
    d = read_dossier_file(write_csv(tmp_path / "d.csv", rows, headers=headers), UNITS)
    r = d.iloc[0]
    assert (r.unit_code, r.channel, r.procedure_name, r.field, r.agency, r.status) == (
        "22516", "postal", "Đăng ký khai sinh", "Hộ tịch", "Bộ phận một cửa", "Đã trả kết quả")
    assert [str(r.due_date.date()), str(r.resolved_date.date())] == ["2019-03-08", "2019-03-07"]
