"""Resolving the unit column (a code or a name) against the units registry.

A name resolves only when exactly one unit fits it. Bare "Vạn Thắng" fits Phường Vạn Thắng
(Nha Trang) and Xã Vạn Thắng (Vạn Ninh): it is ``ambiguous``, never guessed; a qualifier naming
the district settles it.

>>> r = resolve_names(["22516", "UBND xã Vạn Thắng - H. Vạn Ninh", "Xã Vạn Thắng, huyện Vạn Ninh",
...                    "Vạn Thắng", "UBND TP Nha Trang", "Sở Tư pháp", "Khánh Vĩnh", "Xã Không Có"])
>>> r["unit_code"].fillna("-").tolist()
['22516', '22516', '22516', '-', '568', 'STP', '-', '-']
>>> r["unit_match"].tolist()
['ok', 'ok', 'ok', 'ambiguous', 'ok', 'ok', 'ambiguous', 'unknown']
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from ..text import fold
from .format import ExportFormat, load_format
from .values import by_unique, take_back

MATCHES = ("ok", "unknown", "ambiguous")
_NUMERIC = re.compile(r"^0*(\d+)(?:\.0+)?$")


def _vocabulary(fmt: ExportFormat) -> dict:
    u = fmt.units
    return {
        "prefixes": sorted((fold(p) for p in u["prefixes"]), key=len, reverse=True),
        "suffixes": sorted((fold(s) for s in u["suffixes"]), key=len, reverse=True),
        "dropped": {fold(w) for w in u["dropped_words"]},
        "types": sorted((fold(t) for t in u["types"]), key=len, reverse=True),
        "abbreviations": {fold(k): fold(v) for k, v in u["abbreviations"].items()},
        "aliases": {fold(k): v for k, v in u["aliases"].items()},
    }


def name_keys(text: str, vocab: dict) -> set:
    """The lookup keys of a name as typed: folded, without prefixes/suffixes/filler words, once
    as written and once with type abbreviations (TP, TX, TT, H...) spelled out."""
    words = [w for w in fold(text).split() if w not in vocab["dropped"]]
    key = " ".join(words)
    changed = True
    while changed:
        changed = False
        for p in vocab["prefixes"]:
            if key.startswith(p + " "):
                key, changed = key[len(p) + 1:], True
        for s in vocab["suffixes"]:
            if key.endswith(" " + s):
                key, changed = key[: -len(s) - 1], True
    expanded = " ".join(vocab["abbreviations"].get(w, w) for w in key.split())
    return {key, expanded}


def _bare(name_key: str, vocab: dict) -> str | None:
    for t in vocab["types"]:
        if name_key.startswith(t + " "):
            return name_key[len(t) + 1:]
    return None


def registry_keys(units: pd.DataFrame, fmt: ExportFormat | None = None) -> dict:
    """key -> set of unit codes, for every way the registry's names can be written."""
    fmt = fmt or load_format()
    vocab = _vocabulary(fmt)
    keys: dict = {}

    def add(key, code):
        if key:
            keys.setdefault(key, set()).add(code)

    codes = units["unit_code"].astype(str).tolist()
    names = dict(zip(codes, units["unit_name"].astype(str)))
    for code, name, level, parent in zip(codes, units["unit_name"].astype(str),
                                         units["level"].astype(str), units["parent_code"].fillna("").astype(str)):
        full = max(name_keys(name, vocab), key=len)
        add(full, code)
        if level == "department":
            continue
        bare = _bare(full, vocab)
        add(bare, code)
        if level == "commune" and parent in names:
            pfull = max(name_keys(names[parent], vocab), key=len)
            pbare = _bare(pfull, vocab)
            for own in (full, bare):
                for par in (pfull, pbare):
                    if own and par:
                        add(f"{own} {par}", code)
    known = set(codes)
    for alias, code in vocab["aliases"].items():
        if code in known:
            for key in name_keys(alias, vocab):
                add(key, code)
    return keys


def _code_lookup(units: pd.DataFrame) -> dict:
    lookup = {}
    for code in units["unit_code"].astype(str):
        lookup[code.upper()] = code
        m = _NUMERIC.match(code)
        if m:
            lookup[m.group(1)] = code
    return lookup


def resolve_one(text: str, codes: dict, keys: dict, vocab: dict) -> tuple[str | None, str]:
    """(unit_code, match) for one distinct value: a code, else a name."""
    raw = text.strip()
    m = _NUMERIC.match(raw)
    code = codes.get(m.group(1) if m else raw.upper())
    if code is not None:
        return code, "ok"
    found = set()
    for key in name_keys(raw, vocab):
        found |= keys.get(key, set())
    if len(found) == 1:
        return next(iter(found)), "ok"
    return None, "ambiguous" if found else "unknown"


@lru_cache(maxsize=8)
def _resolver(units_key: tuple, fmt: ExportFormat):
    units = pd.DataFrame(list(units_key), columns=["unit_code", "unit_name", "level", "parent_code"])
    return _code_lookup(units), registry_keys(units, fmt), _vocabulary(fmt)


def _units_key(units: pd.DataFrame) -> tuple:
    cols = units[["unit_code", "unit_name", "level", "parent_code"]].astype(str)
    return tuple(map(tuple, cols.to_numpy()))


def resolve_units(values: pa.Array, units: pd.DataFrame | None = None,
                  fmt: ExportFormat | None = None) -> pd.DataFrame:
    """Per row: ``unit_code`` (str, NA if unresolved) and ``unit_match`` (ok/unknown/ambiguous).
    Works on distinct values only."""
    from ..decision import load_units
    fmt = fmt or load_format()
    units = load_units() if units is None else units
    codes_lookup, keys, vocab = _resolver(_units_key(units), fmt)
    uniques, codes = by_unique(values)
    resolved = [resolve_one(u, codes_lookup, keys, vocab) for u in uniques]
    unit_codes = pa.array([r[0] for r in resolved], type=pa.string())
    match = np.array([MATCHES.index(r[1]) for r in resolved], dtype=np.int64)
    per_row = unit_codes.take(pa.array(codes, mask=codes < 0))
    return pd.DataFrame({
        "unit_code": pd.Series(per_row.to_pandas(), dtype="str"),
        "unit_match": pd.Categorical.from_codes(take_back(match, codes, MATCHES.index("unknown")),
                                                categories=list(MATCHES)),
    })


def resolve_names(texts: list, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`resolve_units` for a plain list (handy in a notebook)."""
    return resolve_units(pa.array(texts, type=pa.string()), units)
