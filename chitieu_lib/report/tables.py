"""The tables of a report (Vietnamese headers, raw values) and their HTML form.

Each function returns a DataFrame whose columns are what the reader sees; the
values stay raw (fractions, counts) so the batch can write them to XLSX/CSV, and
:func:`table_html` formats them the Vietnamese way for the page.
"""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pandas as pd

from .. import labels
from ..labels import COLUMNS as C
from ..rates import rates_by
from ..text import fold
from ..vi import DASH, _isna, fmt_date, fmt_int, fmt_num, fmt_pct
from .text import gap_dossiers
from .views import View, unit_row


def where_to_push(view: View, unit_code: str, top: int = 10) -> pd.DataFrame:
    """Procedures ranked by how much moving their dossiers online would close the gap.

    The room a procedure offers is its dossiers not yet online (volume × room to
    grow = total × (1 − rate)); expressed as points of the unit's rate and as a
    share of the gap. Procedures whose counting window (Article 2) has already
    closed are left out: their future dossiers no longer count.
    """
    d = view.dossiers
    counted = d[(d["unit_code"] == str(unit_code)) & (d["reason"] == "counted")]
    row = unit_row(view, unit_code)
    if "catalog_code" in counted.columns:   # local codes (1.001193.000.00.00.H34) as the catalogue lists them
        counted = counted.drop(columns="procedure_code").rename(columns={"catalog_code": "procedure_code"})
    by = rates_by(counted, ["procedure_code"])
    by = by.merge(view.catalog[["procedure_code", "procedure_name", "rule", "window_end"]]
                  if "window_end" in view.catalog.columns else
                  view.catalog[["procedure_code", "procedure_name", "rule"]],
                  on="procedure_code", how="left")
    if "window_end" in by.columns:
        by = by[~(pd.to_datetime(by["window_end"]) < view.as_of)]
    by["offline"] = by["total"] - by["online"]
    unit_total = row.get("total") or 0
    gap = gap_dossiers(row.get("online", 0), unit_total, row.get("target"))
    by["points"] = by["offline"] / unit_total if unit_total else np.nan
    by["gap_share"] = (by["offline"] / gap) if gap else np.nan
    by = by.sort_values(["offline", "total", "procedure_code"], ascending=[False, False, True])
    return by.head(top).reset_index(drop=True)


def where_to_push_table(push: pd.DataFrame) -> pd.DataFrame:
    """Vietnamese columns for :func:`where_to_push` (raw values kept)."""
    return pd.DataFrame({
        C["procedure_code"]: push["procedure_code"],
        C["procedure_name"]: push["procedure_name"].fillna(DASH),
        C["total"]: push["total"],
        C["online"]: push["online"],
        C["online_rate"]: push["rate"],
        C["offline"]: push["offline"],
        C["points_if_online"]: push["points"],
    })


def _letter_phong(view: View, unit_code: str) -> list[str]:
    """The phòng named by the unit's implementing letters, in the letters' order."""
    out: list[str] = []
    for letter in view.decision.letters_of(unit_code):
        out += [p for p in letter.get("phong", []) if p not in out]
    return out


def phong_key(text: str) -> tuple:
    """A phòng's name without case, accents, the word 'Phòng' or the order of its ' - ' parts.

    >>> phong_key("Phòng Tài chính - Kế hoạch") == phong_key("Kế hoạch - Tài chính")
    True
    """
    parts = [fold(part) for part in str(text).split(" - ")]      # fold drops the dash itself
    if parts and parts[0].startswith("phong "):
        parts[0] = parts[0][len("phong "):]
    return tuple(sorted(p.strip() for p in parts))


def _phong_order(names: pd.Series, listed: list[str]) -> pd.Series:
    """Position of each agency name in the letter's list (see :func:`phong_key`)."""
    key = phong_key
    position = {key(p): i for i, p in enumerate(listed)}
    return names.map(lambda n: position.get(key(n), len(listed)))


def agency_table(view: View, unit_code: str) -> pd.DataFrame:
    """Each phòng's (processing agency's) rate and contribution to the unit's rate.

    ``Đóng góp`` is the phòng's online dossiers over the unit's total (the points it
    brings to the unit's rate; the column sums to the unit's rate); ``Dư địa`` its
    dossiers not yet online over the unit's total. Where the unit's implementing
    letter lists its phòng (letter 934 for Vạn Ninh), the table follows the letter's
    order and lists every phòng it names, with zeros for one that has no dossier.
    """
    d = view.dossiers
    counted = d[(d["unit_code"] == str(unit_code)) & (d["reason"] == "counted")].copy()
    if "agency" not in counted.columns:
        return pd.DataFrame()
    agency = counted["agency"].astype("object")  # may be categorical in the store
    counted["agency"] = agency.where(agency.notna() & (agency.astype("str").str.strip() != ""),
                                     labels.NO_AGENCY).astype("str")
    by = rates_by(counted, ["agency"])
    unit_total = by["total"].sum()
    listed = _letter_phong(view, unit_code)
    if listed and not (len(by) == 1 and by["agency"].iloc[0] == labels.NO_AGENCY):
        have = set(_phong_order(by["agency"], listed))
        absent = [p for i, p in enumerate(listed) if i not in have]
        by = pd.concat([by, pd.DataFrame({"agency": [labels.say("phong_name", name=p) for p in absent], "online": 0,
                                          "total": 0, "rate": np.nan})], ignore_index=True)
        by["_order"] = _phong_order(by["agency"], listed)
        by = by.sort_values(["_order", "total", "agency"], ascending=[True, False, True]).reset_index(drop=True)
    else:
        by = by.sort_values(["total", "agency"], ascending=[False, True]).reset_index(drop=True)
    return pd.DataFrame({
        C["agency"]: by["agency"],
        C["total"]: by["total"],
        C["online"]: by["online"],
        C["online_rate"]: by["rate"],
        C["share_of_total"]: by["total"] / unit_total if unit_total else np.nan,
        C["contribution"]: by["online"] / unit_total if unit_total else np.nan,
        C["room"]: (by["total"] - by["online"]) / unit_total if unit_total else np.nan,
    })


def quality_table(view: View, unit_code: str | None = None) -> pd.DataFrame:
    """Rows of the unit (or of the whole view) by reason: counted, then each exclusion."""
    d = view.dossiers
    if unit_code is not None:
        d = d[d["unit_code"] == str(unit_code)]
    counts = d["reason"].astype("str").value_counts()
    order = [r for r in labels.REASONS if r in counts.index] + \
            sorted(r for r in counts.index if r not in labels.REASONS)
    n = int(counts.sum())
    return pd.DataFrame({
        C["reason"]: [labels.reason_label(r) for r in order],
        C["reason_code"]: order,
        C["rows"]: [int(counts[r]) for r in order],
        C["share"]: [counts[r] / n if n else np.nan for r in order],
    })


def league_table(view: View, codes=None) -> pd.DataFrame:
    """Units ranked by rate so far (then projected rate), with their status."""
    s = view.summary()
    if codes is not None:
        s = s[s["unit_code"].isin([str(c) for c in codes])]
    s = s.sort_values(["rate", "projected_rate", "unit_code"], ascending=[False, False, True],
                      na_position="last").reset_index(drop=True)
    return pd.DataFrame({
        C["rank"]: range(1, len(s) + 1),
        C["code"]: s["unit_code"],
        C["unit"]: s["unit_name"],
        C["target"]: s["target"],
        C["online"]: s["online"],
        C["total"]: s["total"],
        C["rate"]: s["rate"],
        C["projected"]: s["projected_rate"],
        C["p_meet"]: s["p_meet"],
        C["extra_per_week"]: s["extra_online_per_week"],
        C["status"]: [labels.status_label(x) for x in s["status"]],
        "_status": [labels.status_key(x) for x in s["status"]],
    })


def group_counts(view: View) -> pd.DataFrame:
    """Per clause of Article 1: units, how many on track (met or đúng hướng), how many not."""
    s = view.summary()
    s["on_track"] = [labels.status_key(x) in labels.ON_TRACK for x in s["status"]]
    g = s.groupby("target_group", sort=False).agg(
        level=("level", "first"), target=("target", "first"), units=("unit_code", "size"),
        on_track=("on_track", "sum"), online=("online", "sum"), total=("total", "sum")).reset_index()
    return pd.DataFrame({
        C["group"]: g["target_group"],
        C["level"]: g["level"].map(labels.LEVELS),
        C["target"]: g["target"],
        C["units"]: g["units"],
        C["on_track"]: g["on_track"].astype("int64"),
        C["off_track"]: (g["units"] - g["on_track"]).astype("int64"),
        C["group_rate"]: g["online"] / g["total"].where(g["total"] > 0),
    })


def recount(view: View, unit_code: str | None = None) -> pd.DataFrame:
    """Online and total per unit counted straight from the dossier rows (a second method)."""
    d = view.dossiers
    if unit_code is not None:
        d = d[d["unit_code"] == str(unit_code)]
    counted = d[d["reason"].astype("str") == "counted"]
    codes = counted["unit_code"].astype("str").to_numpy()
    online = (counted["channel"].astype("str") == "online").to_numpy()
    g = pd.DataFrame({"unit_code": codes, "online": online.astype("int64"), "total": 1})
    return g.groupby("unit_code")[["online", "total"]].sum()


# --------------------------------------------------------------------------- HTML

# Column header → format (the ids and their headings: chitieu_lib.labels).
PCT_COLUMNS = {C[k] for k in labels.PERCENT_COLUMNS}
PCT0_COLUMNS = {C[k] for k in labels.PERCENT0_COLUMNS}
INT_COLUMNS = {C[k] for k in labels.COUNT_COLUMNS}
POINTS_COLUMNS = {C[k] for k in labels.POINTS_COLUMNS}


def _cell(col: str, value) -> tuple[str, bool]:
    if col in PCT_COLUMNS:
        return fmt_pct(value), True
    if col in PCT0_COLUMNS:
        return fmt_pct(value, 0), True
    if col in INT_COLUMNS:
        return fmt_int(value), True
    if col in POINTS_COLUMNS:
        return (DASH if _isna(value) else ("+" if value > 0 else "") + fmt_num(value * 100, 1)), True
    if isinstance(value, (pd.Timestamp, dt.date)):
        return fmt_date(value), False
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return fmt_num(value, 1 if isinstance(value, (float, np.floating)) else 0), True
    return (DASH if _isna(value) else str(value)), False


def table_html(df: pd.DataFrame, caption: str = "") -> str:
    """A plain HTML table with Vietnamese number formats; numeric cells right-aligned.

    Columns whose name starts with ``_`` are helpers and are not shown;
    ``_status`` colours the ``Đánh giá`` cell.
    """
    shown = [c for c in df.columns if not str(c).startswith("_")]
    out = ['<table class="dataframe">']
    if caption:
        out.append(f"<caption>{html.escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in shown)
               + "</tr></thead><tbody>")
    for _, r in df.iterrows():
        cells = []
        for c in shown:
            text, numeric = _cell(c, r[c])
            cls = "num" if numeric else ""
            if c == C["status"] and "_status" in df.columns:
                cls = labels.STATUS_CSS.get(r["_status"], "")
            cells.append(f'<td class="{cls}">{html.escape(text)}</td>' if cls
                         else f"<td>{html.escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)
