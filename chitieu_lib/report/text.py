"""The sentences and HTML fragments of a report, in Vietnamese.

Every fact about the decision in these sentences — its number, date, issuer,
window, grace days, the clause and text of each group, the implementing letters —
comes from the decision's file (``view.decision``), never from this module; the
words come from :mod:`chitieu_lib.labels`.

>>> gap_dossiers(online=30, total=100, target=0.35)
5
"""

from __future__ import annotations

import html
import math

import pandas as pd

from .. import labels
from ..decision import Decision
from ..projection.track_record import track_record_text
from ..windows import as_of_warnings
from ..vi import DASH, _isna, fmt_date, fmt_int, fmt_num, fmt_pct


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


def fmt_month(x) -> str:
    """Month/year.

    >>> fmt_month("2019-01-01")
    '01/2019'
    """
    return DASH if _isna(x) else pd.Timestamp(x).strftime("%m/%Y")


# --------------------------------------------------------------------------- the decision

def decision_ref(d: Decision) -> str:
    """``Quyết định số 817/QĐ-UBND ngày 25/3/2019 của UBND tỉnh Khánh Hòa`` from the file."""
    return f"Quyết định số {d.number} ngày {fmt_date(d.date)} của {d.issuer_short}"


def letter_ref(letter: dict) -> str:
    """``Công văn số 934/UBND-VHTT ngày 03/5/2019 của UBND huyện Vạn Ninh`` from the file."""
    issuer = letter.get("issuer_short") or letter["issuer"]
    return f"Công văn số {letter['number']} ngày {fmt_date(letter['date'])} của {issuer}"


def window_text(d: Decision) -> str:
    """The counting window of Article 2 in one sentence."""
    where = f"{d.window_article}; " if d.window_article else ""
    return (f"từ {fmt_date(d.window_start)} đến {fmt_date(d.window_end)} ({where}thủ tục công bố mới "
            f"trong năm được tính sau {d.grace_days} ngày kể từ ngày quyết định công bố có hiệu lực; thủ tục "
            f"không còn được công bố năm {d.year} được tính đến ngày danh mục năm {d.year} có hiệu lực)")


def intro_html(d: Decision, kind: str) -> str:
    """The opening paragraph of a report (``unit``, ``district`` or ``province``)."""
    ref = html.escape(decision_ref(d))
    if kind == "district":
        return (f"<p>Kết quả của UBND huyện và của từng xã, thị trấn theo chỉ tiêu giao tại {ref} — tài liệu "
                "cho các buổi giao ban về tình hình tiếp nhận, giải quyết hồ sơ trực tuyến.</p>")
    if kind == "province":
        article = html.escape(d.targets_article + " " if d.targets_article else "")
        return (f"<p>Mọi đơn vị được giao chỉ tiêu tại {article}{ref}, theo từng nhóm chỉ tiêu, được xếp hạng "
                "theo tỷ lệ trực tuyến đến nay.</p>")
    return (f"<p>Báo cáo theo dõi việc thực hiện chỉ tiêu giao tại {ref}: tỷ lệ hồ sơ được tiếp nhận, "
            "giải quyết trực tuyến mức độ 3, 4 đến nay, dự báo đến cuối kỳ và những việc cần làm để đạt "
            "chỉ tiêu.</p>")


def title_text(d: Decision, kind: str) -> str:
    """The report's heading; the year is the decision's."""
    return {"province": f"Tổng quan toàn tỉnh: tỷ lệ hồ sơ trực tuyến mức độ 3, 4 năm {d.year}",
            "district": f"Báo cáo cấp huyện: tỷ lệ hồ sơ trực tuyến mức độ 3, 4 năm {d.year}"}.get(
        kind, f"Báo cáo tỷ lệ hồ sơ trực tuyến mức độ 3, 4 năm {d.year} của một đơn vị")


def letters_html(d: Decision, unit_code: str, parent_code: str = "") -> str:
    """What the implementing letters of this unit (or of its district) ask, quoted from the file.

    Empty when no letter of this unit or its district is listed: a report cites
    only the letters its own district issued.
    """
    out = []
    for letter in d.letters_of(unit_code, parent_code):
        items = {str(i["item"]): i["text"] for i in letter["items"]}
        meeting = letter.get("meetings_item")
        head = (f"<p><b>Căn cứ:</b> {html.escape(letter_ref(letter))} "
                f"({html.escape(letter['subject'])}).")
        if meeting and meeting in items:
            head += (f" Báo cáo phục vụ các buổi giao ban chuyên đề mà mục {html.escape(meeting)} của công văn "
                     "yêu cầu:</p>")
            head += f"<blockquote>{html.escape(items[meeting])}</blockquote>"
        else:
            head += "</p>"
        out.append(head)
    return "".join(out)


def nav_html(row: pd.Series) -> str:
    """Links back to the index and, for a commune, to its district's report (the batch's layout)."""
    links = ['<a href="../index.html">Danh mục báo cáo</a>']
    if row.get("level") == "commune" and row.get("parent_code"):
        code = html.escape(str(row["parent_code"]), quote=True)
        links.append(f'<a href="../huyen/{code}.html">Báo cáo của huyện</a>')
    return '<p class="nav">' + " · ".join(links) + "</p>"


# --------------------------------------------------------------------------- the store

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


def synthetic_html(manifest) -> str:
    return f'<p class="synthetic">{labels.SYNTHETIC_NOTE}</p>' if is_synthetic(manifest) else ""


def footer_html(view, unit_code: str | None = None, parent_code: str = "") -> str:
    """The report footer: source, as-of, the decision (and this unit's letters); synthetic note."""
    d = view.decision
    basis = [decision_ref(d)] + [letter_ref(x) for x in d.letters_of(unit_code or "", parent_code)]
    lines = [html.escape(data_source_text(view.manifest)),
             f"Số liệu tính đến hết ngày {fmt_date(view.as_of)}. Căn cứ: {html.escape('; '.join(basis))}.",
             "Báo cáo được tạo tự động bằng bộ công cụ chitieu."]
    if is_synthetic(view.manifest):
        lines.insert(0, labels.SYNTHETIC_NOTE)
    return '<div class="footer">' + "<br>".join(lines) + "</div>"


def as_of_warning_html(view) -> str:
    """A warning when the as-of date lies outside the decision's window (the figures would mislead)."""
    warnings = as_of_warnings(view.as_of.date(), view.decision)
    return "".join(f'<p class="synthetic"><b>Cảnh báo:</b> {html.escape(w)}</p>' for w in warnings)


def header_html(row: pd.Series, view) -> str:
    """The report header: unit, target and its clause, window, as-of, source, synthetic line."""
    d = view.decision
    clause = row.get("target_group") or ""
    group = d.group(clause)
    lines = [
        f"<b>Đơn vị:</b> {html.escape(str(row.get('unit_name')))} (mã {html.escape(str(row.name))}; "
        f"{html.escape(labels.level_label(row.get('level')))})",
        f"<b>Chỉ tiêu:</b> tối thiểu {fmt_pct(row.get('target'), 0)} hồ sơ được tiếp nhận, giải quyết "
        f"trực tuyến mức độ 3, 4 — {html.escape(clause)} {html.escape(decision_ref(d))}.",
        f"<b>Thời gian tính:</b> {html.escape(window_text(d))}.",
        f"<b>Số liệu tính đến:</b> {fmt_date(view.as_of)}.",
        html.escape(data_source_text(view.manifest)),
    ]
    out = as_of_warning_html(view) + "<p>" + "<br>".join(lines) + "</p>"
    if group is not None:
        out += f"<blockquote>{html.escape(group['text'])}</blockquote>"
    return out + synthetic_html(view.manifest)


def province_header_html(view) -> str:
    d = view.decision
    lines = [
        f"<b>Căn cứ:</b> {html.escape(decision_ref(d))}"
        + (f", {html.escape(d.targets_article)} (chỉ tiêu theo nhóm)." if d.targets_article else "."),
        f"<b>Thời gian tính:</b> {html.escape(window_text(d))}.",
        f"<b>Số liệu tính đến:</b> {fmt_date(view.as_of)}; {len(view.units)} đơn vị được giao chỉ tiêu.",
        html.escape(data_source_text(view.manifest)),
    ]
    return as_of_warning_html(view) + "<p>" + "<br>".join(lines) + "</p>" + synthetic_html(view.manifest)


# --------------------------------------------------------------------------- headline

def headline(row: pd.Series, d: Decision) -> dict:
    """The headline figures of one unit, formatted for the reader; each names what it counts."""
    target = row.get("target")
    online, total = row.get("online", 0), row.get("total", 0)
    low, high = row.get("projected_low"), row.get("projected_high")
    end = fmt_date(d.window_end)
    return {
        "Tỷ lệ trực tuyến đến nay": fmt_pct(row.get("rate")),
        "Chỉ tiêu giao": fmt_pct(target, 0),
        "Hồ sơ trực tuyến / tổng số": f"{fmt_int(online)} / {fmt_int(total)}",
        "Hồ sơ trực tuyến còn thiếu so với chỉ tiêu tính đến nay": fmt_int(gap_dossiers(online, total, target)),
        f"Dự báo tỷ lệ cuối kỳ ({end})": fmt_pct(row.get("projected_rate")),
        "Khoảng dự báo": f"{fmt_pct(low)} – {fmt_pct(high)}",
        "Xác suất đạt chỉ tiêu": fmt_pct(row.get("p_meet"), 0),
        "Đánh giá": labels.status_label(row.get("status")),
    }


def headline_html(row: pd.Series, view) -> str:
    """The headline figures as a row of boxes."""
    items = headline(row, view.decision)
    css = labels.status_css(row.get("status"))
    boxes = []
    for label, value in items.items():
        cls = f' class="{css}"' if label == "Đánh giá" else ""
        boxes.append(f"<div><b{cls}>{html.escape(value)}</b><span>{html.escape(label)}</span></div>")
    return '<div class="kpi">' + "".join(boxes) + "</div>"


def pace_text(row: pd.Series, view) -> str:
    """The required pace, in one Vietnamese paragraph (the window's end from the decision)."""
    end = fmt_date(view.decision.window_end)
    if _isna(row.get("total")) or not row.get("total"):
        return "Chưa có hồ sơ nào được tính trong kỳ; chưa thể tính nhịp độ cần thiết."
    if labels.status_key(row.get("status")) == "met" or (not _isna(row.get("extra_online_needed"))
                                                         and row.get("extra_online_needed") <= 0):
        return (f"Nếu giữ được nhịp và xu hướng hiện nay, đơn vị sẽ đạt chỉ tiêu "
                f"{fmt_pct(row.get('target'), 0)} mà không cần thêm hồ sơ trực tuyến nào ngoài dự kiến; "
                f"điều kiện là tỷ lệ trực tuyến trên số hồ sơ còn lại đến {end} không thấp hơn "
                f"{fmt_pct(row.get('required_rate'))}.")
    return (f"Để đạt chỉ tiêu {fmt_pct(row.get('target'), 0)} vào ngày {end}, từ nay đơn vị cần "
            f"tỷ lệ trực tuyến <b>{fmt_pct(row.get('required_rate'))}</b> trên số hồ sơ còn lại, tức là "
            f"thêm khoảng <b>{fmt_int(row.get('extra_online_per_week'))} hồ sơ trực tuyến mỗi tuần</b> "
            f"so với nhịp hiện tại, trong {fmt_num(row.get('remaining_weeks'), 1)} tuần còn lại "
            f"(tổng cộng {fmt_int(row.get('extra_online_needed'))} hồ sơ trực tuyến cần thêm ngoài nhịp "
            f"hiện tại đến {end}; con số này khác với số hồ sơ còn thiếu tính đến nay ở trên, vì tính cả "
            "những hồ sơ sẽ tiếp nhận từ nay đến cuối kỳ).")


def status_note_html(row: pd.Series) -> str:
    note = row.get("status_note")
    return "" if _isna(note) or not str(note) else f"<p><i>{html.escape(str(note))}</i></p>"


def track_record_html(row: pd.Series, view) -> str:
    """How far off the projection has been for units of this level at a comparable date (simulated years)."""
    text = track_record_text(str(row.get("level")), view.as_of)
    return f"<p><i>Độ tin cậy của dự báo: {html.escape(text)}</i></p>" if text else ""
