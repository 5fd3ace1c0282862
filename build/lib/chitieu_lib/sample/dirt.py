"""The planted dirt: a fixed, documented number of bad rows per file, whatever --scale is.

Real exports carry re-exported duplicates, unit names nobody can resolve, dates
that do not exist and procedures missing from the catalogue. The sample plants
exactly :data:`DIRT` of them (and a few dossiers of Trường Sa, a district the
decision sets no target for), so the loader's accounting can be checked to the
row. Every planted row starts as a clean, counted row; its expected exclusion
reason is recorded with it.

>>> sum(n for _, reason, n, _ in DIRT if reason == "unknown_unit")
9
"""

from __future__ import annotations

import numpy as np

# Exclusion reasons, in the loader's order of precedence (docs/architecture.md).
REASONS = ("counted", "duplicate", "invalid_date", "unknown_unit", "ambiguous_unit", "no_target",
           "not_in_catalogue", "outside_window")
REASON_CODE = {r: i for i, r in enumerate(REASONS)}

DUPLICATES_PER_FILE = 5      # one block of 5 consecutive rows exported twice, in every file

# (file stem, expected reason, rows, what is written)
DIRT = [
    ("so_2019Q1", "unknown_unit", 2, "Chi nhánh Văn phòng đăng ký đất đai Nha Trang"),
    ("huyen_2019Q2", "unknown_unit", 3, "UBND huyện Đồng Xuân"),
    ("xa_2019Q3", "unknown_unit", 2, "UBND xã Hòa Bình, huyện Vạn Ninh"),
    ("xa_2019Q4", "unknown_unit", 2, "22999"),                       # a file with unit codes
    ("xa_2019Q2", "ambiguous_unit", 3, "UBND Vạn Thắng"),            # phường (Nha Trang) or xã (Vạn Ninh)
    ("xa_2019Q3", "ambiguous_unit", 3, "UBND Vạn Thạnh"),            # the same pair
    ("xa_2019Q1", "invalid_date", 2, "29/02/2019"),
    ("huyen_2019Q2", "invalid_date", 2, "31/04/2019"),
    ("so_2019Q3", "invalid_date", 2, "31/09/2019"),
    ("xa_2019Q4", "invalid_date", 2, "31/11/2019"),
    ("xa_2019Q2", "not_in_catalogue", 5, "commune"),
    ("huyen_2019Q3", "not_in_catalogue", 4, "district"),
    ("so_2019Q4", "not_in_catalogue", 3, "department"),
    ("xa_2019Q1", "no_target", 4, "Trường Sa"),
    ("xa_2019Q2", "no_target", 4, "Trường Sa"),
    ("xa_2019Q3", "no_target", 4, "Trường Sa"),
    ("xa_2019Q4", "no_target", 3, "Trường Sa"),
]

# Trường Sa's units (GSO codes and export names): in the registry, without a target.
TRUONG_SA = [("22736", "UBND thị trấn Trường Sa, huyện Trường Sa"),
             ("22737", "UBND xã Song Tử Tây, huyện Trường Sa"),
             ("22739", "UBND xã Sinh Tồn, huyện Trường Sa")]


def planted_counts() -> dict:
    """Rows planted per expected reason over the whole sample (duplicates included).

    >>> planted_counts()["duplicate"]
    60
    """
    out = {"duplicate": DUPLICATES_PER_FILE * 12}
    for _, reason, n, _ in DIRT:
        out[reason] = out.get(reason, 0) + n
    return out


def pick_rows(rng, reason: np.ndarray, n: int, prefer: np.ndarray | None = None,
              exclude: np.ndarray | None = None) -> np.ndarray:
    """n distinct clean (counted) rows, from the preferred ones when there are enough."""
    clean = reason == REASON_CODE["counted"]
    if exclude is not None:
        clean &= ~exclude
    if prefer is not None and (clean & prefer).sum() >= n:
        clean &= prefer
    candidates = np.flatnonzero(clean)
    if len(candidates) < n:
        raise ValueError(f"only {len(candidates)} clean rows to plant {n} bad ones: raise --scale")
    return np.sort(rng.choice(candidates, n, replace=False))


def duplicate_order(rng, n_rows: int, block: int = DUPLICATES_PER_FILE) -> tuple[np.ndarray, np.ndarray]:
    """Row order with one block of ``block`` rows repeated right after itself (a re-exported page).

    Returns (order, is_copy).

    >>> order, copy = duplicate_order(np.random.default_rng(0), 8, 2)
    >>> len(order), int(copy.sum())
    (10, 2)
    """
    if n_rows < block + 1:
        raise ValueError(f"only {n_rows} rows: cannot plant {block} duplicates; raise --scale")
    start = int(rng.integers(0, n_rows - block))
    order = np.r_[np.arange(start + block), np.arange(start, n_rows)]
    is_copy = np.zeros(len(order), dtype=bool)
    is_copy[start + block:start + 2 * block] = True
    return order, is_copy
