"""Table contracts: what each table must hold, as pandera schemas, and their failures as InputErrors.

Two kinds of tables:

- **files a user supplies** — the procedure catalogue and a units registry — are
  checked when read (:func:`check_file`): every failure of the file at once, each
  as "row R, column C: what was expected", with the spreadsheet row number
  (header = row 1);
- **the stored tables** — dossiers, accounting, catalogue, units, aggregates — are
  checked when ``chitieu ingest`` writes the store (:func:`check_stored`) and in the
  tests, not on every open of a large store.

The hand-written parsing and row classification stay where they are (ingest/);
these schemas state the result they must give.

>>> import pandas as pd
>>> bad = pd.DataFrame({"procedure_code": ["P1", "P1", ""], "procedure_name": ["a", "b", "c"],
...                     "rule": ["continuing", "sometimes", "new"], "effective_date": ["", "", ""]})
>>> for f in failures(bad, USER_CATALOG):
...     print(f.row, f.column, f.expected)
3 procedure_code not a repeat of an earlier row
3 rule one of continuing, new, dropped
4 procedure_code a non-empty code
4 effective_date rule new or dropped needs an effective_date (Article 2)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from . import labels
from .errors import InputError

RULES = tuple(labels.RULES)                                   # the rules of Article 2
LEVELS = tuple(k for k in labels.LEVELS if k != "province")    # levels that get a target
REASONS = tuple(labels.REASONS)
CHANNELS = tuple(labels.CHANNELS)
MAX_LISTED = 20        # failures listed in one message (the count says how many more)


def _iso_or_empty(s: pd.Series) -> pd.Series:
    def ok(text: str) -> bool:
        if text == "":
            return True
        try:
            dt.date.fromisoformat(text)
            return len(text) == 10
        except ValueError:
            return False
    return s.map(ok).astype(bool)


def _needs_effective_date(df: pd.DataFrame) -> pd.Series:
    return ~df["rule"].str.lower().isin(("new", "dropped")) | (df["effective_date"] != "")


def _first_seen(s: pd.Series) -> pd.Series:
    return ~s.duplicated(keep="first")


# ------------------------------------------------------------------------ files a user supplies

USER_CATALOG = pa.DataFrameSchema(
    {
        "procedure_code": pa.Column(str, [
            pa.Check(lambda s: s != "", error="a non-empty code"),
            pa.Check(lambda s: (s == "") | _first_seen(s), error="not a repeat of an earlier row",
                     name="first_seen")]),
        "procedure_name": pa.Column(str),
        "rule": pa.Column(str, pa.Check(lambda s: s.str.lower().isin(RULES),
                                        error="one of " + ", ".join(RULES))),
        "effective_date": pa.Column(str, pa.Check(_iso_or_empty, error="an ISO date (YYYY-MM-DD)"),
                                    required=False),
    },
    checks=[pa.Check(_needs_effective_date, name="effective_date",
                     error="rule new or dropped needs an effective_date (Article 2)")],
    name="procedure catalogue",
)


def _target_ok(s: pd.Series) -> pd.Series:
    number = pd.to_numeric(s.replace("", None), errors="coerce")
    return (s == "") | (number.notna() & (number >= 0) & (number <= 100))


USER_UNITS = pa.DataFrameSchema(
    {
        "unit_code": pa.Column(str, [
            pa.Check(lambda s: s != "", error="a non-empty code"),
            pa.Check(lambda s: (s == "") | _first_seen(s), error="not a repeat of an earlier row",
                     name="first_seen")]),
        "unit_name": pa.Column(str, pa.Check(lambda s: s != "", error="a non-empty name")),
        "level": pa.Column(str, pa.Check.isin(LEVELS, error="one of " + ", ".join(LEVELS))),
        "target": pa.Column(str, pa.Check(_target_ok, error="empty, or a share: 0.45 or 45 for 45%")),
    },
    checks=[pa.Check(lambda df: (df["level"] != "commune")
                     | df["parent_code"].isin(set(df.loc[df["level"] == "district", "unit_code"])),
                     name="parent_code",
                     error="rule: a commune's parent_code must be the unit_code of a district of this file")],
    name="units registry",
)


@dataclass(frozen=True)
class Failure:
    """One broken rule: spreadsheet row (None for a whole column), column, what was expected, value."""

    row: int | None
    column: str | None
    expected: str
    value: str | None = None


def failures(frame: pd.DataFrame, schema: pa.DataFrameSchema, *, first_row: int = 2) -> list[Failure]:
    """Every failure of ``frame`` against ``schema``, in row order (row numbers from ``first_row``)."""
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    out = []
    for rec in cases.to_dict("records"):
        index = rec.get("index")
        row = None if index is None or pd.isna(index) else int(index) + first_row
        column = rec.get("column") if isinstance(rec.get("column"), str) else None
        check = str(rec.get("check") or "")
        if rec.get("schema_context") == "DataFrameSchema":   # a whole-row check, reported per column:
            named = [c.name for c in schema.checks if check in (c.error, c.name)]   # its name is its column
            column = named[0] if named and named[0] in frame.columns else None
        expected = _expected(schema, column, check)
        value = None if rec.get("schema_context") == "DataFrameSchema" else rec.get("failure_case")
        out.append(Failure(row, column, expected, None if value is None else str(value)))
    rank = {c: i for i, c in enumerate(frame.columns)}
    return sorted(set(out), key=lambda f: (f.row or 0, rank.get(f.column, 99), f.expected))


def _expected(schema: pa.DataFrameSchema, column: str | None, check: str) -> str:
    """The ``error`` text of the check that failed (pandera reports the check by name or error)."""
    checks = list(schema.checks) + (list(schema.columns[column].checks) if column in schema.columns else [])
    for c in checks:
        if check in (c.error, c.name, str(c)):
            return c.error or check
    if check.startswith("column_in_dataframe"):
        return "a column of that name"
    return check


def _describe(f: Failure, frame: pd.DataFrame, key: str | None) -> str:
    """One failure in words. Values shown are codes, rules, levels or dates: never personal data."""
    where = ", ".join(x for x in (f"row {f.row}" if f.row else "", f"column '{f.column}'" if f.column else "") if x)
    value = None if f.value in (None, "", "False", "True") else str(f.value)[:60]
    if f.expected == "not a repeat of an earlier row" and key and f.row:
        first = int(frame.index[frame[key] == frame[key].loc[f.row - 2]][0]) + 2
        return f"{where}: '{value}' repeats row {first}"
    if f.expected.startswith("rule "):                 # a sentence of its own (a whole-row check)
        return f"{where}: {f.expected.removeprefix('rule: ')}"
    return f"{where}: '{value}' is not {f.expected}" if value else f"{where}: expected {f.expected}"


def check_file(frame: pd.DataFrame, schema: pa.DataFrameSchema, path, *, key: str | None = None) -> None:
    """Raise one InputError listing every failure of a user's file (row and column of the first)."""
    found = failures(frame, schema)
    if not found:
        return
    lines = [_describe(f, frame, key) for f in found[:MAX_LISTED]]
    more = f"\n  ... and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    first = found[0]
    if len(found) == 1:     # the InputError itself says the row and column: say them once
        message = lines[0].split(": ", 1)[1] if (first.row or first.column) else lines[0]
    else:
        message = f"{len(found)} problem(s) in this {schema.name}" + "".join(f"\n  {ln}" for ln in lines) + more
    raise InputError(message, path=path, row=first.row if len(found) == 1 else None,
                     column=first.column if len(found) == 1 else None) from None


# ------------------------------------------------------------------------ the stored tables

def _categories_within(allowed):
    """A check that looks at a categorical's categories (cheap at ten million rows), else the values."""
    allowed = set(allowed)

    def check(s: pd.Series):
        if isinstance(s.dtype, pd.CategoricalDtype):
            used = s.cat.categories[pd.unique(s.cat.codes[s.cat.codes >= 0])]
            return set(map(str, used)) <= allowed
        return s.isna() | s.astype("object").isin(allowed)
    return check


STORED = {
    "dossiers": pa.DataFrameSchema({
        "source_file": pa.Column(nullable=False),
        "source_row": pa.Column("int64", pa.Check.ge(1)),
        "unit_match": pa.Column(checks=pa.Check(_categories_within(("ok", "unknown", "ambiguous")),
                                                error="ok, unknown or ambiguous"), nullable=True),
        "channel": pa.Column(checks=pa.Check(_categories_within(CHANNELS), error="a channel key"),
                             nullable=True),
        "received_date": pa.Column("datetime64[ns]", nullable=True),
        "reason": pa.Column(checks=pa.Check(_categories_within(REASONS), error="a reason key")),
        "target": pa.Column("float64", pa.Check.in_range(0, 1), nullable=True),
    }, name="dossiers"),
    "accounting": pa.DataFrameSchema({
        "file": pa.Column(str), "kind": pa.Column(str),
        "reason": pa.Column(str), "rows": pa.Column("int64", pa.Check.ge(0)), "example_rows": pa.Column(str),
    }, name="accounting"),
    "catalog": pa.DataFrameSchema({
        "procedure_code": pa.Column(str, unique=True),
        "rule": pa.Column(str, pa.Check.isin(RULES)),
        "window_start": pa.Column(nullable=False), "window_end": pa.Column(nullable=False),
    }, name="catalog"),
    "units": pa.DataFrameSchema({
        "unit_code": pa.Column(str, unique=True),
        "level": pa.Column(str, pa.Check.isin(LEVELS)),
        "target": pa.Column("float64", pa.Check.in_range(0, 1), nullable=True),
    }, name="units"),
    "aggregates": pa.DataFrameSchema({
        "source_row": pa.Column("int64", pa.Check.ge(1)),
        "online": pa.Column(nullable=True, checks=pa.Check(lambda s: s.isna() | (s >= 0), error=">= 0")),
        "total": pa.Column(nullable=True, checks=pa.Check(lambda s: s.isna() | (s >= 0), error=">= 0")),
        "reason": pa.Column(nullable=False),
    }, name="aggregates"),
}


def check_stored(name: str, frame: pd.DataFrame, store_dir: Path | str = "the store") -> None:
    """Check a table of the store before it is written; a failure is a bug of the kit, said plainly."""
    found = failures(frame, STORED[name])
    if found:
        listed = "; ".join(f"row {f.row} column {f.column}: expected {f.expected}" for f in found[:5])
        raise AssertionError(f"{store_dir}: the {name} table breaks its contract ({len(found)} failure(s): "
                             f"{listed}); please report this")
