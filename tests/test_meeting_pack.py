"""The meeting pack (`--since`): every figure of the change section equals a tally from the store."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from chitieu_lib import report
from chitieu_lib.projection import project
from chitieu_lib.store import open_store

SINCE, AS_OF = pd.Timestamp("2019-07-31"), pd.Timestamp("2019-09-30")


def tally(store, codes, day) -> pd.DataFrame:
    """Online and total counted up to ``day``, straight from the stored rows (no kit function)."""
    d = store.dossiers
    rows = d[(d["reason"].astype(str) == "counted") & (d["received_date"] <= day)
             & d["unit_code"].astype(str).isin(codes)]
    g = pd.DataFrame({"unit_code": rows["unit_code"].astype(str),
                      "online": (rows["channel"].astype(str) == "online").astype(int), "total": 1})
    return g.groupby("unit_code")[["online", "total"]].sum().reindex(codes, fill_value=0)


def text_of(path) -> str:
    page = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_district_change_table_matches_the_store(meeting_pack, test_store):
    store = open_store(test_store)
    table = pd.read_csv(meeting_pack / "huyen" / "571.thay_doi_xa.csv", dtype={"Mã": str},
                        encoding="utf-8-sig").set_index("Mã")
    codes = sorted(table.index)
    then, now = tally(store, codes, SINCE), tally(store, codes, AS_OF)
    assert (table.loc[codes, "Hồ sơ trong khoảng"] == (now.total - then.total)).all()
    assert (table.loc[codes, "Trực tuyến trong khoảng"] == (now.online - then.online)).all()
    rate_then = (then.online / then.total.where(then.total > 0))
    rate_now = (now.online / now.total.where(now.total > 0))
    pd.testing.assert_series_equal(table.loc[codes, "Tỷ lệ ngày trước"], rate_then, check_names=False,
                                   check_index=False)
    pd.testing.assert_series_equal(table.loc[codes, "Thay đổi tỷ lệ (điểm %)"], rate_now - rate_then,
                                   check_names=False, check_index=False)
    # sorted by the change, largest first (no-data rows last)
    change = table["Thay đổi tỷ lệ (điểm %)"].dropna().to_numpy()
    assert (change[:-1] >= change[1:]).all()
    # ranks among the communes at each date: by rate so far (ties broken as the league table does)
    assert sorted(table["Hạng ngày sau"]) == list(range(1, len(table) + 1))
    best_now = rate_now.fillna(-1).idxmax()
    assert table.loc[best_now, "Hạng ngày sau"] == 1


def test_commune_change_sentence_matches_the_store(meeting_pack, test_store):
    store = open_store(test_store)
    then, now = tally(store, ["22516"], SINCE), tally(store, ["22516"], AS_OF)
    page = text_of(meeting_pack / "xa" / "22516.html")
    assert "Thay đổi từ ngày 31/07/2019" in page
    between = int(now.total.iloc[0] - then.total.iloc[0])
    online = int(now.online.iloc[0] - then.online.iloc[0])
    assert f"tiếp nhận {report.fmt_int(between)} hồ sơ, trong đó {report.fmt_int(online)} hồ sơ trực tuyến" in page
    rate_then = then.online.iloc[0] / then.total.iloc[0]
    assert f"Tỷ lệ trực tuyến: {report.fmt_pct(rate_then)} →" in page
    raw = (meeting_pack / "xa" / "22516.html").read_text(encoding="utf-8")
    assert 'href="../huyen/571.html"' in raw and 'href="../index.html"' in raw


def test_index_has_the_change_columns(meeting_pack, test_store):
    store = open_store(test_store)
    then, now = tally(store, ["571"], SINCE), tally(store, ["571"], AS_OF)
    change = now.online.iloc[0] / now.total.iloc[0] - then.online.iloc[0] / then.total.iloc[0]
    index = (meeting_pack / "index.html").read_text(encoding="utf-8")
    assert "Thay đổi tỷ lệ (điểm %)" in index and "Đánh giá ngày trước" in index
    assert f'data-v="{change!r}"' in index or f'data-v="{float(change)}"' in index


@pytest.mark.slow
def test_units_whose_status_changed_are_listed_for_the_province(test_store):
    """The province overview's list: exactly the units whose projected status differs between the dates."""
    store = open_store(test_store)
    since = pd.Timestamp("2019-04-30")
    codes = report.all_target_codes(store)
    changes = report.change_frame(report.build_view(store, codes, since), report.build_view(store, codes, AS_OF))
    moved = set(changes.loc[changes["status_then"] != changes["status_now"], "unit_code"])
    kw = dict(seed=0, decision=store.decision)
    a = project(store.dossiers, store.catalog, store.units, since, **kw).set_index("unit_code")["status"]
    b = project(store.dossiers, store.catalog, store.units, AS_OF, **kw).set_index("unit_code")["status"]
    assert moved == set(a.index[a.astype(str) != b.reindex(a.index).astype(str)])
    assert moved   # months apart, some unit changes
