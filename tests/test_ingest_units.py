"""Unit codes and names against the registry; ambiguous names are never guessed."""

import unicodedata

import pytest

from chitieu_lib.ingest import resolve_names
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)


@pytest.mark.parametrize("text, code", [
    ("22516", "22516"), ("022516", "22516"), ("22516.0", "22516"), ("STP", "STP"), ("stp", "STP"),
    ("Sở Tư pháp", "STP"), ("SỞ TƯ PHÁP", "STP"), ("Sở Tư pháp tỉnh Khánh Hòa", "STP"),
    ("Sở Lao động - Thương binh và Xã hội", "SLDTBXH"), ("Sở Lao động – Thương binh và Xã hội", "SLDTBXH"),
    ("Sở Văn hóa, Thể thao", "SVHTT"), ("Sở TT&TT", "STTTT"),
    ("Ban Quản lý Khu kinh tế Vân Phong", "BQLKKT"),
    ("UBND huyện Vạn Ninh", "571"), ("Ủy ban nhân dân huyện Vạn Ninh", "571"),
    ("Uỷ ban nhân dân huyện Vạn Ninh", "571"), ("Vạn Ninh", "571"),
    ("UBND TP Nha Trang", "568"), ("UBND TP. Nha Trang", "568"), ("Thành phố Nha Trang", "568"),
    ("UBND thị xã Ninh Hoà", "572"), ("UBND TX Ninh Hòa", "572"), ("Ninh Hòa", "572"),
    ("UBND xã Vạn Thắng, huyện Vạn Ninh", "22516"), ("UBND xã Vạn Thắng - H. Vạn Ninh", "22516"),
    ("Xã Vạn Thắng", "22516"), ("xã Vạn Thắng thuộc huyện Vạn Ninh", "22516"),
    ("Phường Vạn Thắng", "22345"), ("UBND phường Vạn Thắng, TP Nha Trang", "22345"),
    ("Vạn Thắng, Nha Trang", "22345"),
    ("UBND TT Khánh Vĩnh", "22609"), ("UBND huyện Khánh Vĩnh", "573"),
    ("Xã Diên Hoà", "22684"), ("Xã Diên Hòa", "22684"),
    (unicodedata.normalize("NFD", "UBND xã Vạn Thắng, huyện Vạn Ninh"), "22516"),
    ("UBND huyện Trường Sa", "576"),
])
def test_resolves(text, code):
    r = resolve_names([text], UNITS)
    assert (r["unit_code"][0], r["unit_match"][0]) == (code, "ok")


@pytest.mark.parametrize("text", ["Vạn Thắng", "UBND Vạn Thắng", "Khánh Vĩnh", "Diên Khánh", "Vạn Thạnh",
                                  "UBND Vạn Thạnh"])
def test_names_fitting_two_units_are_ambiguous(text):
    r = resolve_names([text], UNITS)
    assert r["unit_match"][0] == "ambiguous" and r["unit_code"].isna()[0]


@pytest.mark.parametrize("text", ["UBND xã Hòa Bình", "Sở Ngoại vụ", "99999", "Tư pháp", "xã Vạn Thắng, huyện Cam Lâm"])
def test_unknown(text):
    r = resolve_names([text], UNITS)
    assert r["unit_match"][0] == "unknown" and r["unit_code"].isna()[0]


def test_blank_unit_is_unknown():
    import pyarrow as pa
    from chitieu_lib.ingest import resolve_units
    r = resolve_units(pa.array([None, "STP"], type=pa.string()), UNITS)
    assert r["unit_match"].tolist() == ["unknown", "ok"]
