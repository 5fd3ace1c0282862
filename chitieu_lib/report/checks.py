"""Cross-checks a reader never sees and nbval compares: each figure recomputed a second way."""

from __future__ import annotations

import numpy as np

from ..labels import COLUMNS as C
from ..vi import fmt_pct
from .tables import quality_table, recount
from .views import View


def print_checks(view: View, unit_code: str | None = None) -> None:
    """Print a fixed text when every check holds (``SAI`` marks one that does not)."""
    d = view.dossiers if unit_code is None else view.dossiers[view.dossiers["unit_code"] == str(unit_code)]
    rates = view.rates if unit_code is None else view.rates[view.rates["unit_code"] == str(unit_code)]
    direct = recount(view, unit_code).reindex(rates["unit_code"].astype("str").to_numpy(), fill_value=0)
    same_counts = (direct["online"].to_numpy() == rates["online"].to_numpy()).all() and \
                  (direct["total"].to_numpy() == rates["total"].to_numpy()).all()
    with np.errstate(invalid="ignore", divide="ignore"):
        mine = direct["online"].to_numpy() / np.where(direct["total"].to_numpy() > 0, direct["total"], np.nan)
    theirs = rates["rate"].astype("float64").to_numpy()
    same_rate = bool(np.allclose(mine, theirs, equal_nan=True))
    months = view.monthly if unit_code is None else view.monthly[view.monthly["unit_code"] == str(unit_code)]
    same_months = int(months["total"].sum()) == int(rates["total"].sum())
    quality = quality_table(view, unit_code)
    all_rows = int(quality[C["rows"]].sum()) == len(d)
    word = {True: "đúng", False: "SAI"}
    print(f"Kiểm tra {'đơn vị ' + str(unit_code) if unit_code else 'toàn bộ'}: {len(rates)} đơn vị")
    print(f"- trực tuyến, tổng số khớp với đếm lại từng hồ sơ: {word[bool(same_counts)]}")
    print(f"- tỷ lệ = trực tuyến / tổng số: {word[same_rate]}")
    print(f"- cộng các tháng = cả kỳ: {word[same_months]}")
    print(f"- mọi dòng được tính hoặc có lý do loại: {word[all_rows]}")
    if unit_code is not None:
        print(f"- chỉ tiêu (Điều 1): {fmt_pct(rates['target'].iloc[0], 0)}")
