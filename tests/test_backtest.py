"""Backtest on a small simulated year whose truth the test knows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chitieu_lib.backtest import backtest, score, true_final_rates
from chitieu_lib.decision import load_units
from chitieu_lib.projection.synthetic import synthetic_catalog, synthetic_year
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)


def test_backtest_on_a_simulated_year():
    units = load_units(DECISION)
    d = synthetic_year(n_units=40, seed=21, volume_scale=1.0, slope_mean=0.03, slope_sd=0.02)
    det = backtest(d, synthetic_catalog(), units, as_of_dates=["2019-04-30", "2019-07-31"], seed=0, n_sims=300, decision=DECISION)
    # truth computed independently from the raw frame
    c = d[d["reason"] == "counted"]
    final = c.assign(on=c["channel"] == "online").groupby("unit_code")["on"].mean()
    t = true_final_rates(d, units).set_index("unit_code")
    np.testing.assert_allclose(t.loc[final.index, "final_rate"], final)
    # carry is exactly the rate so far
    cut = c[c["received_date"] <= "2019-04-30"]
    so_far = cut.assign(on=cut["channel"] == "online").groupby("unit_code")["on"].mean()
    carry = det[(det["method"] == "carry") & (det["as_of"] == pd.Timestamp("2019-04-30"))].set_index("unit_code")
    np.testing.assert_allclose(carry.loc[so_far.index, "projected_rate"], so_far)
    s = score(det).set_index("method")
    assert s.loc["model", "n"] == 80
    # shares rise in this simulated year: the trend model must beat carrying the rate forward
    assert s.loc["model", "mae"] < s.loc["carry", "mae"]
    assert s.loc["model", "brier"] < s.loc["carry", "brier"]
    assert 0.5 <= s.loc["model", "coverage80"] <= 1.0


def _coverage_and_scores(dynamics, seed):
    units = load_units(DECISION)
    d = synthetic_year(n_units=60, seed=seed, volume_scale=1.0, dynamics=dynamics)
    det = backtest(d, synthetic_catalog(), units, seed=0, n_sims=300,
                   as_of_dates=["2019-04-30", "2019-06-30", "2019-08-31", "2019-09-30"], decision=DECISION)
    return score(det).set_index("method")


def test_interval_coverage_near_nominal_when_shares_move_in_steps():
    # A different world from the one above: flat shares with level shifts at random weeks. The truth is
    # known (the simulated final rates); the 80% interval must cover about 80% of them (n = 240, a
    # binomial sd of 0.026 around 0.8), and the model must not lose to carrying the rate forward.
    s = _coverage_and_scores("steps", seed=31)
    assert s.loc["model", "n"] == 240
    assert 0.70 <= s.loc["model", "coverage80"] <= 0.90
    assert s.loc["model", "brier"] < s.loc["carry", "brier"]


def test_world_table_ratios_and_gap_by_hand():
    from chitieu_lib.backtest import world_table
    rows = []
    # one unit-date per method: abs errors model 0.02, carry 0.05, last3 0.04, limit 0.015, oracle 0.01
    for method, proj in [("model", 0.52), ("carry", 0.55), ("last3", 0.46), ("limit", 0.485), ("oracle", 0.51)]:
        rows.append({"world": "w", "as_of": pd.Timestamp("2019-06-30"), "unit_code": "SCT", "target": 0.45,
                     "final_rate": 0.50, "final_met": True, "method": method, "projected_rate": proj,
                     "projected_low": 0.4 if method in ("model", "oracle", "limit") else np.nan,
                     "projected_high": 0.6 if method in ("model", "oracle") else (0.49 if method == "limit" else np.nan),
                     "p_meet": {"model": 0.9, "carry": 1.0, "last3": 1.0, "limit": 0.8, "oracle": 0.95}[method]})
    t = world_table(pd.DataFrame(rows)).iloc[0]
    assert t["mae_ratio"] == pytest.approx(0.02 / 0.04)
    assert t["mae_gap_closed"] == pytest.approx((0.04 - 0.02) / (0.04 - 0.01))
    assert t["limit_mae_ratio"] == pytest.approx(0.015 / 0.04)
    assert t["mae_limit_gap_closed"] == pytest.approx((0.04 - 0.02) / (0.04 - 0.015))
    assert t["limit_cov80"] == 0.0 and t["limit_brier"] == pytest.approx(0.04)
    assert t["model_brier"] == pytest.approx(0.01) and np.isnan(t["brier_ratio"])   # naive Brier 0
    assert t["model_cov80"] == 1.0


def test_cli_backtest_on_simulated_worlds(tmp_path, capsys):
    from chitieu_lib.cli import main
    out = tmp_path / "tr.csv"
    assert main(["backtest", "--worlds", "campaign", "--seeds", "5", "--units-per-world", "12",
                 "--track-record", str(out)]) == 0
    text = capsys.readouterr().out
    assert "MÔ PHỎNG" in text and "campaign" in text and "oracle" in text
    assert "Giới hạn của dữ liệu" in text and "mô hình / giới hạn / oracle" in text
    head = out.read_text(encoding="utf-8").splitlines()
    assert head[0].startswith("# SIMULATED") and head[2] == "level,as_of,n,mae,coverage80,brier"
