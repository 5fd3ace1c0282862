"""The sentences and HTML fragments of a report, in Vietnamese (the words from :mod:`chitieu_lib.labels`).

Every fact about the decision in these sentences — its number, date, issuer,
window, grace days, the clause and text of each group, the implementing letters —
comes from the decision's file (``view.decision``), never from this module; the
sentences are the templates of :data:`chitieu_lib.labels.TEXT`, filled in here.

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


def fmt_points(x, decimals: int = 1) -> str:
    """A difference of fractions in percentage points.

    >>> fmt_points(0.052), fmt_points(-0.1)
    ('+5,2 điểm %', '-10,0 điểm %')
    """
    if _isna(x):
        return DASH
    sign = "+" if float(x) > 0 else ""
    return labels.say("points", value=f"{sign}{fmt_num(float(x) * 100, decimals)}")


def fmt_month(x) -> str:
    """Month/year.

    >>> fmt_month("2019-01-01")
    '01/2019'
    """
    return DASH if _isna(x) else pd.Timestamp(x).strftime("%m/%Y")


# --------------------------------------------------------------------------- the decision

def decision_ref(d: Decision) -> str:
    """``Quyết định số 817/QĐ-UBND ngày 25/3/2019 của UBND tỉnh Khánh Hòa`` from the file."""
    return labels.say("decision_ref", number=d.number, date=fmt_date(d.date), issuer=d.issuer_short)


def letter_ref(letter: dict) -> str:
    """``Công văn số 934/UBND-VHTT ngày 03/5/2019 của UBND huyện Vạn Ninh`` from the file."""
    issuer = letter.get("issuer_short") or letter["issuer"]
    return labels.say("letter_ref", number=letter["number"], date=fmt_date(letter["date"]), issuer=issuer)


def window_text(d: Decision) -> str:
    """The counting window of Article 2 in one sentence."""
    article = f"{d.window_article}; " if d.window_article else ""
    return labels.say("window", start=fmt_date(d.window_start), end=fmt_date(d.window_end), article=article,
                      grace_days=d.grace_days, year=d.year)


def intro_html(d: Decision, kind: str) -> str:
    """The opening paragraph of a report (``unit``, ``district`` or ``province``)."""
    ref = html.escape(decision_ref(d))
    if kind == "district":
        text = labels.say("intro_district", decision=ref)
    elif kind == "province":
        article = html.escape(d.targets_article + " " if d.targets_article else "")
        text = labels.say("intro_province", article=article, decision=ref)
    else:
        text = labels.say("intro_unit", decision=ref)
    return f"<p>{text}</p>"


def title_text(d: Decision, kind: str) -> str:
    """The report's heading; the year is the decision's."""
    if kind == "province":
        return labels.say("title_province", year=d.year)
    if kind == "district":
        return labels.say("title_district", year=d.year)
    return labels.say("title_unit", year=d.year)


def letters_html(d: Decision, unit_code: str, parent_code: str = "") -> str:
    """What the implementing letters of this unit (or of its district) ask, quoted from the file.

    Empty when no letter of this unit or its district is listed: a report cites
    only the letters its own district issued.
    """
    out = []
    for letter in d.letters_of(unit_code, parent_code):
        items = {str(i["item"]): i["text"] for i in letter["items"]}
        meeting = letter.get("meetings_item")
        head = "<p>" + labels.say("letter_basis", letter=html.escape(letter_ref(letter)),
                                  subject=html.escape(letter["subject"]))
        if meeting and meeting in items:
            head += " " + labels.say("letter_meetings", item=html.escape(meeting)) + "</p>"
            head += f"<blockquote>{html.escape(items[meeting])}</blockquote>"
        else:
            head += "</p>"
        out.append(head)
    return "".join(out)


def nav_html(row: pd.Series | None = None, district_page: bool = True) -> str:
    """Links back to the index and, for a commune, to its district's report (the batch's layout;
    ``district_page=False``: that report is not in the output folder, no link to it).

    >>> commune = pd.Series({"level": "commune", "parent_code": "568"})
    >>> "huyen/568.html" in nav_html(commune), "huyen/" in nav_html(commune, district_page=False)
    (True, False)
    """
    links = [f'<a href="../index.html">{labels.say("nav_index")}</a>']
    if (district_page and row is not None and row.get("level") == "commune"
            and row.get("parent_code")):
        code = html.escape(str(row["parent_code"]), quote=True)
        links.append(f'<a href="../huyen/{code}.html">{labels.say("nav_district")}</a>')
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
    parts = [labels.say("source", source=source) if source else labels.say("source_unnamed")]
    data_date = manifest_value(manifest, "data_date", default=None)
    if data_date:
        parts.append(labels.say("source_data_date", date=fmt_date(data_date)))
    rows = manifest_value(manifest, "rows", default=None)
    if isinstance(rows, dict):
        rows = rows.get("dossiers")
    if rows is not None:
        parts.append(labels.say("source_rows", rows=fmt_int(rows)))
    when = manifest_value(manifest, "ingested_at", "generated_at", "created_at", default=None)
    if when:
        parts.append(labels.say("source_processed", date=fmt_date(str(when)[:10])))
    return "; ".join(parts) + "."


def synthetic_html(manifest) -> str:
    return f'<p class="synthetic">{labels.SYNTHETIC_NOTE}</p>' if is_synthetic(manifest) else ""


def footer_html(view, unit_code: str | None = None, parent_code: str = "") -> str:
    """The report footer: source, as-of, the decision (and this unit's letters); synthetic note."""
    d = view.decision
    basis = [decision_ref(d)] + [letter_ref(x) for x in d.letters_of(unit_code or "", parent_code)]
    lines = [html.escape(data_source_text(view.manifest)),
             labels.say("footer_as_of", as_of=fmt_date(view.as_of), basis=html.escape("; ".join(basis))),
             labels.say("footer_tool")]
    if is_synthetic(view.manifest):
        lines.insert(0, labels.SYNTHETIC_NOTE)
    return '<div class="footer">' + "<br>".join(lines) + "</div>"


def as_of_warning_html(view) -> str:
    """A warning when the as-of date lies outside the decision's window (the figures would mislead)."""
    warnings = as_of_warnings(view.as_of.date(), view.decision)
    return "".join(f'<p class="synthetic">{labels.say("warning_html", warning=html.escape(w))}</p>'
                   for w in warnings)


def header_html(row: pd.Series, view) -> str:
    """The report header: unit, target and its clause, window, as-of, source, synthetic line."""
    d = view.decision
    clause = row.get("target_group") or ""
    group = d.group(clause)
    lines = [
        labels.say("header_unit", name=html.escape(str(row.get("unit_name"))), code=html.escape(str(row.name)),
                   level=html.escape(labels.level_label(row.get("level")))),
        labels.say("header_target", target=fmt_pct(row.get("target"), 0), clause=html.escape(clause),
                   decision=html.escape(decision_ref(d))),
        labels.say("header_window", window=html.escape(window_text(d))),
        labels.say("header_as_of", as_of=fmt_date(view.as_of)),
        html.escape(data_source_text(view.manifest)),
    ]
    out = as_of_warning_html(view) + "<p>" + "<br>".join(lines) + "</p>"
    if group is not None:
        out += f"<blockquote>{html.escape(group['text'])}</blockquote>"
    return out + synthetic_html(view.manifest)


def province_header_html(view) -> str:
    d = view.decision
    ref = html.escape(decision_ref(d))
    basis = (labels.say("header_basis_groups", decision=ref, article=html.escape(d.targets_article))
             if d.targets_article else labels.say("header_basis", decision=ref))
    lines = [
        basis,
        labels.say("header_window", window=html.escape(window_text(d))),
        labels.say("header_as_of_units", as_of=fmt_date(view.as_of), units=len(view.units)),
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
        labels.say("kpi_rate"): fmt_pct(row.get("rate")),
        labels.say("kpi_target"): fmt_pct(target, 0),
        labels.say("kpi_counts"): f"{fmt_int(online)} / {fmt_int(total)}",
        labels.say("kpi_gap"): fmt_int(gap_dossiers(online, total, target)),
        labels.say("kpi_projected", end=end): fmt_pct(row.get("projected_rate")),
        labels.say("kpi_range"): f"{fmt_pct(low)} – {fmt_pct(high)}",
        labels.say("kpi_p_meet"): fmt_pct(row.get("p_meet"), 0),
        labels.say("kpi_status"): labels.status_label(row.get("status")),
    }


def headline_html(row: pd.Series, view) -> str:
    """The headline figures as a row of boxes."""
    items = headline(row, view.decision)
    css = labels.status_css(row.get("status"))
    status = labels.say("kpi_status")
    boxes = []
    for label, value in items.items():
        cls = f' class="{css}"' if label == status else ""
        boxes.append(f"<div><b{cls}>{html.escape(value)}</b><span>{html.escape(label)}</span></div>")
    return '<div class="kpi">' + "".join(boxes) + "</div>"


def pace_text(row: pd.Series, view) -> str:
    """The required pace, in one Vietnamese paragraph (the window's end from the decision)."""
    end = fmt_date(view.decision.window_end)
    if _isna(row.get("total")) or not row.get("total"):
        return labels.say("pace_no_data")
    if labels.status_key(row.get("status")) == "met" or (not _isna(row.get("extra_online_needed"))
                                                         and row.get("extra_online_needed") <= 0):
        return labels.say("pace_met", target=fmt_pct(row.get("target"), 0), end=end,
                          required=fmt_pct(row.get("required_rate")))
    return labels.say("pace_needed", target=fmt_pct(row.get("target"), 0), end=end,
                      required=fmt_pct(row.get("required_rate")),
                      per_week=fmt_int(row.get("extra_online_per_week")),
                      weeks=fmt_num(row.get("remaining_weeks"), 1), extra=fmt_int(row.get("extra_online_needed")))


def status_note_html(row: pd.Series) -> str:
    note = row.get("status_note")
    return "" if _isna(note) or not str(note) else f"<p><i>{html.escape(str(note))}</i></p>"


def track_record_html(row: pd.Series, view) -> str:
    """How far off the projection has been for units of this level at a comparable date (simulated years)."""
    text = track_record_text(str(row.get("level")), view.as_of)
    return f"<p>{labels.say('track_record', text=html.escape(text))}</p>" if text else ""
