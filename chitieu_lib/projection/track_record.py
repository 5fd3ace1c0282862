"""How good the projection has been: the backtest's error by unit level and as-of date.

The numbers come from ``chitieu backtest --worlds ... --track-record FILE`` on
SIMULATED years (:mod:`.worlds`), not from real years: the file says so, with
the command line that wrote it. Reports show one Vietnamese sentence per unit
(:func:`track_record_text`), for the unit's level at the backtest's as-of date
nearest in the year to the report's.

>>> t = pd.DataFrame({"level": ["commune"], "as_of": [pd.Timestamp("2019-09-30")], "n": [100],
...                   "mae": [0.0112], "coverage80": [0.79], "brier": [0.05]})
>>> track_record_text("commune", "2019-10-05", table=t)
'Trên các năm mô phỏng (không phải số liệu thật), dự báo lập ngày 30/09 cho đơn vị cấp xã lệch trung bình 1,1 điểm phần trăm so với tỷ lệ cuối kỳ; khoảng dự báo 80% chứa tỷ lệ cuối kỳ ở 79% số lượt.'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import labels, vi
from ..decision import load_units
from ..sample.year import sample_decision   # the simulated worlds are drawn for it

TRACK_RECORD_FILE = Path(__file__).resolve().parent.parent / "data" / "projection_track_record.csv"
LEVEL_WORDS = labels.LEVELS_IN_SENTENCE


def track_record_table(detail: pd.DataFrame) -> pd.DataFrame:
    """Model rows of a world backtest → level, as_of, n, mae, coverage80, brier (pooled over worlds, seeds)."""
    m = detail[detail["method"] == "model"]
    level = m["unit_code"].astype(str).map(load_units(sample_decision()).set_index("unit_code")["level"])
    d = m.assign(level=level.to_numpy(), abs_err=(m["projected_rate"] - m["final_rate"]).abs(),
                 covered=((m["final_rate"] >= m["projected_low"]) & (m["final_rate"] <= m["projected_high"])),
                 sq=(m["p_meet"] - m["final_met"].astype(float)) ** 2)
    out = d.groupby(["level", "as_of"]).agg(n=("abs_err", "size"), mae=("abs_err", "mean"),
                                            coverage80=("covered", "mean"), brier=("sq", "mean"))
    return out.reset_index()


def write_track_record(table: pd.DataFrame, path, *, command: str) -> None:
    """The CSV with two comment lines: SIMULATED years, and the command that wrote it."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("# SIMULATED years (chitieu_lib/projection/worlds.py), not real figures\n")
        f.write(f"# written by: {command}\n")
        table.assign(as_of=table["as_of"].dt.strftime("%Y-%m-%d")).to_csv(f, index=False, float_format="%.5f")


@lru_cache(maxsize=2)
def _load(path: str) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", parse_dates=["as_of"])


def track_record(level: str, as_of, *, table: pd.DataFrame | None = None) -> dict:
    """The backtest's record for ``level`` at the as-of date nearest in the year to ``as_of``.

    Keys: level, as_of (the backtest's date), n, mae, coverage80, brier,
    simulated (always True: the record comes from simulated years). Empty
    dict when the level is not in the table.
    """
    t = _load(str(TRACK_RECORD_FILE)) if table is None else table
    t = t[t["level"] == level]
    if t.empty:
        return {}
    as_of = pd.Timestamp(as_of)
    gap = np.abs((t["as_of"].dt.day_of_year - as_of.day_of_year).to_numpy())
    row = t.iloc[int(np.argmin(gap))]
    return {"level": level, "as_of": row["as_of"], "n": int(row["n"]), "mae": float(row["mae"]),
            "coverage80": float(row["coverage80"]), "brier": float(row["brier"]), "simulated": True}


def track_record_text(level: str, as_of, *, table: pd.DataFrame | None = None) -> str:
    """One Vietnamese sentence for a report: how far off the projection has been (simulated years)."""
    r = track_record(level, as_of, table=table)
    if not r:
        return ""
    return labels.say("track_record_sentence", as_of=f"{r['as_of']:%d/%m}", level=LEVEL_WORDS.get(level, level),
                      mae=vi.fmt_num(r["mae"] * 100, 1), coverage=vi.fmt_num(r["coverage80"] * 100, 0))
