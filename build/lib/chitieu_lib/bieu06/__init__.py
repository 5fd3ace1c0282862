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

Modules: :mod:`.layout` (the form: columns, words, arithmetic), :mod:`.read`, :mod:`.check`
(and the aggregates table), :mod:`.write`, :mod:`.figures` (the figures from dossier records).
The sample's workbooks are written by :mod:`chitieu_lib.sample.workbooks`.
"""

from .check import PROBLEM_COLUMNS, bieu06_to_aggregates, check_bieu06
from .figures import dossier_figures
from .layout import (CHECKS, FIGURES, FORM_NUMBER, FORM_TITLE, FRAME_COLUMNS, HEADER_WORDS, INPUT_FIGURES,
                     LEVEL_LABELS, find_header, with_totals)
from .read import parse_period, read_bieu06
from .write import write_bieu06

__all__ = ["CHECKS", "FIGURES", "FORM_NUMBER", "FORM_TITLE", "FRAME_COLUMNS", "HEADER_WORDS", "INPUT_FIGURES",
           "LEVEL_LABELS", "PROBLEM_COLUMNS", "bieu06_to_aggregates", "check_bieu06", "dossier_figures",
           "find_header", "parse_period", "read_bieu06", "with_totals", "write_bieu06"]
