"""Biểu 06 — "Tình hình, kết quả giải quyết thủ tục hành chính" — read and written as offices fill it.

The form has a title block (issuing office, form name, "Kỳ báo cáo: từ ngày ...
đến ngày ..."), three merged header rows, an optional column-number row
((1) ... (13)) and 13 columns::

    STT | Lĩnh vực, công việc giải quyết theo cấp |
    Số hồ sơ nhận giải quyết: Tổng số, Trong kỳ (Trực tuyến, Trực tiếp/dịch vụ bưu chính), Từ kỳ trước |
    Số hồ sơ đã giải quyết: Tổng số, Trước hạn, Đúng hạn, Quá hạn |
    Số hồ sơ đang giải quyết: Tổng số, Trong hạn, Quá hạn

Rows are grouped: a group row (STT I, II, ... or a label "Cấp tỉnh/huyện/xã")
carries the subtotal of the rows under it (STT 1, 2, ... then 1.1, 1.2 ...),
and a "Tổng cộng" row the total. :func:`read_bieu06` finds the header by its
folded text (never by position), reads every row into a tidy frame and tells
lines from subtotals; :func:`check_bieu06` checks the subtotals against their
rows and the arithmetic of every row, naming the sheet row.

Reading rules are in docs/aggregates.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .aggregate import COUNTED, parse_count, parse_day, resolve_unit, to_aggregate_table, unit_lookup
from .errors import InputError
from .text import fold, strip_accents

FIGURES = ["received_total", "received_online", "received_offline", "carried_over",
           "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
           "pending_total", "pending_on_time", "pending_late"]
INPUT_FIGURES = [f for f in FIGURES if not f.endswith("_total")]   # what the total columns add up
FRAME_COLUMNS = (["source_file", "sheet", "source_row", "stt", "label", "row_kind", "parent_row", "depth",
                  "level_group", "unit_code", "unit_label", "field", "period_start", "period_end"]
                 + FIGURES + ["reason"])

FORM_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
FORM_NUMBER = "Biểu số 06/VPCP/KSTT"
LEVEL_LABELS = {"department": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}

# The arithmetic every row must satisfy: total column = the sum of these columns.
CHECKS = {
    "received_total": ["received_online", "received_offline", "carried_over"],
    "resolved_total": ["resolved_early", "resolved_on_time", "resolved_late"],
    "pending_total": ["pending_on_time", "pending_late"],
}
HEADER_WORDS = {
    "received_total": "Số hồ sơ nhận giải quyết: Tổng số",
    "received_online": "Số hồ sơ nhận giải quyết: Trong kỳ: Trực tuyến",
    "received_offline": "Số hồ sơ nhận giải quyết: Trong kỳ: Trực tiếp, dịch vụ bưu chính",
    "carried_over": "Số hồ sơ nhận giải quyết: Từ kỳ trước",
    "resolved_total": "Số hồ sơ đã giải quyết: Tổng số",
    "resolved_early": "Số hồ sơ đã giải quyết: Trước hạn",
    "resolved_on_time": "Số hồ sơ đã giải quyết: Đúng hạn",
    "resolved_late": "Số hồ sơ đã giải quyết: Quá hạn",
    "pending_total": "Số hồ sơ đang giải quyết: Tổng số",
    "pending_on_time": "Số hồ sơ đang giải quyết: Trong hạn",
    "pending_late": "Số hồ sơ đang giải quyết: Quá hạn",
}


# ====================================================================== figures from dossiers

def dossier_figures(dossiers: pd.DataFrame, period_start, period_end, by) -> pd.DataFrame:
    """The 11 Biểu 06 figures of a period, computed from dossier records.

    Uses ``received_date``, ``channel``, ``due_date`` ("Ngày hẹn trả") and
    ``resolved_date`` ("Ngày trả kết quả"). Received in the period splits by
    channel (online vs direct + postal); *từ kỳ trước* are dossiers received
    before the period and not resolved before it; resolved in the period are
    early (before the due day), on time (on it) or late; pending at the end of
    the period are in time if their due day is not past. A dossier without a due
    day counts as early/in time.

    >>> d = pd.DataFrame({"k": "A", "channel": ["online", "direct", "postal"],
    ...     "received_date": pd.to_datetime(["2019-01-28", "2019-02-04", "2019-02-05"]),
    ...     "due_date": pd.to_datetime(["2019-02-08", "2019-02-06", "2019-02-20"]),
    ...     "resolved_date": pd.to_datetime(["2019-02-08", "2019-02-07", None])})
    >>> f = dossier_figures(d, "2019-02-01", "2019-02-28", ["k"]).iloc[0]
    >>> [int(f[c]) for c in FIGURES]
    [3, 0, 2, 1, 2, 0, 1, 1, 1, 0, 1]
    """
    ps, pe = pd.Timestamp(period_start), pd.Timestamp(period_end)
    by = [by] if isinstance(by, str) else list(by)
    rec, res, due = dossiers["received_date"], dossiers["resolved_date"], dossiers["due_date"]
    in_period = (rec >= ps) & (rec <= pe)
    carried = (rec < ps) & ~(res < ps)
    open_in_period = in_period | carried
    resolved = open_in_period & (res >= ps) & (res <= pe)
    pending = open_in_period & ~(res <= pe)
    online = dossiers["channel"].astype(object) == "online"
    flags = pd.DataFrame({
        "received_online": in_period & online,
        "received_offline": in_period & ~online,
        "carried_over": carried,
        "resolved_early": resolved & ~(res >= due),
        "resolved_on_time": resolved & (res == due),
        "resolved_late": resolved & (res > due),
        "pending_on_time": pending & ~(due < pe),
        "pending_late": pending & (due < pe),
    }).fillna(False).astype("int64")
    for col in by:
        flags[col] = dossiers[col].to_numpy()
    out = flags.groupby(by, observed=True, sort=True).sum().reset_index()
    return with_totals(out)


def with_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the three total columns (Tổng số) from their parts."""
    out = frame.copy()
    for total, parts in CHECKS.items():
        out[total] = out[parts].sum(axis=1)
    return out


# ====================================================================== writer

def _roman(n: int) -> str:
    vals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out, n = out + s, n - v
    return out


def write_bieu06(path: str | Path, lines: pd.DataFrame, *, office: str, period_start, period_end,
                 period_label: str | None = None, recipient: str = "Văn phòng UBND tỉnh Khánh Hòa",
                 note: str | None = None, total_first: bool = False) -> Path:
    """Write one Biểu 06 workbook as an office would fill it (title block, merged headers, groups).

    ``lines`` has ``group`` (level group label, e.g. "Cấp xã"), ``label`` (a
    unit or field name) and the 8 input figures (``INPUT_FIGURES``); the writer
    adds the totals, one subtotal row per group (STT I, II, ...) and a
    "Tổng cộng" row. ``note`` is a line under the title (the sample says there
    that its figures are synthetic). Written to a temporary file, then renamed.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    path = Path(path)
    ps, pe = pd.Timestamp(period_start), pd.Timestamp(period_end)
    lines = with_totals(lines)
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 06"
    bold, center = Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def put(cell, value, *, merge_to=None, font=None, align=None):
        ws[cell] = value
        if merge_to:
            ws.merge_cells(f"{cell}:{merge_to}")
        if font:
            ws[cell].font = font
        if align:
            ws[cell].alignment = align

    put("A1", office.upper(), merge_to="E1", font=bold, align=center)
    put("J1", FORM_NUMBER, merge_to="M1", font=Font(italic=True), align=center)
    put("A2", f"Đơn vị nhận báo cáo: {recipient}", merge_to="E2", align=center)
    put("A4", FORM_TITLE, merge_to="M4", font=Font(bold=True, size=13), align=center)
    when = f"từ ngày {ps:%d/%m/%Y} đến ngày {pe:%d/%m/%Y}"
    put("A5", f"Kỳ báo cáo: {period_label} ({when})" if period_label else f"Kỳ báo cáo: {when}",
        merge_to="M5", font=Font(italic=True), align=center)
    if note:
        put("A6", note, merge_to="M6", font=Font(italic=True, color="C00000"), align=center)
    put("K7", "Đơn vị tính: Số hồ sơ TTHC", merge_to="M7", font=Font(italic=True))

    h = 8  # three header rows, then the column-number row
    put(f"A{h}", "STT", merge_to=f"A{h + 2}", font=bold, align=center)
    put(f"B{h}", "Lĩnh vực, công việc giải quyết theo cấp", merge_to=f"B{h + 2}", font=bold, align=center)
    put(f"C{h}", "Số hồ sơ nhận giải quyết", merge_to=f"F{h}", font=bold, align=center)
    put(f"G{h}", "Số hồ sơ đã giải quyết", merge_to=f"J{h}", font=bold, align=center)
    put(f"K{h}", "Số hồ sơ đang giải quyết", merge_to=f"M{h}", font=bold, align=center)
    put(f"C{h + 1}", "Tổng số", merge_to=f"C{h + 2}", font=bold, align=center)
    put(f"D{h + 1}", "Trong kỳ", merge_to=f"E{h + 1}", font=bold, align=center)
    put(f"D{h + 2}", "Trực tuyến", font=bold, align=center)
    put(f"E{h + 2}", "Trực tiếp, dịch vụ bưu chính", font=bold, align=center)
    put(f"F{h + 1}", "Từ kỳ trước", merge_to=f"F{h + 2}", font=bold, align=center)
    for col, text in zip("GHIJ", ["Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn"]):
        put(f"{col}{h + 1}", text, merge_to=f"{col}{h + 2}", font=bold, align=center)
    for col, text in zip("KLM", ["Tổng số", "Trong hạn", "Quá hạn"]):
        put(f"{col}{h + 1}", text, merge_to=f"{col}{h + 2}", font=bold, align=center)
    for i, col in enumerate("ABCDEFGHIJKLM", start=1):
        put(f"{col}{h + 3}", f"({i})", font=Font(italic=True), align=center)

    row = h + 4
    body = []   # (stt, label, figures dict, is_total_or_group)
    for gi, (group, part) in enumerate(lines.groupby("group", sort=False), start=1):
        body.append((_roman(gi), group, part[FIGURES].sum().to_dict(), True))
        for li, rec in enumerate(part.to_dict("records"), start=1):
            body.append((str(li), rec["label"], {f: rec[f] for f in FIGURES}, False))
    total = (None, "Tổng cộng", lines[FIGURES].sum().to_dict(), True)
    body = [total] + body if total_first else body + [total]
    for stt, label, figs, strong in body:
        ws.cell(row, 1, stt)
        ws.cell(row, 2, label)
        for j, f in enumerate(FIGURES, start=3):
            ws.cell(row, j, int(figs[f]))
        for j in range(1, 14):
            ws.cell(row, j).border = box
            if strong:
                ws.cell(row, j).font = bold
        row += 1
    for r in range(h, h + 4):
        for j in range(1, 14):
            ws.cell(r, j).border = box
    put(f"J{row + 1}", f"Khánh Hòa, ngày {pe:%d} tháng {pe:%m} năm {pe:%Y}", merge_to=f"M{row + 1}",
        font=Font(italic=True), align=center)
    put(f"B{row + 2}", "Người lập biểu", font=bold, align=center)
    put(f"J{row + 2}", "Thủ trưởng đơn vị", merge_to=f"M{row + 2}", font=bold, align=center)
    ws.column_dimensions["B"].width = 42
    for col in "CDEFGHIJKLM":
        ws.column_dimensions[col].width = 11

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


SAMPLE_NOTE = "DỮ LIỆU MẪU TỔNG HỢP (KHÔNG PHẢI SỐ LIỆU THẬT) — lập từ dữ liệu mẫu của bộ công cụ chitieu"


def write_sample_workbooks(raw_dir: str | Path) -> list[Path]:
    """Write Biểu 06 workbooks (and one flat aggregate CSV) consistent with the sample's records.

    Reads the record-level files and ``catalog.csv`` in ``raw_dir`` and writes,
    under ``raw_dir/bieu06/``: one workbook per month (12/2018 – 11/2019) of
    Vạn Ninh district (code 571: its own fields under "Cấp huyện", its communes
    under "Cấp xã"), one quarter (Quý I/2019) of the department with the most
    dossiers, by field, and ``aggregates/flat_<dept>_2019.csv`` with that
    department's monthly figures per procedure.

    The workbooks count the dossiers the record-level route counts (reason
    ``counted``), so whole months give the same rates both ways. The flat CSV
    counts every valid dossier of a month whatever its procedure's window, as an
    export by procedure would: months where a window starts or ends inside the
    month are prorated by the reader and marked approximate.
    """
    from .windows import read_catalog
    from .ingest import load_dossiers
    from .store import scan_raw_dir

    raw_dir = Path(raw_dir)
    catalog = read_catalog(raw_dir / "catalog.csv")
    files = [f.path for f in scan_raw_dir(raw_dir) if f.kind == "dossiers"]
    if not files:
        raise InputError("no dossier export found to build Biểu 06 workbooks from", path=raw_dir)
    dossiers = load_dossiers(files, catalog)
    return write_workbooks_from_dossiers(dossiers, catalog, raw_dir)


def write_workbooks_from_dossiers(dossiers: pd.DataFrame, catalog: pd.DataFrame, raw_dir: str | Path,
                                  district: str = "571", department: str | None = None,
                                  note: str = SAMPLE_NOTE) -> list[Path]:
    """The work of :func:`write_sample_workbooks` on an already loaded dossier table."""
    from .decision import load_decision, load_units

    raw_dir = Path(raw_dir)
    d = load_decision()
    units = load_units().set_index("unit_code")
    fields = catalog.set_index("procedure_code")["field"].replace("", "Lĩnh vực khác")
    dos = dossiers[dossiers["reason"].astype(object) == COUNTED].copy()
    dos["field_name"] = dos["procedure_code"].astype(object).map(fields).fillna("Lĩnh vực khác")
    dos["unit_code"] = dos["unit_code"].astype(object)
    written = []

    # District: its own fields, then its communes, month by month.
    sub = dos[(dos["unit_code"] == district) | (dos["parent_code"].astype(object) == district)]
    office = f"Ủy ban nhân dân {units.loc[district, 'unit_name'].lower()}"
    for month in pd.period_range(d.window_start, d.window_end, freq="M"):
        ps, pe = month.start_time.normalize(), month.end_time.normalize()
        own = dossier_figures(sub[sub["unit_code"] == district], ps, pe, ["field_name"])
        own = own.rename(columns={"field_name": "label"}).assign(group=LEVEL_LABELS["district"])
        communes = units[units["parent_code"] == district].reset_index()[["unit_code", "unit_name"]]
        com = dossier_figures(sub[sub["unit_code"] != district], ps, pe, ["unit_code"])
        com = communes.merge(com, on="unit_code", how="left").fillna({f: 0 for f in FIGURES})
        com = com.rename(columns={"unit_name": "label"}).assign(group=LEVEL_LABELS["commune"])
        lines = pd.concat([own, com], ignore_index=True)[["group", "label"] + FIGURES]
        lines[FIGURES] = lines[FIGURES].astype("int64")
        written.append(write_bieu06(raw_dir / "bieu06" / f"{district}_{month.strftime('%Y-%m')}.xlsx", lines,
                                    office=office, period_start=ps, period_end=pe,
                                    period_label=f"tháng {month.strftime('%m/%Y')}", note=note))

    # One department: the busiest, quarter I of 2019, by field.
    deps = dos[dos["level"].astype(object) == "department"]
    if department is None and len(deps):
        department = deps["unit_code"].value_counts().index[0]
    if department:
        ps, pe = pd.Timestamp("2019-01-01"), pd.Timestamp("2019-03-31")
        lines = dossier_figures(deps[deps["unit_code"] == department], ps, pe, ["field_name"])
        lines = lines.rename(columns={"field_name": "label"}).assign(group=LEVEL_LABELS["department"])
        written.append(write_bieu06(raw_dir / "bieu06" / f"{department}_2019-Q1.xlsx", lines,
                                    office=str(units.loc[department, "unit_name"]), period_start=ps,
                                    period_end=pe, period_label="quý I/2019", note=note))
        written.append(write_flat_sample(dossiers, department, raw_dir))
    return written


def write_flat_sample(dossiers: pd.DataFrame, unit_code: str, raw_dir: Path) -> Path:
    """Monthly online/total per procedure of one unit, every valid dossier (before the window check)."""
    valid = dossiers["reason"].astype(object).isin([COUNTED, "outside_window"])
    dos = dossiers[valid & (dossiers["unit_code"].astype(object) == unit_code)]
    month = dos["received_date"].dt.to_period("M")
    g = pd.DataFrame({"procedure_code": dos["procedure_code"].astype(object), "month": month,
                      "online": (dos["channel"].astype(object) == "online").astype("int64")})
    out = g.groupby(["procedure_code", "month"]).agg(online=("online", "sum"), total=("online", "size"))
    out = out.reset_index()
    out.insert(0, "unit", unit_code)
    out["period_start"] = out["month"].dt.start_time.dt.strftime("%Y-%m-%d")
    out["period_end"] = out["month"].dt.end_time.dt.strftime("%Y-%m-%d")
    path = raw_dir / "aggregates" / f"flat_{unit_code}_2019.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    out[["unit", "procedure_code", "period_start", "period_end", "online", "total"]].to_csv(tmp, index=False)
    tmp.replace(path)
    return path


# ====================================================================== reader

_SKIP_TITLE = ("don vi nhan bao cao", "cong hoa", "doc lap", "bieu so", "ky bao cao", "tinh hinh",
               "don vi tinh", "du lieu mau", "ngay nhan bao cao")
_HEADER_HINTS = ("tong so", "trong ky", "truc tuyen", "truc tiep", "buu chinh", "tu ky truoc",
                 "ky truoc", "truoc han", "dung han", "qua han", "trong han")
_ROMAN = re.compile(r"^(?=[IVXL])(X{0,3})(IX|IV|V?I{0,3})\.?$")
_TOTAL_LABELS = ("tong cong", "tong so", "tong", "cong")
_LEVEL_OF_GROUP = {"cap tinh": "department", "cap so": "department", "cap huyen": "district",
                   "cap xa": "commune"}


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _sheet_grid(ws) -> tuple[list[list], list[list]]:
    """The sheet's values as rows, once as stored and once with merged ranges filled."""
    raw = [list(r) for r in ws.iter_rows(values_only=True)]
    width = max((len(r) for r in raw), default=0)
    raw = [r + [None] * (width - len(r)) for r in raw]
    filled = [list(r) for r in raw]
    for rng in ws.merged_cells.ranges:
        top = raw[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= len(raw) else None
        for r in range(rng.min_row, min(rng.max_row, len(raw)) + 1):
            for c in range(rng.min_col, min(rng.max_col, width) + 1):
                filled[r - 1][c - 1] = top
    return raw, filled


def _find_header(filled: list[list]) -> int | None:
    for i, row in enumerate(filled[:60]):
        keys = " | ".join(fold(v) for v in row if v is not None)
        if "nhan giai quyet" in keys and re.search(r"\bda giai quyet\b", keys) \
                and "dang giai quyet" in keys:
            return i
    return None


def _column_role(label: str) -> str | None:
    if re.search(r"\bstt\b|so thu tu", label):
        return "stt"
    if "nhan giai quyet" in label:
        if "truc tuyen" in label:
            return "received_online"
        if "truc tiep" in label or "buu chinh" in label:
            return "received_offline"
        if "ky truoc" in label:
            return "carried_over"
        return "received_total" if "tong so" in label else None
    if re.search(r"\bda giai quyet\b", label):
        for key, role in (("truoc han", "resolved_early"), ("dung han", "resolved_on_time"),
                          ("qua han", "resolved_late"), ("tong so", "resolved_total")):
            if key in label:
                return role
        return None
    if "dang giai quyet" in label:
        for key, role in (("trong han", "pending_on_time"), ("qua han", "pending_late"),
                          ("tong so", "pending_total")):
            if key in label:
                return role
        return None
    if any(k in label for k in ("linh vuc", "cong viec", "don vi", "noi dung", "ten")):
        return "label"
    return None


def _header_columns(raw, filled, top: int, path, sheet) -> tuple[dict, int]:
    """Map roles to column indexes; return it and the first data row index."""
    last = top
    for i in range(top + 1, min(top + 5, len(raw))):
        keys = [fold(v) for v in raw[i] if v is not None]
        merged_only = all(v is None for v in raw[i]) and any(v is not None for v in filled[i])
        if merged_only or any(any(h in k for h in _HEADER_HINTS) for k in keys):
            last = i
        else:
            break
    first_data = last + 1
    if first_data < len(raw):
        cells = [_text(v) for v in raw[first_data] if v is not None]
        if cells and all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in cells):
            first_data += 1  # the column-number row (1) ... (13)
    roles: dict[str, int] = {}
    for j in range(len(filled[top])):
        parts = []
        for i in range(top, last + 1):
            k = fold(filled[i][j])
            if k and k not in parts:
                parts.append(k)
        role = _column_role(" ".join(parts))
        if role and role not in roles:
            roles[role] = j
    missing = [r for r in ["label"] + FIGURES if r not in roles]
    if missing:
        wanted = ["Lĩnh vực, công việc giải quyết theo cấp" if r == "label" else HEADER_WORDS[r]
                  for r in missing]
        raise InputError(f"sheet '{sheet}': Biểu 06 header found at row {top + 1} but these columns are "
                         f"missing: {wanted}", path=path, row=top + 1)
    return roles, first_data


_PERIOD_RE = re.compile(r"tu ngay\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}).*?den ngay\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})")
_MONTH_RE = re.compile(r"thang\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_QUARTER_RE = re.compile(r"quy\s*(iv|iii|ii|i|[1-4])\s*(?:[/.-]|nam)\s*(\d{4})")


def parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The reporting period of a title line: "từ ngày .. đến ngày ..", else "tháng mm/yyyy", else "quý I/yyyy".

    >>> parse_period("Kỳ báo cáo: tháng 01/2019 (từ ngày 01/01/2019 đến ngày 31/01/2019)")[1]
    Timestamp('2019-01-31 00:00:00')
    >>> [str(d.date()) for d in parse_period("Kỳ báo cáo: Quý II năm 2019")]
    ['2019-04-01', '2019-06-30']
    """
    s = strip_accents(str(text)).lower()
    m = _PERIOD_RE.search(s)
    if m:
        a, b = parse_day(m.group(1)), parse_day(m.group(2))
        return (a, b) if a is not None and b is not None and a <= b else None
    m = _MONTH_RE.search(s)
    if m and 1 <= int(m.group(1)) <= 12:
        p = pd.Period(year=int(m.group(2)), month=int(m.group(1)), freq="M")
        return p.start_time.normalize(), p.end_time.normalize()
    m = _QUARTER_RE.search(s)
    if m:
        q = {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(m.group(1)) or int(m.group(1))
        p = pd.Period(year=int(m.group(2)), quarter=q, freq="Q")
        return p.start_time.normalize(), p.end_time.normalize()
    return None


def _title_info(raw, top, lookup, path, sheet):
    period, unit = None, None
    for row in raw[:top]:
        for v in row:
            t = _text(v)
            if not t:
                continue
            k = fold(t)
            if period is None and ("ky bao cao" in k or "tu ngay" in k):
                period = parse_period(t)
            if unit is None and not k.startswith(_SKIP_TITLE):
                name = re.sub(r"^(don vi bao cao|co quan bao cao)\s*", "", k)
                code, status = resolve_unit(name, lookup)
                if status == "ok":
                    unit = code
    if period is None:
        raise InputError(f"sheet '{sheet}': no reporting period above the header (expected "
                         "'Kỳ báo cáo: từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy')", path=path)
    return period, unit


def _depth(stt: str, label: str) -> tuple[int | None, str]:
    """Depth in the grouping from the STT (None = a total row), and the kind of STT."""
    k = fold(label)
    if not stt and (k in _TOTAL_LABELS or k.startswith("tong cong")):
        return None, "total"
    if re.fullmatch(r"[A-H]\.?", stt) and not _ROMAN.match(stt):
        return 0, "letter"
    if _ROMAN.match(stt):
        return 1, "roman"
    if re.fullmatch(r"\d+\.?", stt):
        return 2, "number"
    if re.fullmatch(r"\d+(\.\d+)+\.?", stt):
        return 2 + stt.rstrip(".").count("."), "number"
    if re.fullmatch(r"[a-z][.)]?", stt):
        return 6, "letter"
    if not stt and any(k.startswith(g) for g in _LEVEL_OF_GROUP):
        return 1, "level"
    return 9, "other"


def _split_stt(stt: str, label: str) -> tuple[str, str]:
    """Offices sometimes merge STT into the label cell ("I. Cấp huyện") or the reverse."""
    if not label and stt and not re.fullmatch(r"[\w.]{1,6}", stt):
        stt, label = "", stt
    if not stt:
        m = re.match(r"^([IVXL]+|\d+(?:\.\d+)*)[.)]\s+(.+)$", label)
        if m:
            stt, label = m.group(1), m.group(2)
    return stt.strip(), label.strip()


def read_bieu06(path: str | Path, units: pd.DataFrame | None = None, *, unit_code: str | None = None,
                source_file: str | None = None, lookup: dict | None = None) -> pd.DataFrame:
    """Read every Biểu 06 sheet of a workbook into a tidy frame, one row per table row.

    Columns: ``FRAME_COLUMNS``. ``row_kind`` is ``line`` (a detail row, the
    only kind a rate adds up), ``subtotal`` (a row with figures and rows under
    it), ``total`` ("Tổng cộng") or ``heading`` (no figures). ``parent_row`` is
    the sheet row of the row it belongs to. ``unit_code`` is the unit a line is
    about: the unit its label names (a commune row), else a unit named by a row
    above it, else the reporting unit of the title block (``unit_code``
    overrides it) when the line's level group fits that unit. ``reason`` is
    ``counted`` for usable lines and says why for the others.

    Raises InputError when no sheet has the Biểu 06 header or a figure is not a
    count; the arithmetic is checked by :func:`check_bieu06`.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook: {exc}", path=path) from None
    lookup = lookup if lookup is not None else unit_lookup(units)
    frames = []
    for ws in wb.worksheets:
        raw, filled = _sheet_grid(ws)
        top = _find_header(filled)
        if top is None:
            continue
        frames.append(_read_sheet(raw, filled, top, ws.title, path, lookup, unit_code,
                                  source_file or path.name))
    if not frames:
        raise InputError("no Biểu 06 table found: expected a header row with 'Số hồ sơ nhận giải "
                         "quyết', 'Số hồ sơ đã giải quyết' and 'Số hồ sơ đang giải quyết'", path=path)
    return pd.concat(frames, ignore_index=True)


def _read_sheet(raw, filled, top, sheet, path, lookup, unit_code, source_file) -> pd.DataFrame:
    roles, first = _header_columns(raw, filled, top, path, sheet)
    (ps, pe), title_unit = _title_info(raw, top, lookup, path, sheet)
    reporting = unit_code or title_unit
    rows = []
    for i in range(first, len(raw)):
        cells = raw[i]
        stt, label = _split_stt(_text(cells[roles["stt"]]) if "stt" in roles else "",
                                _text(cells[roles["label"]]))
        present = [cells[roles[f]] not in (None, "") for f in FIGURES]
        if not any(present) and not stt:
            continue  # blank lines, the signature block
        counts = [parse_count(cells[roles[f]]) for f in FIGURES]
        if not stt and all(c is None for c, p in zip(counts, present) if p):
            break  # the footer: date and signature lines below the table
        figs = {}
        for f in FIGURES:
            n = parse_count(cells[roles[f]])
            if n is None:
                raise InputError(f"sheet '{sheet}': '{cells[roles[f]]}' is not a whole number of dossiers",
                                 path=path, row=i + 1, column=HEADER_WORDS[f])
            figs[f] = n
        depth, stt_kind = _depth(stt, label)
        rows.append({"source_row": i + 1, "stt": stt, "label": label, "depth": depth,
                     "has_figures": any(present), **figs})
    # Grouping: each row belongs to the nearest row above it with a smaller depth.
    stack, children = [], {}
    for r in rows:
        r["parent_row"] = None
        if r["depth"] is None:
            continue
        while stack and stack[-1]["depth"] >= r["depth"]:
            stack.pop()
        if stack:
            r["parent_row"] = stack[-1]["source_row"]
            children.setdefault(stack[-1]["source_row"], []).append(r)
        stack.append(r)
    by_row = {r["source_row"]: r for r in rows}
    reporting_level = None
    if reporting:
        reporting_level = _unit_level(reporting, lookup)
    for r in rows:
        chain, p = [], r
        while p["parent_row"] is not None:
            p = by_row[p["parent_row"]]
            chain.append(p)
        root = chain[-1] if chain else r
        r["level_group"] = root["label"] if r["depth"] is not None else None
        if r["depth"] is None:
            r["row_kind"] = "total"
        elif r["source_row"] in children:
            r["row_kind"] = "subtotal" if r["has_figures"] else "heading"
        elif r["depth"] <= 1 and not r["has_figures"]:
            r["row_kind"] = "heading"
        else:
            r["row_kind"] = "line"
        r["unit_code"], r["field"], r["reason"] = None, None, r["row_kind"]
        code, status = resolve_unit(r["label"], lookup, parent=reporting)
        if status == "ok":
            r["unit_code"] = code
        if r["row_kind"] != "line":
            continue
        r["reason"] = COUNTED
        if status == "ok":
            continue
        r["field"] = r["label"]
        above = [resolve_unit(a["label"], lookup, parent=reporting)[0] for a in chain]
        above = [a for a in above if a]
        group_level = next((lvl for key, lvl in _LEVEL_OF_GROUP.items()
                            if fold(r["level_group"]).startswith(key)), None)
        if above:
            r["unit_code"] = above[0]
        elif reporting and (group_level is None or group_level == reporting_level):
            r["unit_code"] = reporting
        elif reporting:
            r["reason"] = "no_single_unit"   # e.g. a field line under "Cấp xã" in a district's form
        else:
            r["reason"] = "ambiguous_unit" if status == "ambiguous_unit" else "unknown_unit"
    out = pd.DataFrame(rows, columns=["source_row", "stt", "label", "depth", "parent_row", "level_group",
                                      "row_kind", "unit_code", "field", "reason"] + FIGURES)
    out["unit_label"] = out["label"]
    out["source_file"], out["sheet"] = source_file, sheet
    out["period_start"], out["period_end"] = ps, pe
    out["parent_row"] = out["parent_row"].astype("Int64")
    out["depth"] = out["depth"].astype("Int64")
    for f in FIGURES:
        out[f] = out[f].astype("int64")
    return out[FRAME_COLUMNS]


def _unit_level(code: str, lookup: dict) -> str | None:
    from .decision import load_units
    units = load_units().set_index("unit_code")["level"]
    return units.get(code)


# ====================================================================== checks

@dataclass(frozen=True)
class _Problem:
    source_file: str
    sheet: str
    source_row: int
    check: str
    column: str
    expected: int
    found: int
    message: str


PROBLEM_COLUMNS = list(_Problem.__dataclass_fields__)


def check_bieu06(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a Biểu 06 frame; one row per failure, naming the sheet row.

    ``check`` is ``arithmetic`` (a total column is not the sum of its parts,
    e.g. Tổng số ≠ Trực tuyến + Trực tiếp + Từ kỳ trước), ``balance`` (received
    ≠ resolved + pending), ``subtotal`` (a group row ≠ the sum of the rows under
    it) or ``total`` (the "Tổng cộng" row ≠ the sum of the groups). ``expected``
    is what the other figures give, ``found`` what the row says.
    """
    problems = []
    for (source, sheet), part in frame.groupby(["source_file", "sheet"], sort=False, observed=True):
        recs = part.to_dict("records")
        has = {r["source_row"]: r["row_kind"] != "heading" for r in recs}
        kids: dict = {}
        for r in recs:
            if pd.notna(r["parent_row"]):
                kids.setdefault(int(r["parent_row"]), []).append(r)

        def effective(r):
            if has[r["source_row"]]:
                return {f: r[f] for f in FIGURES}
            parts = [effective(c) for c in kids.get(r["source_row"], [])]
            return {f: sum(p[f] for p in parts) for f in FIGURES}

        def add(r, check, column, expected, found, message):
            problems.append(_Problem(source, sheet, int(r["source_row"]), check, column, int(expected),
                                     int(found), f"{source}, sheet '{sheet}', row {r['source_row']}: {message}"))

        for r in recs:
            if r["row_kind"] == "heading":
                continue
            for total, parts in CHECKS.items():
                want = sum(r[p] for p in parts)
                if r[total] != want:
                    add(r, "arithmetic", total, want, r[total],
                        f"{HEADER_WORDS[total]} = {r[total]} but "
                        f"{' + '.join(HEADER_WORDS[p].split(': ')[-1] for p in parts)} = {want}")
            if r["received_total"] != r["resolved_total"] + r["pending_total"]:
                want = r["resolved_total"] + r["pending_total"]
                add(r, "balance", "received_total", want, r["received_total"],
                    f"{HEADER_WORDS['received_total']} = {r['received_total']} but đã giải quyết + "
                    f"đang giải quyết = {want}")
            if r["row_kind"] in ("subtotal", "total"):
                under = kids.get(r["source_row"], []) if r["row_kind"] == "subtotal" else \
                    [x for x in recs if pd.isna(x["parent_row"]) and x["row_kind"] != "total"]
                if not under:
                    continue
                sums = [effective(c) for c in under]
                rows_txt = f"rows {under[0]['source_row']}–{under[-1]['source_row']}"
                for f in FIGURES:
                    want = sum(s[f] for s in sums)
                    if r[f] != want:
                        add(r, r["row_kind"], f, want, r[f],
                            f"{'subtotal' if r['row_kind'] == 'subtotal' else 'total'} "
                            f"'{r['label']}' {HEADER_WORDS[f]} = {r[f]} but {rows_txt} add up to {want}")
    return pd.DataFrame([p.__dict__ for p in problems], columns=PROBLEM_COLUMNS)


def bieu06_to_aggregates(frame: pd.DataFrame, problems: pd.DataFrame | None = None) -> pd.DataFrame:
    """The aggregates table (see :mod:`chitieu_lib.aggregate`) from a Biểu 06 frame and its problems.

    A line whose received figures do not add up (Tổng số ≠ trực tuyến + trực
    tiếp + từ kỳ trước) gets reason ``arithmetic_error`` and is not counted;
    other failures (resolved/pending arithmetic, subtotals) are kept in
    ``problem`` and do not change the lines' in-period figures.
    """
    problems = check_bieu06(frame) if problems is None else problems
    out = frame.rename(columns={"received_online": "online", "received_offline": "offline"}).copy()
    out["total"] = out["online"] + out["offline"]
    out["source_kind"] = "bieu06"
    out["procedure_code"] = None
    notes = problems.groupby(["source_file", "sheet", "source_row"])["message"].agg("; ".join)
    key = pd.MultiIndex.from_arrays([out["source_file"], out["sheet"], out["source_row"]])
    out["problem"] = notes.reindex(key).to_numpy() if len(notes) else None
    bad = problems[(problems["check"] == "arithmetic") & (problems["column"] == "received_total")]
    bad_key = set(zip(bad["source_file"], bad["sheet"], bad["source_row"]))
    is_bad = pd.Series([k in bad_key for k in zip(out["source_file"], out["sheet"], out["source_row"])],
                       index=out.index, dtype=bool)
    out.loc[is_bad & (out["reason"] == COUNTED), "reason"] = "arithmetic_error"
    return to_aggregate_table(out)
