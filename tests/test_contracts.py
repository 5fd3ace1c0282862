"""Table contracts: a user's file gets every failure at once; the stored tables keep their contract."""

from __future__ import annotations

import pandas as pd
import pytest

from chitieu_lib.contracts import STORED, check_stored, failures
from chitieu_lib.decision import read_units_csv
from chitieu_lib.errors import InputError
from chitieu_lib.store import open_store
from chitieu_lib.windows import read_catalog
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)


def test_a_catalogue_with_three_bad_rows_gets_one_message_naming_all(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text("procedure_code,procedure_name,rule,effective_date\n"
                    "P1,Thủ tục 1,continuing,\n"        # row 2: fine
                    "P2,Thủ tục 2,sometimes,\n"         # row 3: bad rule
                    "P1,Thủ tục 3,continuing,\n"        # row 4: repeats row 2
                    "P4,Thủ tục 4,new,\n", encoding="utf-8")   # row 5: new needs a date
    with pytest.raises(InputError) as err:
        read_catalog(path, DECISION)
    text = str(err.value)
    assert text.startswith(f"{path}: 3 problem(s) in this procedure catalogue")
    assert "row 3, column 'rule': 'sometimes' is not one of continuing, new, dropped" in text
    assert "row 4, column 'procedure_code': 'P1' repeats row 2" in text
    assert "row 5, column 'effective_date': rule new or dropped needs an effective_date" in text
    assert "Thủ tục" not in text                       # names are not echoed


def test_a_units_file_names_each_bad_row(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("unit_code,unit_name,level,target\n571,Huyện A,district,35\n"
                    "572,Huyện B,county,0.3\n573,Huyện C,district,140\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_units_csv(path)
    text = str(err.value)
    assert "2 problem(s)" in text
    assert "row 3, column 'level': 'county' is not one of department, district, commune" in text
    assert "row 4, column 'target': '140' is not empty, or a share" in text


def test_the_stored_tables_keep_their_contracts(test_store):
    store = open_store(test_store)
    for name, table in (("dossiers", store.dossiers), ("catalog", store.catalog), ("units", store.units),
                        ("aggregates", store.aggregates), ("accounting", store.accounting)):
        assert failures(table, STORED[name]) == [], name


def test_a_broken_stored_table_is_caught_before_it_is_written(test_store):
    store = open_store(test_store)
    broken = store.dossiers.head(10).copy()
    broken["reason"] = broken["reason"].cat.add_categories(["lost"])
    broken.loc[broken.index[3], "reason"] = "lost"
    broken.loc[broken.index[5], "source_row"] = 0
    with pytest.raises(AssertionError, match="dossiers table breaks its contract"):
        check_stored("dossiers", broken)
    found = failures(broken, STORED["dossiers"])
    assert {(f.row, f.column) for f in found if f.row} == {(7, "source_row")}
    assert any(f.column == "reason" for f in found)
    units = store.units.copy()
    units.loc[0, "target"] = 1.5
    assert [(f.row, f.column) for f in failures(units, STORED["units"])] == [(2, "target")]
    assert pd.isna(store.units["target"]).any()        # units without a target are allowed


def test_a_commune_whose_district_is_not_in_the_file_is_refused(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("unit_code,unit_name,level,parent_code,target\nSTP,Sở Tư pháp,department,,0.40\n"
                    "571,Huyện Vạn Ninh,district,,35\n22516,Xã Vạn Thắng,commune,999,25\n"
                    "22519,Xã Vạn Thạnh,commune,571,25\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_units_csv(path)
    assert (err.value.row, err.value.column) == (4, "parent_code")
    assert "a commune's parent_code must be the unit_code of a district of this file" in str(err.value)


def test_blank_lines_do_not_shift_the_row_numbers(tmp_path):
    """The spreadsheet row is the file's line: a blank line above a bad row still counts."""
    path = tmp_path / "catalog.csv"
    path.write_text("procedure_code,procedure_name,rule,effective_date\nP1,a,continuing,\n\n"
                    "P2,b,sometimes,\nP1,c,continuing,\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_catalog(path, DECISION)
    text = str(err.value)
    assert "row 4, column 'rule': 'sometimes'" in text and "row 5, column 'procedure_code': 'P1' repeats row 2" in text


def test_a_units_file_that_is_not_utf8_is_a_message(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("unit_code,unit_name,level,target\nSTP,Sở Tư pháp,department,40\n".encode("utf-16"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_units_csv(path)
