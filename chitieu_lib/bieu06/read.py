"""Reading Biểu 06 workbooks into a tidy frame: header by its words, period and unit from the title
block, rows grouped by their STT into lines, subtotals, totals and headings."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..aggregate import COUNTED, parse_count, parse_day, resolve_unit, unit_lookup
from ..errors import InputError
from ..ingest.html_table import looks_like_html, read_html_tables
from ..ingest.messages import short
from ..ingest.read import OLD_XLS_MESSAGE, OLE2_SIGNATURE
from ..text import fold, strip_accents
from .layout import (FIGURES, FRAME_COLUMNS, HEADER_HINTS, HEADER_WORDS, LEVEL_OF_GROUP, ROMAN_STT,
                     SKIP_TITLE, TOTAL_LABELS, column_role, find_header)


def _text(v) -> str:
    """A cell as trimmed text ("" for empty; 3.0 as "3", as spreadsheets store STT numbers)."""
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


def _header_columns(raw, filled, top: int, path, sheet) -> tuple[dict, int]:
    """Map roles to column indexes; return it and the first data row index."""
    last = top
    for i in range(top + 1, min(top + 5, len(raw))):
        keys = [fold(v) for v in raw[i] if v is not None]
        merged_only = all(v is None for v in raw[i]) and any(v is not None for v in filled[i])
        if merged_only or any(any(h in k for h in HEADER_HINTS) for k in keys):
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
        role = column_role(" ".join(parts))
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
            if unit is None and not k.startswith(SKIP_TITLE):
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
    if not stt and (k in TOTAL_LABELS or k.startswith("tong cong")):
        return None, "total"
    if re.fullmatch(r"[A-H]\.?", stt) and not ROMAN_STT.match(stt):
        return 0, "letter"
    if ROMAN_STT.match(stt):
        return 1, "roman"
    if re.fullmatch(r"\d+\.?", stt):
        return 2, "number"
    if re.fullmatch(r"\d+(\.\d+)+\.?", stt):
        return 2 + stt.rstrip(".").count("."), "number"
    if re.fullmatch(r"[a-z][.)]?", stt):
        return 6, "letter"
    if not stt and any(k.startswith(g) for g in LEVEL_OF_GROUP):
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
    # openpyxl is imported lazily in _grids: ~50 ms, and this package is imported with the store.
    path = Path(path)
    lookup = lookup if lookup is not None else unit_lookup(units)
    frames = []
    for title, raw, filled in _grids(path):
        top = find_header(filled)
        if top is None:
            continue
        frames.append(_read_sheet(raw, filled, top, title, path, lookup, unit_code,
                                  source_file or path.name))
    if not frames:
        raise InputError("no Biểu 06 table found: expected a header row with 'Số hồ sơ nhận giải "
                         "quyết', 'Số hồ sơ đã giải quyết' and 'Số hồ sơ đang giải quyết'", path=path)
    return pd.concat(frames, ignore_index=True)


def _grids(path: Path) -> list[tuple[str, list, list]]:
    """(sheet name, raw rows, merged-filled rows) of every sheet of a workbook, or of every table
    of an HTML ".xls" export (named "bảng 1", "bảng 2"...; nested tables are tables of their own)."""
    from openpyxl import load_workbook

    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(OLE2_SIGNATURE):
        raise InputError(OLD_XLS_MESSAGE, path=path)
    if looks_like_html(head):
        # A form laid out in an outer table keeps its title block (office, period) there: the rows
        # of the tables opened before a table count as the rows above it.
        out, above_raw, above_filled = [], [], []
        for i, t in enumerate(read_html_tables(path.read_bytes()), 1):
            out.append((f"bảng {i}", above_raw + t.raw, above_filled + t.filled))
            above_raw, above_filled = above_raw + t.raw, above_filled + t.filled
        return out
    try:
        wb = load_workbook(path, data_only=True)
        return [(ws.title, *_sheet_grid(ws)) for ws in wb.worksheets]
    except Exception as exc:  # noqa: BLE001 - a damaged zip or sheet XML cut short raise many kinds
        raise InputError(f"not a readable XLSX workbook ({type(exc).__name__}): the file is damaged or "
                         "not a workbook; open it in Excel and save it again", path=path) from None


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
                raise InputError(f"sheet '{sheet}': '{short(cells[roles[f]])}' is not a whole number of dossiers",
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
        group_level = next((lvl for key, lvl in LEVEL_OF_GROUP.items()
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


def _unit_level(code: str, lookup) -> str | None:
    """The level of a unit of the resolver's registry (the decision's)."""
    return lookup.levels.get(code)
