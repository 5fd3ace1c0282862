"""report.views.open_report_store: tables read once per process, every report its own store."""

from __future__ import annotations

import shutil

import pandas as pd

from chitieu_lib.report import views
from chitieu_lib.store import open_store


def test_a_report_changing_its_tables_changes_nothing_for_the_next(test_store):
    first = views.open_report_store(str(test_store))
    pristine = open_store(test_store)
    first.dossiers["extra"] = 1
    first.dossiers.loc[first.dossiers.index[:5], "unit_code"] = first.dossiers["unit_code"].iloc[-1]
    first.units.drop(first.units.index[:3], inplace=True)
    first.manifest["data_date"] = "1999-01-01"
    second = views.open_report_store(str(test_store))
    assert second is not first and second.dossiers is not first.dossiers
    pd.testing.assert_frame_equal(second.dossiers, pristine.dossiers)
    pd.testing.assert_frame_equal(second.units, pristine.units)
    assert second.manifest == pristine.manifest


def test_a_store_written_again_is_read_again(test_store, tmp_path):
    store = tmp_path / "processed"
    shutil.copytree(test_store, store)
    before = views.open_report_store(str(store))
    units = before.units.iloc[:10]
    units.to_parquet(store / "units.parquet.tmp")
    (store / "units.parquet.tmp").replace(store / "units.parquet")   # as ingest writes: a new file
    after = views.open_report_store(str(store))
    assert len(after.units) == 10 and len(before.units) > 10
