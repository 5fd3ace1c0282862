"""The Biểu 06 form itself: its 13 columns and their roles, its words, its arithmetic.

Everything here is the form, not a way of reading it: the figure columns in order, the header
words that name each column, the rule that each total column is the sum of its parts, the
STT and group words that structure its rows, and how a header row and a column are recognised
from their folded text (:func:`find_header`, :func:`column_role`).

>>> column_role("so ho so nhan giai quyet trong ky truc tuyen")
'received_online'
>>> find_header([["STT"], ["Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết"]])
1
"""

from __future__ import annotations

import re

import pandas as pd

from ..text import fold

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

# Words of the title block, the header and the STT column (folded text).
SKIP_TITLE = ("don vi nhan bao cao", "cong hoa", "doc lap", "bieu so", "ky bao cao", "tinh hinh",
               "don vi tinh", "du lieu mau", "ngay nhan bao cao")
HEADER_HINTS = ("tong so", "trong ky", "truc tuyen", "truc tiep", "buu chinh", "tu ky truoc",
                 "ky truoc", "truoc han", "dung han", "qua han", "trong han")
ROMAN_STT = re.compile(r"^(?=[IVXL])(X{0,3})(IX|IV|V?I{0,3})\.?$")
TOTAL_LABELS = ("tong cong", "tong so", "tong", "cong")
LEVEL_OF_GROUP = {"cap tinh": "department", "cap so": "department", "cap huyen": "district",
                   "cap xa": "commune"}


def with_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the three total columns (Tổng số) from their parts."""
    out = frame.copy()
    for total, parts in CHECKS.items():
        out[total] = out[parts].sum(axis=1)
    return out


def find_header(filled: list[list]) -> int | None:
    for i, row in enumerate(filled[:60]):
        keys = " | ".join(fold(v) for v in row if v is not None)
        if "nhan giai quyet" in keys and re.search(r"\bda giai quyet\b", keys) \
                and "dang giai quyet" in keys:
            return i
    return None


def column_role(label: str) -> str | None:
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
