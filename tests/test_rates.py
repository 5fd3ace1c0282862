"""Rates computed by hand on a small, fully known set of dossiers."""

import pandas as pd
import pytest

from _dossier_files import row, write_catalog, write_csv
from chitieu_lib.decision import load_units
from chitieu_lib.ingest import load_dossiers
from chitieu_lib.rates import monthly_rates, rates_by, unit_rates
from chitieu_lib.windows import read_catalog
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

ON, DI, PO = "Trực tuyến", "Trực tiếp", "BCCI"


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rates")
    catalog = read_catalog(write_catalog(folder / "catalog.csv"), DECISION)
    rows = [
        # Sở Tư pháp (40%): Jan 2 online + 1 direct, Feb 1 postal -> 2/4 = 50% -> met
        row("S1", day="07/01/2019", channel=ON), row("S2", day="08/01/2019", channel=ON),
        row("S3", day="09/01/2019", channel=DI), row("S4", day="11/02/2019", channel=PO),
        # Sở Công Thương (45%): 9 online of 20 -> exactly 45% -> met (the target is a minimum)
        *[row(f"C{i}", unit="SCT", day="05/03/2019", channel=ON if i < 9 else DI) for i in range(20)],
        # Xã Vạn Thắng (25%): 1 of 5 -> 20% -> not met; one more online row is a duplicate, not counted
        *[row(f"V{i}", unit="22516", day="10/04/2019", channel=ON if i == 0 else DI) for i in range(5)],
        row("V1", unit="22516", day="10/04/2019", channel=ON),
        # Huyện Khánh Sơn (30%): only an excluded row (outside the window) -> no rate
        row("K1", unit="575", day="01/12/2019", channel=ON),
    ]
    return load_dossiers(write_csv(folder / "d.csv", rows), catalog, decision=DECISION)


def test_unit_rates_by_hand(dossiers):
    r = unit_rates(dossiers, load_units(DECISION)).set_index("unit_code")
    assert len(r) == 162
    assert (r.loc["STP", "online"], r.loc["STP", "total"], r.loc["STP", "rate"], r.loc["STP", "met"]) == (2, 4, 0.5, True)
    assert (r.loc["SCT", "online"], r.loc["SCT", "total"], r.loc["SCT", "met"]) == (9, 20, True)
    assert r.loc["SCT", "rate"] == pytest.approx(0.45)
    assert (r.loc["22516", "online"], r.loc["22516", "total"], r.loc["22516", "met"]) == (1, 5, False)
    assert r.loc["22516", "rate"] == pytest.approx(0.2)
    assert (r.loc["575", "online"], r.loc["575", "total"]) == (0, 0)
    assert pd.isna(r.loc["575", "rate"]) and pd.isna(r.loc["575", "met"])
    assert int(r["total"].sum()) == 29


def test_monthly_rates_by_hand(dossiers):
    m = monthly_rates(dossiers)
    stp = m[m["unit_code"] == "STP"]
    assert stp["month"].dt.strftime("%Y-%m").tolist() == ["2019-01", "2019-02"]
    assert stp[["online", "direct", "postal", "total"]].values.tolist() == [[2, 1, 0, 3], [0, 0, 1, 1]]
    assert stp["rate"].tolist() == pytest.approx([2 / 3, 0.0])
    assert int(m["total"].sum()) == 29


def test_rates_by_level_by_hand(dossiers):
    r = rates_by(dossiers, "level").set_index("level")
    assert (r.loc["department", "online"], r.loc["department", "total"]) == (11, 24)
    assert (r.loc["commune", "online"], r.loc["commune", "total"]) == (1, 5)
    assert r.loc["department", "rate"] == pytest.approx(11 / 24)
