"""Each exclusion reason, their order, duplicates across files, as-of, and the accounting."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _dossier_files import row, write_catalog, write_csv
from chitieu_lib.decision import load_units
from chitieu_lib.ingest import REASONS, accounting, apply_as_of, classify, load_dossiers
from chitieu_lib.windows import read_catalog
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

CASES = [
    (row("H1"), "counted"),
    (row(""), "missing_id"),
    (row("H1", channel="Trực tiếp"), "duplicate"),
    (row("H3", day="31/02/2019"), "invalid_date"),
    (row("H4", channel="Fax"), "invalid_channel"),
    (row("H5", unit="UBND xã Hòa Bình"), "unknown_unit"),
    (row("H6", unit="Vạn Thắng"), "ambiguous_unit"),
    (row("H7", unit="UBND huyện Trường Sa"), "no_target"),
    (row("H8", procedure="T-NONE"), "not_in_catalogue"),
    (row("H9", procedure="T-NEW", day="05/06/2019"), "outside_window"),
    (row("H10", day="15/10/2019"), "after_as_of"),
]


@pytest.fixture
def catalog(tmp_path):
    return read_catalog(write_catalog(tmp_path / "catalog.csv"), DECISION)


def test_each_reason(tmp_path, catalog):
    p = write_csv(tmp_path / "d.csv", [c[0] for c in CASES])
    d = load_dossiers(p, catalog, as_of="2019-09-30", decision=DECISION)
    assert d["reason"].tolist() == [c[1] for c in CASES]
    acc = accounting(d)
    assert acc["rows"].tolist() == [1] * len(REASONS)
    assert acc.set_index("reason").loc["duplicate", "example_rows"] == f"{p}:4"


def test_first_reason_wins(tmp_path, catalog):
    rows = [row("H1"),
            row("H1", day="xx", channel="Fax", unit="nowhere"),      # duplicate beats the rest
            row("", day="xx"),                                        # missing_id beats invalid_date
            row("H2", day="xx", channel="Fax"),                       # invalid_date before channel
            row("H3", channel="Fax", unit="nowhere"),                 # channel before unit
            row("H4", unit="UBND huyện Trường Sa", procedure="T-NONE"),  # no_target before catalogue
            row("H5", procedure="T-NONE", day="01/01/2020")]          # catalogue before window
    d = load_dossiers(write_csv(tmp_path / "d.csv", rows), catalog, decision=DECISION)
    assert d["reason"].tolist() == ["counted", "duplicate", "missing_id", "invalid_date", "invalid_channel",
                                    "no_target", "not_in_catalogue"]


def test_duplicates_across_files_keep_the_first_file_in_order(tmp_path, catalog):
    a = write_csv(tmp_path / "a.csv", [row("H1"), row("H2")])
    b = write_csv(tmp_path / "b.csv", [row("H2", channel="Trực tiếp"), row("H3")])
    d = load_dossiers(tmp_path, catalog, decision=DECISION)      # a folder: a.csv then b.csv (catalog.csv is skipped)
    assert d.attrs["ingest"]["skipped_files"] == [str(tmp_path / "catalog.csv")]
    assert list(zip(d["source_file"].astype(str), d["source_row"], d["reason"])) == [
        (str(a), 2, "counted"), (str(a), 3, "counted"), (str(b), 2, "duplicate"), (str(b), 3, "counted")]
    d = load_dossiers([b, a], catalog, decision=DECISION)                        # order given wins
    assert d["reason"].tolist() == ["counted", "counted", "counted", "duplicate"]


def test_added_columns(tmp_path, catalog):
    d = load_dossiers(write_csv(tmp_path / "d.csv", [row("H1", unit="UBND xã Vạn Thắng, huyện Vạn Ninh",
                                                         day="17/07/2019 10:00")]), catalog, decision=DECISION)
    r = d.iloc[0]
    assert (r.level, r.parent_code, r.target, r.rule, str(r.month.date())) == (
        "commune", "571", 0.25, "continuing", "2019-07-01")
    assert d["received_date"].dtype == "datetime64[ns]"


def test_apply_as_of_can_move_both_ways(tmp_path, catalog):
    rows = [row("H1", day="30/06/2019"), row("H2", day="01/07/2019"), row("H3", day="15/09/2019")]
    d = load_dossiers(write_csv(tmp_path / "d.csv", rows), catalog, decision=DECISION)
    assert d["reason"].tolist() == ["counted"] * 3
    early = apply_as_of(d, "2019-06-30")
    assert early["reason"].tolist() == ["counted", "after_as_of", "after_as_of"]
    later = apply_as_of(early, "2019-07-01")
    assert later["reason"].tolist() == ["counted", "counted", "after_as_of"]
    assert apply_as_of(later, None)["reason"].tolist() == ["counted"] * 3


# ---- property: whatever the rows, every one lands in exactly one bucket

_ids = st.sampled_from(["", "A", "B", "C", "D", "E", "F"])
_units = st.sampled_from(["Sở Tư pháp", "STP", "22516", "Vạn Thắng", "UBND TP Nha Trang", "Trường Sa",
                          "UBND huyện Trường Sa", "không biết", ""])
_procedures = st.sampled_from(["T-CONT", "T-NEW", "T-DROP", "T-NONE", ""])
_days = st.sampled_from(["01/12/2018", "30/11/2018", "05/06/2019", "06/06/2019", "01/04/2019", "02/04/2019",
                         "30/11/2019", "01/12/2019", "31/02/2019", "", "2019-08-01", "43600"])
_channels = st.sampled_from(["Trực tuyến", "Trực tiếp", "BCCI", "2", "Fax", ""])
_rows = st.lists(st.tuples(_ids, _procedures, _units, _days, _channels), min_size=1, max_size=40)


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(_rows, min_size=1, max_size=3), as_of=st.sampled_from([None, "2019-06-30"]))
def test_accounting_adds_up(tmp_path_factory, files, as_of):
    folder = tmp_path_factory.mktemp("prop")
    catalog = read_catalog(write_catalog(folder / "catalog.csv"), DECISION)
    paths = []
    for i, rows in enumerate(files):
        # a row whose every cell is empty is a blank row, not a data row: keep one cell filled
        rows = [r if any(r) else ("A",) + r[1:] for r in rows]
        paths.append(write_csv(folder / f"d{i}.csv", [list(r) for r in rows]))
    d = load_dossiers(paths, catalog, as_of=as_of, decision=DECISION)
    n = sum(len(rows) for rows in files)
    acc = accounting(d)
    assert len(d) == n
    assert int(acc["rows"].sum()) == n
    assert d["reason"].notna().all()
    assert set(acc["reason"]) == set(REASONS)
    # an independent count of the counted rows, straight from the rules
    counted = d[(d["reason"] == "counted")]
    assert counted["dossier_id"].is_unique and counted["target"].notna().all()
    assert int(acc.set_index("reason").loc["counted", "rows"]) == len(counted)


def test_classify_on_an_empty_frame(catalog):
    empty = pd.DataFrame({"dossier_id": pd.Series([], dtype="str"), "unit_code": pd.Series([], dtype="str"),
                          "unit_match": pd.Series([], dtype="str"), "procedure_code": pd.Series([], dtype="str"),
                          "channel": pd.Series([], dtype="str"),
                          "received_date": pd.Series([], dtype="datetime64[ns]")})
    assert len(classify(empty, catalog, load_units(DECISION))) == 0


def test_files_where_a_code_is_always_missing_stack(tmp_path):
    """Two files whose unit cells are all empty give unit-code columns with no value at all;
    stacking them keeps every row (found by test_accounting_adds_up)."""
    catalog = read_catalog(write_catalog(tmp_path / "catalog.csv"), DECISION)
    rows = [["A", "T-CONT", "", "05/06/2019", "Trực tuyến"], ["B", "T-CONT", "", "06/06/2019", "Trực tiếp"]]
    paths = [write_csv(tmp_path / "d0.csv", rows), write_csv(tmp_path / "d1.csv", rows[:1])]
    d = load_dossiers(paths, catalog, decision=DECISION)
    assert len(d) == 3 and int(accounting(d)["rows"].sum()) == 3
    assert d["unit_code"].isna().all() and (d["procedure_code"] == "T-CONT").all()
