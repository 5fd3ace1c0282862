"""The windows of Article 2: first and last counted day of each rule, and the days just outside."""

import datetime as dt

import pandas as pd
import pytest

from chitieu_lib.decision import load_units
from chitieu_lib.errors import InputError
from chitieu_lib.ingest import classify
from chitieu_lib.windows import read_catalog, window
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

D = dt.date

# rule, effective_date, last day before, first counted, last counted, first day after
CASES = [
    ("continuing", None, D(2018, 11, 30), D(2018, 12, 1), D(2019, 11, 30), D(2019, 12, 1)),
    # new: effective 1/6/2019, "tính sau 05 ngày" -> from 6/6/2019
    ("new", D(2019, 6, 1), D(2019, 6, 5), D(2019, 6, 6), D(2019, 11, 30), D(2019, 12, 1)),
    # dropped: until the day the 2019 list took effect (1/4/2019), inclusive
    ("dropped", D(2019, 4, 1), D(2018, 11, 30), D(2018, 12, 1), D(2019, 4, 1), D(2019, 4, 2)),
]


@pytest.mark.parametrize("rule, eff, before, first, last, after", CASES, ids=[c[0] for c in CASES])
def test_window_ends(rule, eff, before, first, last, after):
    assert window(rule, eff, DECISION) == (first, last)


@pytest.mark.parametrize("rule, eff, before, first, last, after", CASES, ids=[c[0] for c in CASES])
def test_classify_counts_exactly_the_window(tmp_path, rule, eff, before, first, last, after):
    cat_path = tmp_path / "catalog.csv"
    cat_path.write_text("procedure_code,procedure_name,rule,effective_date\n"
                        f"P1,Thủ tục,{rule},{eff or ''}\n", encoding="utf-8")
    catalog = read_catalog(cat_path, DECISION)
    days = [before, first, last, after]
    d = pd.DataFrame({"dossier_id": ["a", "b", "c", "d"], "unit_code": ["STP"] * 4,
                      "unit_match": ["ok"] * 4, "procedure_code": ["P1"] * 4,
                      "channel": ["online"] * 4, "received_date": pd.to_datetime(days)})
    reasons = classify(d, catalog, load_units(DECISION))["reason"].tolist()
    assert reasons == ["outside_window", "counted", "counted", "outside_window"]


def test_new_rule_with_late_effective_date_is_empty_after_window():
    start, end = window("new", D(2019, 11, 28), DECISION)
    assert start == D(2019, 12, 3) and end == D(2019, 11, 30)   # nothing can count


BAD = [
    ("P1,x,sometimes,\n", 2, "rule", "not one of"),
    ("P1,x,continuing,\nP2,x,new,\n", 3, "effective_date", "needs an effective_date"),
    ("P1,x,dropped,01/04/2019\n", 2, "effective_date", "not an ISO date"),
    ("P1,x,continuing,\nP1,x,continuing,\n", 3, "procedure_code", "repeats row 2"),
    (",x,continuing,\n", 2, "procedure_code", "empty"),
]


@pytest.mark.parametrize("body, row, column, words", BAD)
def test_bad_catalogue_rows_are_refused_with_row_and_reason(tmp_path, body, row, column, words):
    path = tmp_path / "catalog.csv"
    path.write_text("procedure_code,procedure_name,rule,effective_date\n" + body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_catalog(path, DECISION)
    assert err.value.row == row and err.value.column == column
    assert words in str(err.value) and str(path) in str(err.value)


def test_catalogue_without_rule_column(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text("procedure_code,procedure_name\nP1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="rule"):
        read_catalog(path, DECISION)
