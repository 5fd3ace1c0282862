"""What the report notebooks call: figures, tables and Vietnamese wording.

The notebooks in ``notebooks/`` only call this module and :mod:`chitieu_lib.plots`.
Numbers are computed here from the processed store through the public API
(``apply_as_of``, ``unit_rates``, ``monthly_rates``, ``rates_by``, ``project``),
and formatted the Vietnamese way: ``45,0%``, ``12.345``, ``30/11/2019``.

Tables shown with :func:`show_table` carry their raw values in a private
MIME type (``TABLE_MIME``) next to the HTML, so that the batch
(:mod:`chitieu_lib.render`) can write them as XLSX and CSV beside the page
whatever engine executed the notebook.

>>> fmt_pct(0.45), fmt_int(12345), fmt_date("2019-11-30"), fmt_num(2.25, 1)
('45,0%', '12.345', '30/11/2019', '2,3')
>>> gap_dossiers(online=30, total=100, target=0.35)
5
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .vi import DASH, _isna, fmt_date, fmt_int, fmt_num, fmt_pct, fmt_points  # noqa: F401 (re-exported)

TABLE_MIME = "application/vnd.chitieu.table+json"

LEVEL_LABELS = {"department": "Sở, ban, ngành", "district": "UBND cấp huyện",
                "commune": "UBND cấp xã"}
CHANNEL_LABELS = {"online": "Trực tuyến", "direct": "Trực tiếp", "postal": "Bưu chính"}

# Every exclusion reason of the dossier table, in the order ingest checks them, with
# the words a reader sees: ingest's own labels (one place), capitalised for a table.
from .ingest.classify import REASON_LABELS as _INGEST_REASON_LABELS  # noqa: E402

REASON_LABELS = {k: v[:1].upper() + v[1:] for k, v in _INGEST_REASON_LABELS.items()}

# Status words of chitieu_lib.projection (lowercase Vietnamese) and a few English
# synonyms, each with the word a reader sees and its colour class.
STATUS_LABELS = {
    "đã đạt": "Đã đạt",
    "đúng hướng": "Đúng hướng",
    "có nguy cơ": "Có nguy cơ",
    "khó đạt": "Khó đạt",
    "không thể đạt": "Không thể đạt",
    "met": "Đã đạt",
    "on_track": "Đúng hướng",
    "at_risk": "Có nguy cơ",
    "off_track": "Khó đạt",
    "unreachable": "Không thể đạt",
    "no_data": "Chưa có số liệu",
}
STATUS_KIND = {"đã đạt": "met", "đúng hướng": "on_track", "có nguy cơ": "at_risk",
               "khó đạt": "off_track", "không thể đạt": "unreachable"}
STATUS_CLASS = {"met": "status-ok", "on_track": "status-ok", "at_risk": "status-risk",
                "off_track": "status-off", "unreachable": "status-off", "no_data": "status-na"}
ON_TRACK = ("met", "on_track")


def status_kind(status) -> str:
    """English key of a status (``met``, ``on_track``, ``at_risk``, ``off_track``,
    ``unreachable``, ``no_data``).

    >>> status_kind("đúng hướng"), status_kind("Khó đạt"), status_kind(None)
    ('on_track', 'off_track', 'no_data')
    """
    if _isna(status) or status == "":
        return "no_data"
    key = str(status).strip().lower()
    return STATUS_KIND.get(key, key if key in STATUS_CLASS else "no_data")


def fmt_month(x) -> str:
    """Month/year.

    >>> fmt_month("2019-01-01")
    '01/2019'
    """
    return DASH if _isna(x) else pd.Timestamp(x).strftime("%m/%Y")


def status_label(status) -> str:
    """Vietnamese status word (a status already in Vietnamese passes through).

    >>> status_label("on_track"), status_label(None)
    ('Đúng hướng', 'Chưa có số liệu')
    """
    if _isna(status) or status == "":
        return STATUS_LABELS["no_data"]
    key = str(status).strip()
    return STATUS_LABELS.get(key.lower(), key[:1].upper() + key[1:])


def reason_label(reason) -> str:
    """Vietnamese label of an exclusion reason.

    >>> reason_label("duplicate")
    'Trùng mã hồ sơ (giữ dòng đầu tiên)'
    """
    return REASON_LABELS.get(str(reason), str(reason))


# --------------------------------------------------------------------------- arithmetic

def gap_dossiers(online, total, target) -> int:
    """Dossiers that would have had to be online so far for the rate to reach the target.

    Moving a dossier online keeps the total, so the gap is ``ceil(target*total - online)``
    (0 when already met). Rounded first: 0.35 * 100 is 35.000000000000004 in floats.

    >>> gap_dossiers(35, 100, 0.35), gap_dossiers(0, 0, 0.25), gap_dossiers(10, 41, 0.25)
    (0, 0, 1)
    """
    if _isna(target) or _isna(total) or total == 0:
        return 0
    return max(0, math.ceil(round(float(target) * float(total) - float(online), 9)))


# --------------------------------------------------------------------------- the store

def open_report_store(processed_dir: str = ""):
    """Open the processed store; ``""`` means the default (env ``CHITIEU_PROCESSED_DIR``)."""
    from .store import open_store
    return open_store(processed_dir or None)


def manifest_value(manifest, *keys, default=None):
    """The first of ``keys`` present in the store manifest (a dict or an object)."""
    for key in keys:
        value = manifest.get(key) if isinstance(manifest, dict) else getattr(manifest, key, None)
        if value not in (None, "", []):
            return value
    return default


def is_synthetic(manifest) -> bool:
    """Whether the manifest says the data are synthetic (the bundled sample year).

    >>> is_synthetic({"synthetic": True}), is_synthetic({"synthetic": False}), is_synthetic({})
    (True, False, False)
    """
    value = manifest_value(manifest, "synthetic", default=False)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "synthetic")
    return bool(value)


def data_source_text(manifest) -> str:
    """One line naming the data source and its date, from the store manifest.

    >>> data_source_text({"raw_dir": "data/raw/sample", "data_date": "2019-11-30",
    ...                   "ingested_at": "2026-11-24T12:00:00+00:00", "rows": {"dossiers": 1234}})
    'Nguồn số liệu: data/raw/sample; số liệu đến ngày 30/11/2019; 1.234 dòng hồ sơ; xử lý ngày 24/11/2026.'
    """
    source = manifest_value(manifest, "description", "source", "raw_dir", default="")
    raw_dir = manifest_value(manifest, "raw_dir", default="")
    if raw_dir and source and raw_dir != source:
        source = f"{source} ({raw_dir})"
    parts = [f"Nguồn số liệu: {source}" if source else "Nguồn số liệu: kho dữ liệu đã xử lý"]
    data_date = manifest_value(manifest, "data_date", default=None)
    if data_date:
        parts.append(f"số liệu đến ngày {fmt_date(data_date)}")
    rows = manifest_value(manifest, "rows", default=None)
    if isinstance(rows, dict):
        rows = rows.get("dossiers")
    if rows is not None:
        parts.append(f"{fmt_int(rows)} dòng hồ sơ")
    when = manifest_value(manifest, "ingested_at", "generated_at", "created_at", default=None)
    if when:
        parts.append(f"xử lý ngày {fmt_date(str(when)[:10])}")
    return "; ".join(parts) + "."


SYNTHETIC_NOTE = ("Lưu ý: đây là <b>số liệu mẫu tổng hợp (giả lập)</b> do công cụ tạo ra để minh họa, "
                  "không phải số liệu thật của bất kỳ cơ quan, đơn vị nào.")


def footer_html(manifest, as_of) -> str:
    """The report footer; it says the data are synthetic when the manifest says so."""
    lines = [data_source_text(manifest),
             f"Số liệu tính đến hết ngày {fmt_date(as_of)}. Căn cứ: Quyết định số 817/QĐ-UBND "
             "ngày 25/3/2019 của UBND tỉnh Khánh Hòa; Công văn số 934/UBND-VHTT ngày 03/5/2019 "
             "của UBND huyện Vạn Ninh.",
             "Báo cáo được tạo tự động bằng bộ công cụ chitieu."]
    if is_synthetic(manifest):
        lines.insert(0, SYNTHETIC_NOTE)
    return '<div class="footer">' + "<br>".join(lines) + "</div>"


# --------------------------------------------------------------------------- views

@dataclass
class View:
    """Everything a report needs about a set of units at one as-of date."""

    as_of: pd.Timestamp
    units: pd.DataFrame        # registry rows of the units in view (with targets)
    dossiers: pd.DataFrame     # the units' dossiers, after apply_as_of (all reasons)
    rates: pd.DataFrame        # unit_rates
    projection: pd.DataFrame   # project(...)
    monthly: pd.DataFrame      # monthly_rates, every window month up to as-of, zeros filled
    catalog: pd.DataFrame
    manifest: object = field(default_factory=dict)
    fan: pd.DataFrame | None = None  # projection_fan rows: unit_code, date, q10 ... q90

    def unit_fan(self, unit_code: str) -> pd.DataFrame | None:
        if self.fan is None or self.fan.empty:
            return None
        return self.fan[self.fan["unit_code"] == str(unit_code)].sort_values("date")

    def summary(self) -> pd.DataFrame:
        """unit_rates joined with the projection, one row per unit."""
        return self.rates.merge(self.projection, on="unit_code", how="left")


def _window(decision=None):
    from .decision import load_decision
    d = decision or load_decision()
    return pd.Timestamp(d.window_start), pd.Timestamp(d.window_end)


def _fill_months(monthly: pd.DataFrame, codes, as_of) -> pd.DataFrame:
    start, end = _window()
    last = min(pd.Timestamp(as_of), end).to_period("M").to_timestamp()
    months = pd.date_range(start.to_period("M").to_timestamp(), last, freq="MS")
    grid = pd.MultiIndex.from_product([list(codes), months], names=["unit_code", "month"])
    cols = ["online", "direct", "postal", "total"]
    m = monthly.copy()
    m["month"] = pd.to_datetime(m["month"])
    m = m.set_index(["unit_code", "month"])[cols].reindex(grid, fill_value=0).reset_index()
    m[cols] = m[cols].astype("int64")
    m["rate"] = (m["online"] / m["total"].where(m["total"] > 0)).astype("float64")
    return m


_PROJECTION_CACHE: dict = {}


def _store_key(store, as_of) -> tuple:
    where = getattr(store, "path", None) or getattr(store, "processed_dir", None)
    return (str(where) if where else id(store.dossiers), pd.Timestamp(as_of).isoformat())


def province_projection(store, as_of) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``project`` and ``projection_fan`` of every unit of the store at ``as_of`` (cached).

    Always computed on the whole province: the share model pools units of the same
    level and target, so a unit's projection must not depend on which report asks.
    A warm kernel running many reports computes it once per store and as-of.
    """
    from .projection import project, projection_fan
    key = _store_key(store, as_of)
    if key not in _PROJECTION_CACHE:
        d, units = store.dossiers, store.units
        proj = project(d, store.catalog, units, as_of, seed=0)
        try:
            fan = projection_fan(d, store.catalog, units, as_of, seed=0)
        except Exception:  # noqa: BLE001 -- the fan is decoration; the chart falls back to the interval
            fan = pd.DataFrame(columns=["unit_code", "date", "q10", "q50", "q90"])
        _PROJECTION_CACHE.clear()
        _PROJECTION_CACHE[key] = (proj, fan)
    return _PROJECTION_CACHE[key]


def build_view(store, codes, as_of) -> View:
    """Rates, projection and monthly figures of the units ``codes`` at ``as_of``.

    Rates and months read only these units' dossiers; the projection is the
    province-wide one (see :func:`province_projection`).
    """
    from .ingest import apply_as_of
    from .rates import monthly_rates, unit_rates

    as_of = pd.Timestamp(as_of)
    codes = [str(c) for c in codes]
    units = store.units[store.units["unit_code"].isin(codes) & store.units["target"].notna()]
    if units.empty:
        from .errors import InputError
        raise InputError(f"no unit with a target among {codes}")
    units = units.reset_index(drop=True)
    d = store.dossiers
    d = apply_as_of(d[d["unit_code"].isin(codes)].reset_index(drop=True), as_of)
    rates = unit_rates(d, units)
    proj, fan = province_projection(store, as_of)
    projection = proj[proj["unit_code"].isin(codes)].reset_index(drop=True)
    counted = d[d["reason"] == "counted"]
    monthly = _fill_months(monthly_rates(counted), units["unit_code"], as_of)
    return View(as_of=as_of, units=units, dossiers=d, rates=rates, projection=projection,
                monthly=monthly, catalog=store.catalog, manifest=store.manifest,
                fan=fan[fan["unit_code"].isin(codes)].reset_index(drop=True))


def unit_row(view: View, unit_code: str) -> pd.Series:
    """One unit's rates, projection and registry entry as a Series."""
    s = view.summary().set_index("unit_code")
    return s.loc[str(unit_code)]


def cumulative(monthly_unit: pd.DataFrame) -> pd.DataFrame:
    """Monthly rows of one unit with the cumulative online rate since the window start.

    >>> m = pd.DataFrame({"month": pd.to_datetime(["2019-01-01", "2019-02-01"]),
    ...                   "online": [1, 3], "total": [4, 4]})
    >>> cumulative(m)["cum_rate"].tolist()
    [0.25, 0.5]
    """
    m = monthly_unit.sort_values("month").reset_index(drop=True)
    cum_total = m["total"].cumsum()
    m["cum_rate"] = (m["online"].cumsum() / cum_total.where(cum_total > 0)).astype("float64")
    return m


# --------------------------------------------------------------------------- headline

def headline(row: pd.Series) -> dict:
    """The headline figures of one unit, formatted for the reader."""
    target = row.get("target")
    online, total = row.get("online", 0), row.get("total", 0)
    low, high = row.get("projected_low"), row.get("projected_high")
    return {
        "Tỷ lệ trực tuyến đến nay": fmt_pct(row.get("rate")),
        "Chỉ tiêu giao": fmt_pct(target, 0),
        "Hồ sơ trực tuyến / tổng số": f"{fmt_int(online)} / {fmt_int(total)}",
        "Số hồ sơ còn thiếu để đạt chỉ tiêu": fmt_int(gap_dossiers(online, total, target)),
        "Dự báo tỷ lệ cuối kỳ (30/11/2019)": fmt_pct(row.get("projected_rate")),
        "Khoảng dự báo": f"{fmt_pct(low)} – {fmt_pct(high)}",
        "Xác suất đạt chỉ tiêu": fmt_pct(row.get("p_meet"), 0),
        "Đánh giá": status_label(row.get("status")),
    }


def headline_html(row: pd.Series) -> str:
    """The headline figures as a row of boxes."""
    items = headline(row)
    status = row.get("status")
    css = STATUS_CLASS[status_kind(status)]
    boxes = []
    for label, value in items.items():
        cls = f' class="{css}"' if label == "Đánh giá" else ""
        boxes.append(f"<div><b{cls}>{html.escape(value)}</b><span>{html.escape(label)}</span></div>")
    return '<div class="kpi">' + "".join(boxes) + "</div>"


def pace_text(row: pd.Series) -> str:
    """The required pace, in one Vietnamese paragraph."""
    if _isna(row.get("total")) or not row.get("total"):
        return "Chưa có hồ sơ nào được tính trong kỳ; chưa thể tính nhịp độ cần thiết."
    if status_kind(row.get("status")) == "met" or (not _isna(row.get("extra_online_needed"))
                                      and row.get("extra_online_needed") <= 0):
        return (f"Nếu giữ được nhịp và xu hướng hiện nay, đơn vị sẽ đạt chỉ tiêu "
                f"{fmt_pct(row.get('target'), 0)} mà không cần thêm hồ sơ trực tuyến nào ngoài dự kiến; "
                f"điều kiện là tỷ lệ trực tuyến trên số hồ sơ còn lại đến 30/11/2019 không thấp hơn "
                f"{fmt_pct(row.get('required_rate'))}.")
    return (f"Để đạt chỉ tiêu {fmt_pct(row.get('target'), 0)} vào ngày 30/11/2019, từ nay đơn vị cần "
            f"tỷ lệ trực tuyến <b>{fmt_pct(row.get('required_rate'))}</b> trên số hồ sơ còn lại, tức là "
            f"thêm khoảng <b>{fmt_int(row.get('extra_online_per_week'))} hồ sơ trực tuyến mỗi tuần</b> "
            f"so với nhịp hiện tại, trong {fmt_num(row.get('remaining_weeks'), 1)} tuần còn lại "
            f"(tổng cộng {fmt_int(row.get('extra_online_needed'))} hồ sơ).")


def status_note(row: pd.Series) -> str:
    note = row.get("status_note")
    return "" if _isna(note) else str(note)


# --------------------------------------------------------------------------- tables

def where_to_push(view: View, unit_code: str, top: int = 10) -> pd.DataFrame:
    """Procedures ranked by how much moving their dossiers online would close the gap.

    The room a procedure offers is its dossiers not yet online (volume × room to
    grow = total × (1 − rate)); expressed as points of the unit's rate and as a
    share of the gap. Procedures whose counting window (Article 2) has already
    closed are left out: their future dossiers no longer count.
    """
    from .rates import rates_by

    d = view.dossiers
    counted = d[(d["unit_code"] == str(unit_code)) & (d["reason"] == "counted")]
    row = unit_row(view, unit_code)
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
        "Mã thủ tục": push["procedure_code"],
        "Tên thủ tục": push["procedure_name"].fillna(DASH),
        "Tổng hồ sơ": push["total"],
        "Trực tuyến": push["online"],
        "Tỷ lệ trực tuyến": push["rate"],
        "Hồ sơ chưa trực tuyến": push["offline"],
        "Tỷ lệ chung tăng thêm nếu chuyển hết sang trực tuyến": push["points"],
    })


def agency_table(view: View, unit_code: str) -> pd.DataFrame:
    """Each phòng's (processing agency's) rate and contribution to the unit's rate.

    ``Đóng góp`` is the phòng's online dossiers over the unit's total (the points it
    brings to the unit's rate; the column sums to the unit's rate); ``Dư địa`` its
    dossiers not yet online over the unit's total.
    """
    from .rates import rates_by

    d = view.dossiers
    counted = d[(d["unit_code"] == str(unit_code)) & (d["reason"] == "counted")].copy()
    if "agency" not in counted.columns:
        return pd.DataFrame()
    agency = counted["agency"].astype("object")  # may be categorical in the store
    counted["agency"] = agency.where(agency.notna() & (agency.astype("str").str.strip() != ""),
                                     "(không ghi phòng)").astype("str")
    by = rates_by(counted, ["agency"])
    unit_total = by["total"].sum()
    by = by.sort_values(["total", "agency"], ascending=[False, True]).reset_index(drop=True)
    return pd.DataFrame({
        "Phòng, bộ phận": by["agency"],
        "Tổng hồ sơ": by["total"],
        "Trực tuyến": by["online"],
        "Tỷ lệ trực tuyến": by["rate"],
        "Tỷ trọng hồ sơ": by["total"] / unit_total if unit_total else np.nan,
        "Đóng góp vào tỷ lệ chung": by["online"] / unit_total if unit_total else np.nan,
        "Dư địa (hồ sơ chưa trực tuyến)": (by["total"] - by["online"]) / unit_total if unit_total else np.nan,
    })


def quality_table(view: View, unit_code: str | None = None) -> pd.DataFrame:
    """Rows of the unit (or of the whole view) by reason: counted, then each exclusion."""
    d = view.dossiers
    if unit_code is not None:
        d = d[d["unit_code"] == str(unit_code)]
    counts = d["reason"].astype("str").value_counts()
    order = [r for r in REASON_LABELS if r in counts.index] + \
            sorted(r for r in counts.index if r not in REASON_LABELS)
    n = int(counts.sum())
    return pd.DataFrame({
        "Lý do": [reason_label(r) for r in order],
        "Mã lý do": order,
        "Số dòng": [int(counts[r]) for r in order],
        "Tỷ lệ": [counts[r] / n if n else np.nan for r in order],
    })


def league_table(view: View, codes=None) -> pd.DataFrame:
    """Units ranked by rate so far (then projected rate), with their status."""
    s = view.summary()
    if codes is not None:
        s = s[s["unit_code"].isin([str(c) for c in codes])]
    s = s.sort_values(["rate", "projected_rate", "unit_code"], ascending=[False, False, True],
                      na_position="last").reset_index(drop=True)
    return pd.DataFrame({
        "Hạng": range(1, len(s) + 1),
        "Mã": s["unit_code"],
        "Đơn vị": s["unit_name"],
        "Chỉ tiêu": s["target"],
        "Trực tuyến": s["online"],
        "Tổng hồ sơ": s["total"],
        "Tỷ lệ đến nay": s["rate"],
        "Dự báo cuối kỳ": s["projected_rate"],
        "Xác suất đạt": s["p_meet"],
        "Cần thêm / tuần": s["extra_online_per_week"],
        "Đánh giá": [status_label(x) for x in s["status"]],
        "_status": [status_kind(x) for x in s["status"]],
    })


def group_counts(view: View) -> pd.DataFrame:
    """Per clause of Article 1: units, how many on track (met or đúng hướng), how many not."""
    s = view.summary()
    s["on_track"] = [status_kind(x) in ON_TRACK for x in s["status"]]
    g = s.groupby("target_group", sort=False).agg(
        level=("level", "first"), target=("target", "first"), units=("unit_code", "size"),
        on_track=("on_track", "sum"), online=("online", "sum"), total=("total", "sum")).reset_index()
    return pd.DataFrame({
        "Nhóm (Điều 1)": g["target_group"],
        "Cấp": g["level"].map(LEVEL_LABELS),
        "Chỉ tiêu": g["target"],
        "Số đơn vị": g["units"],
        "Đã đạt hoặc đúng hướng": g["on_track"].astype("int64"),
        "Có nguy cơ hoặc khó đạt": (g["units"] - g["on_track"]).astype("int64"),
        "Tỷ lệ chung của nhóm": g["online"] / g["total"].where(g["total"] > 0),
    })


# Column name → formatter used by show_table; matched by exact Vietnamese header.
PCT_COLUMNS = {"Tỷ lệ trực tuyến", "Tỷ lệ", "Tỷ lệ đến nay", "Dự báo cuối kỳ", "Tỷ trọng hồ sơ",
               "Tỷ lệ chung của nhóm", "Đóng góp vào tỷ lệ chung", "Dư địa (hồ sơ chưa trực tuyến)",
               "Tỷ lệ chung tăng thêm nếu chuyển hết sang trực tuyến"}
PCT0_COLUMNS = {"Chỉ tiêu", "Xác suất đạt"}
INT_COLUMNS = {"Tổng hồ sơ", "Trực tuyến", "Hồ sơ chưa trực tuyến", "Số dòng", "Số đơn vị",
               "Đã đạt hoặc đúng hướng", "Có nguy cơ hoặc khó đạt", "Cần thêm / tuần", "Hạng"}


def _cell(col: str, value) -> tuple[str, bool]:
    if col in PCT_COLUMNS:
        return fmt_pct(value), True
    if col in PCT0_COLUMNS:
        return fmt_pct(value, 0), True
    if col in INT_COLUMNS:
        return fmt_int(value), True
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
            if c == "Đánh giá" and "_status" in df.columns:
                cls = STATUS_CLASS.get(r["_status"], "")
            cells.append(f'<td class="{cls}">{html.escape(text)}</td>' if cls
                         else f"<td>{html.escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def table_payload(df: pd.DataFrame, name: str, title: str = "") -> dict:
    """The raw values of a table, JSON-safe, for the batch to write as XLSX/CSV."""
    shown = df[[c for c in df.columns if not str(c).startswith("_")]]
    records = []
    for row in shown.itertuples(index=False):
        rec = []
        for v in row:
            if _isna(v):
                rec.append(None)
            elif isinstance(v, (pd.Timestamp, dt.date)):
                rec.append(pd.Timestamp(v).date().isoformat())
            elif isinstance(v, (np.integer,)):
                rec.append(int(v))
            elif isinstance(v, (np.floating, float)):
                rec.append(float(v))
            else:
                rec.append(v if isinstance(v, (int, bool)) else str(v))
        records.append(rec)
    return {"name": name, "title": title, "columns": [str(c) for c in shown.columns], "data": records}


def payload_frame(payload: dict) -> pd.DataFrame:
    """Inverse of :func:`table_payload`."""
    return pd.DataFrame(payload["data"], columns=payload["columns"])


def show_table(df: pd.DataFrame, name: str, caption: str = "") -> None:
    """Display a table in the notebook: formatted HTML for the reader, raw values for export."""
    from IPython.display import display
    display({"text/html": table_html(df, caption),
             "text/plain": f"[bảng {name}: {len(df)} dòng]",
             TABLE_MIME: table_payload(df, name, caption)}, raw=True)


def show_html(fragment: str) -> None:
    """Display an HTML fragment (headline boxes, notes, footer)."""
    from IPython.display import HTML, display
    display(HTML(fragment))


def header_html(row: pd.Series, decision=None, manifest=None, as_of=None) -> str:
    """The report header: unit, target and its clause, window, as-of, source, synthetic line."""
    from .decision import load_decision
    d = decision or load_decision()
    clause = row.get("target_group") or ""
    group = next((g for g in d.groups if g["clause"] == clause), None)
    lines = [
        f"<b>Đơn vị:</b> {html.escape(str(row.get('unit_name')))} (mã {html.escape(str(row.name))}; "
        f"{LEVEL_LABELS.get(row.get('level'), row.get('level'))})",
        f"<b>Chỉ tiêu:</b> tối thiểu {fmt_pct(row.get('target'), 0)} hồ sơ được tiếp nhận, giải quyết "
        f"trực tuyến mức độ 3, 4 — {html.escape(clause)} Quyết định số {html.escape(d.number)} ngày "
        f"{fmt_date(d.date)} của UBND tỉnh Khánh Hòa.",
        f"<b>Thời gian tính:</b> từ {fmt_date(d.window_start)} đến {fmt_date(d.window_end)} "
        f"(Điều 2, khoản 1; thủ tục công bố mới trong năm được tính sau {d.grace_days} ngày kể từ ngày "
        "quyết định công bố có hiệu lực; thủ tục bị bỏ được tính đến ngày danh mục 2019 có hiệu lực).",
        f"<b>Số liệu tính đến:</b> {fmt_date(as_of)}.",
        html.escape(data_source_text(manifest or {})),
    ]
    out = "<p>" + "<br>".join(lines) + "</p>"
    if group is not None:
        out += f"<blockquote>{html.escape(group['text'])}</blockquote>"
    if manifest is not None and is_synthetic(manifest):
        out += f'<p class="synthetic">{SYNTHETIC_NOTE}</p>'
    return out


# --------------------------------------------------------------------------- notebook helpers

def district_codes(store, district_code: str) -> list[str]:
    """A district and every commune of it (registry order)."""
    u = store.units
    district_code = str(district_code)
    chosen = (u["unit_code"] == district_code) | (u["parent_code"] == district_code)
    return u.loc[chosen, "unit_code"].tolist()


def all_target_codes(store) -> list[str]:
    """Every unit with a target in Article 1."""
    return store.units.loc[store.units["target"].notna(), "unit_code"].tolist()


def commune_codes(view: View, district_code: str) -> list[str]:
    u = view.units
    return u.loc[(u["parent_code"] == str(district_code)) & (u["level"] == "commune"), "unit_code"].tolist()


def unit_names(view: View) -> dict:
    return dict(zip(view.units["unit_code"], view.units["unit_name"]))


def common_target(view: View, codes) -> float:
    """The target shared by ``codes`` (the communes of one district share a clause)."""
    targets = view.units.loc[view.units["unit_code"].isin(codes), "target"].dropna().unique()
    return float(targets[0]) if len(targets) else float("nan")


def unit_monthly(view: View, unit_code: str) -> pd.DataFrame:
    """One unit's months (every window month up to the as-of, zeros filled) with cumulative rate."""
    return cumulative(view.monthly[view.monthly["unit_code"] == str(unit_code)])


def units_monthly(view: View, codes) -> pd.DataFrame:
    return view.monthly[view.monthly["unit_code"].isin([str(c) for c in codes])].reset_index(drop=True)


def status_note_html(row: pd.Series) -> str:
    note = status_note(row)
    return f"<p><i>{html.escape(note)}</i></p>" if note else ""


def show_agencies(view: View, unit_code: str) -> None:
    """The phòng table when the unit's dossiers name their processing phòng."""
    table = agency_table(view, unit_code)
    if table.empty or (len(table) == 1 and table["Phòng, bộ phận"].iloc[0] == "(không ghi phòng)"):
        show_html("<p>Số liệu của đơn vị không ghi phòng, bộ phận xử lý hồ sơ.</p>")
        return
    show_table(table, "theo_phong", "Tỷ lệ trực tuyến và đóng góp của từng phòng, bộ phận")


def province_header_html(view: View, manifest=None, as_of=None) -> str:
    from .decision import load_decision
    d = load_decision()
    lines = [
        f"<b>Căn cứ:</b> Quyết định số {html.escape(d.number)} ngày {fmt_date(d.date)} của UBND tỉnh "
        "Khánh Hòa, Điều 1 (chỉ tiêu theo nhóm) và Điều 3 (tổng hợp, xếp hạng).",
        f"<b>Thời gian tính:</b> từ {fmt_date(d.window_start)} đến {fmt_date(d.window_end)} (Điều 2).",
        f"<b>Số liệu tính đến:</b> {fmt_date(as_of)}; {len(view.units)} đơn vị được giao chỉ tiêu.",
        html.escape(data_source_text(manifest or {})),
    ]
    out = "<p>" + "<br>".join(lines) + "</p>"
    if manifest is not None and is_synthetic(manifest):
        out += f'<p class="synthetic">{SYNTHETIC_NOTE}</p>'
    return out


def show_group_rankings(view: View) -> None:
    """One ranked table per clause of Article 1, with the clause's text."""
    from .decision import load_decision
    texts = {g["clause"]: g["text"] for g in load_decision().groups}
    s = view.summary()
    for i, clause in enumerate(dict.fromkeys(s["target_group"]), start=1):
        codes = s.loc[s["target_group"] == clause, "unit_code"]
        show_html(f"<h3>{html.escape(clause)}</h3><p>{html.escape(texts.get(clause, ''))}</p>")
        show_table(league_table(view, codes), f"xep_hang_nhom_{i}", f"Xếp hạng — {clause}")


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


def print_checks(view: View, unit_code: str | None = None) -> None:
    """Cross-checks a reader never sees and nbval compares (a fixed text when all hold).

    Each line recomputes a figure of the report by a second, simpler method.
    """
    d = view.dossiers if unit_code is None else view.dossiers[view.dossiers["unit_code"] == str(unit_code)]
    rates = view.rates if unit_code is None else view.rates[view.rates["unit_code"] == str(unit_code)]
    direct = recount(view, unit_code).reindex(rates["unit_code"].astype("str").to_numpy(), fill_value=0)
    same_counts = (direct["online"].to_numpy() == rates["online"].to_numpy()).all() and \
                  (direct["total"].to_numpy() == rates["total"].to_numpy()).all()
    with np.errstate(invalid="ignore", divide="ignore"):
        mine = direct["online"].to_numpy() / np.where(direct["total"].to_numpy() > 0, direct["total"], np.nan)
    theirs = rates["rate"].astype("float64").to_numpy()
    same_rate = bool(np.allclose(mine, theirs, equal_nan=True))
    months = view.monthly if unit_code is None else view.monthly[view.monthly["unit_code"] == str(unit_code)]
    same_months = int(months["total"].sum()) == int(rates["total"].sum())
    quality = quality_table(view, unit_code)
    all_rows = int(quality["Số dòng"].sum()) == len(d)
    word = {True: "đúng", False: "SAI"}
    print(f"Kiểm tra {'đơn vị ' + str(unit_code) if unit_code else 'toàn bộ'}: {len(rates)} đơn vị")
    print(f"- trực tuyến, tổng số khớp với đếm lại từng hồ sơ: {word[bool(same_counts)]}")
    print(f"- tỷ lệ = trực tuyến / tổng số: {word[same_rate]}")
    print(f"- cộng các tháng = cả kỳ: {word[same_months]}")
    print(f"- mọi dòng được tính hoặc có lý do loại: {word[all_rows]}")
    if unit_code is not None:
        print(f"- chỉ tiêu (Điều 1): {fmt_pct(rates['target'].iloc[0], 0)}")
