"""Projection: exact arithmetic, certain/impossible cases, monotonicity, reproducibility, windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chitieu_lib.calendar import day_kinds
from chitieu_lib.decision import load_units
from chitieu_lib.projection import PROJECTION_COLUMNS, project, projection_fan, status, volume
from chitieu_lib.projection.synthetic import synthetic_catalog, synthetic_year
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

UNITS = load_units(DECISION)


@pytest.fixture(scope="module")
def year():
    return synthetic_year(n_units=12, seed=5, volume_scale=0.5)


def _one_unit(days, online_every, code="SCT", proc="P01", start="2018-12-01"):
    """Counted dossiers of one unit: one per working day from start to the given last day."""
    k = day_kinds(start, days, DECISION.calendar_file)
    dates = k.loc[k["kind"] == "working", "date"].reset_index(drop=True)
    n = len(dates)
    channel = np.where(np.arange(n) % online_every == 0, "online", "direct")
    return pd.DataFrame({"unit_code": code, "procedure_code": proc, "received_date": dates,
                         "channel": pd.Categorical(channel), "reason": "counted"})


def test_required_rate_and_extra_by_hand():
    # 30 online of 100, target 45%, 100 expected more: (0.45·200 − 30)/100 = 0.60.
    assert status.required_rate(30, 100, 0.45, 100) == pytest.approx(0.60)
    # 40 of them expected online at the current pace: 0.45·200 − 30 − 40 = 20 more.
    assert status.extra_online_needed(30, 100, 0.45, 100, 40) == 20
    assert status.extra_online_needed(30, 100, 0.45, 100, 39.5) == 21       # rounded up
    assert status.extra_online_needed(80, 100, 0.45, 100, 40) == 0          # nothing needed
    assert status.required_rate(80, 100, 0.45, 100) == pytest.approx(0.10)  # (90 − 80)/100
    assert status.required_rate(95, 100, 0.45, 100) == 0                    # (90 − 95) clipped at 0
    assert np.isnan(status.required_rate(30, 100, 0.45, 0))


def test_certain_and_impossible_by_hand():
    # 50 of 100 online, target 45%: certain with up to 11 more offline (50/111 = 45.05%), not 12.
    assert status.certain_to_meet(50, 100, 0.45, 11)
    assert not status.certain_to_meet(50, 100, 0.45, 12)
    # 10 of 100 online, target 45%: all-online best case (10+m)/(100+m) >= .45 needs m >= 63.64.
    assert status.out_of_reach(10, 100, 0.45, 63)
    assert not status.out_of_reach(10, 100, 0.45, 64)
    # exactly on target counts as met (45/100 = 45%)
    assert status.certain_to_meet(45, 100, 0.45, 0)


def test_project_arithmetic_matches_own_columns(year):
    out = project(year, synthetic_catalog(), UNITS, "2019-06-30", seed=1, n_sims=400, decision=DECISION)
    assert list(out.columns[:len(PROJECTION_COLUMNS)]) == PROJECTION_COLUMNS
    assert len(out) == 162
    r = out[out["total_so_far"] > 0].merge(UNITS[["unit_code", "target"]], on="unit_code")
    assert len(r) == 12
    t, o, n, e = r["target"], r["online_so_far"], r["total_so_far"], r["expected_remaining"]
    np.testing.assert_allclose(r["required_rate"], np.maximum((t * (n + e) - o) / e, 0))
    need = np.maximum(np.ceil(t * (n + e) - o - r["expected_online_remaining"] - 1e-9), 0)
    np.testing.assert_array_equal(r["extra_online_needed"], need)
    # remaining weeks: 1/7 … 30/11 is 153 days
    np.testing.assert_allclose(r["remaining_weeks"], 153 / 7)
    np.testing.assert_allclose(r["extra_online_per_week"], need / (153 / 7))
    assert (r["projected_low"] <= r["projected_rate"]).all() and (r["projected_rate"] <= r["projected_high"]).all()
    # the rate so far from the raw frame, independently
    c = year[(year["reason"] == "counted") & (year["received_date"] <= "2019-06-30")]
    by = c.assign(on=c["channel"] == "online").groupby("unit_code")["on"].agg(["sum", "size"])
    got = r.set_index("unit_code")
    np.testing.assert_array_equal(got.loc[by.index, "online_so_far"], by["sum"])
    np.testing.assert_array_equal(got.loc[by.index, "total_so_far"], by["size"])


def test_units_without_dossiers_get_no_projection_and_a_reason(year):
    out = project(year, synthetic_catalog(), UNITS, "2019-06-30", seed=1, n_sims=200, decision=DECISION)
    empty = out[out["total_so_far"] == 0]
    assert len(empty) == 150
    assert empty["projected_rate"].isna().all() and empty["p_meet"].isna().all()
    assert (empty["status"] == "").all()
    assert empty["status_note"].str.startswith("Chưa có hồ sơ nào được tính đến ngày 30/06/2019").all()


def test_expected_volume_follows_office_calendar_and_windows():
    # One dossier every working day of a continuing procedure: pace = 1 per working day,
    # Saturdays and closed days get weight 0 because nothing arrives on them.
    d = _one_unit("2019-06-30", online_every=3)
    cat = synthetic_catalog()
    seen = d
    w = volume.kind_weights(seen, pd.Timestamp("2018-12-01"), pd.Timestamp("2019-06-30"), DECISION.calendar_file)
    assert w == {"working": 1.0, "saturday": 0.0, "closed": 0.0}
    v = volume.remaining_volume(seen, cat, ["SCT"], pd.Timestamp("2019-06-30"), pd.Timestamp("2018-12-01"),
                                pd.Timestamp("2019-11-30"), w, calendar_file=DECISION.calendar_file)
    k = day_kinds("2019-07-01", "2019-11-30", DECISION.calendar_file)
    assert v["expected"].sum() == pytest.approx((k["kind"] == "working").sum())
    # busiest week so far (7-day bins back from Sunday 30/6): 5 working days → bound 2 × 5 × 22 weeks
    assert v["max_remaining"][0] == 2 * 5 * 22
    # a dropped procedure that ended (P10, 1/5) adds nothing; a new one (P08, from 6/6) only inside its window
    dropped = volume.remaining_volume(d.assign(procedure_code="P10"), cat, ["SCT"], pd.Timestamp("2019-06-30"),
                                      pd.Timestamp("2018-12-01"), pd.Timestamp("2019-11-30"), w, calendar_file=DECISION.calendar_file)
    assert dropped["expected"].sum() == 0
    new = volume.remaining_volume(d.assign(procedure_code="P09"), cat, ["SCT"], pd.Timestamp("2019-06-30"),
                                  pd.Timestamp("2018-12-01"), pd.Timestamp("2019-11-30"), w, calendar_file=DECISION.calendar_file)
    k9 = day_kinds("2019-08-20", "2019-11-30", DECISION.calendar_file)     # P09 effective 15/8 + 5 days
    assert new["expected"].sum() == pytest.approx((k9["kind"] == "working").sum())


def test_certain_status_in_project():
    # every dossier online so far: even the stated bound of offline dossiers cannot pull 100% below 45%?
    d = _one_unit("2019-10-31", online_every=1)
    out = project(d, synthetic_catalog(), UNITS, "2019-10-31", seed=0, n_sims=200, decision=DECISION).set_index("unit_code")
    r = out.loc["SCT"]
    # 7-day bins back from Thu 31/10: Thu 2/5 – Wed 8/5 holds 6 working days (Sat 4/5 worked)
    assert r["max_remaining"] == 2 * 6 * 5
    assert r["online_so_far"] / (r["total_so_far"] + r["max_remaining"]) >= 0.45
    assert r["status"] == "met" and r["p_meet"] == 1.0
    # none online: out of reach
    d0 = _one_unit("2019-10-31", online_every=10**9).assign(channel="direct")
    r0 = project(d0, synthetic_catalog(), UNITS, "2019-10-31", seed=0, n_sims=200, decision=DECISION).set_index("unit_code").loc["SCT"]
    assert r0["status"] == "unreachable" and r0["p_meet"] == 0.0
    assert "dưới chỉ tiêu 45,0%" in r0["status_note"]


def test_reproducible_with_a_seed(year):
    a = project(year, synthetic_catalog(), UNITS, "2019-05-31", seed=7, n_sims=300, decision=DECISION)
    b = project(year, synthetic_catalog(), UNITS, "2019-05-31", seed=7, n_sims=300, decision=DECISION)
    c = project(year, synthetic_catalog(), UNITS, "2019-05-31", seed=8, n_sims=300, decision=DECISION)
    pd.testing.assert_frame_equal(a, b)
    assert not a["projected_low"].equals(c["projected_low"])


def test_ignores_dossiers_after_as_of(year):
    cut = year[year["received_date"] <= "2019-05-31"]
    a = project(year, synthetic_catalog(), UNITS, "2019-05-31", seed=2, n_sims=300, decision=DECISION)
    b = project(cut, synthetic_catalog(), UNITS, "2019-05-31", seed=2, n_sims=300, decision=DECISION)
    pd.testing.assert_frame_equal(a, b)


def test_more_online_never_lowers_p_meet(year):
    """Turning direct dossiers into online ones (same volume) never lowers p_meet (common random numbers)."""
    rng = np.random.default_rng(0)
    as_of = "2019-07-31"
    base = project(year, synthetic_catalog(), UNITS, as_of, seed=3, n_sims=400, decision=DECISION).set_index("unit_code")
    direct = np.flatnonzero((year["channel"] == "direct").to_numpy()
                            & (year["received_date"] <= as_of).to_numpy())
    for frac in (0.05, 0.2):
        more = year.copy()
        pick = rng.choice(direct, size=int(frac * len(direct)), replace=False)
        more.loc[more.index[pick], "channel"] = "online"
        up = project(more, synthetic_catalog(), UNITS, as_of, seed=3, n_sims=400, decision=DECISION).set_index("unit_code")
        has = base["total_so_far"] > 0
        # common random numbers make p_meet monotone for a given fit; the fit's discrete choices (grid
        # hyperparameters, jumps or not) may change with the data, which moved one unit 0.0025 (1 draw
        # of 400) at p_meet ≈ 0: a tolerance of 2 draws, not 0
        assert (up.loc[has, "p_meet"] >= base.loc[has, "p_meet"] - 2 / 400 - 1e-12).all()
        assert (up.loc[has, "projected_rate"] > base.loc[has, "projected_rate"]).all()


def test_fan_ends_where_projection_ends(year):
    fan = projection_fan(year, synthetic_catalog(), UNITS, "2019-08-31", seed=4, n_sims=300, decision=DECISION)
    out = project(year, synthetic_catalog(), UNITS, "2019-08-31", seed=4, n_sims=300, decision=DECISION).set_index("unit_code")
    assert set(fan["unit_code"]) == set(out.index[out["total_so_far"] > 0])
    u = fan["unit_code"].iloc[0]
    f = fan[fan["unit_code"] == u]
    assert f["date"].iloc[0] == pd.Timestamp("2019-08-31") and f["date"].iloc[-1] == pd.Timestamp("2019-11-30")
    assert f["q10"].iloc[0] == f["q90"].iloc[0]            # as_of: the known rate
    assert (f["q10"] <= f["q50"]).all() and (f["q50"] <= f["q90"]).all()
    # the final point is the projection (mean to Monte Carlo precision of another aggregation)
    assert f["mean"].iloc[-1] == pytest.approx(out.loc[u, "projected_rate"], abs=0.01)


def test_rw_block_factor_by_hand():
    from chitieu_lib.projection.share import rw_block_factor
    # mean of a unit-step random walk over weeks 1..h: var = Σ_j (h − j + 1)² / h² = (h+1)(2h+1)/(6h)
    for h in (1, 2, 5, 13):
        by_hand = sum((h - j + 1) ** 2 for j in range(1, h + 1)) / h ** 2
        assert rw_block_factor(h) == pytest.approx(by_hand)


def test_quantile_calibration_is_one_for_normal_errors_and_less_for_heavy_tails():
    from chitieu_lib.projection.share import _quantile_calibration
    rng = np.random.default_rng(0)
    v = np.full(20000, 0.04)
    normal = rng.normal(0, 0.2, 20000)
    assert _quantile_calibration(normal, np.zeros_like(v), v) == pytest.approx(1.0, abs=0.05)
    # most errors small, a few large (same variance): the 80% interval needs less than the variance says
    heavy = np.where(rng.random(20000) < 0.9, rng.normal(0, 0.1, 20000), rng.normal(0, 0.2 * np.sqrt(7.3), 20000))
    assert _quantile_calibration(heavy, np.zeros_like(v), v) < 0.6


def _weekly(path, n_units=40, n_per_week=400, seed=0):
    """Weekly counts (b = 0 is the latest week) of units whose logit share follows ``path`` (oldest first)."""
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-path))[::-1]
    n = np.full((n_units, len(path)), float(n_per_week))
    return rng.binomial(n.astype(int), p).astype(float), n


def test_combination_weights_follow_the_data():
    from chitieu_lib.projection import share
    groups = pd.DataFrame({"level": ["district"] * 40, "target": [0.35] * 40})
    names = [c[0] for c in share.candidates()]
    # a steady rise of 0.05 logit a week: the trend must carry most of the weight
    k, n = _weekly(-1.5 + 0.05 * np.arange(30))
    w = share.fit_share_model(k, n, groups, horizon=13)["weights"][0]
    assert w[names.index("trend")] > 0.6
    # a flat share: the trend must get little weight, the long memories most
    k, n = _weekly(np.full(30, -1.0), seed=1)
    w = share.fit_share_model(k, n, groups, horizon=13)["weights"][0]
    assert w[names.index("trend")] < 0.3
    assert w[names.index("mean")] + w[names.index("level12")] > 0.5


def test_synthetic_dynamics():
    flat = synthetic_year(n_units=3, seed=2, dynamics="flat", volume_scale=2.0)
    c = flat[flat["reason"] == "counted"]
    on = c.assign(on=c["channel"] == "online", half=c["received_date"] < "2019-06-01")
    # constant share: the two halves of the year agree within binomial noise
    g = on.groupby(["unit_code", "half"])["on"].agg(["mean", "size"]).unstack()
    se = np.sqrt(g[("mean", True)] * (1 - g[("mean", True)]) * (1 / g[("size", True)] + 1 / g[("size", False)]))
    assert ((g[("mean", True)] - g[("mean", False)]).abs() < 4 * se).all()
    with pytest.raises(ValueError):
        synthetic_year(n_units=1, dynamics="chaos")


# --- issue 13: state-space share (v2), simulated worlds, oracle, track record -------------------------

from chitieu_lib.projection import kalman  # noqa: E402
from chitieu_lib.projection.limit import (_draw_logit, filter_starts, launch_posterior,  # noqa: E402
                                         limit_forecast, start_posterior, start_weeks, weekly_counts)
from chitieu_lib.projection.oracle import as_of_weeks, oracle_forecast  # noqa: E402
from chitieu_lib.projection.track_record import track_record, track_record_text  # noqa: E402
from chitieu_lib.projection.worlds import campaign_effect, ramp, world_year  # noqa: E402


def test_campaign_ramp_by_hand():
    # launch in week 10, unit lag 2, lift 0.6: nothing before week 12, a third of it in week 12, all from 14
    eff = campaign_effect(np.array([10]), np.array([0.6]), np.array([2]), np.array([0]), 20)[0]
    assert eff[11] == 0 and eff[12] == pytest.approx(0.2) and eff[13] == pytest.approx(0.4)
    assert eff[14:] == pytest.approx(0.6)
    assert campaign_effect(np.array([-1]), np.array([0.6]), np.array([0]), np.array([0]), 5).sum() == 0
    assert ramp(-1) == 0


def test_kalman_follows_a_rising_share():
    # logit share rising 0.05 a week from logit(0.2), 1,000 dossiers a week (expected counts, exact)
    t = np.arange(30)
    p = 1 / (1 + np.exp(-(np.log(0.25) + 0.05 * t)))
    n = np.full((1, 1, 30), 1000.0)
    k = np.round(n * p)
    one = np.ones(1)
    f = kalman.kalman_filter(k, n, np.zeros((1, 1)), q_level=1e-4 * one, q_noise=0 * one, q_slope=0 * one,
                             slope_mean=0 * one, slope_var=0.03 ** 2 * one)
    assert f["m"][0, 1] == pytest.approx(0.05, abs=0.005)
    assert f["m"][0, 0] == pytest.approx(np.log(0.25) + 0.05 * 29, abs=0.03)


def test_procedure_offset_is_the_log_odds_ratio():
    # two groups, shares 0.3 and 0.6 every week, 40 units alike: offset logit(.6) − logit(.3) = 1.2528
    k = np.zeros((40, 2, 10))
    n = np.full((40, 2, 10), 100.0)
    k[:, 0], k[:, 1] = 30, 60
    off, var = kalman.procedure_offsets(k, n, ref=0)
    assert off[:, 1] == pytest.approx(np.log(0.6 / 0.4) - np.log(0.3 / 0.7), abs=0.01)
    assert (off[:, 0] == 0).all() and (var[:, 1] > 0).all()


def test_oracle_at_the_window_end_is_the_final_rate():
    y = world_year("province", seed=4, n_units=6, volume_scale=0.3)
    o = oracle_forecast(y, "2019-11-30", n_draws=20).set_index("unit_code")
    c = y.dossiers[y.dossiers["reason"] == "counted"]
    final = c.assign(on=c["channel"] == "online").groupby("unit_code")["on"].mean()
    np.testing.assert_allclose(o.loc[final.index, "projected_rate"], final)
    np.testing.assert_allclose(o.loc[final.index, "projected_low"], final)


def test_limit_at_the_window_end_is_the_final_rate():
    for world in ("tet", "campaign"):
        y = world_year(world, seed=4, n_units=6, volume_scale=0.3)
        o = limit_forecast(y, "2019-11-30", n_draws=20).set_index("unit_code")
        c = y.dossiers[y.dossiers["reason"] == "counted"]
        final = c.assign(on=c["channel"] == "online").groupby("unit_code")["on"].mean()
        np.testing.assert_allclose(o.loc[final.index, "projected_rate"], final)
        np.testing.assert_allclose(o.loc[final.index, "projected_high"], final)
    with pytest.raises(ValueError, match="outside the simulated window"):
        limit_forecast(y, "2018-11-30")


def test_limit_filter_is_the_models_filter_given_the_settings():
    # without campaigns the limit's filter (level, slope, lift: its own code) must give what the model's
    # filter (kalman.py) gives when handed the generator's settings as its priors and hyperparameters
    y = world_year("drift_jumps", seed=5, n_units=30, volume_scale=1.0)
    d0, w0 = as_of_weeks(y, "2019-06-30")
    fit = filter_starts(y, d0, w0)
    k, n = weekly_counts(y, d0)
    p, one = y.params, np.ones(30)
    t = y.units["target"].to_numpy()
    ref = kalman.kalman_filter(
        k, n, y.offset, q_level=p["rw_sd"] ** 2 * one, q_noise=0 * one, q_slope=0 * one,
        slope_mean=p["slope_mean"] * one, slope_var=p["slope_sd"] ** 2 * one,
        level0=np.log(t / (1 - t)) - 0.3, level0_sd=np.sqrt(0.6 ** 2 + p["rw_sd"] ** 2
                                                              + p["jump_rate"] * p["jump_sd"] ** 2) * one,
        jump_prob=p["jump_rate"] * one, q_jump=p["jump_sd"] ** 2 * one)
    assert fit["m"].shape == (30, 1, 3)
    np.testing.assert_allclose(fit["m"][:, 0, :2], ref["m"], atol=1e-6)
    np.testing.assert_allclose(fit["P"][:, 0, :2, :2], ref["P"], atol=1e-8)
    np.testing.assert_allclose(fit["loglik"][:, 0], ref["loglik"], rtol=1e-8)


def test_limit_filter_reads_the_generators_level_with_honest_variance():
    # the limit's state against the generator's own truth (level now, slope) on 60 units: its errors
    # divided by its posterior sd must look like N(0, 1), and a busy unit's level must be close
    y = world_year("drift_jumps", seed=5, n_units=60, volume_scale=1.0)
    d0, w0 = as_of_weeks(y, "2019-06-30")
    fit = filter_starts(y, d0, w0)
    m, P = fit["m"][:, 0], fit["P"][:, 0]
    z_level = (m[:, 0] - y.logit[:, w0]) / np.sqrt(P[:, 0, 0])
    z_slope = (m[:, 1] - y.parts["slope"]) / np.sqrt(P[:, 1, 1])
    assert abs(z_level.mean()) < 0.45 and 0.7 < z_level.std() < 1.4
    assert abs(z_slope.mean()) < 0.45 and 0.7 < z_slope.std() < 1.4
    busy = y.counts[:, :d0 + 1].sum(axis=(1, 2)) > 2000
    assert busy.sum() >= 5 and np.abs(m[busy, 0] - y.logit[busy, w0]).max() < 0.3


def test_launch_posterior_without_evidence_is_the_generators_prior_by_hand():
    # dossiers that tell nothing (every hypothesis equally likely): launch week l has probability
    # h·(1−h)^(l−8) for l = 8 … w0, and "not yet" (1−h)^(w0−7), h = the world's weekly hazard
    y = world_year("campaign", seed=1, n_units=5, volume_scale=0.3)
    w0 = 20
    starts = start_weeks(w0)
    fit = {"starts": starts, "loglik": np.zeros((5, len(starts)))}
    launches, post, lag_post = launch_posterior(y, fit, w0)
    h = y.params["hazard"]
    expected = [h * (1 - h) ** (week - 8) for week in range(8, w0 + 1)] + [(1 - h) ** (w0 - 7)]
    assert list(launches) == [*range(8, w0 + 1), -1]
    np.testing.assert_allclose(post, np.tile(expected, (len(post), 1)))
    np.testing.assert_allclose(lag_post, 1 / (y.params["max_lag"] + 1))


def test_limit_draws_the_future_from_the_posterior_and_the_hazard_by_hand():
    # a posterior made certain by hand: group 0 launched in week 10, the others not by w0 = 20, every lag
    # 2 weeks; states known exactly, their level = the index of their start hypothesis (to see which one
    # a draw used), lift 1; no steps. Then a unit of group 0 is at 4 + 1 (start 12, fully ramped) in
    # every draw, and another unit's lift in week w0 + j is the hazard's chance of a start by then:
    # Σ_l h(1−h)^(l−21) ramp(w0 + j − l − 2) over launches l from week 21
    y = world_year("campaign", seed=1, n_units=6, volume_scale=0.3)
    y.params = {**y.params, "rw_sd": 0.0, "jump_rate": 0.0}
    w0, group = 20, y.parts["group"]
    starts = start_weeks(w0)
    n_h, n_groups = len(starts), int(group.max()) + 1
    m = np.zeros((6, n_h, 3))
    m[:, :, 0] = np.arange(n_h)
    m[:, :, 2] = 1.0
    fit = {"starts": starts, "m": m, "sqrt_P": np.zeros((6, n_h, 3, 3))}
    launches = np.r_[np.arange(8, w0 + 1), -1]
    post = np.zeros((n_groups, len(launches)))
    post[:, -1] = 1.0
    post[group[0]] = 0.0
    post[group[0], list(launches).index(10)] = 1.0
    lag_post = np.zeros((6, len(launches), y.params["max_lag"] + 1))
    lag_post[:, :, 2] = 1.0
    out = _draw_logit(y, fit, post, lag_post, launches, np.random.default_rng(0), w0, 4000)
    assert (out[:, 0, :] == 4 + 1).all()
    other = int(np.flatnonzero(group != group[0])[0])
    h, j = y.params["hazard"], 10
    expected = sum(h * (1 - h) ** (l - (w0 + 1)) * ramp(w0 + j - l - 2) for l in range(w0 + 1, 49))
    assert (out[:, other, 0] == n_h - 1).all()                   # not started: the "not yet" state, no lift
    lift = out[:, other, j] - (n_h - 1)
    assert lift.mean() == pytest.approx(expected, abs=4 * lift.std() / np.sqrt(4000))


def test_limit_finds_when_each_unit_rose():
    # a busy campaign year at 30/9: a unit whose campaign (its district's launch + its own lag) started at
    # least three weeks before must have its posterior start within a week of the generator's, mostly;
    # a unit of a group that never launched must be read as "not yet"
    y = world_year("campaign", seed=3, volume_scale=4.0)
    d0, w0 = as_of_weeks(y, "2019-09-30")
    post = start_posterior(y, filter_starts(y, d0, w0), w0)
    np.testing.assert_allclose(post.sum(axis=1), 1)
    launch = y.parts["launch"][y.parts["group"]]
    true = np.where(launch >= 0, launch + y.parts["lag"], -1)
    shown = (true >= 0) & (true <= w0 - 3)
    never = launch < 0
    assert shown.sum() >= 30 and never.sum() >= 30
    mode = start_weeks(w0)[post.argmax(axis=1)]
    assert (np.abs(mode[shown] - true[shown]) <= 1).mean() >= 0.75
    assert post[never, -1].mean() > 0.9


def test_new_procedure_mix_lifts_the_projection():
    # a new procedure (P08, counted from June) is far more online: at 30/4 the v2 projection, which reads
    # its share from the dossiers received before it counts, must sit above carrying the rate forward
    y = world_year("new_procedure", seed=8, n_units=30, volume_scale=1.0)
    out = project(y.dossiers, y.catalog, y.units, "2019-04-30", n_sims=300, decision=DECISION).set_index("unit_code")
    has = out["total_so_far"] > 0
    carry = out.loc[has, "online_so_far"] / out.loc[has, "total_so_far"]
    assert (out.loc[has, "projected_rate"] > carry).mean() > 0.8


def test_track_record_picks_the_nearest_date_and_speaks_vietnamese():
    t = pd.DataFrame({"level": ["district", "district"], "as_of": pd.to_datetime(["2019-04-30", "2019-09-30"]),
                      "n": [36, 36], "mae": [0.0213, 0.0061], "coverage80": [0.81, 0.78], "brier": [0.1, 0.05]})
    assert track_record("district", "2019-05-15", table=t)["mae"] == 0.0213
    assert track_record("district", "2019-10-31", table=t)["mae"] == 0.0061
    assert track_record("commune", "2019-10-31", table=t) == {}
    s = track_record_text("district", "2019-09-01", table=t)
    assert "cấp huyện" in s and "0,6 điểm phần trăm" in s and "78%" in s and "mô phỏng" in s


def test_jump_mixture_adds_its_variance_on_empty_weeks_by_hand():
    # one week of data, then three empty weeks: each empty week adds q_level + π·q_jump to the level's
    # variance (the mixture's moment), the slope being fixed (variance 0, no steps)
    k = np.zeros((1, 1, 4)); n = np.zeros((1, 1, 4))
    k[0, 0, 0], n[0, 0, 0] = 30, 100
    one = np.ones(1)
    kw = dict(q_noise=0 * one, q_slope=0 * one, slope_mean=0 * one, slope_var=0 * one)
    first = kalman.kalman_filter(k[:, :, :1], n[:, :, :1], np.zeros((1, 1)), q_level=0.01 * one, **kw)
    f = kalman.kalman_filter(k, n, np.zeros((1, 1)), q_level=0.01 * one, jump_prob=0.05 * one,
                             q_jump=0.2 * one, **kw)
    assert f["P"][0, 0, 0] == pytest.approx(first["P"][0, 0, 0] + 3 * (0.01 + 0.05 * 0.2))
    assert f["m"][0, 0] == pytest.approx(first["m"][0, 0])
    # π = 0 is the Gaussian filter exactly
    g0 = kalman.kalman_filter(k, n, np.zeros((1, 1)), q_level=0.01 * one, **kw)
    g1 = kalman.kalman_filter(k, n, np.zeros((1, 1)), q_level=0.01 * one, jump_prob=0 * one, q_jump=one, **kw)
    np.testing.assert_allclose(g0["P"], g1["P"])


def test_jump_mixture_follows_a_step_faster_than_small_gaussian_steps():
    # the logit share steps from −1 to +0.5 at week 15 (200 dossiers a week, expected counts): two weeks
    # later a filter that allows rare jumps is near the new level, small Gaussian steps still lag behind
    t = np.arange(17)
    p = 1 / (1 + np.exp(-np.where(t < 15, -1.0, 0.5)))
    n = np.full((1, 1, 17), 200.0)
    k = np.round(n * p)
    one = np.ones(1)
    kw = dict(q_level=1e-3 * one, q_noise=0 * one, q_slope=0 * one, slope_mean=0 * one, slope_var=0 * one)
    gauss = kalman.kalman_filter(k, n, np.zeros((1, 1)), **kw)
    jumps = kalman.kalman_filter(k, n, np.zeros((1, 1)), jump_prob=0.02 * one, q_jump=0.25 * one, **kw)
    assert abs(jumps["m"][0, 0] - 0.5) < 0.15
    assert abs(gauss["m"][0, 0] - 0.5) > 0.5
    # and the jump model explains these weeks better
    assert jumps["loglik"][0] > gauss["loglik"][0]


def _two_units_one_jumps():
    # unit A: 500 dossiers a week, logit share −1 then 0 from week 15 (a rise of 1.0); unit B: the same
    # district, logit −1, no dossiers from week 15 on (expected counts, exact)
    t = np.arange(30)
    share = 1 / (1 + np.exp(-np.stack([np.where(t < 15, -1.0, 0.0), np.full(30, -1.0)])))
    n = np.full((2, 1, 30), 500.0)
    n[1, 0, 15:] = 0
    return np.round(n * share[:, None, :]), n


def test_district_steps_carry_a_mates_rise():
    k, n = _two_units_one_jumps()
    steps = kalman.district_steps(k, n, np.array([0, 0]))
    # B's mate (A) rose by 1.0 in week 15: B's steps from then on add up to about that rise, none before
    assert steps[1, 15:].sum() == pytest.approx(1.0, abs=0.05)
    assert np.abs(steps[1, :15]).max() < 0.01
    # A's mate (B) has no dossiers after week 15 and a flat share before: nothing to carry
    assert np.abs(steps[0]).max() < 0.01
    # alone in its district, a unit gets no steps at all
    assert not kalman.district_steps(k, n, np.array([0, 1])).any()


def test_shared_step_moves_a_silent_unit_by_its_loading_by_hand():
    # B has no dossiers after week 15: a district step of 0.8 in week 20 with loading N(0.5, 0.3²) moves
    # its level by 0.5 × 0.8 = 0.4 and adds 0.3² × 0.8² = 0.0576 to the level's variance
    k, n = _two_units_one_jumps()
    one = np.ones(2)
    kw = dict(q_level=1e-3 * one, q_noise=0 * one, q_slope=0 * one, slope_mean=0 * one, slope_var=0 * one)
    steps = np.zeros((2, 30))
    steps[1, 20] = 0.8
    plain = kalman.kalman_filter(k, n, np.zeros((2, 1)), **kw)
    shared = kalman.kalman_filter(k, n, np.zeros((2, 1)), **kw, shared_steps=steps, loading=0.5,
                                  loading_var=0.3 ** 2)
    assert shared["m"][1, 0] - plain["m"][1, 0] == pytest.approx(0.4)
    assert shared["P"][1, 0, 0] - plain["P"][1, 0, 0] == pytest.approx(0.0576)
    np.testing.assert_allclose(shared["m"][0], plain["m"][0])


def _sixteen_units(shared, seed):
    """Two districts of 8 units, 100 dossiers a week: district 0 rises by 1.0 together (lags 0–2 weeks)
    from week 20, or (``shared`` False) each unit jumps by ±1 in a week of its own."""
    rng = np.random.default_rng(seed)
    level = np.full((16, 40), -0.5) + rng.normal(0, 0.3, (16, 1))
    for u in range(16):
        if shared and u < 8:
            level[u, 20 + u % 3:] += 1.0
        elif not shared:
            level[u, rng.integers(10, 35):] += rng.choice([-1.0, 1.0])
    n = np.full((16, 1, 40), 100.0)
    k = np.round(n / (1 + np.exp(-level))[:, None, :])
    groups = pd.DataFrame({"level": "commune", "target": 0.5, "district": np.repeat([0, 1], 8)})
    return kalman.fit_state_space(k, n, groups)


def test_shared_loading_is_chosen_only_where_units_move_together():
    for seed in (1, 2):
        assert _sixteen_units(True, seed)["loading"][0] > 0
        assert tuple(_sixteen_units(False, seed)["loading"]) == (0.0, 0.0)
