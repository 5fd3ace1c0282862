"""Decision 817 as data: the groups of Article 1, their members and targets."""

import csv
from pathlib import Path

import pandas as pd
import pytest

from chitieu_lib.decision import load_decision, load_units, target_units
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

DIVISIONS = Path(__file__).resolve().parents[1] / "chitieu_lib/data/reference/khanhhoa_gso_divisions_2019.csv"


def _communes_of(districts):
    # Read the GSO list with the csv module (not the code under test) and count by hand.
    with open(DIVISIONS, encoding="utf-8") as fh:
        return {r["gso_code"] for r in csv.DictReader(fh) if r["district_code"] in districts}


@pytest.fixture(scope="module")
def units():
    return load_units(DECISION)


# Article 1, as written in the decision text (docs/sources/QD-817-2019-va-CV-934-2019.md).
GROUPS = [
    ("Điều 1, khoản 1, điểm a", 0.45, {"BQLKKT", "SCT", "SKHCN", "SKHDT", "SNV", "SNNPTNT", "STC",
                                       "STNMT", "STTTT", "SVHTT", "SXD"}),
    ("Điều 1, khoản 1, điểm b", 0.40, {"SDL", "SGDDT", "SGTVT", "SLDTBXH", "STP", "SYT"}),
    ("Điều 1, khoản 2, điểm a, gạch đầu dòng 1", 0.35, {"568", "569", "570", "571", "572", "574"}),
    ("Điều 1, khoản 2, điểm a, gạch đầu dòng 2", 0.30, {"573", "575"}),
    ("Điều 1, khoản 2, điểm b, gạch đầu dòng 1", 0.25, _communes_of({"568", "569", "570", "571", "572", "574"})),
    ("Điều 1, khoản 2, điểm b, gạch đầu dòng 2", 0.20, _communes_of({"573", "575"})),
]


@pytest.mark.parametrize("clause, target, members", GROUPS, ids=[g[0] for g in GROUPS])
def test_each_group_has_its_members_and_target(units, clause, target, members):
    group = units[units["target_group"] == clause]
    assert set(group["unit_code"]) == members
    assert (group["target"] == target).all()


def test_group_sizes_by_hand(units):
    # 11 + 6 departments, 6 + 2 districts; Khánh Vĩnh has 14 communes and Khánh Sơn 8 (GSO list),
    # the other six districts 115: 137 communes in all (140 minus Trường Sa's 3).
    sizes = units.groupby("target_group")["unit_code"].count().to_dict()
    assert [sizes[g[0]] for g in GROUPS] == [11, 6, 6, 2, 115, 22]
    assert len(target_units(units)) == 162


def test_truong_sa_has_no_target(units):
    ts = units[(units["unit_code"] == "576") | (units["parent_code"] == "576")]
    assert sorted(ts["unit_code"]) == ["22736", "22737", "22739", "576"]
    assert ts["target"].isna().all()
    assert (ts["target_group"] == "").all()


def test_a_few_units_by_hand(units):
    u = units.set_index("unit_code")
    assert (u.loc["22516", "unit_name"], u.loc["22516", "parent_code"], u.loc["22516", "target"]) == (
        "Xã Vạn Thắng", "571", 0.25)
    assert u.loc["22609", "target"] == 0.20          # Thị trấn Khánh Vĩnh
    assert u.loc["573", "target"] == 0.30
    assert u.loc["SLDTBXH", "target"] == 0.40
    assert u.loc["SXD", "level"] == "department"


def test_decision_window():
    d = load_decision()
    assert (str(d.window_start), str(d.window_end), d.grace_days) == ("2018-12-01", "2019-11-30", 5)


def test_units_csv_round_trip(tmp_path, units):
    path = tmp_path / "units.csv"
    mine = units.head(3).copy()
    mine["target"] = [45, 0.4, ""]          # 45 means 45%
    mine.to_csv(path, index=False)
    from chitieu_lib.decision import read_units_csv
    back = read_units_csv(path)
    assert back["target"].iloc[0] == pytest.approx(0.45)
    assert back["target"].iloc[1] == pytest.approx(0.40)
    assert pd.isna(back["target"].iloc[2])


def test_another_years_decision_is_a_file_not_code(tmp_path):
    """A different decision (hypothetical here: other targets, another window) needs only a TOML file."""
    import datetime as dt

    from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units
    from chitieu_lib.windows import window

    text = DEFAULT_DECISION.read_text(encoding="utf-8")
    text = (text.replace('number = "817/QĐ-UBND"', 'number = "999/QĐ-TEST"')
                .replace("start = 2018-12-01", "start = 2017-12-01")
                .replace("end = 2019-11-30", "end = 2018-11-30")
                .replace("grace_days = 5", "grace_days = 10")
                .replace("target = 0.45", "target = 0.40")
                .replace("target = 0.35", "target = 0.30")
                .replace('calendar = "vn_office_calendar_2018_2019.csv"', 'calendar = "calendar-2018.csv"'))
    (tmp_path / "calendar-2018.csv").write_text("# covers: 2017-12-01 2018-11-30\ndate,kind,note\n",
                                                 encoding="utf-8")
    path = tmp_path / "999-test.toml"
    path.write_text(text, encoding="utf-8")
    other = load_decision(path)
    assert other.number == "999/QĐ-TEST"
    units = load_units(other).set_index("unit_code")
    assert units.loc["SCT", "target"] == 0.40 and units.loc["SYT", "target"] == 0.40
    assert units.loc["571", "target"] == 0.30 and units.loc["575", "target"] == 0.30
    assert units.loc["22516", "target"] == 0.25
    assert window("new", dt.date(2018, 6, 1), other) == (dt.date(2018, 6, 11), dt.date(2018, 11, 30))
    assert window("continuing", None, other) == (dt.date(2017, 12, 1), dt.date(2018, 11, 30))


def test_a_calendar_that_does_not_cover_the_window_is_refused(tmp_path):
    from chitieu_lib.decision import DEFAULT_DECISION, InputError, load_decision

    text = DEFAULT_DECISION.read_text(encoding="utf-8").replace("end = 2019-11-30", "end = 2020-11-30")
    path = tmp_path / "longer.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_decision(path)
    message = str(err.value)
    assert "covers 2018-12-01 to 2019-11-30" in message and "2020-11-30" in message
    assert "longer.toml" in message
