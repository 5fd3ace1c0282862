"""The one date parser of the kit for exports: dossier lists, Biểu 06 title blocks and flat
aggregates all read days here. (The procedure catalogue, a file the kit's users write, takes ISO
days, YYYY-MM-DD, checked by its contract in chitieu_lib/contracts.py.)

Days are always day-first. Accepted: d/m/yyyy (also with '-' or '.'), with or without a time;
ISO yyyy-mm-dd; the compact forms the national public-service portal (DVCQG) and the one-stop
systems synced to it write, ``yyyyMMddHHmmss`` and ``yyyyMMdd``; Excel date cells (read as ISO)
and Excel serial day numbers. Each parser works on the distinct values of a column only
(dictionary-encode, parse the few distinct strings, take back): ten million rows hold a few
hundred distinct dates.

>>> import pyarrow as pa
>>> parse_dates(pa.array(["05/03/2019 08:30", "2019-03-05", "43529", "20190305083000", "20190305",
...                       "31/02/2019", None])).dt.strftime("%Y-%m-%d").tolist()
['2019-03-05', '2019-03-05', '2019-03-05', '2019-03-05', '2019-03-05', nan, nan]
>>> parse_day("31/01/2019"), parse_day("20190131"), parse_day("31/2/2019")
(Timestamp('2019-01-31 00:00:00'), Timestamp('2019-01-31 00:00:00'), None)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Excel serial day numbers count from 1899-12-30; accept 2000-01-01 .. 2099-12-31 only.
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
SERIAL_MIN, SERIAL_MAX = 36526, 73050

_DMY = r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"
_YMD = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"
# yyyyMMdd, optionally followed by HHmmss (DVCQG's "20190305083000"); the year must look like one
# (19xx/20xx) so that an 8-digit number is not taken for a day by accident.
_COMPACT = r"^(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:[0-2]\d[0-5]\d(?:[0-5]\d)?)?$"
_SERIAL = r"^(?P<serial>\d{5})(?:[.,]\d+)?$"
PATTERNS = (_DMY, _YMD, _COMPACT)


def by_unique(values: pa.Array) -> tuple[pd.Series, np.ndarray]:
    """:func:`distinct` with the distinct values as a str Series."""
    uniques, codes = distinct(values)
    return pd.Series(pd.array(uniques, dtype="str")), codes


def take_back(per_unique: np.ndarray, codes: np.ndarray, missing) -> np.ndarray:
    """Spread per-unique results back over the rows; rows with code -1 get ``missing``."""
    extended = np.concatenate([per_unique, np.array([missing], dtype=per_unique.dtype)])
    return extended[codes]


def distinct(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct values (an Arrow array) and, per row, the index of its value (-1 = null)."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary.cast(pa.string()), codes


def _parse_unique_dates(uniques: pd.Series) -> np.ndarray:
    # A time of day ("08:30", "8:30:15 SA", "T08:30:00") never changes the day: cut it off.
    day = uniques.str.strip().str.replace(r"[T\s].*$", "", regex=True)
    out = np.full(len(day), np.datetime64("NaT"), dtype="datetime64[ns]")
    for pattern in PATTERNS:
        parts = day.str.extract(pattern)
        ok = parts["y"].notna().to_numpy() & np.isnat(out)
        if ok.any():
            frame = parts[ok].astype(int).rename(columns={"y": "year", "m": "month", "d": "day"})
            out[ok] = pd.to_datetime(frame[["year", "month", "day"]], errors="coerce").to_numpy(
                dtype="datetime64[ns]")
    serial = pd.to_numeric(day.str.extract(_SERIAL)["serial"], errors="coerce").to_numpy()
    ok = (serial >= SERIAL_MIN) & (serial <= SERIAL_MAX)
    if ok.any():
        out[ok] = (EXCEL_EPOCH + serial[ok].astype("int64").astype("timedelta64[D]")).astype(
            "datetime64[ns]")
    return out


# The characters Python's str.strip() and the regex \s treat as whitespace (str.isspace), for RE2.
_WS = r"\t\n\x0b\x0c\r\x1c-\x1f\x{85}\p{Z}"
_TIME_OF_DAY = rf"^([{_WS}]*[^{_WS}T]+)[{_WS}T].*$"


def _cut_time_of_day(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Drop what follows the first date token, in Arrow (RE2), as _parse_unique_dates does.

    Keeps the leading whitespace and the token (which _parse_unique_dates strips and cuts
    exactly as before); a value the pattern does not match is left as it is.

    >>> _cut_time_of_day(pa.array([" 05/03/2019 08:30", "2019-03-05T08:30", "43529", None])).to_pylist()
    [' 05/03/2019', '2019-03-05', '43529', None]
    """
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        return values
    return pc.replace_substring_regex(values, _TIME_OF_DAY, r"\1")


def parse_dates(values: pa.Array | None, n: int | None = None) -> pd.Series:
    """Day-first dates to datetime64[ns] (day only); NaT where the text is not a date."""
    if values is None:
        return pd.Series(np.full(n or 0, np.datetime64("NaT"), dtype="datetime64[ns]"))
    # Performance: distinct texts with a time of day are many (a year of received times: ~10^5),
    # distinct days few. Cut the time off each distinct text in Arrow, then parse each distinct
    # day once; _parse_unique_dates makes the same cut again, so the result is unchanged.
    texts, codes = distinct(values)
    days, day_codes = by_unique(_cut_time_of_day(texts))
    nat = np.datetime64("NaT")
    per_text = take_back(_parse_unique_dates(days), day_codes, nat)
    return pd.Series(take_back(per_text, codes, nat), dtype="datetime64[ns]")


def parse_day(text: object) -> pd.Timestamp | None:
    """One day (a cell, a title-block date) by the same rules as :func:`parse_dates`; None if it
    is not a day. Date and datetime objects are taken as they are."""
    if isinstance(text, (dt.date, pd.Timestamp)):
        return pd.Timestamp(text).normalize()
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    day = parse_dates(pa.array([str(text)], type=pa.string())).iloc[0]
    return None if pd.isna(day) else pd.Timestamp(day)
