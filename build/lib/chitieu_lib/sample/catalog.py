"""The sample's procedure catalogue: what each level receives, how much, how fast, how online.

Each procedure is one tuple of :data:`PROCEDURES`. The public catalogue
(``catalog.csv``, the columns of :data:`chitieu_lib.windows.CATALOG_COLUMNS`)
is derived from it; the other columns (owner, weight, due days, online offset)
only drive the generator.

National procedure-database codes are used only for the five procedures whose
codes we are sure of (:data:`NATIONAL_CODES`); every other code starts with
``KH-`` so that nobody mistakes it for a national code.

>>> cat = catalog_frame()
>>> cat.set_index("procedure_code").loc["1.001193", "procedure_name"]
'Đăng ký khai sinh'
>>> sorted(cat["rule"].unique())
['continuing', 'dropped', 'new']
"""

from __future__ import annotations

import pandas as pd

# The 2019 publication decisions of the sample (fictional dates, stated in the data README):
# the 2019 list decision takes effect on LIST_2019 (dropped procedures count up to that day,
# the first batch of new ones from 5 days later); a second batch takes effect on BATCH_2.
LIST_2019 = "2019-06-14"
BATCH_2 = "2019-09-16"

NATIONAL_CODES = {
    "1.001193": "Đăng ký khai sinh",
    "1.000894": "Đăng ký kết hôn",
    "1.000656": "Đăng ký khai tử",
    "2.000815": "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
                "của Việt Nam cấp hoặc chứng nhận",
    "2.000884": "Chứng thực chữ ký trong các giấy tờ, văn bản",
}

# Phòng of a district People's Committee (the "Phòng xử lý" column).
PHONG = {
    "KT": "Phòng Kinh tế",
    "TP": "Phòng Tư pháp",
    "LDTBXH": "Phòng Lao động - Thương binh và Xã hội",
    "TNMT": "Phòng Tài nguyên và Môi trường",
    "QLDT": "Phòng Quản lý đô thị",
    "TCKH": "Phòng Tài chính - Kế hoạch",
    "VHTT": "Phòng Văn hóa và Thông tin",
    "GDDT": "Phòng Giáo dục và Đào tạo",
}
# How much more (or less) online each phòng's dossiers are, on the logit scale.
PHONG_OFFSET = {"KT": 0.3, "TP": 0.2, "LDTBXH": -1.0, "TNMT": -0.5, "QLDT": -0.2, "TCKH": 0.8,
                "VHTT": 0.0, "GDDT": 0.3}

C, N, D = "continuing", "new", "dropped"

# (code, name, rule, effective_date, field, level, online_level, owner, weight, due_days, online_offset)
# owner: the agency code (department level) or the phòng key (district level); "" for communes.
# weight: share of the owner's (or the level's) dossiers; due_days: working days to the due date;
# online_offset: logit shift of this procedure's online share against its unit's.
PROCEDURES = [
    # ---- commune level: civil status and certification dominate --------------------------------
    ("2.000815", NATIONAL_CODES["2.000815"], C, "", "Chứng thực", "commune", 3, "", 0.40, 0, -0.4),
    ("2.000884", NATIONAL_CODES["2.000884"], C, "", "Chứng thực", "commune", 3, "", 0.10, 0, -0.6),
    ("KH-X-CT-01", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất "
     "và nhà ở", C, "", "Chứng thực", "commune", 3, "", 0.05, 2, -0.3),
    ("KH-X-CT-02", "Chứng thực di chúc", C, "", "Chứng thực", "commune", 3, "", 0.004, 2, -0.5),
    ("KH-X-CT-03", "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch", C, "", "Chứng thực",
     "commune", 3, "", 0.008, 2, -0.3),
    ("1.001193", NATIONAL_CODES["1.001193"], C, "", "Hộ tịch", "commune", 4, "", 0.12, 0, 0.5),
    ("1.000894", NATIONAL_CODES["1.000894"], C, "", "Hộ tịch", "commune", 3, "", 0.03, 0, 0.3),
    ("1.000656", NATIONAL_CODES["1.000656"], C, "", "Hộ tịch", "commune", 4, "", 0.03, 0, 0.3),
    ("KH-X-HT-01", "Cấp bản sao trích lục hộ tịch", C, "", "Hộ tịch", "commune", 4, "", 0.07, 0, 0.6),
    ("KH-X-HT-02", "Xác nhận tình trạng hôn nhân", C, "", "Hộ tịch", "commune", 3, "", 0.06, 3, 0.4),
    ("KH-X-HT-03", "Đăng ký nhận cha, mẹ, con", C, "", "Hộ tịch", "commune", 3, "", 0.004, 3, 0.0),
    ("KH-X-HT-04", "Thay đổi, cải chính, bổ sung thông tin hộ tịch", C, "", "Hộ tịch", "commune", 3, "",
     0.012, 3, 0.2),
    ("KH-X-HT-05", "Đăng ký chấm dứt giám hộ", D, LIST_2019, "Hộ tịch", "commune", 3, "", 0.003, 3, 0.0),
    ("KH-X-HT-06", "Đăng ký lại khai sinh", N, LIST_2019, "Hộ tịch", "commune", 3, "", 0.012, 5, 0.3),
    ("KH-X-HT-07", "Đăng ký khai sinh kết hợp nhận cha, mẹ, con", N, BATCH_2, "Hộ tịch", "commune", 3, "",
     0.006, 3, 0.2),
    ("KH-X-BTXH-01", "Xác nhận hộ gia đình làm nông nghiệp, lâm nghiệp, ngư nghiệp và diêm nghiệp có mức "
     "sống trung bình", C, "", "Bảo trợ xã hội", "commune", 3, "", 0.012, 5, -0.8),
    ("KH-X-VH-01", "Xét tặng danh hiệu Gia đình văn hóa hằng năm", D, LIST_2019, "Văn hóa cơ sở", "commune",
     3, "", 0.02, 5, -0.2),
    ("KH-X-DD-01", "Hòa giải tranh chấp đất đai", C, "", "Đất đai", "commune", 3, "", 0.005, 30, -1.2),
    ("KH-X-TG-01", "Đăng ký hoạt động tín ngưỡng", C, "", "Tôn giáo", "commune", 3, "", 0.002, 10, -0.5),
    # ---- district level, by phòng -----------------------------------------------------------------
    ("KH-H-HT-01", "Đăng ký khai sinh có yếu tố nước ngoài", C, "", "Hộ tịch", "district", 3, "TP",
     0.010, 3, 0.0),
    ("KH-H-HT-02", "Đăng ký kết hôn có yếu tố nước ngoài", C, "", "Hộ tịch", "district", 3, "TP",
     0.008, 10, -0.2),
    ("KH-H-HT-03", "Thay đổi, cải chính, xác định lại dân tộc, bổ sung thông tin hộ tịch cho người từ đủ "
     "14 tuổi trở lên", C, "", "Hộ tịch", "district", 3, "TP", 0.020, 3, 0.1),
    ("KH-H-HT-04", "Ghi vào Sổ hộ tịch việc hộ tịch của công dân Việt Nam đã được giải quyết tại cơ quan "
     "có thẩm quyền của nước ngoài", N, LIST_2019, "Hộ tịch", "district", 3, "TP", 0.006, 5, 0.0),
    ("KH-H-CT-01", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
     "của nước ngoài cấp hoặc chứng nhận", C, "", "Chứng thực", "district", 3, "TP", 0.08, 0, -0.3),
    ("KH-H-CT-02", "Chứng thực chữ ký người dịch", C, "", "Chứng thực", "district", 3, "TP", 0.05, 0, -0.3),
    ("KH-H-DD-01", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", C, "",
     "Đất đai", "district", 3, "TNMT", 0.16, 10, 0.0),
    ("KH-H-DD-02", "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền "
     "với đất lần đầu", C, "", "Đất đai", "district", 3, "TNMT", 0.05, 20, -0.3),
    ("KH-H-DD-03", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền", C, "",
     "Đất đai", "district", 3, "TNMT", 0.03, 15, -0.2),
    ("KH-H-DD-04", "Tách thửa hoặc hợp thửa đất", C, "", "Đất đai", "district", 3, "TNMT", 0.05, 15, 0.0),
    ("KH-H-MT-01", "Xác nhận đăng ký kế hoạch bảo vệ môi trường", C, "", "Môi trường", "district", 3,
     "TNMT", 0.005, 10, 0.3),
    ("KH-H-XD-01", "Cấp giấy phép xây dựng nhà ở riêng lẻ", C, "", "Xây dựng", "district", 3, "QLDT",
     0.09, 15, 0.0),
    ("KH-H-XD-02", "Cấp giấy phép sửa chữa, cải tạo công trình", C, "", "Xây dựng", "district", 3, "QLDT",
     0.012, 15, 0.0),
    ("KH-H-XD-03", "Cấp giấy phép xây dựng có thời hạn", D, LIST_2019, "Xây dựng", "district", 3, "QLDT",
     0.012, 15, -0.2),
    ("KH-H-HKD-01", "Đăng ký thành lập hộ kinh doanh", C, "", "Thành lập và hoạt động của hộ kinh doanh",
     "district", 4, "TCKH", 0.12, 3, 0.0),
    ("KH-H-HKD-02", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", C, "",
     "Thành lập và hoạt động của hộ kinh doanh", "district", 4, "TCKH", 0.06, 3, 0.1),
    ("KH-H-HKD-03", "Tạm ngừng hoạt động hộ kinh doanh", C, "", "Thành lập và hoạt động của hộ kinh doanh",
     "district", 4, "TCKH", 0.015, 3, 0.0),
    ("KH-H-HKD-04", "Chấm dứt hoạt động hộ kinh doanh", C, "", "Thành lập và hoạt động của hộ kinh doanh",
     "district", 4, "TCKH", 0.02, 3, -0.2),
    ("KH-H-HTX-01", "Đăng ký thành lập hợp tác xã", C, "", "Thành lập và hoạt động của hợp tác xã",
     "district", 3, "TCKH", 0.002, 5, -0.3),
    ("KH-H-KT-01", "Cấp Giấy phép bán lẻ sản phẩm rượu", C, "", "Lưu thông hàng hóa trong nước",
     "district", 3, "KT", 0.010, 10, 0.0),
    ("KH-H-KT-02", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá", C, "", "Lưu thông hàng hóa trong nước",
     "district", 3, "KT", 0.004, 10, 0.0),
    ("KH-H-KT-03", "Cấp Giấy phép sản xuất rượu thủ công nhằm mục đích kinh doanh", N, LIST_2019,
     "Lưu thông hàng hóa trong nước", "district", 3, "KT", 0.004, 10, 0.0),
    ("KH-H-KT-04", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", N, BATCH_2,
     "An toàn thực phẩm", "district", 3, "KT", 0.010, 15, 0.0),
    ("KH-H-LD-01", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng", C, "", "Bảo trợ xã hội",
     "district", 3, "LDTBXH", 0.06, 10, 0.0),
    ("KH-H-LD-02", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", C, "", "Bảo trợ xã hội",
     "district", 3, "LDTBXH", 0.02, 3, 0.0),
    ("KH-H-LD-03", "Giải quyết chế độ trợ cấp một lần đối với thân nhân người có công với cách mạng", C, "",
     "Người có công", "district", 3, "LDTBXH", 0.010, 15, -0.3),
    ("KH-H-VH-01", "Cấp Giấy phép kinh doanh karaoke", C, "", "Văn hóa", "district", 3, "VHTT", 0.002, 5,
     0.0),
    ("KH-H-VH-02", "Cấp Giấy chứng nhận đủ điều kiện hoạt động điểm cung cấp dịch vụ trò chơi điện tử "
     "công cộng", C, "", "Phát thanh, truyền hình và thông tin điện tử", "district", 3, "VHTT", 0.003, 5,
     0.2),
    ("KH-H-VH-03", "Thông báo tổ chức lễ hội", D, LIST_2019, "Văn hóa", "district", 3, "VHTT", 0.002, 5,
     0.0),
    ("KH-H-GD-01", "Chuyển trường đối với học sinh trung học cơ sở", C, "", "Giáo dục và Đào tạo",
     "district", 3, "GDDT", 0.015, 3, 0.0),
    ("KH-H-GD-02", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", C, "", "Giáo dục và Đào tạo", "district",
     3, "GDDT", 0.006, 3, 0.2),
    # ---- provincial departments ------------------------------------------------------------------
    ("KH-SGTVT-01", "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", C, "", "Đường bộ", "department",
     3, "SGTVT", 0.60, 5, -0.3),
    ("KH-SGTVT-02", "Cấp lại giấy phép lái xe", C, "", "Đường bộ", "department", 3, "SGTVT", 0.10, 10, -0.3),
    ("KH-SGTVT-03", "Cấp Giấy phép kinh doanh vận tải bằng xe ô tô", C, "", "Đường bộ", "department", 3,
     "SGTVT", 0.06, 5, 0.5),
    ("KH-SGTVT-04", "Cấp phù hiệu xe ô tô kinh doanh vận tải", C, "", "Đường bộ", "department", 4, "SGTVT",
     0.20, 2, 0.8),
    ("KH-SGTVT-05", "Cấp giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn trên đường bộ", D,
     LIST_2019, "Đường bộ", "department", 3, "SGTVT", 0.04, 2, 0.3),
    ("KH-SKHDT-01", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", C, "",
     "Thành lập và hoạt động của doanh nghiệp", "department", 4, "SKHDT", 0.15, 3, 0.0),
    ("KH-SKHDT-02", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", C, "",
     "Thành lập và hoạt động của doanh nghiệp", "department", 4, "SKHDT", 0.42, 3, 0.2),
    ("KH-SKHDT-03", "Thông báo thay đổi nội dung đăng ký doanh nghiệp", C, "",
     "Thành lập và hoạt động của doanh nghiệp", "department", 4, "SKHDT", 0.15, 3, 0.2),
    ("KH-SKHDT-04", "Đăng ký hoạt động chi nhánh, văn phòng đại diện, địa điểm kinh doanh", C, "",
     "Thành lập và hoạt động của doanh nghiệp", "department", 4, "SKHDT", 0.15, 3, 0.0),
    ("KH-SKHDT-05", "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện quyết định chủ "
     "trương đầu tư", C, "", "Đầu tư tại Việt Nam", "department", 3, "SKHDT", 0.03, 15, -1.0),
    ("KH-SKHDT-06", "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo", N,
     LIST_2019, "Thành lập và hoạt động của doanh nghiệp", "department", 4, "SKHDT", 0.10, 3, 0.2),
    ("KH-STP-01", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt "
     "Nam", C, "", "Lý lịch tư pháp", "department", 3, "STP", 0.88, 10, 0.0),
    ("KH-STP-02", "Đăng ký hành nghề và cấp Thẻ công chứng viên", C, "", "Công chứng", "department", 3,
     "STP", 0.02, 10, 0.0),
    ("KH-STP-03", "Đăng ký hoạt động của tổ chức hành nghề luật sư", C, "", "Luật sư", "department", 3,
     "STP", 0.04, 10, 0.0),
    ("KH-STP-04", "Thay đổi nội dung đăng ký hoạt động của Văn phòng công chứng", C, "", "Công chứng",
     "department", 3, "STP", 0.04, 10, 0.0),
    ("KH-STP-05", "Cấp Phiếu lý lịch tư pháp số 2 theo yêu cầu của công dân", N, BATCH_2,
     "Lý lịch tư pháp", "department", 3, "STP", 0.02, 10, 0.0),
    ("KH-SCT-01", "Đăng ký thực hiện khuyến mại", C, "", "Xúc tiến thương mại", "department", 4, "SCT",
     0.60, 3, 0.5),
    ("KH-SCT-02", "Cấp Giấy phép bán buôn sản phẩm rượu", C, "", "Lưu thông hàng hóa trong nước",
     "department", 3, "SCT", 0.05, 10, -0.5),
    ("KH-SCT-03", "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ LPG chai", C, "", "Kinh doanh khí",
     "department", 3, "SCT", 0.10, 10, -0.5),
    ("KH-SCT-04", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm thuộc lĩnh vực Công Thương", C,
     "", "An toàn thực phẩm", "department", 3, "SCT", 0.20, 15, -0.5),
    ("KH-SCT-05", "Cấp giấy phép hoạt động điện lực", N, LIST_2019, "Điện", "department", 3, "SCT", 0.05, 10,
     -0.5),
    ("KH-STNMT-01", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất đối với tổ "
     "chức", C, "", "Đất đai", "department", 3, "STNMT", 0.50, 10, 0.0),
    ("KH-STNMT-02", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền "
     "với đất", C, "", "Đất đai", "department", 3, "STNMT", 0.30, 7, 0.0),
    ("KH-STNMT-03", "Thẩm định, phê duyệt báo cáo đánh giá tác động môi trường", C, "", "Môi trường",
     "department", 3, "STNMT", 0.05, 30, 0.5),
    ("KH-STNMT-04", "Cấp giấy phép khai thác, sử dụng nước dưới đất", C, "", "Tài nguyên nước",
     "department", 3, "STNMT", 0.05, 30, 0.5),
    ("KH-STNMT-05", "Xác nhận kế hoạch bảo vệ môi trường của dự án", D, LIST_2019, "Môi trường",
     "department", 3, "STNMT", 0.10, 10, 0.3),
    ("KH-SLDTBXH-01", "Giải quyết hưởng trợ cấp thất nghiệp", C, "", "Việc làm", "department", 3, "SLDTBXH",
     0.45, 15, -0.5),
    ("KH-SLDTBXH-02", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", C, "",
     "Việc làm", "department", 3, "SLDTBXH", 0.30, 5, 0.5),
    ("KH-SLDTBXH-03", "Xác nhận người lao động nước ngoài không thuộc diện cấp giấy phép lao động", C, "",
     "Việc làm", "department", 3, "SLDTBXH", 0.10, 3, 0.5),
    ("KH-SLDTBXH-04", "Đăng ký nội quy lao động của doanh nghiệp", C, "", "Lao động", "department", 3,
     "SLDTBXH", 0.15, 7, 0.0),
    ("KH-SYT-01", "Cấp Chứng chỉ hành nghề dược", C, "", "Dược phẩm", "department", 3, "SYT", 0.20, 20, 0.0),
    ("KH-SYT-02", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược", C, "", "Dược phẩm", "department", 3,
     "SYT", 0.20, 20, 0.0),
    ("KH-SYT-03", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh đối với người Việt Nam", C, "",
     "Khám bệnh, chữa bệnh", "department", 3, "SYT", 0.20, 20, -0.3),
    ("KH-SYT-04", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm thuộc lĩnh vực Y tế", C, "",
     "An toàn thực phẩm", "department", 3, "SYT", 0.25, 20, 0.0),
    ("KH-SYT-05", "Cấp Giấy tiếp nhận đăng ký bản công bố sản phẩm", N, LIST_2019, "An toàn thực phẩm",
     "department", 3, "SYT", 0.15, 7, 0.3),
    ("KH-SXD-01", "Cấp giấy phép xây dựng công trình", C, "", "Hoạt động xây dựng", "department", 3, "SXD",
     0.40, 20, -0.3),
    ("KH-SXD-02", "Cấp chứng chỉ hành nghề hoạt động xây dựng", C, "", "Hoạt động xây dựng", "department",
     3, "SXD", 0.35, 20, 0.3),
    ("KH-SXD-03", "Cấp chứng chỉ năng lực hoạt động xây dựng", C, "", "Hoạt động xây dựng", "department",
     3, "SXD", 0.15, 20, 0.3),
    ("KH-SXD-04", "Thẩm định thiết kế xây dựng triển khai sau thiết kế cơ sở", D, LIST_2019,
     "Hoạt động xây dựng", "department", 3, "SXD", 0.10, 20, -0.5),
    ("KH-SGDDT-01", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", C, "", "Văn bằng, chứng chỉ", "department",
     3, "SGDDT", 0.50, 3, 0.3),
    ("KH-SGDDT-02", "Chỉnh sửa nội dung văn bằng, chứng chỉ", C, "", "Văn bằng, chứng chỉ", "department",
     3, "SGDDT", 0.10, 5, 0.0),
    ("KH-SGDDT-03", "Cấp giấy phép tổ chức hoạt động dạy thêm, học thêm", C, "", "Giáo dục và Đào tạo",
     "department", 3, "SGDDT", 0.30, 10, -0.3),
    ("KH-SGDDT-04", "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục", C, "", "Giáo dục và Đào tạo",
     "department", 3, "SGDDT", 0.10, 15, -0.3),
    ("KH-SNNPTNT-01", "Cấp Giấy chứng nhận kiểm dịch động vật, sản phẩm động vật vận chuyển ra khỏi địa bàn "
     "cấp tỉnh", C, "", "Thú y", "department", 3, "SNNPTNT", 0.50, 1, 0.3),
    ("KH-SNNPTNT-02", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông, lâm, thủy sản", C, "",
     "Quản lý chất lượng nông lâm sản và thủy sản", "department", 3, "SNNPTNT", 0.30, 15, 0.0),
    ("KH-SNNPTNT-03", "Cấp văn bản chấp thuận khai thác thủy sản", C, "", "Thủy sản", "department", 3,
     "SNNPTNT", 0.20, 5, -0.3),
    ("KH-SVHTT-01", "Cấp giấy phép tổ chức biểu diễn nghệ thuật", C, "", "Nghệ thuật biểu diễn",
     "department", 3, "SVHTT", 0.50, 5, 0.2),
    ("KH-SVHTT-02", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao", C, "", "Thể dục thể thao",
     "department", 3, "SVHTT", 0.30, 7, 0.0),
    ("KH-SVHTT-03", "Cấp giấy phép nhập khẩu văn hóa phẩm không nhằm mục đích kinh doanh", C, "", "Văn hóa",
     "department", 3, "SVHTT", 0.20, 5, 0.0),
    ("KH-SDL-01", "Cấp thẻ hướng dẫn viên du lịch", C, "", "Lữ hành", "department", 3, "SDL", 0.45, 10, 0.2),
    ("KH-SDL-02", "Công nhận hạng cơ sở lưu trú du lịch", C, "", "Lưu trú du lịch", "department", 3, "SDL",
     0.30, 20, -0.3),
    ("KH-SDL-03", "Cấp đổi thẻ hướng dẫn viên du lịch", C, "", "Lữ hành", "department", 3, "SDL", 0.15, 10,
     0.2),
    ("KH-SDL-04", "Cấp Giấy phép kinh doanh dịch vụ lữ hành nội địa", N, LIST_2019, "Lữ hành", "department",
     3, "SDL", 0.10, 10, 0.0),
    ("KH-BQLKKT-01", "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án trong Khu kinh tế", C, "",
     "Đầu tư tại Việt Nam", "department", 3, "BQLKKT", 0.30, 15, -0.3),
    ("KH-BQLKKT-02", "Cấp giấy phép lao động cho người nước ngoài làm việc trong Khu kinh tế", C, "",
     "Việc làm", "department", 3, "BQLKKT", 0.50, 5, 0.2),
    ("KH-BQLKKT-03", "Cấp giấy phép xây dựng công trình trong Khu kinh tế", C, "", "Hoạt động xây dựng",
     "department", 3, "BQLKKT", 0.20, 20, 0.0),
    ("KH-SNV-01", "Phê duyệt điều lệ hội", C, "", "Tổ chức phi chính phủ", "department", 3, "SNV", 0.35, 30,
     0.0),
    ("KH-SNV-02", "Công nhận ban vận động thành lập hội", C, "", "Tổ chức phi chính phủ", "department", 3,
     "SNV", 0.25, 30, 0.0),
    ("KH-SNV-03", "Đề nghị thành lập tổ chức tôn giáo trực thuộc", C, "", "Tôn giáo", "department", 3,
     "SNV", 0.40, 30, 0.0),
    ("KH-STTTT-01", "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp", C, "",
     "Phát thanh, truyền hình và thông tin điện tử", "department", 4, "STTTT", 0.40, 10, 0.0),
    ("KH-STTTT-02", "Cấp giấy phép xuất bản bản tin", C, "", "Báo chí", "department", 4, "STTTT", 0.30, 10,
     0.0),
    ("KH-STTTT-03", "Cấp giấy phép hoạt động in", C, "", "Xuất bản, In và Phát hành", "department", 4,
     "STTTT", 0.30, 7, 0.0),
    ("KH-SKHCN-01", "Cấp giấy phép tiến hành công việc bức xạ (sử dụng thiết bị X-quang chẩn đoán trong "
     "y tế)", C, "", "An toàn bức xạ và hạt nhân", "department", 3, "SKHCN", 0.60, 10, 0.0),
    ("KH-SKHCN-02", "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ", C, "",
     "Hoạt động khoa học và công nghệ", "department", 3, "SKHCN", 0.40, 10, 0.0),
    ("KH-STC-01", "Cấp mã số đơn vị có quan hệ với ngân sách", C, "", "Tin học - Thống kê", "department",
     4, "STC", 0.70, 2, 0.0),
    ("KH-STC-02", "Đăng ký giá của các doanh nghiệp thuộc phạm vi cấp tỉnh", C, "", "Quản lý giá",
     "department", 3, "STC", 0.30, 5, 0.0),
]

PROCEDURE_COLUMNS = ["procedure_code", "procedure_name", "rule", "effective_date", "field",
                     "authority_level", "online_level", "owner", "weight", "due_days", "online_offset"]

# Rows of a procedure that is not in the catalogue (planted dirt): one per level.
NOT_IN_CATALOGUE = {
    "commune": ("KH-X-NN-01", "Xác nhận đơn đề nghị vay vốn phát triển sản xuất nông nghiệp", "Nông nghiệp"),
    "district": ("KH-H-TC-09", "Thẩm định quyết toán vốn đầu tư dự án hoàn thành", "Tài chính"),
    "department": ("KH-SCT-09", "Cấp Giấy phép kinh doanh bán lẻ sản phẩm thuốc lá", "Lưu thông hàng hóa "
                   "trong nước"),
}


def procedure_table() -> pd.DataFrame:
    """Every procedure with the generator's columns (owner, weight, due days, online offset)."""
    table = pd.DataFrame(PROCEDURES, columns=PROCEDURE_COLUMNS)
    table["online_level"] = table["online_level"].astype("int64")
    return table


def catalog_frame() -> pd.DataFrame:
    """The public catalogue, as written to ``catalog.csv`` (string columns, ISO dates)."""
    cat = procedure_table()[["procedure_code", "procedure_name", "rule", "effective_date", "field",
                             "authority_level", "online_level"]].copy()
    cat["online_level"] = cat["online_level"].astype(str)
    return cat
