"""What changed since the last meeting (``--since``), and last year beside this year (``--previous``).

Both dates' figures come from the same store: the view at ``since`` is the view at
``as_of`` with fewer days counted, so "received in between" is the difference of
the two counts (a dossier counted at ``since`` is counted at ``as_of`` too).
Last year's figures come from a store ingested with last year's decision; its
final rate is the rate at the end of its own window, against its own target.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from .. import labels
from ..labels import COLUMNS as C
from ..ingest import apply_as_of
from ..rates import rates_by, unit_rates
from ..store import open_store, read_manifest
from ..vi import fmt_date, fmt_int, fmt_pct
from .display import show_html, show_table
from .tables import table_html
from .text import decision_ref, fmt_points
from .views import View, build_view


def _ranks(summary: pd.DataFrame) -> pd.Series:
    """Rank by rate so far, then projected rate (the league table's order), 1 = best."""
    s = summary.sort_values(["rate", "projected_rate", "unit_code"], ascending=[False, False, True],
                            na_position="last")
    return pd.Series(np.arange(1, len(s) + 1), index=s["unit_code"].to_numpy())


def change_frame(then: View, now: View, codes=None) -> pd.DataFrame:
    """Per unit: the figures at ``since`` and at ``as_of``, what came in between, and the changes.

    Columns (English, raw values): unit_code, unit_name, rate_then, rate_now, rate_change,
    total_between, online_between, share_between, projected_then, projected_now,
    projected_change, p_meet_change, status_then, status_now, rank_then, rank_now.
    """
    a, b = then.summary(), now.summary()
    if codes is not None:
        codes = [str(c) for c in codes]
        a, b = a[a["unit_code"].isin(codes)], b[b["unit_code"].isin(codes)]
    m = b.merge(a, on="unit_code", suffixes=("_now", "_then"))
    out = pd.DataFrame({"unit_code": m["unit_code"], "unit_name": m["unit_name_now"]})
    out["rate_then"], out["rate_now"] = m["rate_then"].astype(float), m["rate_now"].astype(float)
    out["rate_change"] = out["rate_now"] - out["rate_then"]
    out["total_between"] = (m["total_now"] - m["total_then"]).astype("int64")
    out["online_between"] = (m["online_now"] - m["online_then"]).astype("int64")
    out["share_between"] = out["online_between"] / out["total_between"].where(out["total_between"] > 0)
    out["projected_then"] = m["projected_rate_then"].astype(float)
    out["projected_now"] = m["projected_rate_now"].astype(float)
    out["projected_change"] = out["projected_now"] - out["projected_then"]
    out["p_meet_change"] = m["p_meet_now"].astype(float) - m["p_meet_then"].astype(float)
    out["status_then"] = [labels.status_key(x) for x in m["status_then"]]
    out["status_now"] = [labels.status_key(x) for x in m["status_now"]]
    out["rank_then"] = out["unit_code"].map(_ranks(a)).astype("int64")
    out["rank_now"] = out["unit_code"].map(_ranks(b)).astype("int64")
    return out.sort_values(["rate_change", "unit_code"], ascending=[False, True],
                           na_position="last").reset_index(drop=True)


def change_table(changes: pd.DataFrame, ranks: bool = True) -> pd.DataFrame:
    """Vietnamese columns for :func:`change_frame` (raw values kept)."""
    table = pd.DataFrame({
        C["code"]: changes["unit_code"], C["unit"]: changes["unit_name"],
        C["rate_then"]: changes["rate_then"], C["rate_now"]: changes["rate_now"],
        C["rate_change"]: changes["rate_change"],
        C["total_between"]: changes["total_between"],
        C["online_between"]: changes["online_between"],
        C["share_between"]: changes["share_between"],
        C["projected_then"]: changes["projected_then"], C["projected_now"]: changes["projected_now"],
        C["projected_change"]: changes["projected_change"],
        C["p_meet_change"]: changes["p_meet_change"],
        C["status_then"]: [labels.status_label(x) for x in changes["status_then"]],
        C["status_now"]: [labels.status_label(x) for x in changes["status_now"]],
    })
    if ranks:
        table[C["rank_then"]] = changes["rank_then"]
        table[C["rank_now"]] = changes["rank_now"]
    return table


def agency_changes(then: View, now: View, unit_code: str) -> pd.DataFrame:
    """Per phòng of a unit: rate at both dates, dossiers in between, rank by rate (1 = highest)."""
    def by_agency(view: View) -> pd.DataFrame:
        d = view.dossiers
        counted = d[(d["unit_code"] == str(unit_code)) & (d["reason"] == "counted")].copy()
        agency = counted["agency"].astype("object")
        counted["agency"] = agency.where(agency.notna() & (agency.astype("str").str.strip() != ""),
                                         labels.NO_AGENCY).astype("str")
        g = rates_by(counted, ["agency"])
        g["agency"] = g["agency"].astype("str")
        g["rank"] = g["rate"].rank(ascending=False, method="min")
        return g
    a, b = by_agency(then), by_agency(now)
    m = b.merge(a, on="agency", how="left", suffixes=("_now", "_then")).fillna(
        {"online_then": 0, "total_then": 0})
    table = pd.DataFrame({
        C["agency"]: m["agency"],
        C["rate_then"]: m["rate_then"].astype(float), C["rate_now"]: m["rate_now"].astype(float),
        C["rate_change"]: m["rate_now"].astype(float) - m["rate_then"].astype(float),
        C["total_between"]: (m["total_now"] - m["total_then"]).astype("int64"),
        C["online_between"]: (m["online_now"] - m["online_then"]).astype("int64"),
        C["rank_then"]: m["rank_then"], C["rank_now"]: m["rank_now"],
    })
    between = table[C["total_between"]]
    table.insert(6, C["share_between"], table[C["online_between"]] / between.where(between > 0))
    return table.sort_values([C["rate_change"], C["agency"]], ascending=[False, True],
                             na_position="last").reset_index(drop=True)


def _heading(since) -> str:
    return f"<h2>{labels.say('changes_since', since=fmt_date(since))}</h2>"


def changes_summary_html(row: pd.Series) -> str:
    """One unit's changes in sentences (the figures of :func:`change_frame`)."""
    text = labels.say(
        "changes_summary", rate_then=fmt_pct(row["rate_then"]), rate_now=fmt_pct(row["rate_now"]),
        rate_change=fmt_points(row["rate_change"]), total=fmt_int(row["total_between"]),
        online=fmt_int(row["online_between"]), share=fmt_pct(row["share_between"]),
        projected_then=fmt_pct(row["projected_then"]), projected_now=fmt_pct(row["projected_now"]),
        projected_change=fmt_points(row["projected_change"]), p_meet_change=fmt_points(row["p_meet_change"]),
        status_then=labels.status_label(row["status_then"]), status_now=labels.status_label(row["status_now"]))
    return f"<p>{text}</p>"


def show_changes(store, view: View, since: str, unit_code: str | None = None, kind: str = "unit") -> None:
    """The "Thay đổi từ ngày …" section; nothing when ``since`` is empty.

    ``kind``: ``unit`` (one unit), ``district`` (the district, each commune and each phòng,
    with the change in rank) or ``province`` (the units whose status changed).
    """
    if not since:
        return
    since_ts = pd.Timestamp(since)
    codes = view.units["unit_code"].tolist()
    then = build_view(store, codes, since_ts)
    changes = change_frame(then, view)
    period = labels.say("changes_period", since=fmt_date(since_ts), as_of=fmt_date(view.as_of))
    if kind == "province":
        moved = changes[changes["status_then"] != changes["status_now"]]
        intro = (labels.say("changes_moved", count=len(moved), period=period) if len(moved)
                 else labels.say("changes_none_moved", period=period))
        show_html(_heading(since_ts) + f"<p>{intro}</p>")
        if len(moved):
            show_table(change_table(moved, ranks=False), "thay_doi_danh_gia",
                       labels.say("changes_moved_caption", period=period))
        return
    own = changes[changes["unit_code"] == str(unit_code)]
    show_html(_heading(since_ts) + (changes_summary_html(own.iloc[0]) if len(own) else ""))
    if kind == "district":
        communes = changes[changes["unit_code"] != str(unit_code)].reset_index(drop=True)
        if len(communes):
            # ranks among the communes only, as the league table ranks them
            sub = change_frame(then, view, communes["unit_code"])
            show_table(change_table(sub), "thay_doi_xa", labels.say("changes_communes_caption", period=period))
        phong = agency_changes(then, view, unit_code)
        if len(phong) > 1 or (len(phong) == 1 and phong[C["agency"]].iloc[0] != labels.NO_AGENCY):
            show_table(phong, "thay_doi_phong", labels.say("changes_phong_caption", period=period))


# --------------------------------------------------------------------------- last year

# Last year's final rates, read once per store content while a warm kernel runs many reports.
_PREVIOUS: dict = {}


def _previous_rates(previous_dir: str) -> tuple[object, pd.DataFrame]:
    path = Path(previous_dir).resolve()
    key = (str(path), (read_manifest(path) or {}).get("fingerprint"))   # a re-ingest changes the key
    if key not in _PREVIOUS:
        prev = open_store(path)
        d = prev.decision
        _PREVIOUS.clear()
        _PREVIOUS[key] = d, unit_rates(apply_as_of(prev.dossiers, pd.Timestamp(d.window_end)), prev.units)
    return _PREVIOUS[key]


def previous_year(previous_dir: str, codes) -> tuple[object, pd.DataFrame]:
    """Last year's store's decision and each unit's final rate there, against last year's target."""
    d, rates = _previous_rates(previous_dir)
    return d, rates[rates["unit_code"].isin([str(c) for c in codes])].reset_index(drop=True)


def previous_year_html(previous_dir: str, row: pd.Series) -> str:
    """A sentence with last year's final rate against last year's target; empty without a store."""
    if not previous_dir:
        return ""
    d, rates = previous_year(previous_dir, [row.name])
    ref = html.escape(decision_ref(d))
    if rates.empty or pd.isna(rates["rate"].iloc[0]):
        return f"<p>{labels.say('previous_no_data', decision=ref)}</p>"
    r = rates.iloc[0]
    verdict = labels.say("previous_met") if bool(r["met"]) else labels.say("previous_not_met")
    text = labels.say("previous_result", decision=ref, rate=fmt_pct(r["rate"]), online=fmt_int(r["online"]),
                      total=fmt_int(r["total"]), target=fmt_pct(r["target"], 0), verdict=verdict,
                      target_now=fmt_pct(row.get("target"), 0), rate_now=fmt_pct(row.get("rate")))
    return f"<p>{text}</p>"


def previous_year_table_html(previous_dir: str, view: View) -> str:
    """Last year beside this year for every unit of the view (the province overview)."""
    if not previous_dir:
        return ""
    d, rates = previous_year(previous_dir, view.units["unit_code"])
    now = view.summary()[["unit_code", "unit_name", "target", "rate"]]
    m = now.merge(rates[["unit_code", "target", "rate"]], on="unit_code", how="left", suffixes=("", "_prev"))
    table = pd.DataFrame({C["code"]: m["unit_code"], C["unit"]: m["unit_name"],
                          C["target_previous"]: m["target_prev"], C["rate_previous"]: m["rate_prev"],
                          C["target"]: m["target"], C["rate"]: m["rate"]})
    return (f"<h2>{labels.say('previous_heading')}</h2>"
            f"<p>{labels.say('previous_basis', decision=html.escape(decision_ref(d)))}</p>"
            + table_html(table, labels.say("previous_caption")))
