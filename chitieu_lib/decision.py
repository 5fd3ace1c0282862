"""A year's decision as data: its targets (Article 1), its window (Article 2) and its units.

The decision lives in ``chitieu_lib/data/decisions/*.toml``; the divisions, agencies
and office calendar it refers to in ``chitieu_lib/data/reference/``. Another
year's decision is another TOML file, not new code.

>>> d = load_decision()
>>> d.number, str(d.window_start), str(d.window_end), d.grace_days
('817/QĐ-UBND', '2018-12-01', '2019-11-30', 5)
>>> u = load_units(d)
>>> int(u["target"].notna().sum())
162
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .errors import InputError

DATA_DIR = Path(__file__).parent / "data"
DECISIONS_DIR = DATA_DIR / "decisions"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DECISION = DECISIONS_DIR / "817-QD-UBND-2019.toml"

UNIT_COLUMNS = ["unit_code", "unit_name", "level", "division_type", "parent_code",
                "target_group", "target"]
LEVELS = ("department", "district", "commune")


@dataclass(frozen=True, eq=False)  # identity hash: cached per loaded file
class Decision:
    """One decision: identity, Article 1 groups and Article 2 window."""

    number: str
    date: dt.date
    year: int
    title: str
    window_start: dt.date
    window_end: dt.date
    grace_days: int
    window_text: dict          # rule -> the sentence of Article 2 that defines it
    groups: tuple              # dicts: clause, level, target, members | communes_of, text
    divisions_file: Path
    agencies_file: Path
    calendar_file: Path
    path: Path


@lru_cache(maxsize=8)
def load_decision(path: str | Path | None = None) -> Decision:
    """Read a decision file (default: Decision 817/QĐ-UBND of 2019)."""
    path = Path(path) if path else DEFAULT_DECISION
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("decision file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not a valid decision file: {exc}", path=path) from None
    win = raw["window"]
    ref = lambda name: (path.parent / name) if (path.parent / name).exists() else REFERENCE_DIR / name  # noqa: E731
    return Decision(
        number=raw["number"], date=raw["date"], year=raw["year"], title=raw["title"],
        window_start=win["start"], window_end=win["end"], grace_days=int(win["grace_days"]),
        window_text={k: win[k] for k in ("continuing", "new", "dropped")},
        groups=tuple(raw["groups"]),
        divisions_file=ref(raw["divisions"]), agencies_file=ref(raw["agencies"]),
        calendar_file=ref(raw["calendar"]), path=path,
    )


def _registry(decision: Decision) -> pd.DataFrame:
    divisions = pd.read_csv(decision.divisions_file, dtype=str, keep_default_na=False)
    agencies = pd.read_csv(decision.agencies_file, dtype=str, keep_default_na=False)
    is_district = divisions["district_code"] == ""
    districts = pd.DataFrame({
        "unit_code": divisions.loc[is_district, "gso_code"], "unit_name": divisions.loc[is_district, "name"],
        "level": "district", "division_type": divisions.loc[is_district, "division_type"], "parent_code": "",
    })
    communes = pd.DataFrame({
        "unit_code": divisions.loc[~is_district, "gso_code"], "unit_name": divisions.loc[~is_district, "name"],
        "level": "commune", "division_type": divisions.loc[~is_district, "division_type"],
        "parent_code": divisions.loc[~is_district, "district_code"],
    })
    departments = pd.DataFrame({
        "unit_code": agencies["code"], "unit_name": agencies["name"], "level": "department",
        "division_type": "sở" , "parent_code": "",
    })
    departments.loc[departments["unit_code"].str.startswith("BQL"), "division_type"] = "ban"
    return pd.concat([departments, districts, communes], ignore_index=True)


@lru_cache(maxsize=8)
def _units_cached(decision: Decision) -> pd.DataFrame:
    units = _registry(decision)
    units["target_group"] = ""
    units["target"] = float("nan")
    for group in decision.groups:
        if "members" in group:
            chosen = units["unit_code"].isin(group["members"]) & (units["level"] == group["level"])
            missing = set(group["members"]) - set(units.loc[chosen, "unit_code"])
            if missing:
                raise InputError(f"group '{group['clause']}' names units not in the registry: "
                                 f"{sorted(missing)}", path=decision.path)
        else:
            chosen = units["parent_code"].isin(group["communes_of"]) & (units["level"] == "commune")
        if units.loc[chosen, "target_group"].ne("").any():
            raise InputError(f"group '{group['clause']}' overlaps another group", path=decision.path)
        units.loc[chosen, "target_group"] = group["clause"]
        units.loc[chosen, "target"] = float(group["target"])
    return units[UNIT_COLUMNS]


def load_units(decision: Decision | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """The units registry: one row per unit, with its target (NaN where the decision sets none).

    Columns: unit_code, unit_name, level (department/district/commune),
    division_type, parent_code (district of a commune, '' otherwise),
    target_group (the clause of Article 1), target (a fraction, 0.45 = 45%).
    ``path`` reads a user's own registry CSV with the same columns instead.

    >>> u = load_units()
    >>> row = u.set_index("unit_code").loc["22516"]
    >>> row.unit_name, row.parent_code, float(row.target)
    ('Xã Vạn Thắng', '571', 0.25)
    """
    if path is not None:
        return read_units_csv(path)
    return _units_cached(decision or load_decision()).copy()


def read_units_csv(path: str | Path) -> pd.DataFrame:
    """Read a user-supplied units registry with the columns of :func:`load_units`."""
    path = Path(path)
    if not path.exists():
        raise InputError("units file not found", path=path)
    units = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in ("unit_code", "unit_name", "level", "target") if c not in units.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}; found {list(units.columns)}", path=path)
    for col in UNIT_COLUMNS:
        if col not in units.columns:
            units[col] = ""
    target = pd.to_numeric(units["target"].replace("", None), errors="coerce")
    bad = units["target"].ne("") & target.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise InputError(f"target '{units['target'][row - 2]}' is not a number", path=path, row=row,
                         column="target")
    units["target"] = target.where(target <= 1, target / 100)  # accept 45 as well as 0.45
    bad_level = ~units["level"].isin(LEVELS)
    if bad_level.any():
        row = int(bad_level.to_numpy().nonzero()[0][0]) + 2
        raise InputError(f"level '{units['level'][row - 2]}' is not one of {list(LEVELS)}",
                         path=path, row=row, column="level")
    return units[UNIT_COLUMNS]


def target_units(units: pd.DataFrame) -> pd.DataFrame:
    """Only the units that have a target."""
    return units[units["target"].notna()].reset_index(drop=True)
