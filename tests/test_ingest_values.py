"""Day-first dates and channel words."""

import unicodedata

import pandas as pd
import pyarrow as pa
import pytest

from chitieu_lib.ingest.values import parse_channels, parse_dates


@pytest.mark.parametrize("text, expected", [
    ("05/03/2019", "2019-03-05"),            # day first: 5 March, never 3 May
    ("5/3/2019", "2019-03-05"),
    ("05/03/2019 08:30", "2019-03-05"),
    ("05/03/2019 23:59:59", "2019-03-05"),
    ("5-3-2019", "2019-03-05"),
    ("05.03.2019", "2019-03-05"),
    ("12/01/2019 7:05 SA", "2019-01-12"),
    ("2019-03-05", "2019-03-05"),
    ("2019-03-05 08:30:00", "2019-03-05"),
    ("2019-03-05T08:30:00", "2019-03-05"),
    ("43529", "2019-03-05"),                 # Excel serial day number
    ("43529.75", "2019-03-05"),
    ("  01/12/2018  ", "2018-12-01"),
    ("31/12/2019", "2019-12-31"),
])
def test_dates(text, expected):
    assert str(parse_dates(pa.array([text]))[0].date()) == expected


@pytest.mark.parametrize("text", ["31/02/2019", "13/13/2019", "không rõ", "05/03/19", "2019", "0", "12345"])
def test_invalid_dates_are_nat(text):
    assert pd.isna(parse_dates(pa.array([text]))[0])


def test_dates_keep_row_order_over_repeated_values():
    values = ["01/02/2019", None, "02/01/2019", "01/02/2019"]
    out = parse_dates(pa.array(values, type=pa.string()))
    assert out.dtype == "datetime64[ns]"
    assert [None if pd.isna(x) else str(x.date()) for x in out] == ["2019-02-01", None, "2019-01-02", "2019-02-01"]


@pytest.mark.parametrize("word, channel", [
    ("online", "online"), ("Trực tuyến", "online"), ("TRỰC TUYẾN", "online"), ("truc tuyen", "online"),
    ("Qua mạng", "online"), ("2", "online"), ("2.0", "online"),
    (unicodedata.normalize("NFD", "Trực tuyến"), "online"),
    ("direct", "direct"), ("Trực tiếp", "direct"), ("1", "direct"),
    ("postal", "postal"), ("Bưu chính", "postal"), ("Dịch vụ bưu chính", "postal"),
    ("Bưu chính công ích", "postal"), ("Dịch vụ bưu chính công ích", "postal"), ("BCCI", "postal"),
    ("3", "postal"),
])
def test_channel_words(word, channel):
    assert parse_channels(pa.array([word]))[0] == channel


@pytest.mark.parametrize("word", ["Fax", "4", "trực", None])
def test_unknown_channel_words_are_na(word):
    assert pd.isna(parse_channels(pa.array([word], type=pa.string()))[0])
