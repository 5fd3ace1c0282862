"""Normalising cell values: text and channel words (days: :mod:`.dates`, the one date parser).

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
from .dates import (_parse_unique_dates, by_unique, distinct as _distinct, parse_dates,  # noqa: F401
                    take_back)  # re-exported: callers and tests import them from here
from .format import CHANNELS, ExportFormat, load_format


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
