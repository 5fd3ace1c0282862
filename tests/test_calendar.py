"""The office calendar: kinds of day, counted independently from the reference file."""

import datetime as dt

from chitieu_lib.calendar import day_kinds, working_days
from chitieu_lib.decision import load_decision
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)


def test_every_listed_day_keeps_its_kind():
    text = [ln for ln in load_decision().calendar_file.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")][1:]
    listed = {line.split(",")[0]: line.split(",")[1] for line in text if line}
    kinds = day_kinds("2018-12-01", "2019-11-30", DECISION.calendar_file).set_index("date")["kind"]
    for day, kind in listed.items():
        assert kinds[day] == kind, day
    assert len(listed) == 22


def test_tet_ky_hoi_is_closed_and_the_week_around_it_is_not():
    kinds = day_kinds("2019-02-01", "2019-02-11", DECISION.calendar_file).set_index("date")["kind"]
    assert kinds["2019-02-01"] == "working"          # Friday before Tết
    assert (kinds["2019-02-02":"2019-02-10"] == "closed").all()
    assert kinds["2019-02-11"] == "working"          # Monday after Tết


def test_working_days_of_the_window_counted_by_hand():
    # Weekdays from 2018-12-01 to 2019-11-30, minus closed weekdays, plus worked Saturdays.
    day, weekdays = dt.date(2018, 12, 1), 0
    while day <= dt.date(2019, 11, 30):
        weekdays += day.weekday() < 5
        day += dt.timedelta(days=1)
    closed_weekdays = ["2018-12-31", "2019-01-01", "2019-02-04", "2019-02-05", "2019-02-06",
                       "2019-02-07", "2019-02-08", "2019-04-15", "2019-04-29", "2019-04-30",
                       "2019-05-01", "2019-09-02"]
    worked_saturdays = ["2019-01-05", "2019-05-04"]
    expected = weekdays - len(closed_weekdays) + len(worked_saturdays)
    assert working_days("2018-12-01", "2019-11-30", DECISION.calendar_file) == expected


def test_ordinary_saturday_and_sunday():
    kinds = day_kinds("2019-03-09", "2019-03-10", DECISION.calendar_file).set_index("date")["kind"]
    assert kinds["2019-03-09"] == "saturday"
    assert kinds["2019-03-10"] == "closed"
