"""Writing a Biểu 06 workbook as an office fills it: title block, merged headers, groups, totals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import write_atomic
from .layout import FIGURES, FORM_NUMBER, FORM_TITLE, with_totals


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
    # Lazy: openpyxl costs ~50 ms and this package is imported whenever the store is (report kernels).
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

    return write_atomic(path, wb.save)
