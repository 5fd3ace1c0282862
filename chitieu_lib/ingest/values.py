"""Normalising cell values: text, day-first dates, channel words.

Each parser works on the distinct values of a column only (dictionary-encode, parse the few
distinct strings, take back): ten million rows hold a few hundred distinct dates.

>>> import pyarrow as pa
>>> parse_dates(pa.array(["05/03/2019 08:30", "2019-03-05", "43529", "31/02/2019", None])).tolist()
[Timestamp('2019-03-05 00:00:00'), Timestamp('2019-03-05 00:00:00'), Timestamp('2019-03-05 00:00:00'), NaT, NaT]
>>> list(parse_channels(pa.array(["Trực tuyến", "TRỰC TIẾP", "Dịch vụ bưu chính công ích", "2", "fax"])))
['online', 'direct', 'postal', 'online', nan]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..text import fold
from .format import CHANNELS, ExportFormat, load_format

# Excel serial day numbers count from 1899-12-30; accept 2000-01-01 .. 2099-12-31 only.
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
SERIAL_MIN, SERIAL_MAX = 36526, 73050

_DMY = r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"
_YMD = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"
_SERIAL = r"^(?P<serial>\d{5})(?:[.,]\d+)?$"


def by_unique(values: pa.Array) -> tuple[pd.Series, np.ndarray]:
    """Distinct non-null values (a str Series) and, per row, the index of its value (-1 = null)."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(values)
    uniques = pd.Series(pd.array(encoded.dictionary.cast(pa.string()), dtype="str"))
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return uniques, codes


def take_back(per_unique: np.ndarray, codes: np.ndarray, missing) -> np.ndarray:
    """Spread per-unique results back over the rows; rows with code -1 get ``missing``."""
    extended = np.concatenate([per_unique, np.array([missing], dtype=per_unique.dtype)])
    return extended[codes]


def _all_ascii(values: pa.Array) -> bool:
    return len(values) == 0 or pc.all(pc.string_is_ascii(values)).as_py() in (True, None)


def trim_cells(values: pa.Array | pa.ChunkedArray, few_distinct: bool = False) -> pa.Array:
    """Trim cells, make empty cells null and text NFC (NFD or Windows-1258 input comes in
    decomposed). ``few_distinct`` normalises distinct values only (names, statuses).

    >>> import unicodedata
    >>> trim_cells(pa.array(["  a ", "", None, unicodedata.normalize("NFD", "Hòa")])).to_pylist()
    ['a', None, None, 'Hòa']
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = pc.utf8_trim_whitespace(values.cast(pa.string()))
    values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    if _all_ascii(values):
        return values
    if few_distinct:
        encoded = pc.dictionary_encode(values)
        return pc.utf8_normalize(encoded.dictionary, form="NFC").take(encoded.indices)
    return pc.utf8_normalize(values, form="NFC")


def encode_cells(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Cleaned (see :func:`trim_cells`) distinct values, and per row the index of its value
    (-1 = empty). Only the distinct raw texts are trimmed and normalised: a column of a
    million cells holds a few hundred names, or a few hundred thousand date-times.

    >>> uniques, codes = encode_cells(pa.array([" Sở A", "Sở A", "", None, "B "]))
    >>> uniques.to_pylist(), codes.tolist()
    (['Sở A', 'B'], [0, 0, -1, -1, 1])
    """
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(values.cast(pa.string()))
    # Distinct raw texts may clean to the same value (" A" and "A"): encode once more.
    uniques, remap = _distinct(trim_cells(encoded.dictionary))
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return uniques, take_back(remap.astype(np.int32), codes, -1)


def clean_text(values: pa.Array | None, n: int) -> pd.Series:
    """A cleaned text column (see :func:`trim_cells`) as pandas ``str``; all NA when absent."""
    if values is None:
        return pd.Series(pd.array([None] * n, dtype="str"))
    return pd.Series(pd.array(values, dtype="str"))


def _parse_unique_dates(uniques: pd.Series) -> np.ndarray:
    # A time of day ("08:30", "8:30:15 SA", "T08:30:00") never changes the day: cut it off.
    day = uniques.str.strip().str.replace(r"[T\s].*$", "", regex=True)
    out = np.full(len(day), np.datetime64("NaT"), dtype="datetime64[ns]")
    for pattern in (_DMY, _YMD):
        parts = day.str.extract(pattern)
        ok = parts["y"].notna().to_numpy()
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
    """Day-first dates to datetime64[ns] (day only); NaT where the text is not a date.

    Accepts d/m/yyyy (also with '-' or '.'), with or without a time; ISO yyyy-mm-dd; Excel date
    cells (read as ISO) and Excel serial day numbers.
    """
    if values is None:
        return pd.Series(np.full(n or 0, np.datetime64("NaT"), dtype="datetime64[ns]"))
    # Performance: distinct texts with a time of day are many (a year of received times: ~10^5),
    # distinct days few. Cut the time off each distinct text in Arrow, then parse each distinct
    # day once; _parse_unique_dates makes the same cut again, so the result is unchanged.
    texts, codes = _distinct(values)
    days, day_codes = by_unique(_cut_time_of_day(texts))
    nat = np.datetime64("NaT")
    per_text = take_back(_parse_unique_dates(days), day_codes, nat)
    return pd.Series(take_back(per_text, codes, nat), dtype="datetime64[ns]")


def _distinct(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct values (an Arrow array) and, per row, the index of its value (-1 = null)."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return encoded.dictionary.cast(pa.string()), codes


def parse_channels(values: pa.Array, fmt: ExportFormat | None = None) -> pd.Categorical:
    """Channel words to the categories online/direct/postal (NA where the word is unknown)."""
    fmt = fmt or load_format()
    uniques, codes = by_unique(values)
    position = {c: i for i, c in enumerate(CHANNELS)}
    mapped = np.array([position.get(fmt.channel_of.get(_channel_key(u)), -1) for u in uniques],
                      dtype=np.int64)
    return pd.Categorical.from_codes(take_back(mapped, codes, -1), categories=list(CHANNELS))


def _channel_key(word: str) -> str:
    key = fold(word)
    # "2.0" from a numeric spreadsheet cell is the code 2.
    if key.endswith(" 0") and key[:-2].isdigit():
        key = key[:-2]
    return key
