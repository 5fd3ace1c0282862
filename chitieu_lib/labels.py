"""Every word a reader sees, keyed by English ids: the one place to change the kit's Vietnamese.

Modules compute with English keys (``met``, ``department``, ``online``, ``duplicate``)
and turn them into words only when they write for a reader, through this module.
Sentences about a decision are templates here; their facts (number, date, issuer,
window, targets) come from the decision's file (:mod:`chitieu_lib.decision`),
never from this module.

>>> level_label("district"), status_label("on_track"), channel_label("postal")
('UBND cấp huyện', 'Đúng hướng', 'Bưu chính')
>>> reason_label("duplicate")
'Trùng mã hồ sơ (giữ dòng đầu tiên)'
"""

from __future__ import annotations

from .vi import _isna

# Levels of government, as a report names them; ``short`` for narrow tables (chitieu rates),
# ``form`` for the group rows of a Biểu 06 statistics form.
LEVELS = {"province": "Toàn tỉnh", "department": "Sở, ban, ngành", "district": "UBND cấp huyện",
          "commune": "UBND cấp xã"}
LEVELS_SHORT = {"department": "Sở, ban", "district": "Huyện", "commune": "Xã"}
LEVELS_FORM = {"department": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}

# The rules of Article 2 for a procedure's counting window (chitieu_lib.windows reads them).
RULES = {"continuing": "tiếp tục được công bố", "new": "công bố lần đầu trong năm",
         "dropped": "không còn được công bố"}

CHANNELS = {"online": "Trực tuyến", "direct": "Trực tiếp", "postal": "Bưu chính"}

# Projection statuses (chitieu_lib.projection.status computes the keys).
STATUSES = {
    "met": "Đã đạt",
    "on_track": "Đúng hướng",
    "at_risk": "Có nguy cơ",
    "off_track": "Khó đạt",
    "unreachable": "Không thể đạt",
    "no_data": "Chưa có số liệu",
}
STATUS_CSS = {"met": "status-ok", "on_track": "status-ok", "at_risk": "status-risk",
              "off_track": "status-off", "unreachable": "status-off", "no_data": "status-na"}
ON_TRACK = ("met", "on_track")
# Status words of earlier stores and of readers' own files, mapped back to the keys.
_STATUS_WORDS = {v.lower(): k for k, v in STATUSES.items()}

# Why a dossier row is counted or excluded (the order ingest checks them in).
REASONS = {
    "counted": "được tính",
    "missing_id": "thiếu mã hồ sơ",
    "duplicate": "trùng mã hồ sơ (giữ dòng đầu tiên)",
    "invalid_date": "ngày tiếp nhận không đọc được",
    "invalid_channel": "hình thức nộp không xác định",
    "unknown_unit": "đơn vị không có trong danh sách",
    "ambiguous_unit": "tên đơn vị khớp nhiều đơn vị",
    "no_target": "đơn vị không được giao chỉ tiêu",
    "not_in_catalogue": "thủ tục không có trong danh mục",
    "outside_window": "ngoài thời gian tính của quyết định",
    "after_as_of": "nhận sau ngày tính đến",
    "blank_row": "dòng không có thông tin hồ sơ (chỉ có STT hoặc dữ liệu cá nhân)",
}

# The projection's note on each unit (chitieu_lib.projection fills in the figures).
PROJECTION_NOTES = {
    "no_data": "Chưa có hồ sơ nào được tính đến ngày {as_of}: chưa đủ dữ liệu để dự báo.",
    "window_over": "Đã kết thúc thời gian tính: tỷ lệ {rate}, không dưới chỉ tiêu {target}.",
    "met": ("Kể cả khi tối đa {max_remaining} hồ sơ còn lại đến {end} đều không trực tuyến, "
            "tỷ lệ vẫn không dưới chỉ tiêu {target}."),
    "unreachable": ("Kể cả khi tối đa {max_remaining} hồ sơ còn lại đều trực tuyến, tỷ lệ cũng chỉ "
                    "đạt {best}, dưới chỉ tiêu {target}."),
    "forecast": "Dự báo {projected} (khoảng 80%: {low}–{high}), khả năng đạt {p_meet}.",
    "needed": (" Cần {required} hồ sơ còn lại nộp trực tuyến: thêm khoảng {extra} hồ sơ trực tuyến "
               "so với nhịp hiện nay ({per_week} hồ sơ/tuần)."),
    "little_data": (" Ít dữ liệu ({total} hồ sơ): dự báo dựa một phần vào các đơn vị "
                    "cùng cấp, cùng chỉ tiêu."),
}
# A level inside a sentence ("... cho đơn vị cấp xã ...").
LEVELS_IN_SENTENCE = {"department": "sở, ban, ngành", "district": "cấp huyện", "commune": "cấp xã"}

# Table column headings of the reports (XLSX/CSV headers too), keyed by English ids.
COLUMNS = {
    "procedure_code": "Mã thủ tục",
    "procedure_name": "Tên thủ tục",
    "total": "Tổng hồ sơ",
    "online": "Trực tuyến",
    "online_rate": "Tỷ lệ trực tuyến",
    "offline": "Hồ sơ chưa trực tuyến",
    "points_if_online": "Tỷ lệ chung tăng thêm nếu chuyển hết sang trực tuyến",
    "agency": "Phòng, bộ phận",
    "share_of_total": "Tỷ trọng hồ sơ",
    "contribution": "Đóng góp vào tỷ lệ chung",
    "room": "Dư địa (hồ sơ chưa trực tuyến)",
    "reason": "Lý do",
    "reason_code": "Mã lý do",
    "rows": "Số dòng",
    "share": "Tỷ lệ",
    "rank": "Hạng",
    "code": "Mã",
    "unit": "Đơn vị",
    "target": "Chỉ tiêu",
    "rate": "Tỷ lệ đến nay",
    "projected": "Dự báo cuối kỳ",
    "p_meet": "Xác suất đạt",
    "extra_per_week": "Cần thêm / tuần",
    "status": "Đánh giá",
    "group": "Nhóm chỉ tiêu",
    "level": "Cấp",
    "units": "Số đơn vị",
    "on_track": "Đã đạt hoặc đúng hướng",
    "off_track": "Có nguy cơ hoặc khó đạt",
    "group_rate": "Tỷ lệ chung của nhóm",
    "rate_then": "Tỷ lệ ngày trước",
    "rate_now": "Tỷ lệ ngày sau",
    "rate_change": "Thay đổi tỷ lệ (điểm %)",
    "total_between": "Hồ sơ trong khoảng",
    "online_between": "Trực tuyến trong khoảng",
    "share_between": "Tỷ lệ trực tuyến trong khoảng",
    "projected_then": "Dự báo ngày trước",
    "projected_now": "Dự báo ngày sau",
    "projected_change": "Thay đổi dự báo (điểm %)",
    "p_meet_change": "Thay đổi xác suất đạt (điểm %)",
    "status_then": "Đánh giá ngày trước",
    "status_now": "Đánh giá ngày sau",
    "rank_then": "Hạng ngày trước",
    "rank_now": "Hạng ngày sau",
    "target_previous": "Chỉ tiêu năm trước",
    "online_of_total": "Trực tuyến / tổng",
    "report": "Báo cáo",
    "rate_previous": "Tỷ lệ cuối năm trước",
}
# How each column's values are shown (report/tables.py:table_html), by id.
PERCENT_COLUMNS = ("online_rate", "share", "rate", "projected", "share_of_total", "group_rate", "contribution",
                   "room", "points_if_online", "rate_then", "rate_now", "share_between", "projected_then",
                   "projected_now", "rate_previous", "target_previous")
PERCENT0_COLUMNS = ("target", "p_meet")
COUNT_COLUMNS = ("total", "online", "offline", "rows", "units", "on_track", "off_track", "extra_per_week", "rank",
                 "total_between", "online_between", "rank_then", "rank_now")
POINTS_COLUMNS = ("rate_change", "projected_change", "p_meet_change")

NO_AGENCY = "(không ghi phòng)"
SYNTHETIC_NOTE = ("Lưu ý: đây là <b>số liệu mẫu tổng hợp (giả lập)</b> do công cụ tạo ra để minh họa, "
                  "không phải số liệu thật của bất kỳ cơ quan, đơn vị nào.")
SYNTHETIC_NOTE_TEXT = "DỮ LIỆU MÔ PHỎNG — không phải số liệu thật (synthetic data, not real figures)."

# Every text the charts draw (titles, axes, legends), with {placeholders} filled from the data.
CHART = {
    "trend_title": "Tỷ lệ hồ sơ trực tuyến theo tháng và lũy kế",
    "monthly_rate": "Tỷ lệ trực tuyến trong tháng",
    "cumulative": "Tỷ lệ lũy kế từ {start}",
    "target": "Chỉ tiêu {target}",
    "projection": "Dự báo đến {end}",
    "fan": "Khoảng dự báo (80%)",
    "as_of": "Ngày chốt số liệu {as_of}",
    "rate_axis": "Tỷ lệ trực tuyến",
    "month_axis": "Tháng tiếp nhận",
    "volume_title": "Số hồ sơ theo hình thức tiếp nhận, theo tháng",
    "volume_axis": "Số hồ sơ",
    "heatmap_title": "Tỷ lệ trực tuyến của các xã, thị trấn theo tháng (%)",
    "heatmap_axis": "Xã, phường, thị trấn",
    "heatmap_note": "Ô xám: không có hồ sơ. Màu xanh: trên chỉ tiêu; màu đỏ: dưới chỉ tiêu.",
    "ranking_title": "Tỷ lệ trực tuyến đến nay của từng đơn vị, theo nhóm chỉ tiêu",
    "ranking_axis": "Tỷ lệ trực tuyến đến nay",
    "target_mark": "Chỉ tiêu của nhóm",
    "no_data": "Chưa có hồ sơ được tính",
}


def level_label(level, short: bool = False) -> str:
    """The reader's word for a level key (unknown keys pass through)."""
    table = LEVELS_SHORT if short else LEVELS
    return table.get(str(level), str(level))


def channel_label(channel) -> str:
    return CHANNELS.get(str(channel), str(channel))


def status_key(status) -> str:
    """English key of a status; a Vietnamese status word (any case) maps back to its key.

    >>> status_key("Khó đạt"), status_key("at_risk"), status_key(None), status_key("")
    ('off_track', 'at_risk', 'no_data', 'no_data')
    """
    if _isna(status) or str(status).strip() == "":
        return "no_data"
    key = str(status).strip()
    if key in STATUSES:
        return key
    return _STATUS_WORDS.get(key.lower(), "no_data")


def status_label(status) -> str:
    """Vietnamese word of a status key (or of a status word)."""
    return STATUSES[status_key(status)]


def status_css(status) -> str:
    return STATUS_CSS[status_key(status)]


def reason_label(reason, capital: bool = True) -> str:
    """The reader's words for an exclusion reason (capitalised for a table cell)."""
    text = REASONS.get(str(reason), str(reason))
    return text[:1].upper() + text[1:] if capital else text
