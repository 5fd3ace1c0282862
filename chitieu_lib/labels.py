"""Every word a reader sees, keyed by English ids: the one place to change the kit's Vietnamese.

Modules compute with English keys (``met``, ``department``, ``online``, ``duplicate``)
and turn them into words only when they write for a reader, through this module.
Sentences about a decision are templates here; their facts (number, date, issuer,
window, targets) come from the decision's file (:mod:`chitieu_lib.decision`),
never from this module.

The report's sentences and fragments are templates in :data:`TEXT`, keyed by English ids,
with named ``{placeholders}`` (``str.format``) that :func:`say` fills in. A template may hold
inline markup (``<b>``, ``<i>``); the blocks around it (``<p>``, ``<h2>``) and any escaping of
the values stay with the code that writes the page. Table headings are :data:`COLUMNS` (and
:data:`SUMMARY_COLUMNS` for the table ``chitieu rates`` prints), chart texts :data:`CHART`,
the backtest's words :data:`BACKTEST_METHODS`, :data:`BACKTEST_COLUMNS`, :data:`BACKTEST_CHART`.

It imports only `vi` (number formats, which import nothing from the kit), so every other module may use it.

>>> level_label("district"), status_label("on_track"), channel_label("postal")
('UBND cấp huyện', 'Đúng hướng', 'Bưu chính')
>>> reason_label("duplicate")
'Trùng mã hồ sơ (giữ dòng đầu tiên)'
>>> say("points", value="+5,2")
'+5,2 điểm %'
"""

from __future__ import annotations

import string

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


# The table ``chitieu rates`` prints (narrower headings than COLUMNS) and its met column.
SUMMARY_COLUMNS = {"code": "Mã", "unit": "Đơn vị", "level": "Cấp", "target": "Chỉ tiêu", "online": "Trực tuyến",
                   "total": "Tổng", "rate": "Tỷ lệ", "met": "Đánh giá"}
MET_WORDS = {True: "Đạt", False: "Chưa đạt"}

# The report's sentences and fragments, by where they appear. Facts about the decision (number,
# date, issuer, window, grace days, year, articles) are placeholders the code fills from the
# Decision object; values arrive formatted (chitieu_lib.vi) and, in HTML, escaped.
TEXT = {
    # -- the decision and its letters, as sentences cite them (report/text.py)
    "decision_ref": "Quyết định số {number} ngày {date} của {issuer}",
    "letter_ref": "Công văn số {number} ngày {date} của {issuer}",
    # {article}: the window's article and "; ", or nothing when the decision names none
    "window": ("từ {start} đến {end} ({article}thủ tục công bố mới trong năm được tính sau {grace_days} ngày "
               "kể từ ngày quyết định công bố có hiệu lực; thủ tục không còn được công bố năm {year} được tính "
               "đến ngày danh mục năm {year} có hiệu lực)"),

    # -- report title and opening paragraph (by kind of report)
    "title_unit": "Báo cáo tỷ lệ hồ sơ trực tuyến mức độ 3, 4 năm {year} của một đơn vị",
    "title_district": "Báo cáo cấp huyện: tỷ lệ hồ sơ trực tuyến mức độ 3, 4 năm {year}",
    "title_province": "Tổng quan toàn tỉnh: tỷ lệ hồ sơ trực tuyến mức độ 3, 4 năm {year}",
    "intro_unit": ("Báo cáo theo dõi việc thực hiện chỉ tiêu giao tại {decision}: tỷ lệ hồ sơ được tiếp nhận, "
                   "giải quyết trực tuyến mức độ 3, 4 đến nay, dự báo đến cuối kỳ và những việc cần làm để đạt "
                   "chỉ tiêu."),
    "intro_district": ("Kết quả của UBND huyện và của từng xã, thị trấn theo chỉ tiêu giao tại {decision} — tài "
                       "liệu cho các buổi giao ban về tình hình tiếp nhận, giải quyết hồ sơ trực tuyến."),
    # {article}: the article of the targets and a space, or nothing
    "intro_province": ("Mọi đơn vị được giao chỉ tiêu tại {article}{decision}, theo từng nhóm chỉ tiêu, được xếp "
                       "hạng theo tỷ lệ trực tuyến đến nay."),
    "letter_basis": "<b>Căn cứ:</b> {letter} ({subject}).",
    "letter_meetings": "Báo cáo phục vụ các buổi giao ban chuyên đề mà mục {item} của công văn yêu cầu:",
    "nav_index": "Danh mục báo cáo",
    "nav_district": "Báo cáo của huyện",

    # -- report header (one unit; the province overview)
    "header_unit": "<b>Đơn vị:</b> {name} (mã {code}; {level})",
    "header_target": ("<b>Chỉ tiêu:</b> tối thiểu {target} hồ sơ được tiếp nhận, giải quyết trực tuyến mức độ 3, "
                      "4 — {clause} {decision}."),
    "header_window": "<b>Thời gian tính:</b> {window}.",
    "header_as_of": "<b>Số liệu tính đến:</b> {as_of}.",
    "header_basis": "<b>Căn cứ:</b> {decision}.",
    "header_basis_groups": "<b>Căn cứ:</b> {decision}, {article} (chỉ tiêu theo nhóm).",
    "header_as_of_units": "<b>Số liệu tính đến:</b> {as_of}; {units} đơn vị được giao chỉ tiêu.",
    # the data source line (header, footer, index page), its parts joined by "; "
    "source": "Nguồn số liệu: {source}",
    "source_unnamed": "Nguồn số liệu: kho dữ liệu đã xử lý",
    "source_data_date": "số liệu đến ngày {date}",
    "source_rows": "{rows} dòng hồ sơ",
    "source_processed": "xử lý ngày {date}",

    # -- as-of warnings (chitieu_lib.windows), shown beside the figures, and how they are shown
    "as_of_outside": "Ngày tính đến {as_of} nằm ngoài thời gian tính của Quyết định {number} ({start} – {end}): "
                     "{effect}.",
    "as_of_before": "chưa có hồ sơ nào được tính",
    "as_of_after": "hồ sơ chỉ được tính đến hết ngày {end}",
    "warning": "Cảnh báo: {warning}",
    "warning_html": "<b>Cảnh báo:</b> {warning}",

    # -- headline card (the boxes under the header)
    "kpi_rate": "Tỷ lệ trực tuyến đến nay",
    "kpi_target": "Chỉ tiêu giao",
    "kpi_counts": "Hồ sơ trực tuyến / tổng số",
    "kpi_gap": "Hồ sơ trực tuyến còn thiếu so với chỉ tiêu tính đến nay",
    "kpi_projected": "Dự báo tỷ lệ cuối kỳ ({end})",
    "kpi_range": "Khoảng dự báo",
    "kpi_p_meet": "Xác suất đạt chỉ tiêu",
    "kpi_status": "Đánh giá",

    # -- pace paragraph
    "pace_no_data": "Chưa có hồ sơ nào được tính trong kỳ; chưa thể tính nhịp độ cần thiết.",
    "pace_met": ("Nếu giữ được nhịp và xu hướng hiện nay, đơn vị sẽ đạt chỉ tiêu {target} mà không cần thêm hồ "
                 "sơ trực tuyến nào ngoài dự kiến; điều kiện là tỷ lệ trực tuyến trên số hồ sơ còn lại đến {end} "
                 "không thấp hơn {required}."),
    "pace_needed": ("Để đạt chỉ tiêu {target} vào ngày {end}, từ nay đơn vị cần tỷ lệ trực tuyến <b>{required}</b> "
                    "trên số hồ sơ còn lại, tức là thêm khoảng <b>{per_week} hồ sơ trực tuyến mỗi tuần</b> so với "
                    "nhịp hiện tại, trong {weeks} tuần còn lại (tổng cộng {extra} hồ sơ trực tuyến cần thêm ngoài "
                    "nhịp hiện tại đến {end}; con số này khác với số hồ sơ còn thiếu tính đến nay ở trên, vì tính "
                    "cả những hồ sơ sẽ tiếp nhận từ nay đến cuối kỳ)."),

    # -- track-record line (how far off the projection has been, on simulated years)
    "track_record": "<i>Độ tin cậy của dự báo: {text}</i>",
    "track_record_sentence": ("Trên các năm mô phỏng (không phải số liệu thật), dự báo lập ngày {as_of} cho đơn "
                              "vị {level} lệch trung bình {mae} điểm phần trăm so với tỷ lệ cuối kỳ; khoảng dự "
                              "báo 80% chứa tỷ lệ cuối kỳ ở {coverage}% số lượt."),

    # -- footer
    "footer_as_of": "Số liệu tính đến hết ngày {as_of}. Căn cứ: {basis}.",
    "footer_tool": "Báo cáo được tạo tự động bằng bộ công cụ chitieu.",

    # -- tables shown in a report (captions; report/display.py, report/tables.py)
    "table_plain": "[bảng {name}: {rows} dòng]",
    "no_phong": "Số liệu của đơn vị không ghi phòng, bộ phận xử lý hồ sơ.",
    "phong_caption": "Tỷ lệ trực tuyến và đóng góp của từng phòng, bộ phận",
    "phong_name": "Phòng {name}",
    "ranking_caption": "Xếp hạng — {clause}",
    # captions the notebooks give their tables
    "push_caption": "Thủ tục cần đẩy mạnh nộp trực tuyến",
    "push_caption_district": "Thủ tục cần đẩy mạnh nộp trực tuyến (UBND huyện)",
    "communes_caption": "Xếp hạng các xã, thị trấn",
    "groups_caption": "Số đơn vị theo nhóm chỉ tiêu",
    "quality_caption": "Số dòng hồ sơ theo lý do",
    "quality_caption_district": "Số dòng hồ sơ theo lý do (huyện và các xã, thị trấn)",
    "quality_caption_province": "Số dòng hồ sơ theo lý do (toàn tỉnh)",

    # -- change section (--since) and last year (--previous); report/changes.py
    "points": "{value} điểm %",
    "changes_since": "Thay đổi từ ngày {since}",
    "changes_period": "từ {since} đến {as_of}",
    "changes_summary": ("Tỷ lệ trực tuyến: {rate_then} → <b>{rate_now}</b> ({rate_change}). Trong khoảng này đơn "
                        "vị tiếp nhận {total} hồ sơ, trong đó {online} hồ sơ trực tuyến ({share}). Dự báo cuối "
                        "kỳ: {projected_then} → {projected_now} ({projected_change}); xác suất đạt chỉ tiêu thay "
                        "đổi {p_meet_change}. Đánh giá: {status_then} → <b>{status_now}</b>."),
    "changes_moved": "{count} đơn vị thay đổi đánh giá {period}.",
    "changes_none_moved": "Không đơn vị nào thay đổi đánh giá {period}.",
    "changes_moved_caption": "Các đơn vị thay đổi đánh giá ({period})",
    "changes_communes_caption": "Thay đổi của các xã, thị trấn ({period})",
    "changes_phong_caption": "Thay đổi của các phòng, bộ phận ({period})",
    "previous_no_data": "<b>Năm trước ({decision}):</b> đơn vị không có số liệu năm trước.",
    "previous_result": ("<b>Năm trước ({decision}):</b> tỷ lệ cuối kỳ {rate} ({online} / {total} hồ sơ) so với chỉ "
                        "tiêu {target} — {verdict}. Năm nay: chỉ tiêu {target_now}, tỷ lệ đến nay {rate_now}."),
    "previous_met": "đạt",
    "previous_not_met": "không đạt",
    "previous_heading": "So với năm trước",
    "previous_basis": "Năm trước: {decision}.",
    "previous_caption": "Tỷ lệ cuối năm trước và tỷ lệ năm nay đến nay",

    # -- cross-checks printed under a report (report/checks.py)
    "check_all": "Kiểm tra toàn bộ: {units} đơn vị",
    "check_unit": "Kiểm tra đơn vị {code}: {units} đơn vị",
    "check_counts": "- trực tuyến, tổng số khớp với đếm lại từng hồ sơ: {result}",
    "check_rate": "- tỷ lệ = trực tuyến / tổng số: {result}",
    "check_months": "- cộng các tháng = cả kỳ: {result}",
    "check_rows": "- mọi dòng được tính hoặc có lý do loại: {result}",
    "check_target": "- chỉ tiêu ({article}): {target}",
    "check_target_plain": "- chỉ tiêu: {target}",
    "check_ok": "đúng",
    "check_wrong": "SAI",

    # -- index page of a batch (render/index.py; render/plan.py names the province's report)
    "index_title": "Báo cáo chỉ tiêu hồ sơ trực tuyến mức độ 3, 4 năm {year}",
    "index_page_title": "{title} — danh mục",
    "index_basis": "Theo {decision}. Số liệu tính đến ngày\n<b>{as_of}</b>. {source}",
    # {failures}: a space and index_failures, or nothing
    "index_summary": ("{reports} báo cáo, {made} đã tạo.{failures} Bấm vào tiêu đề cột để sắp xếp.\n"
                      "Mỗi báo cáo có kèm các bảng số liệu dạng Excel (.xlsx) và CSV cùng thư mục."),
    "index_failures": "{failed} (dòng tô đỏ, có ghi lý do).",
    "index_failed_count": "{count} báo cáo lỗi",
    "index_made": "Tạo lúc {time} bằng bộ công cụ chitieu.",
    "index_open": "Xem báo cáo",
    "index_failed": "Lỗi khi tạo báo cáo",
    "index_no_reason": "không rõ lý do",
    "filter_level": "Cấp",
    "filter_district": "Huyện",
    "filter_all": "Tất cả",
    "filter_name": "Tìm theo tên hoặc mã",
    "filter_example": "vd. Vạn Thắng",
    "filter_shown": "Đang hiện {count} báo cáo.",
    "province_report": "Toàn {province}",

    # -- HTML page (html.py) and PDF page header and footer (pdf.py)
    "page_title": "Báo cáo chỉ tiêu trực tuyến",
    "chart_alt": "Biểu đồ",
    "pdf_as_of": "Số liệu đến ngày {as_of}",
    "pdf_page": "Trang {page} / {pages}",

    # -- the summary `chitieu rates` prints (commands/rates.py); also "written" for every command
    "rates_heading": "Tỷ lệ hồ sơ trực tuyến theo Quyết định {decision}, tính đến ngày {as_of}",
    "rates_none": "(không có hồ sơ nào được tính)",
    "rates_met": ("{met}/{with_data} đơn vị có hồ sơ đạt chỉ tiêu; {without_data}/{units} đơn vị được giao chỉ "
                  "tiêu chưa có hồ sơ nào được tính."),
    "rates_accounting": "Kiểm đếm {rows} dòng hồ sơ đọc vào:",
    "rates_example": "(vd. {rows})",
    "rates_skipped_file": "{file}: bỏ qua (không phải tệp danh sách hồ sơ)",
    "rates_encoding": "bảng mã {encoding}",
    "rates_personal_dropped": "đã bỏ cột dữ liệu cá nhân: {columns}",
    "rates_unrecognised_dropped": "bỏ qua cột: {columns}",
    "rates_blank_rows": "bỏ {rows} dòng trống",
    "written": "Đã ghi: {files}",
    # inputs named twice (chitieu_lib.paths), printed as warnings
    "given_again": "{path}: được nêu nhiều lần, chỉ đọc một lần",
    "inside_given_folder": "{path}: nằm trong thư mục {folder} cũng được nêu, chỉ đọc một lần",

    # -- backtest printout (commands/backtest.py, backtest.py; the projection work moves its words here)
    "backtest_title": "Kiểm định lùi (rolling-origin): ngày dự báo {first} … {last}, so với tỷ lệ cuối kỳ thực tế",
    "backtest_by_date": "MAE theo ngày dự báo:",
    "backtest_worlds_title": ("Kiểm định lùi trên các năm MÔ PHỎNG (SIMULATED): mô hình, hai quy tắc đơn giản "
                              "và oracle"),
    "backtest_whole_year": "Cả năm (mọi ngày dự báo):",
    "backtest_goal": ("Mục tiêu (issue 13): MAE÷ ≤ {mae}, Brier÷ ≤ {brier}, phủ 80% trong [{low}; {high}], không "
                      "ngày nào dưới {worst}:"),
    "backtest_goal_line": ("{world:<14} {verdict:<9} MAE÷ {mae}, Brier÷ {brier}, phủ {coverage}, ngày thấp nhất "
                           "{worst}"),
    "backtest_limit_title": ("Giới hạn của dữ liệu (cả năm): bộ lọc Bayes biết các thiết lập của mô phỏng (các phân "
                             "phối mà mức, độ dốc, bước nhảy, chiến dịch được rút ra), khối lượng và hệ số thủ tục "
                             "của mỗi đơn vị, nhưng đọc mức, độ dốc, bước nhảy và ngày vào chiến dịch của đơn vị từ "
                             "hồ sơ; điểm dự báo là trung vị các lần mô phỏng. Về kỳ vọng, không cách dự báo nào "
                             "chỉ dựa vào hồ sơ có MAE hay Brier thấp hơn:"),
    "backtest_limit_line": ("{world:<14} MAE: mô hình / giới hạn / oracle {mae}; ÷ quy tắc tốt nhất {mae_ratios}; "
                            "Brier ÷ {brier_ratios}; phủ 80% giới hạn {coverage}; khoảng cách tới giới hạn đã thu "
                            "hẹp: MAE {gap_mae}, Brier {gap_brier}"),
    "backtest_met": "ĐẠT",
    "backtest_not_met": "CHƯA ĐẠT",
    "backtest_progress": "{world} năm {seed} ngày {as_of}",
}

# The backtest's methods and the headings of its printed tables (commands/backtest.py).
BACKTEST_METHODS = {"model": "mô hình (projection)", "carry": "giữ tỷ lệ lũy kế (carry)",
                    "last3": "tỷ lệ 3 tháng gần nhất (last3)"}
BACKTEST_COLUMNS = {"method": "phương pháp", "n": "số lượt", "coverage80": "phủ 80%", "date": "ngày",
                    "world": "thế giới", "whole_year": "cả năm", "mae_all": "MAE: mô hình / carry / last3 / oracle",
                    "brier_all": "Brier: mô hình / carry / last3 / oracle", "coverage_pair": "phủ 80%: mh / oracle"}
# The backtest's calibration chart (backtest.py:calibration_plot).
BACKTEST_CHART = {
    "perfect": "hiệu chỉnh hoàn hảo",
    "model": "mô hình (cỡ điểm: số lượt)",
    "p_meet_axis": "Khả năng đạt dự báo (p_meet)",
    "observed_axis": "Tỷ lệ thực tế đạt chỉ tiêu",
    "reliability_title": "Độ tin cậy của khả năng đạt",
    "expected_band": "vùng mong đợi 75–85%",
    "date_axis": "Ngày dự báo ({year})",
    "coverage_axis": "Tỷ lệ tỷ lệ cuối kỳ nằm trong khoảng 80%",
    "coverage_title": "Độ phủ của khoảng dự báo 80%",
}


def say(key: str, **fields) -> str:
    """The Vietnamese sentence ``key`` of :data:`TEXT` with its ``{fields}`` filled in.

    >>> say("decision_ref", number="12/QĐ-UBND", date="02/01/2020", issuer="UBND tỉnh X")
    'Quyết định số 12/QĐ-UBND ngày 02/01/2020 của UBND tỉnh X'
    >>> say("kpi_status")
    'Đánh giá'
    """
    return TEXT[key].format(**fields)


def fields(key: str) -> set[str]:
    """The placeholders of the template ``key`` (what :func:`say` must be given).

    >>> sorted(fields("letter_ref"))
    ['date', 'issuer', 'number']
    """
    return {name for _, name, _, _ in string.Formatter().parse(TEXT[key]) if name}


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
