"""The index page of a batch: every report with its figures and status, filterable and sortable
offline, with the change and last-year columns when asked; merged with earlier batches' rows."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from pathlib import Path

import pandas as pd

from .. import labels, report, sheets
from ..atomic import write_all
from .plan import Planned


INDEX_SCRIPT = """
// Filter rows by level, district and a name typed (without accents or case). No external script.
function fold(t) {
  return String(t).normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
    .toLowerCase();
}
function applyFilter() {
  var level = document.getElementById('f-level').value, district = document.getElementById('f-district').value;
  var q = fold(document.getElementById('f-name').value.trim()), shown = 0;
  document.querySelectorAll('table.sortable tbody tr').forEach(function (tr) {
    var ok = (!level || tr.dataset.level === level) && (!district || tr.dataset.district === district)
      && (!q || fold(tr.dataset.name).indexOf(q) >= 0 || tr.dataset.code.indexOf(q) >= 0);
    tr.style.display = ok ? '' : 'none';
    if (ok) { shown++; }
  });
  document.getElementById('f-count').textContent = shown;
}
['f-level', 'f-district', 'f-name'].forEach(function (id) {
  var el = document.getElementById(id);
  if (el) { el.addEventListener('input', applyFilter); el.addEventListener('change', applyFilter); }
});
// Sort the table by a clicked header; numbers by their data-v value.
document.querySelectorAll('table.sortable th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0];
    var asc = th.getAttribute('data-dir') !== 'asc';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-dir'); });
    th.setAttribute('data-dir', asc ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
      var nx = parseFloat(x), ny = parseFloat(y), r;
      if (!isNaN(nx) && !isNaN(ny)) { r = nx - ny; }
      else if (isNaN(nx) !== isNaN(ny)) { return isNaN(nx) ? 1 : -1; }
      else { r = String(x).localeCompare(String(y), 'vi'); }
      return asc ? r : -r;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""

INDEX_CSS = """
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #1d2733; margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { color: #1f5fa8; font-size: 1.6em; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border: 1px solid #d5dbe3; padding: 4px 8px; text-align: left; }
th { background: #f4f6f9; cursor: pointer; user-select: none; white-space: nowrap; }
th[data-dir=asc]::after { content: " ▲"; } th[data-dir=desc]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed { background: #fdecea; }
.status-ok { color: #17703a; font-weight: bold; } .status-risk { color: #a45a00; font-weight: bold; }
.status-off { color: #b3261e; font-weight: bold; } .status-na { color: #5b6775; }
.synthetic { border: 1px solid #e0b84c; background: #fff7dd; padding: 6px 12px; border-radius: 4px; }
.error { color: #b3261e; font-size: 0.9em; white-space: pre-wrap; }
.summary { color: #5b6775; }
"""

LEVEL_ORDER = {"province": 0, "department": 1, "district": 2, "commune": 3}
LEVEL_WORDS = labels.LEVELS


def _td(text, value=None, cls="") -> str:
    v = "" if value is None or report._isna(value) else html.escape(str(value), quote=True)
    c = f' class="{cls}"' if cls else ""
    return f'<td{c} data-v="{v}">{text}</td>'


def index_rows(planned: list[Planned], results: list, summary: pd.DataFrame | None, out: Path,
               extra: pd.DataFrame | None = None) -> list[dict]:
    """One row per report for the index: what it is, its figures, its run status.

    ``extra``: more columns per unit_code (changes since the last meeting, last year's figures).
    """
    by_code = summary.set_index("unit_code") if summary is not None and len(summary) else None
    more = extra.set_index("unit_code") if extra is not None and len(extra) else None
    rows = []
    for p, r in zip(planned, results):
        s = by_code.loc[p.unit_code] if by_code is not None and p.unit_code in by_code.index else None
        rel = Path(os.path.relpath(p.job.out_html, out)).as_posix()
        added = (more.loc[p.unit_code].to_dict() if more is not None and p.unit_code in more.index
                 else {c: None for c in (more.columns if more is not None else [])})
        rows.append({
            "level": p.level, "unit_code": p.unit_code, "unit_name": p.unit_name,
            "district_code": p.district_code, **added,
            "target_group": "" if s is None else s.get("target_group", ""),
            "target": None if s is None else s.get("target"),
            "rate": None if s is None else s.get("rate"),
            "projected_rate": None if s is None else s.get("projected_rate"),
            "p_meet": None if s is None else s.get("p_meet"),
            "status": None if s is None else s.get("status"),
            "online": None if s is None else s.get("online"),
            "total": None if s is None else s.get("total"),
            "ok": bool(r.ok), "skipped": bool(getattr(r, "skipped", False)),
            "error": r.error, "seconds": r.seconds, "link": rel,
        })
    return rows


def index_html(rows: list[dict], *, as_of, manifest: dict, failures: int, decision, warnings=(),
               district_names: dict | None = None) -> str:
    """The index page: every report, sortable by any column, offline (inline CSS and script).

    Its words about the decision (number, date, issuer, year) come from ``decision``: the store's.
    ``district_names``: {code: name} for the district filter, where a district's own report is
    not listed (its communes rendered alone).
    """
    ids = ["level", "code", "unit", "target", "online_of_total", "rate", "projected", "p_meet", "status"]
    has_change = any("rate_change" in r for r in rows)
    has_previous = any("prev_rate" in r for r in rows)
    if has_change:
        ids += ["rate_change", "projected_change", "status_then"]
    if has_previous:
        ids += ["target_previous", "rate_previous"]
    head = [labels.COLUMNS[i] for i in ids + ["report"]]
    names = dict(district_names or {}) | {r["unit_code"]: r["unit_name"] for r in rows
                                          if r["level"] == "district"}
    body = []
    ordered = sorted(rows, key=lambda r: (LEVEL_ORDER[r["level"]], r["unit_code"]))
    for i, r in enumerate(ordered):
        kind = labels.status_key(r["status"])
        if r["ok"]:
            link = f'<a href="{html.escape(r["link"], quote=True)}">{labels.say("index_open")}</a>'
            run_cell = _td(link, 0)
        else:
            why = html.escape(_short_error(r["error"]))
            run_cell = _td(f'<b>{labels.say("index_failed")}</b><div class="error">{why}</div>', 1)
        counts = (f"{report.fmt_int(r['online'])} / {report.fmt_int(r['total'])}"
                  if r["total"] is not None and not report._isna(r["total"]) else report.DASH)
        added = ""
        if has_change:
            added += (_td(_points(r.get("rate_change")), r.get("rate_change"), "num")
                      + _td(_points(r.get("projected_change")), r.get("projected_change"), "num")
                      + _td(html.escape(labels.status_label(r.get("status_then")) if r.get("status_then") else ""),
                            r.get("status_then") or ""))
        if has_previous:
            added += (_td(report.fmt_pct(r.get("prev_target"), 0), r.get("prev_target"), "num")
                      + _td(report.fmt_pct(r.get("prev_rate")), r.get("prev_rate"), "num"))
        attrs = (f' data-level="{r["level"]}" data-district="{html.escape(r.get("district_code") or "", quote=True)}"'
                 f' data-name="{html.escape(r["unit_name"], quote=True)}" data-code="{html.escape(r["unit_code"], quote=True)}"')
        body.append(
            f'<tr class="{"" if r["ok"] else "failed"}"{attrs}>'
            + _td(html.escape(LEVEL_WORDS[r["level"]]), LEVEL_ORDER[r["level"]] * 1000 + i)
            + _td(html.escape(r["unit_code"]), r["unit_code"])
            + _td(html.escape(r["unit_name"]), r["unit_name"])
            + _td(report.fmt_pct(r["target"], 0), r["target"], "num")
            + _td(counts, r["total"], "num")
            + _td(report.fmt_pct(r["rate"]), r["rate"], "num")
            + _td(report.fmt_pct(r["projected_rate"]), r["projected_rate"], "num")
            + _td(report.fmt_pct(r["p_meet"], 0), r["p_meet"], "num")
            + _td(html.escape(labels.status_label(kind) if r["level"] != "province" else ""),
                  list(labels.STATUSES).index(kind) if r["level"] != "province" else None,
                  labels.status_css(kind) if r["level"] != "province" else "")
            + added + run_cell + "</tr>")
    n_ok = sum(r["ok"] for r in rows)
    synthetic = (f'<p class="synthetic">{report.SYNTHETIC_NOTE}</p>'
                 if report.is_synthetic(manifest) else "")
    synthetic += "".join(f'<p class="synthetic">{labels.say("warning", warning=html.escape(w))}</p>'
                         for w in warnings)
    failed = f'<b class="status-off">{labels.say("index_failed_count", count=failures)}</b>'
    failed_line = " " + labels.say("index_failures", failed=failed) if failures else ""
    title = labels.say("index_title", year=decision.year)
    basis = labels.say("index_basis", decision=html.escape(report.decision_ref(decision)),
                       as_of=report.fmt_date(as_of), source=html.escape(report.data_source_text(manifest)))
    made = labels.say("index_made", time=dt.datetime.now().strftime("%H:%M %d/%m/%Y"))
    return f"""<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{labels.say("index_page_title", title=title)}</title>
<style>{INDEX_CSS}</style></head>
<body><main>
<h1>{title}</h1>
<p>{basis}</p>
{synthetic}
<p class="summary">{labels.say("index_summary", reports=len(rows), made=n_ok, failures=failed_line)}</p>
{_filter_html(rows, names)}
<table class="sortable"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
<p class="summary">{made}</p>
</main>
<script>{INDEX_SCRIPT}</script>
</body></html>
"""


def _points(x) -> str:
    return report.DASH if x is None or report._isna(x) else ("+" if x > 0 else "") + report.fmt_num(x * 100, 1)


def _filter_html(rows: list[dict], district_names: dict) -> str:
    """The index's filters: level, district, and a name search (plain inline script, offline)."""
    levels = [lv for lv in LEVEL_ORDER if any(r["level"] == lv for r in rows)]
    level_opts = "".join(f'<option value="{lv}">{html.escape(LEVEL_WORDS[lv])}</option>' for lv in levels)
    districts = sorted({r.get("district_code") for r in rows if r.get("district_code")})
    district_opts = "".join(f'<option value="{html.escape(c, quote=True)}">'
                            f'{html.escape(district_names.get(c, c))}</option>' for c in districts)
    everything = f'<option value="">{labels.say("filter_all")}</option>'
    example = html.escape(labels.say("filter_example"), quote=True)
    shown = labels.say("filter_shown", count=f'<b id="f-count">{len(rows)}</b>')
    return (f'<p class="filters"><label>{labels.say("filter_level")} <select id="f-level">{everything}{level_opts}'
            f'</select></label> <label>{labels.say("filter_district")} <select id="f-district">{everything}'
            f'{district_opts}</select></label> <label>{labels.say("filter_name")} <input id="f-name" '
            f'type="search" placeholder="{example}"></label> <span class="summary">{shown}</span></p>')


def _short_error(error: str | None, limit: int = 600) -> str:
    if not error:
        return labels.say("index_no_reason")
    text = str(error).strip()
    return text if len(text) <= limit else text[:limit] + " …"


INDEX_STATE = ".index.json"     # the index's rows and what they were computed for (merging batches)


def _earlier_rows(out: Path, batch: dict) -> tuple[list[dict], list[dict]]:
    """The rows of the index earlier batches left in ``out``, and those of them that still hold
    for ``batch``: made for the same as-of date, meeting date, previous year and store content,
    their report still on disk."""
    try:
        state = json.loads((out / INDEX_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], []
    rows = state.get("rows", [])
    if state.get("batch") != batch:
        return rows, []
    return rows, [r for r in rows if (out / r.get("link", "")).is_file()]


def merge_earlier_rows(out: Path, rows: list[dict], batch: dict) -> tuple[list[dict], int]:
    """This batch's rows plus those of earlier batches into the same folder that still hold
    (:func:`_earlier_rows`); the others are dropped (their figures would not be comparable) and
    counted."""
    earlier, holding = _earlier_rows(out, batch)
    links = {r["link"] for r in rows}
    kept = [r for r in holding if r.get("link") not in links]
    return rows + kept, sum(r.get("link") not in links for r in earlier) - len(kept)


def earlier_pages(out: Path, batch: dict) -> set[str]:
    """The pages (links under ``out``) of earlier batches that still hold for ``batch``: what a
    report of this batch may link to besides the pages it renders."""
    return {r["link"] for r in _earlier_rows(out, batch)[1] if r.get("ok")}


def write_index(out: Path, rows: list[dict], *, as_of, manifest, failures: int, decision, warnings=(),
                batch: dict | None = None, district_names: dict | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    files = {path: index_html(rows, as_of=as_of, manifest=manifest, failures=failures, decision=decision,
                              warnings=warnings, district_names=district_names),
             out / "index.csv": sheets.csv_writer(pd.DataFrame(rows))}
    if batch is not None:
        files[out / INDEX_STATE] = json.dumps({"batch": batch, "rows": rows}, ensure_ascii=False, default=str)
    write_all(files)
    return path


def index_extra(store, view, since, previous) -> pd.DataFrame | None:
    """Change columns (``since``) and last year's columns (``previous``) per unit of ``view`` (the
    batch's view at its as-of date, which the index's other figures come from), for the index."""
    codes = view.units["unit_code"].tolist()
    frames = []
    if since:
        changes = report.change_frame(report.build_view(store, codes, since), view)
        frames.append(changes[["unit_code", "rate_change", "projected_change", "status_then"]])
    if previous is not None:
        _, rates = report.previous_year(str(previous.path), codes)
        frames.append(rates[["unit_code", "target", "rate"]].rename(
            columns={"target": "prev_target", "rate": "prev_rate"}))
    if not frames:
        return None
    out = pd.DataFrame({"unit_code": [str(c) for c in codes]})
    for f in frames:
        out = out.merge(f, on="unit_code", how="left")
    return out.astype(object).where(out.notna(), None)
