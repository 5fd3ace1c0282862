"""Finding repeated dossier ids among ten million rows, exactly, in about a second.

Hashing the id strings themselves (Arrow's dictionary encoding, pandas' ``duplicated``) costs
3–5 s and ~1 GiB at ten million ids: one hash-table entry per distinct string. Here each id
becomes a 64-bit number read straight from Arrow's buffers (its first 24 and last 8 bytes and
its length), numbers are deduplicated, and only rows whose number was seen before are compared
as text: two different ids sharing a number are told apart, so the result is exact.

>>> import pyarrow as pa
>>> first_seen(pa.array(["A-1", "B-2", "A-1", None, "B-2 ", None, "C"])).tolist()
[True, True, False, True, True, True, True]
>>> first_seen(pa.chunked_array([["x", "y"], ["x", None, "y", "z"]])).tolist()
[True, True, False, True, False, True]
>>> import random
>>> ids = ["".join(random.choice("ab") for _ in range(random.randint(0, 30))) for _ in range(3000)]
>>> seen, simple = set(), []
>>> for i in ids:
...     simple.append(i not in seen)
...     seen.add(i)
>>> first_seen(pa.array(ids)).tolist() == simple
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas._libs.hashtable import duplicated

_K = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
              dtype=np.uint64)
_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)   # keep the k low bytes
_PARTITION_BITS = 6


def _words(values: pa.Array) -> np.ndarray:
    """A 64-bit number per string from its first 24 bytes, last 8 bytes and length."""
    values = values.cast(pa.large_string())
    _, offsets_buf, data_buf = values.buffers()
    n = len(values)
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[values.offset: values.offset + n + 1]
    base, size = offsets[0], offsets[-1] - offsets[0]
    start, length = offsets[:-1] - base, np.diff(offsets)
    data = np.zeros(size + 32, dtype=np.uint8)                 # padded: 8-byte reads never overrun
    if size:
        data[:size] = np.frombuffer(data_buf, dtype=np.uint8, count=size, offset=base)
    # Unaligned 8-byte little-endian reads at any byte offset, without copying.
    u64 = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))

    def word(at, keep):
        return u64[at] & _MASKS[np.clip(keep, 0, 8)]

    h = word(start, length) * _K[0]
    h ^= word(start + 8, length - 8) * _K[1]
    h ^= word(start + 16, length - 16) * _K[2]
    long = length > 24
    h ^= word(np.where(long, start + length - 8, start), long * 8) * _K[3]
    h ^= length.astype(np.uint64)
    h ^= h >> np.uint64(29)
    return h


def _repeated(h: np.ndarray) -> np.ndarray:
    """``duplicated(keep="first")`` of 64-bit numbers. One hash table of ten million entries
    misses the CPU caches on every probe; split by the top bits (a stable counting sort), each
    part's table fits them, and a repeat always falls in the same part as its first."""
    part = (h >> np.uint64(64 - _PARTITION_BITS)).astype(np.uint8)
    order = np.argsort(part, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(part, minlength=1 << _PARTITION_BITS))])
    ordered = h[order]
    out = np.empty(len(h), dtype=bool)
    out[order] = np.concatenate([duplicated(ordered[a:b], keep="first")
                                 for a, b in zip(bounds[:-1], bounds[1:])])
    return out


def first_seen(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where a non-null id appears for the first time (and on null rows)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    h = np.concatenate([_words(c) for c in chunks] or [np.zeros(0, np.uint64)])
    nulls = np.concatenate([c.is_null().to_numpy(zero_copy_only=False) for c in chunks]
                           or [np.zeros(0, bool)])
    again = _repeated(h) & ~nulls
    if not again.any():
        return ~again
    # Rows sharing a number with a repeated number (few): decide as text, in row order.
    rows = np.flatnonzero(pd.Series(h).isin(np.unique(h[again])).to_numpy() & ~nulls)
    starts = np.cumsum([0] + [len(c) for c in chunks])
    which = np.searchsorted(starts, rows, side="right") - 1
    seen, out = set(), np.ones(len(h), dtype=bool)
    for row, k in zip(rows, which):
        text = chunks[k][int(row - starts[k])].as_py()
        if text in seen:
            out[row] = False
        seen.add(text)
    return out
