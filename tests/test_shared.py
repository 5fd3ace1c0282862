"""Issue 15: what every report of a batch shares is computed once and kept in the store folder.

The province-wide projection kept by ``share_projections`` must be exactly what a kernel would
compute (reports stay identical to a plain papermill run), keyed so that another date, another
store content or a change of the kit never reads it, and never in the way when the store is
read-only. The engine starts at most one worker per report and runs the shared work once.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from chitieu_lib.engine import Job, run_jobs
from chitieu_lib.report import views
from chitieu_lib.store import open_store
from chitieu_lib.store.shared import SHARED_DIR, read_shared, shared_key, write_shared


@pytest.fixture
def store_copy(test_store, tmp_path):
    """A private copy of the test store (the shared one is read by other tests' kernels)."""
    folder = tmp_path / "processed"
    shutil.copytree(test_store, folder, ignore=shutil.ignore_patterns(SHARED_DIR))
    views._PROJECTION_CACHE.clear()
    yield folder
    views._PROJECTION_CACHE.clear()


def test_kept_projection_is_exactly_the_computed_one(store_copy):
    store = open_store(store_copy)
    assert views.share_projections(store, ["2019-09-30", "2019-07-31", ""]) == {
        "2019-09-30": "computed", "2019-07-31": "computed"}
    kept = sorted(p.name for p in (store_copy / SHARED_DIR).iterdir())
    assert len(kept) == 4                       # projection and fan, at two dates
    views._PROJECTION_CACHE.clear()
    read = views.province_projection(open_store(store_copy), "2019-09-30")
    computed = views._compute_projection(store, "2019-09-30")
    for a, b in zip(read, computed):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.dtypes.astype(str).tolist() == b.dtypes.astype(str).tolist()
    assert len(read[0]) == int(store.units["target"].notna().sum())
    # The next batch on the same data reads it.
    views._PROJECTION_CACHE.clear()
    assert views.share_projections(open_store(store_copy), ["2019-09-30"]) == {"2019-09-30": "read"}


def test_keys_differ_by_date_content_and_kit(store_copy):
    store = open_store(store_copy)
    key = views._shared_key(store, views.projection_key(store, "2019-09-30"))
    assert key != views._shared_key(store, views.projection_key(store, "2019-07-31"))
    other = views.projection_key(store, "2019-09-30")
    assert key != shared_key("another store fingerprint", *other[1:])
    views.share_projections(store, ["2019-09-30"])
    assert read_shared(store_copy, "projection", key, 2) is not None
    assert read_shared(store_copy, "projection", key[::-1], 2) is None


def test_a_frame_that_does_not_round_trip_is_not_kept(tmp_path):
    frame = pd.DataFrame({"a": [1, 2]}, index=pd.Index(["x", "y"], name="k"))
    assert write_shared(tmp_path, "t", "key", [frame]) is True
    assert read_shared(tmp_path, "t", "key", 1)[0].equals(frame)
    odd = pd.DataFrame({"a": [object(), 1]})              # parquet cannot hold it
    assert write_shared(tmp_path, "odd", "key", [odd]) is False
    assert not list((tmp_path / SHARED_DIR).glob("odd-*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_store_still_works(store_copy):
    store = open_store(store_copy)
    for path in [store_copy, *store_copy.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        assert views.share_projections(store, ["2019-09-30"]) == {"2019-09-30": "computed, not kept"}
        assert not (store_copy / SHARED_DIR).exists()
    finally:
        for path in [store_copy, *store_copy.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


def _job(tmp_path: Path, name: str) -> Job:
    nb = tmp_path / "nb.ipynb"
    if not nb.exists():
        nb.write_text('{"cells": [{"cell_type": "code", "execution_count": null, "id": "a", "metadata": {},'
                      ' "outputs": [], "source": "print(6 * 7)"}], "metadata": {"kernelspec": {"name":'
                      ' "python3", "display_name": "Python 3", "language": "python"}}, "nbformat": 4,'
                      ' "nbformat_minor": 5}', encoding="utf-8")
    return Job(name, nb, {}, tmp_path / f"{name}.ipynb", tmp_path / f"{name}.html", data_fingerprint="d")


def test_shared_work_runs_once_and_workers_never_outnumber_reports(tmp_path):
    calls, timings = [], {}
    results = run_jobs([_job(tmp_path, "a")], workers=4, progress=False, prepare=lambda: calls.append(1),
                       timings=timings)
    assert [r.ok for r in results] == [True]
    assert calls == [1] and timings["workers"] == 1
    assert set(results[0].timings) >= {"kernel", "execute", "html", "write"}
    assert "6 * 7" not in (tmp_path / "a.html").read_text(encoding="utf-8")
    # Nothing to run (resume): no worker, no shared work.
    calls.clear()
    again = run_jobs([_job(tmp_path, "a")], workers=4, progress=False, resume=True,
                     prepare=lambda: calls.append(1), timings=(timings := {}))
    assert again[0].skipped and calls == [] and "workers" not in timings
