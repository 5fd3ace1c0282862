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

>>> [j.name for j in plan_jobs(["571"], as_of="2019-09-30", processed_dir="/p", out="o")[:1]]
['huyen/571']
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import report
from .decision import load_units
from .errors import InputError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
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


def _job(name, notebook, parameters, out_base: Path):
    from .engine import Job
    return Job(name=name, notebook=notebook, parameters=parameters,
               out_ipynb=out_base.with_suffix(".ipynb"), out_html=out_base.with_suffix(".html"))


def select_units(units: pd.DataFrame, level: str = "all", codes=None) -> pd.DataFrame:
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
            raise InputError(f"unit(s) {no_target} have no target in Decision 817 (Article 1)")
        chosen = with_target[with_target["unit_code"].isin(codes)]
        return chosen.set_index("unit_code").loc[list(dict.fromkeys(codes))].reset_index()
    if level == "all":
        return with_target.reset_index(drop=True)
    if level not in LEVELS:
        raise InputError(f"--level must be one of {list(LEVELS) + ['all']}, not '{level}'")
    return with_target[with_target["level"] == level].reset_index(drop=True)


def plan(units: pd.DataFrame, *, level="all", codes=None, as_of: str, processed_dir: str,
         out: str | Path, notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Planned]:
    """The reports to render: one per unit (a district's report covers its communes' table),
    plus the province overview when everything is asked for."""
    out = Path(out)
    chosen = select_units(units, level, codes)
    planned = []
    if level == "all" and not codes:
        params = {"as_of": as_of, "processed_dir": processed_dir}
        name = f"{FOLDERS['province']}/{PROVINCE_NAME}"
        planned.append(Planned(_job(name, notebooks_dir / NOTEBOOK_OF["province"], params, out / name),
                               "province", "", "Toàn tỉnh Khánh Hòa"))
    for u in chosen.itertuples(index=False):
        lvl = u.level
        key = "district_code" if lvl == "district" else "unit_code"
        params = {key: str(u.unit_code), "as_of": as_of, "processed_dir": processed_dir}
        name = f"{FOLDERS[lvl]}/{u.unit_code}"
        planned.append(Planned(_job(name, notebooks_dir / NOTEBOOK_OF[lvl], params, out / name),
                               lvl, str(u.unit_code), u.unit_name))
    return planned


def plan_jobs(codes=None, *, level="all", as_of: str, processed_dir: str, out) -> list:
    """The Job objects alone, for the registry of the decision (handy for scripts and tests)."""
    return [p.job for p in plan(load_units(), level=level, codes=codes, as_of=as_of,
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


def _sheet_name(name: str, used: set) -> str:
    base = name[:31] or "bang"
    candidate, i = base, 2
    while candidate in used:
        candidate = f"{base[:28]}_{i}"
        i += 1
    used.add(candidate)
    return candidate


def write_tables(out_ipynb: Path, out_html: Path) -> list[Path]:
    """Write the report's tables beside its HTML: one XLSX (a sheet per table) and a CSV each.

    CSV files are UTF-8 with a BOM so that Excel shows Vietnamese letters correctly.
    Files are written to a temporary name, then renamed.
    """
    import nbformat
    nb = nbformat.read(str(out_ipynb), as_version=4)
    tables = notebook_tables(nb)
    if not tables:
        return []
    written = []
    xlsx = out_html.with_suffix(".xlsx")
    tmp = xlsx.with_name(f".{xlsx.name}.tmp")
    used: set = set()
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for t in tables:
            frame = report.payload_frame(t)
            sheet = _sheet_name(t["name"], used)
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for col_cells in ws.columns:  # readable widths in Excel
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col_cells)
                ws.column_dimensions[col_cells[0].column_letter].width = min(60, max(10, width + 2))
    tmp.replace(xlsx)
    written.append(xlsx)
    seen: set = set()
    for t in tables:
        name = t["name"]
        if name in seen:
            name = f"{name}_{len(seen)}"
        seen.add(name)
        csv = out_html.with_name(f"{out_html.stem}.{name}.csv")
        tmp = csv.with_name(f".{csv.name}.tmp")
        report.payload_frame(t).to_csv(tmp, index=False, encoding="utf-8-sig")
        tmp.replace(csv)
        written.append(csv)
    return written


# --------------------------------------------------------------------------- the index

INDEX_SCRIPT = """
// Sort the table by a clicked header; numbers by their data-v value. No external script.
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
LEVEL_WORDS = {"province": "Toàn tỉnh", **report.LEVEL_LABELS}


def _td(text, value=None, cls="") -> str:
    v = "" if value is None or report._isna(value) else html.escape(str(value), quote=True)
    c = f' class="{cls}"' if cls else ""
    return f'<td{c} data-v="{v}">{text}</td>'


def index_rows(planned: list[Planned], results: list, summary: pd.DataFrame | None, out: Path) -> list[dict]:
    """One row per report for the index: what it is, its figures, its run status."""
    by_code = summary.set_index("unit_code") if summary is not None and len(summary) else None
    rows = []
    for p, r in zip(planned, results):
        s = by_code.loc[p.unit_code] if by_code is not None and p.unit_code in by_code.index else None
        rel = Path(os.path.relpath(p.job.out_html, out)).as_posix()
        rows.append({
            "level": p.level, "unit_code": p.unit_code, "unit_name": p.unit_name,
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


def index_html(rows: list[dict], *, as_of, manifest: dict, failures: int) -> str:
    """The index page: every report, sortable by any column, offline (inline CSS and script)."""
    head = ["Cấp", "Mã", "Đơn vị", "Chỉ tiêu", "Trực tuyến / tổng", "Tỷ lệ đến nay", "Dự báo cuối kỳ",
            "Xác suất đạt", "Đánh giá", "Báo cáo"]
    body = []
    ordered = sorted(rows, key=lambda r: (LEVEL_ORDER[r["level"]], r["unit_code"]))
    for i, r in enumerate(ordered):
        kind = report.status_kind(r["status"])
        if r["ok"]:
            link = f'<a href="{html.escape(r["link"], quote=True)}">Xem báo cáo</a>'
            run_cell = _td(link, 0)
        else:
            why = html.escape(_short_error(r["error"]))
            run_cell = _td(f'<b>Lỗi khi tạo báo cáo</b><div class="error">{why}</div>', 1)
        counts = (f"{report.fmt_int(r['online'])} / {report.fmt_int(r['total'])}"
                  if r["total"] is not None and not report._isna(r["total"]) else report.DASH)
        body.append(
            f'<tr class="{"" if r["ok"] else "failed"}">'
            + _td(html.escape(LEVEL_WORDS[r["level"]]), LEVEL_ORDER[r["level"]] * 1000 + i)
            + _td(html.escape(r["unit_code"]), r["unit_code"])
            + _td(html.escape(r["unit_name"]), r["unit_name"])
            + _td(report.fmt_pct(r["target"], 0), r["target"], "num")
            + _td(counts, r["total"], "num")
            + _td(report.fmt_pct(r["rate"]), r["rate"], "num")
            + _td(report.fmt_pct(r["projected_rate"]), r["projected_rate"], "num")
            + _td(report.fmt_pct(r["p_meet"], 0), r["p_meet"], "num")
            + _td(html.escape(report.status_label(r["status"]) if r["level"] != "province" else ""),
                  list(report.STATUS_CLASS).index(kind) if r["level"] != "province" else None,
                  report.STATUS_CLASS[kind] if r["level"] != "province" else "")
            + run_cell + "</tr>")
    n_ok = sum(r["ok"] for r in rows)
    synthetic = (f'<p class="synthetic">{report.SYNTHETIC_NOTE}</p>'
                 if report.is_synthetic(manifest) else "")
    failed_line = (f' <b class="status-off">{failures} báo cáo lỗi</b> (dòng tô đỏ, có ghi lý do).'
                   if failures else "")
    return f"""<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Báo cáo chỉ tiêu hồ sơ trực tuyến mức độ 3, 4 năm 2019 — danh mục</title>
<style>{INDEX_CSS}</style></head>
<body><main>
<h1>Báo cáo chỉ tiêu hồ sơ trực tuyến mức độ 3, 4 năm 2019</h1>
<p>Theo Quyết định số 817/QĐ-UBND ngày 25/3/2019 của UBND tỉnh Khánh Hòa. Số liệu tính đến ngày
<b>{report.fmt_date(as_of)}</b>. {html.escape(report.data_source_text(manifest))}</p>
{synthetic}
<p class="summary">{len(rows)} báo cáo, {n_ok} đã tạo.{failed_line} Bấm vào tiêu đề cột để sắp xếp.
Mỗi báo cáo có kèm các bảng số liệu dạng Excel (.xlsx) và CSV cùng thư mục.</p>
<table class="sortable"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
<p class="summary">Tạo lúc {dt.datetime.now().strftime("%H:%M %d/%m/%Y")} bằng bộ công cụ chitieu.</p>
</main>
<script>{INDEX_SCRIPT}</script>
</body></html>
"""


def _short_error(error: str | None, limit: int = 600) -> str:
    if not error:
        return "không rõ lý do"
    text = str(error).strip()
    return text if len(text) <= limit else text[:limit] + " …"


def write_index(out: Path, rows: list[dict], *, as_of, manifest, failures: int) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    tmp = out / ".index.html.tmp"
    tmp.write_text(index_html(rows, as_of=as_of, manifest=manifest, failures=failures), encoding="utf-8")
    tmp.replace(path)
    pd.DataFrame(rows).to_csv(out / ".index.csv.tmp", index=False, encoding="utf-8-sig")
    (out / ".index.csv.tmp").replace(out / "index.csv")
    return path


# --------------------------------------------------------------------------- the batch

def default_as_of(store) -> str:
    """The as-of date when none is given: the store's data date, capped at the window's end."""
    from .decision import load_decision
    end = pd.Timestamp(load_decision().window_end)
    data_date = store.manifest.get("data_date") if isinstance(store.manifest, dict) else None
    day = min(pd.Timestamp(data_date), end) if data_date else end
    return day.date().isoformat()


def render(*, level="all", codes=None, as_of=None, processed_dir=None, out="outputs", workers=None,
           resume=False, progress=True, engine="warm", executor="local", scheduler=None,
           cell_timeout=600, log=print) -> tuple[list[dict], Path]:
    """Render the chosen reports and the index; return (index rows, index path)."""
    from .engine import run_jobs
    from .store import default_processed_dir, open_store

    processed = Path(processed_dir) if processed_dir else default_processed_dir()
    store = open_store(processed)
    processed = str(processed.resolve())
    as_of = pd.Timestamp(as_of).date().isoformat() if as_of else default_as_of(store)
    out = Path(out)
    planned = plan(store.units, level=level, codes=codes, as_of=as_of, processed_dir=processed, out=out)
    for p in planned:
        p.job.out_html.parent.mkdir(parents=True, exist_ok=True)
    log(f"chitieu render: {len(planned)} report(s), as of {as_of}, data {processed} -> {out}/")
    kwargs = dict(engine=engine, workers=workers, cell_timeout=cell_timeout, resume=resume,
                  progress=progress, executor=executor)
    if scheduler is not None:
        kwargs["scheduler"] = scheduler
    results = run_jobs([p.job for p in planned], **kwargs)
    results = list(results)
    for i, (p, r) in enumerate(zip(planned, results)):
        if r.ok and not getattr(r, "skipped", False):
            try:
                write_tables(p.job.out_ipynb, p.job.out_html)
            except Exception as exc:  # noqa: BLE001 -- a table that cannot be written fails that report only
                results[i] = type(r)(r.job, False, f"tables not written: {exc}", r.seconds)
    # The index's figures come from the same functions as the reports.
    summary = None
    codes_in_view = [p.unit_code for p in planned if p.unit_code]
    if codes_in_view:
        view = report.build_view(store, codes_in_view, as_of)
        summary = view.summary()
    rows = index_rows(planned, results, summary, out)
    failures = [r for r in rows if not r["ok"]]
    index = write_index(out, rows, as_of=as_of, manifest=store.manifest, failures=len(failures))
    log(f"chitieu render: {len(rows) - len(failures)} of {len(rows)} report(s) written; index: {index}")
    return rows, index
