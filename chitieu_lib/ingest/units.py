"""Resolving the unit column (a code or a name) against the units registry.

A name resolves only when exactly one unit fits it. Bare "Vạn Thắng" fits Phường Vạn Thắng
(Nha Trang) and Xã Vạn Thắng (Vạn Ninh): it is ``ambiguous``, never guessed; a qualifier naming
the district settles it.

>>> from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units
>>> units = load_units(load_decision(DEFAULT_DECISION))
>>> r = resolve_names(["22516", "UBND xã Vạn Thắng - H. Vạn Ninh", "Xã Vạn Thắng, huyện Vạn Ninh",
...                    "Vạn Thắng", "UBND TP Nha Trang", "Sở Tư pháp", "Khánh Vĩnh", "Xã Không Có"], units)
>>> r["unit_code"].fillna("-").tolist()
['22516', '22516', '22516', '-', '568', 'STP', '-', '-']
>>> r["unit_match"].tolist()
['ok', 'ok', 'ok', 'ambiguous', 'ok', 'ok', 'ambiguous', 'unknown']
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import InputError
from ..text import fold
from .format import ExportFormat, load_format
from .dates import by_unique, take_back
from .messages import short

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


def candidates(text: str, codes: dict, keys: dict, vocab: dict, unit_map: dict | None = None) -> set:
    """Every unit code that ``text`` (a code or a name) can mean: the user's unit map first, then
    a registry code, then the registry's names."""
    raw = text.strip()
    if unit_map:
        mapped = unit_map.get(raw.upper()) or unit_map.get(fold(raw))
        if mapped:
            return {mapped}
    m = _NUMERIC.match(raw)
    code = codes.get(m.group(1) if m else raw.upper())
    if code is not None:
        return {code}
    found = set()
    for key in name_keys(raw, vocab):
        found |= keys.get(key, set())
    return found


def resolve_one(text: str, codes: dict, keys: dict, vocab: dict, unit_map: dict | None = None,
                parents: dict | None = None, parent: str | None = None) -> tuple[str | None, str]:
    """(unit_code, match) for one distinct value: a code, else a name. ``parent`` (a unit code)
    settles a name that fits several units when exactly one of them lies under it."""
    found = candidates(text, codes, keys, vocab, unit_map)
    if len(found) > 1 and parent and parents is not None:
        under = {c for c in found if parents.get(c) == parent}
        found = under or found
    if len(found) == 1:
        return next(iter(found)), "ok"
    return None, "ambiguous" if found else "unknown"


@dataclass(frozen=True, eq=False)
class UnitResolver:
    """The one unit resolver of the kit (dossiers, Biểu 06, flat aggregates): a registry, the
    export format's name vocabulary and an optional unit map (:func:`read_unit_map`).

    >>> from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units
    >>> r = unit_resolver(load_units(load_decision(DEFAULT_DECISION)))
    >>> r.resolve("UBND TP Nha Trang"), r.resolve("Vạn Thắng"), r.resolve("Vạn Thắng", parent="571")
    (('568', 'ok'), (None, 'ambiguous'), ('22516', 'ok'))
    """

    codes: dict
    keys: dict
    vocab: dict
    parents: dict
    levels: dict
    unit_map: dict

    def resolve(self, text: object, parent: str | None = None) -> tuple[str | None, str]:
        if text is None or not str(text).strip():
            return None, "unknown"
        return resolve_one(str(text), self.codes, self.keys, self.vocab, self.unit_map,
                           self.parents, parent)


def unit_resolver(units: pd.DataFrame, fmt: ExportFormat | None = None,
                  unit_map: dict | None = None) -> UnitResolver:
    """A :class:`UnitResolver` for a registry (the decision's units: ``load_units(decision)``)."""
    fmt = fmt or load_format()
    codes, keys, vocab = _resolver(_units_key(units), fmt)
    unit_codes = units["unit_code"].astype(str)
    return UnitResolver(codes=codes, keys=keys, vocab=vocab,
                        parents=dict(zip(unit_codes, units["parent_code"].fillna("").astype(str))),
                        levels=dict(zip(unit_codes, units["level"].astype(str))),
                        unit_map=dict(unit_map or {}))


@lru_cache(maxsize=8)
def _resolver(units_key: tuple, fmt: ExportFormat):
    units = pd.DataFrame(list(units_key), columns=["unit_code", "unit_name", "level", "parent_code"])
    return _code_lookup(units), registry_keys(units, fmt), _vocabulary(fmt)


def _units_key(units: pd.DataFrame) -> tuple:
    cols = units[["unit_code", "unit_name", "level", "parent_code"]].astype(str)
    return tuple(map(tuple, cols.to_numpy()))


def resolve_units(values: pa.Array, units: pd.DataFrame,
                  fmt: ExportFormat | None = None, unit_map: dict | None = None) -> pd.DataFrame:
    """Per row: ``unit_code`` (str, NA if unresolved) and ``unit_match`` (ok/unknown/ambiguous).
    Works on distinct values only. ``unit_map``: see :func:`read_unit_map`."""
    resolver = unit_resolver(units, fmt, unit_map)
    uniques, codes = by_unique(values)
    resolved = [resolver.resolve(u) for u in uniques]
    unit_codes = pa.array([r[0] for r in resolved], type=pa.string())
    match = np.array([MATCHES.index(r[1]) for r in resolved], dtype=np.int64)
    per_row = unit_codes.take(pa.array(codes, mask=codes < 0))
    return pd.DataFrame({
        "unit_code": pd.Series(per_row.to_pandas(), dtype="str"),
        "unit_match": pd.Categorical.from_codes(take_back(match, codes, MATCHES.index("unknown")),
                                                categories=list(MATCHES)),
    })


def read_unit_map(path: str | Path, units: pd.DataFrame) -> dict:
    """A unit map file: a CSV (UTF-8) with the columns ``unit`` (a code or a name as the exports
    write it, e.g. the national agency code ``000.00.17.H34``) and ``unit_code`` (a code of the
    registry). Returns {key: unit_code} with each key both upper-cased and folded. A code the
    registry does not hold, a blank cell or a key mapped twice to different units is an InputError
    naming the row. Values not listed stay unresolved (``unknown_unit``), never guessed.

    >>> import tempfile, pathlib
    >>> from chitieu_lib.decision import DEFAULT_DECISION, load_decision, load_units
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "units.csv"
    >>> _ = p.write_text("unit,unit_code\\n000.00.17.H34,571\\n", encoding="utf-8")
    >>> read_unit_map(p, load_units(load_decision(DEFAULT_DECISION)))["000.00.17.H34"]
    '571'
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("unit map file not found", path=path)
    known = set(units["unit_code"].astype(str))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("the unit map is not UTF-8 text; save it as 'CSV UTF-8'", path=path) from None
    rows = list(csv.reader(io.StringIO(text)))
    header = [fold(h) for h in rows[0]] if rows else []
    want = {"unit": ("unit", "don vi", "ma don vi", "ten don vi"), "unit_code": ("unit code",)}
    pos = {f: next((i for i, h in enumerate(header) if h in names), None) for f, names in want.items()}
    if None in pos.values():
        found = ", ".join(f"'{short(h)}'" for h in (rows[0] if rows else [])[:20]) or "none"
        raise InputError(f"a unit map needs the columns 'unit' and 'unit_code'; headers found: {found}",
                         path=path, row=1)
    out: dict = {}
    for i, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        key = r[pos["unit"]].strip() if pos["unit"] < len(r) else ""
        code = r[pos["unit_code"]].strip() if pos["unit_code"] < len(r) else ""
        if not key or not code:
            raise InputError("both 'unit' and 'unit_code' must be filled", path=path, row=i)
        if code not in known:
            raise InputError(f"'{short(code)}' is not a unit code of the registry", path=path, row=i,
                             column="unit_code")
        for k in (key.upper(), fold(key)):
            if out.setdefault(k, code) != code:
                raise InputError(f"'{short(key)}' is mapped to two units", path=path, row=i, column="unit")
    return out


def resolve_names(texts: list, units: pd.DataFrame) -> pd.DataFrame:
    """:func:`resolve_units` for a plain list (handy in a notebook)."""
    return resolve_units(pa.array(texts, type=pa.string()), units)
