"""A year's decision as data: its targets (Article 1), its window (Article 2) and its units.

The decision lives in ``chitieu_lib/data/decisions/*.toml``; the divisions, agencies
and office calendar it refers to in ``chitieu_lib/data/reference/``. Another
year's decision is another TOML file, not new code.

>>> d = load_decision(DEFAULT_DECISION)
>>> d.number, str(d.window_start), str(d.window_end), d.grace_days
('817/QĐ-UBND', '2018-12-01', '2019-11-30', 5)
>>> u = load_units(d)
>>> int(u["target"].notna().sum())
162
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import contracts
from .contracts import USER_UNITS, check_file
from .errors import InputError

DATA_DIR = Path(__file__).parent / "data"
DECISIONS_DIR = DATA_DIR / "decisions"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DECISION = DECISIONS_DIR / "817-QD-UBND-2019.toml"

UNIT_COLUMNS = ["unit_code", "unit_name", "level", "division_type", "parent_code",
                "target_group", "target"]
LEVELS = contracts.LEVELS      # department, district, commune


@dataclass(frozen=True, eq=False)  # identity hash: cached per loaded file
class Decision:
    """One decision: identity, Article 1 groups and Article 2 window."""

    number: str
    date: dt.date
    year: int
    issuer: str
    issuer_short: str          # as report sentences name the issuer ("UBND tỉnh Khánh Hòa")
    province: str              # the area it covers, as reports name it ("tỉnh Khánh Hòa")
    title: str
    window_start: dt.date
    window_end: dt.date
    grace_days: int
    window_text: dict          # rule -> the sentence of Article 2 that defines it
    window_article: str        # the article that sets the window ("Điều 2"), as reports cite it
    groups: tuple              # dicts: clause, level, target, members | communes_of, text
    divisions_file: Path
    agencies_file: Path
    calendar_file: Path
    path: Path
    sha256: str                # of the decision file's bytes: the store records which decision it used
    letters: tuple = ()        # implementing letters (dicts): issuer_code, issuer, number, date, ...

    @property
    def reference_files(self) -> tuple[Path, ...]:
        """The files this decision refers to (registry and calendar), which travel with it."""
        return (self.divisions_file, self.agencies_file, self.calendar_file)

    @property
    def targets_article(self) -> str:
        """The article that sets the targets, from the groups' clauses ("Điều 1, khoản 1, ..." → "Điều 1")."""
        heads = {str(g["clause"]).split(",")[0].strip() for g in self.groups}
        return heads.pop() if len(heads) == 1 else ""

    def group(self, clause: str) -> dict | None:
        """The Article 1 group of ``clause`` (None if the decision has no such clause)."""
        return next((g for g in self.groups if g["clause"] == clause), None)

    def letters_of(self, unit_code: str, parent_code: str = "") -> list[dict]:
        """Letters issued by this unit, or by its district for a commune (letters pass targets down).

        >>> d = load_decision(DEFAULT_DECISION)
        >>> [x["number"] for x in d.letters_of("571")], d.letters_of("568")
        (['934/UBND-VHTT'], [])
        >>> [x["number"] for x in d.letters_of("22516", "571")]
        ['934/UBND-VHTT']
        """
        codes = {str(unit_code), str(parent_code)} - {""}
        return [x for x in self.letters if str(x["issuer_code"]) in codes]


LETTER_KEYS = ("issuer_code", "issuer", "number", "date", "subject", "items")


@lru_cache(maxsize=8)
def load_decision(path: str | Path | None = None) -> Decision:
    """Read a decision file, cached by path (see :func:`read_decision`).

    Only the command line and the store's build pass ``None`` (Decision 817/QĐ-UBND of 2019).
    """
    return read_decision(path)


def read_decision(path: str | Path | None = None) -> Decision:
    """Read a decision file afresh.

    Files the decision names (divisions, agencies, calendar) are looked for beside
    it first, then in the kit's ``data/reference/``. A decision whose office calendar
    does not cover its window is refused: counting working days outside it would
    treat every holiday as a working day.
    """
    path = Path(path) if path else DEFAULT_DECISION
    try:
        data = path.read_bytes()
        raw = tomllib.loads(data.decode("utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        raise InputError("decision file not found", path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not a valid decision file: {exc}", path=path) from None
    required = ["number", "date", "year", "title", "divisions", "agencies", "calendar", "window", "groups"]
    missing = [k for k in required if k not in raw]
    if missing:
        raise InputError(f"decision file lacks {missing}; see chitieu_lib/data/decisions/TEMPLATE.toml",
                         path=path)
    if raw["number"] == "TEMPLATE":
        raise InputError("this is the template, not a decision: copy it and fill it in", path=path)
    win = raw["window"]
    missing = [k for k in ("start", "end", "grace_days", "continuing", "new", "dropped") if k not in win]
    if missing:
        raise InputError(f"[window] lacks {missing}", path=path)
    letters = tuple(raw.get("letters", ()))
    for i, letter in enumerate(letters, start=1):
        lacking = [k for k in LETTER_KEYS if k not in letter]
        if lacking:
            raise InputError(f"[[letters]] number {i} lacks {lacking}", path=path)
    decision = Decision(
        number=raw["number"], date=raw["date"], year=raw["year"],
        issuer=raw.get("issuer", ""), issuer_short=raw.get("issuer_short", raw.get("issuer", "")),
        province=raw.get("province", ""),
        title=raw["title"],
        window_start=win["start"], window_end=win["end"], grace_days=int(win["grace_days"]),
        window_text={k: win[k] for k in ("continuing", "new", "dropped")},
        window_article=str(win.get("article", "")),
        groups=tuple(raw["groups"]),
        divisions_file=_reference(path, raw["divisions"]), agencies_file=_reference(path, raw["agencies"]),
        calendar_file=_reference(path, raw["calendar"]), path=path,
        sha256=hashlib.sha256(data).hexdigest(), letters=letters,
    )
    _check_calendar(decision)
    return decision


def _reference(decision_path: Path, name: str) -> Path:
    beside = decision_path.parent / name
    found = beside if beside.is_file() else REFERENCE_DIR / name
    if not found.is_file():
        raise InputError(f"the decision names '{name}', found neither beside it nor in the kit's "
                         "reference data", path=decision_path)
    return found


def calendar_coverage(calendar_file: Path) -> tuple[dt.date, dt.date] | None:
    """The days an office calendar covers, from its ``# covers: START END`` line (None if absent).

    >>> calendar_coverage(REFERENCE_DIR / "vn_office_calendar_2018_2019.csv")
    (datetime.date(2018, 12, 1), datetime.date(2019, 11, 30))
    """
    for line in calendar_file.read_text(encoding="utf-8-sig").splitlines():
        if line.startswith("# covers:"):
            start, end = line.split(":", 1)[1].split()[:2]
            return dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if not line.startswith("#"):
            return None
    return None


def _check_calendar(decision: Decision) -> None:
    covers = calendar_coverage(decision.calendar_file)
    if covers is None:
        raise InputError(f"office calendar {decision.calendar_file.name} does not say which days it covers "
                         "(a first line '# covers: YYYY-MM-DD YYYY-MM-DD')", path=decision.path)
    if covers[0] > decision.window_start or covers[1] < decision.window_end:
        raise InputError(
            f"office calendar {decision.calendar_file.name} covers {covers[0]} to {covers[1]}, but the "
            f"decision's window runs {decision.window_start} to {decision.window_end}; name a calendar "
            "that covers the whole window (README: adding a year)", path=decision.path)


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

    >>> u = load_units(load_decision(DEFAULT_DECISION))
    >>> row = u.set_index("unit_code").loc["22516"]
    >>> row.unit_name, row.parent_code, float(row.target)
    ('Xã Vạn Thắng', '571', 0.25)
    """
    if path is not None:
        return read_units_csv(path)
    if decision is None:
        raise TypeError("load_units needs the decision whose registry to read (or a units file path)")
    return _units_cached(decision).copy()


def read_units_csv(path: str | Path) -> pd.DataFrame:
    """Read a user-supplied units registry with the columns of :func:`load_units`."""
    path = Path(path)
    if not path.exists():
        raise InputError("units file not found", path=path)
    try:
        units = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skip_blank_lines=False)
    except UnicodeDecodeError as exc:
        raise InputError(f"the units file is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as "
                         "'CSV UTF-8'", path=path) from None
    units = units[~(units == "").all(axis=1)]        # blank lines dropped, spreadsheet row numbers kept
    missing = [c for c in ("unit_code", "unit_name", "level", "target") if c not in units.columns]
    if missing:
        raise InputError(f"missing column(s) {missing}; found {list(units.columns)}", path=path)
    for col in UNIT_COLUMNS:
        if col not in units.columns:
            units[col] = ""
    check_file(units, USER_UNITS, path, key="unit_code")   # every failure of the file at once
    target = pd.to_numeric(units["target"].replace("", None), errors="coerce")
    units["target"] = target.where(target <= 1, target / 100)  # accept 45 as well as 0.45
    return units[UNIT_COLUMNS].reset_index(drop=True)


def target_units(units: pd.DataFrame) -> pd.DataFrame:
    """Only the units that have a target."""
    return units[units["target"].notna()].reset_index(drop=True)
