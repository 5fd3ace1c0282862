"""`chitieu rates` carries the projection columns, computed only from dossiers up to --as-of."""

from __future__ import annotations

import pandas as pd

from chitieu_lib.cli import main
from chitieu_lib.decision import load_units
from chitieu_lib.ingest import load_dossiers
from chitieu_lib.projection import RATES_COLUMNS, project
from chitieu_lib.windows import read_catalog
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

EX = "data/raw/example"


def test_rates_gains_projection_columns(tmp_path):
    out = tmp_path / "rates.csv"
    assert main(["rates", "--dossiers", f"{EX}/dossiers.csv", "--catalog", f"{EX}/catalog.csv",
                 "--as-of", "2019-06-30", "--out", str(out)]) == 0
    got = pd.read_csv(out, dtype={"unit_code": str}, keep_default_na=False)
    assert all(c in got.columns for c in RATES_COLUMNS)
    empty = got[got["total"] == 0]
    assert (empty[RATES_COLUMNS] == "").all().all()
    # same numbers as project(decision=DECISION) on the dossiers received up to the as-of day only
    cat = read_catalog(f"{EX}/catalog.csv", DECISION)
    d = load_dossiers([f"{EX}/dossiers.csv"], cat, decision=DECISION)
    d = d[d["received_date"] <= "2019-06-30"]
    p = project(d, cat, load_units(DECISION), "2019-06-30", decision=DECISION).set_index("unit_code")
    with_data = got[got["total"] > 0].set_index("unit_code")
    assert len(with_data) > 0
    pd.testing.assert_series_equal(with_data["p_meet"].astype(float), p.loc[with_data.index, "p_meet"],
                                   check_names=False)
    assert (with_data["status"] == p.loc[with_data.index, "status"]).all()
