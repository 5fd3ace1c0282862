"""The report batch: which reports, run them, their tables, and the index page.

``render`` turns a choice (``level``, ``units``) into :class:`~chitieu_lib.engine.Job`
objects, runs them with :func:`chitieu_lib.engine.run_jobs` (which writes each
executed ``.ipynb`` and its code-free HTML), writes each report's tables as XLSX
and CSV beside the HTML, and writes ``index.html`` listing every report with its
status, rate and link — failures included, with why.

Layout under ``out``::

    index.html
    tinh/tong-quan.{html,ipynb,xlsx}, tinh/tong-quan.<table>.csv
    so-nganh/<code>.*      huyen/<code>.*      xa/<code>.*

>>> d = load_decision(DEFAULT_DECISION)
>>> [p.job.name for p in plan(load_units(d), decision=d, codes=["571"], as_of="2019-09-30",
...                           processed_dir="/p", out="o")]
['huyen/571']
"""

from __future__ import annotations

import datetime as dt
import html
from importlib import resources
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import labels, report, sheets
from .atomic import write_all
from .decision import DEFAULT_DECISION, load_decision, load_units  # noqa: F401 (doctest)
from .engine import Job, run_jobs
from .errors import InputError
from .pdf import print_pdfs
from .report.views import share_projections
from .store import default_processed_dir, open_store
from .windows import as_of_warnings

def notebooks_dir() -> Path:
    """The report notebooks: the checkout's ``notebooks/`` (what analysts edit) when the kit runs
    from one, else the copy the wheel carries (``chitieu_lib/_notebooks``, see setup.py)."""
    checkout = Path(__file__).resolve().parents[1] / "notebooks"
    if (checkout / "unit_report.ipynb").is_file():
        return checkout
    return Path(str(resources.files("chitieu_lib") / "_notebooks"))


NOTEBOOKS_DIR = notebooks_dir()
LEVELS = ("department", "district", "commune")
FOLDERS = {"department": "so-nganh", "district": "huyen", "commune": "xa", "province": "tinh"}
NOTEBOOK_OF = {"department": "unit_report.ipynb", "district": "district_report.ipynb",
               "commune": "unit_report.ipynb", "province": "province_overview.ipynb"}
PROVINCE_NAME = "tong-quan"


@dataclass(frozen=True)
class Planned:
    """A job with what the index needs to know about it."""

    job: object           # chitieu_lib.engine.Job
    level: str            # department / district / commune / province
    unit_code: str        # '' for the province overview
    unit_name: str
    district_code: str = ""   # the district of a commune, the district itself for a district


def _job(name, notebook, parameters, out_base: Path):
    return Job(name=name, notebook=notebook, parameters=parameters,
               out_ipynb=out_base.with_suffix(".ipynb"), out_html=out_base.with_suffix(".html"),
               extra_outputs=report_tables)


def select_units(units: pd.DataFrame, level: str = "all", codes=None, decision=None) -> pd.DataFrame:
    """Units with a target for ``level`` (or ``all``), or exactly ``codes`` (checked)."""
    with_target = units[units["target"].notna()]
    if codes:
        codes = [str(c).strip() for c in codes]
        known = set(units["unit_code"])
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InputError(f"unknown unit code(s) {unknown}; a unit code is a GSO code "
                             "(e.g. 571, 22516) or an agency code (e.g. SCT)")
        no_target = [c for c in codes if c not in set(with_target["unit_code"])]
        if no_target:
            number = decision.number if decision is not None else "the decision"
            raise InputError(f"unit(s) {no_target} have no target in {number} (Article 1)")
        chosen = with_target[with_target["unit_code"].isin(codes)]
        return chosen.set_index("unit_code").loc[list(dict.fromkeys(codes))].reset_index()
    if level == "all":
        return with_target.reset_index(drop=True)
    if level not in LEVELS:
        raise InputError(f"--level must be one of {list(LEVELS) + ['all']}, not '{level}'")
    return with_target[with_target["level"] == level].reset_index(drop=True)


def plan(units: pd.DataFrame, *, decision, level="all", codes=None, as_of: str, processed_dir: str,
         out: str | Path, notebooks_dir: Path = NOTEBOOKS_DIR, extra: dict | None = None) -> list[Planned]:
    """The reports to render: one per unit (a district's report covers its communes' table),
    plus the province overview when everything is asked for. ``extra``: more parameters
    every report gets (``since``, ``previous_dir``)."""
    out = Path(out)
    chosen = select_units(units, level, codes, decision)
    planned = []
    extra = dict(extra or {})
    if level == "all" and not codes:
        params = {"as_of": as_of, "processed_dir": processed_dir, **extra}
        name = f"{FOLDERS['province']}/{PROVINCE_NAME}"
        planned.append(Planned(_job(name, notebooks_dir / NOTEBOOK_OF["province"], params, out / name),
                               "province", "", f"Toàn {decision.province}".strip()))
    for u in chosen.itertuples(index=False):
        lvl = u.level
        key = "district_code" if lvl == "district" else "unit_code"
        params = {key: str(u.unit_code), "as_of": as_of, "processed_dir": processed_dir, **extra}
        name = f"{FOLDERS[lvl]}/{u.unit_code}"
        district = str(u.unit_code) if lvl == "district" else (str(u.parent_code) if lvl == "commune" else "")
        planned.append(Planned(_job(name, notebooks_dir / NOTEBOOK_OF[lvl], params, out / name),
                               lvl, str(u.unit_code), u.unit_name, district))
    return planned


def plan_jobs(codes=None, *, level="all", as_of: str, processed_dir: str, out) -> list:
    """The Job objects alone, for the units and decision of the store (handy for scripts and tests)."""
    store = open_store(processed_dir)
    return [p.job for p in plan(store.units, decision=store.decision, level=level, codes=codes, as_of=as_of,
                                processed_dir=processed_dir, out=out)]


# --------------------------------------------------------------------------- tables

def notebook_tables(nb) -> list[dict]:
    """The tables a report showed with :func:`chitieu_lib.report.show_table`, in order."""
    tables = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(report.TABLE_MIME)
            if payload:
                tables.append(payload if isinstance(payload, dict) else json.loads(payload))
    return tables


def table_files(nb, out_html: Path) -> dict[Path, object]:
    """The report's tables as files beside its HTML: one XLSX (a sheet per table) and a CSV each.

    Returns ``{path: writer}`` for :func:`chitieu_lib.atomic.write_all`; written by the
    engine together with the report's notebook and HTML (:func:`report_tables`).
    Cells are spreadsheet-safe (:mod:`chitieu_lib.sheets`); CSV files are UTF-8 with a BOM
    so that Excel shows Vietnamese letters correctly.
    """
    tables = notebook_tables(nb)
    if not tables:
        return {}
    out_html = Path(out_html)
    frames = [(t["name"], report.payload_frame(t)) for t in tables]
    files: dict[Path, object] = {out_html.with_suffix(".xlsx"): sheets.xlsx_writer(frames)}
    seen: set = set()
    for name, frame in frames:
        if name in seen:
            name = f"{name}_{len(seen)}"
        seen.add(name)
        files[out_html.with_name(f"{out_html.stem}.{name}.csv")] = sheets.csv_writer(frame)
    return files


def report_tables(nb, job) -> dict[Path, object]:
    """The engine's hook (``Job.extra_outputs``): the tables of one executed report."""
    return table_files(nb, job.out_html)


def write_tables(out_ipynb: Path, out_html: Path) -> list[Path]:
    """Write the tables of an executed report notebook beside its HTML, all or nothing."""
    import nbformat  # lazy: ~0.9 s to import (jsonschema); only writing tables needs it here
    return write_all(table_files(nbformat.read(str(out_ipynb), as_version=4), out_html))


# --------------------------------------------------------------------------- the index

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


def index_html(rows: list[dict], *, as_of, manifest: dict, failures: int, decision, warnings=()) -> str:
    """The index page: every report, sortable by any column, offline (inline CSS and script).

    Its words about the decision (number, date, issuer, year) come from ``decision``: the store's.
    """
    ids = ["level", "code", "unit", "target", "online_of_total", "rate", "projected", "p_meet", "status"]
    has_change = any("rate_change" in r for r in rows)
    has_previous = any("prev_rate" in r for r in rows)
    if has_change:
        ids += ["rate_change", "projected_change", "status_then"]
    if has_previous:
        ids += ["target_previous", "rate_previous"]
    head = [labels.COLUMNS[i] for i in ids + ["report"]]
    names = {r["unit_code"]: r["unit_name"] for r in rows if r["level"] == "district"}
    body = []
    ordered = sorted(rows, key=lambda r: (LEVEL_ORDER[r["level"]], r["unit_code"]))
    for i, r in enumerate(ordered):
        kind = labels.status_key(r["status"])
        if r["ok"]:
            link = f'<a href="{html.escape(r["link"], quote=True)}">Xem báo cáo</a>'
            run_cell = _td(link, 0)
        else:
            why = html.escape(_short_error(r["error"]))
            run_cell = _td(f'<b>Lỗi khi tạo báo cáo</b><div class="error">{why}</div>', 1)
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
    synthetic += "".join(f'<p class="synthetic">Cảnh báo: {html.escape(w)}</p>' for w in warnings)
    failed_line = (f' <b class="status-off">{failures} báo cáo lỗi</b> (dòng tô đỏ, có ghi lý do).'
                   if failures else "")
    return f"""<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Báo cáo chỉ tiêu hồ sơ trực tuyến mức độ 3, 4 năm {decision.year} — danh mục</title>
<style>{INDEX_CSS}</style></head>
<body><main>
<h1>Báo cáo chỉ tiêu hồ sơ trực tuyến mức độ 3, 4 năm {decision.year}</h1>
<p>Theo {html.escape(report.decision_ref(decision))}. Số liệu tính đến ngày
<b>{report.fmt_date(as_of)}</b>. {html.escape(report.data_source_text(manifest))}</p>
{synthetic}
<p class="summary">{len(rows)} báo cáo, {n_ok} đã tạo.{failed_line} Bấm vào tiêu đề cột để sắp xếp.
Mỗi báo cáo có kèm các bảng số liệu dạng Excel (.xlsx) và CSV cùng thư mục.</p>
{_filter_html(rows, names)}
<table class="sortable"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
<p class="summary">Tạo lúc {dt.datetime.now().strftime("%H:%M %d/%m/%Y")} bằng bộ công cụ chitieu.</p>
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
    return (f'<p class="filters"><label>Cấp <select id="f-level"><option value="">Tất cả</option>{level_opts}'
            f'</select></label> <label>Huyện <select id="f-district"><option value="">Tất cả</option>'
            f'{district_opts}</select></label> <label>Tìm theo tên hoặc mã <input id="f-name" type="search" '
            f'placeholder="vd. Vạn Thắng"></label> <span class="summary">Đang hiện <b id="f-count">{len(rows)}'
            '</b> báo cáo.</span></p>')


def _short_error(error: str | None, limit: int = 600) -> str:
    if not error:
        return "không rõ lý do"
    text = str(error).strip()
    return text if len(text) <= limit else text[:limit] + " …"


INDEX_STATE = ".index.json"     # the index's rows and what they were computed for (merging batches)


def merge_earlier_rows(out: Path, rows: list[dict], batch: dict) -> tuple[list[dict], int]:
    """This batch's rows plus those of earlier batches into the same folder that still hold.

    An earlier row is kept when its report is still on disk and was made for the same as-of
    date, meeting date, previous year and store content (``batch``); the others are dropped
    (their figures would not be comparable) and counted.
    """
    try:
        earlier = json.loads((out / INDEX_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return rows, 0
    links = {r["link"] for r in rows}
    kept, dropped = [], 0
    for r in earlier.get("rows", []):
        if r.get("link") in links:
            continue
        if earlier.get("batch") == batch and (out / r.get("link", "")).is_file():
            kept.append(r)
        else:
            dropped += 1
    return rows + kept, dropped


def write_index(out: Path, rows: list[dict], *, as_of, manifest, failures: int, decision, warnings=(),
                batch: dict | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    files = {path: index_html(rows, as_of=as_of, manifest=manifest, failures=failures, decision=decision,
                              warnings=warnings),
             out / "index.csv": sheets.csv_writer(pd.DataFrame(rows))}
    if batch is not None:
        files[out / INDEX_STATE] = json.dumps({"batch": batch, "rows": rows}, ensure_ascii=False, default=str)
    write_all(files)
    return path


def index_extra(store, codes, as_of, since, previous) -> pd.DataFrame | None:
    """Change columns (``since``) and last year's columns (``previous``) per unit, for the index."""
    frames = []
    if since:
        changes = report.change_frame(report.build_view(store, codes, since), report.build_view(store, codes, as_of))
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


# --------------------------------------------------------------------------- the batch

def check_decision(store, decision_file) -> None:
    """Refuse a decision file that is not the one the store was ingested with."""
    if not decision_file:
        return
    given = load_decision(decision_file)
    if given.sha256 != store.decision.sha256:
        raise InputError(f"this decision ({given.number}) is not the one the store was ingested with "
                         f"({store.decision.number}, from {store.manifest['decision'].get('path')}); run "
                         f"`chitieu ingest RAW --decision {decision_file} --out {store.path}` first",
                         path=decision_file)


def check_previous(previous_dir, store):
    """The previous year's store: it must exist and carry an earlier decision than this store's."""
    if not previous_dir:
        return None
    prev = open_store(previous_dir)
    if prev.decision.window_end >= store.decision.window_start:
        raise InputError(f"--previous must be a store of an earlier year: its decision {prev.decision.number} "
                         f"runs to {prev.decision.window_end}, this store's {store.decision.number} starts "
                         f"{store.decision.window_start}", path=previous_dir)
    return prev


def check_since(since, as_of: str, decision) -> str:
    """``--since`` must fall inside the window and before ``--as-of``."""
    if not since:
        return ""
    day = pd.Timestamp(since)
    if not (pd.Timestamp(decision.window_start) <= day < pd.Timestamp(as_of)):
        raise InputError(f"--since {since} must be a day before --as-of {as_of} and not before the window "
                         f"starts ({decision.window_start})")
    return day.date().isoformat()


def render(*, level="all", codes=None, as_of=None, processed_dir=None, out="outputs", workers=None,
           resume=False, progress=True, engine="warm", executor="local", scheduler=None,
           cell_timeout=600, decision_file=None, previous_dir=None, since=None, pdf=False,
           log=print, timings=None) -> tuple[list[dict], Path]:
    """Render the chosen reports and the index; return (index rows, index path).

    ``decision_file``: refused unless it is the store's; ``previous_dir``: last year's
    store (year-over-year lines); ``since``: the last meeting's day (change sections);
    ``pdf``: print each report to ``CODE.pdf`` beside its HTML. ``timings``: a dict
    filled with seconds per phase (``timing_lines`` prints it).

    What every report shares (the province-wide projection at ``as_of``, and at
    ``since``) is computed once, while the kernels start, and kept in the store folder
    (:func:`chitieu_lib.report.views.share_projections`); the kernels read it.
    """
    timings = {} if timings is None else timings
    clock = time.perf_counter()
    processed = Path(processed_dir) if processed_dir else default_processed_dir()
    store = open_store(processed)
    check_decision(store, decision_file)
    previous = check_previous(previous_dir, store)
    processed = str(processed.resolve())
    as_of = pd.Timestamp(as_of).date().isoformat() if as_of else report.default_as_of(store)
    since = check_since(since, as_of, store.decision)
    out = Path(out)
    extra = {"since": since, "previous_dir": str(previous.path.resolve()) if previous else ""}
    planned = plan(store.units, decision=store.decision, level=level, codes=codes, as_of=as_of,
                   processed_dir=processed, out=out, extra=extra)
    for p in planned:
        p.job.out_html.parent.mkdir(parents=True, exist_ok=True)
    clock = _lap(timings, "open store, plan", clock)
    log(f"chitieu render: {len(planned)} report(s), as of {as_of}, data {processed} -> {out}/")
    warnings = as_of_warnings(as_of, store.decision)
    for w in warnings:
        log(f"chitieu render: warning: {w}")
    engine_timings: dict = {}

    def share():
        timings["shared projections"] = share_projections(store, [as_of, since])

    kwargs = dict(engine=engine, workers=workers, cell_timeout=cell_timeout, resume=resume,
                  progress=progress, executor=executor, prepare=share, timings=engine_timings)
    if scheduler is not None:
        kwargs["scheduler"] = scheduler
    results = run_jobs([p.job for p in planned], **kwargs)
    timings["engine"] = engine_timings
    timings["jobs"] = [r.timings for r in results if not r.skipped]
    clock = time.perf_counter()
    # Each report's tables were written by the engine with its notebook and HTML (report_tables).
    results = list(results)
    # The index's figures come from the same functions as the reports.
    summary = None
    codes_in_view = [p.unit_code for p in planned if p.unit_code]
    if codes_in_view:
        view = report.build_view(store, codes_in_view, as_of)
        summary = view.summary()
    extra = index_extra(store, codes_in_view, as_of, since, previous) if codes_in_view else None
    rows = index_rows(planned, results, summary, out, extra)
    if pdf:
        print_pdfs([(p.job.out_html, p.unit_name) for p, r in zip(planned, results) if r.ok], as_of, log=log)
    batch = {"as_of": as_of, "since": since, "previous": str(previous.path) if previous else "",
             "store": store.fingerprint}
    done = sum(r["ok"] for r in rows), len(rows)          # this run's reports
    rows, dropped = merge_earlier_rows(out, rows, batch)
    if dropped:
        log(f"chitieu render: {dropped} report(s) of an earlier run in {out}/ are not in the index "
            "(made for another date or other data); render them again to list them")
    failures = [r for r in rows if not r["ok"]]
    index = write_index(out, rows, as_of=as_of, manifest=store.manifest, failures=len(failures),
                        decision=store.decision, warnings=warnings, batch=batch)
    _lap(timings, "index" + (", pdf" if pdf else ""), clock)
    earlier = f" (+{len(rows) - done[1]} of an earlier run)" if len(rows) > done[1] else ""
    log(f"chitieu render: {done[0]} of {done[1]} report(s) written; index: {index}{earlier}")
    return rows, index


# --------------------------------------------------------------------------- timings

def _lap(timings: dict, name: str, since: float) -> float:
    now = time.perf_counter()
    timings[name] = timings.get(name, 0.0) + now - since
    return now


def timing_lines(timings: dict, total: float | None = None) -> list[str]:
    """The start-up and per-report breakdown of one ``render`` (``chitieu render --timings``).

    >>> t = {"start-up": 0.5, "open store, plan": 0.1, "engine": {"workers": 1, "start workers": 0.2,
    ...      "shared work": 1.0, "reports": 2.0}, "shared projections": {"2019-09-30": "read"},
    ...      "jobs": [{"kernel": 1.0, "execute": 0.6, "html": 0.2, "write": 0.1}], "index": 0.05}
    >>> print("\\n".join(timing_lines(t)))
    chitieu render: timings (seconds)
      start-up (interpreter, imports)         0.50
      open store, plan                        0.10
      start 1 worker(s) (kernels boot on)     0.20
      shared projections                      1.00  2019-09-30: read
      reports                                 2.00  1 run on 1 worker(s)
        waiting for kernel start (max)        1.00
        per report: execute 0.60, html 0.20, write 0.10
      index                                   0.05
    """
    engine = timings.get("engine", {})
    jobs = timings.get("jobs", [])
    rows = [("start-up (interpreter, imports)", timings.get("start-up"), ""),
            ("open store, plan", timings.get("open store, plan"), ""),
            (f"start {engine.get('workers', 0)} worker(s) (kernels boot on)", engine.get("start workers"), ""),
            ("shared projections", engine.get("shared work"),
             ", ".join(f"{d}: {how}" for d, how in timings.get("shared projections", {}).items())),
            ("reports", engine.get("reports"), f"{len(jobs)} run on {engine.get('workers', 0)} worker(s)")]
    lines = ["chitieu render: timings (seconds)"]
    for name, seconds, note in rows:
        if seconds is not None:
            lines.append(f"  {name:<38}{seconds:6.2f}" + (f"  {note}" if note else ""))
        if name == "reports" and jobs:
            lines.append(f"    {'waiting for kernel start (max)':<36}{max(j.get('kernel', 0) for j in jobs):6.2f}")
            steps = [k for k in ("reset", "execute", "html", "write") if any(k in j for j in jobs)]
            lines.append("    per report: " + ", ".join(
                f"{k} {sum(j.get(k, 0) for j in jobs) / len(jobs):.2f}" for k in steps))
    for name in ("index", "index, pdf"):
        if name in timings:
            lines.append(f"  {name:<38}{timings[name]:6.2f}")
    if total is not None:
        lines.append(f"  {'total':<38}{total:6.2f}")
    return lines
