"""Mapping a file's headers to the kit's fields (aliases in ``data/export_format.toml``).

>>> m = map_headers(["STT", "Mã hồ sơ", "Họ tên", "Mã đơn vị", "Cơ quan tiếp nhận", "Mã TTHC",
...                  "Ngày tiếp nhận", "Hình thức nộp", "Ghi chú khác"], path="a.csv")
>>> m.columns["dossier_id"], m.columns["unit"], m.personal, m.unrecognised
([1], [3, 4], ['Họ tên'], ['Ghi chú khác'])
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .format import FIELDS, ExportFormat, header_key, load_format
from .messages import headers_list, one_screen, short

IGNORE = ("ignore", "-", "")      # a user map may send a header here to drop it


class MissingColumnsError(InputError):
    """A required column is missing; ``matched`` counts the required fields that were found
    (0 or 1 means the file is most likely not a dossier export at all)."""

    def __init__(self, message, path=None, matched: int = 0):
        super().__init__(message, path=path)
        self.matched = matched


@dataclass
class HeaderMapping:
    """Which columns (by position) feed each field, and what was dropped."""

    columns: dict                 # field -> [column positions], preferred first
    headers: dict                 # field -> header of the preferred column, as written
    personal: list = field(default_factory=list)       # personal-data headers dropped
    unrecognised: list = field(default_factory=list)   # other headers dropped


def _fold_user_map(header_map: dict | None) -> dict:
    return {header_key(h): f for h, f in (header_map or {}).items()}


def header_score(cells: list, fmt: ExportFormat | None = None) -> int:
    """How many distinct required fields a candidate header row names (to find the header row
    below a title block)."""
    fmt = fmt or load_format()
    found = {fmt.field_of.get(header_key(c)) for c in cells}
    return len(found & set(fmt.required))


def map_headers(headers: list, *, path: object = None, header_map: dict | None = None,
                fmt: ExportFormat | None = None) -> HeaderMapping:
    """Map headers to fields; a required field without a column is an InputError that names the
    field, the headers accepted for it and the headers found (as the user wrote them)."""
    fmt = fmt or load_format()
    user = _fold_user_map(header_map)
    candidates: dict = {}           # field -> [(rank, position)]
    personal, unrecognised = [], []
    for pos, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        if key in user:
            target = user[key]
            if target in IGNORE:
                continue
            candidates.setdefault(target, []).append((-1, pos))    # the user's map wins
        elif key in fmt.field_of:
            candidates.setdefault(fmt.field_of[key], []).append((fmt.rank_of[key], pos))
        elif fmt.is_personal(header):
            personal.append(header)
        elif key not in fmt.ignored:
            unrecognised.append(header)
    columns = {f: [pos for _, pos in sorted(c)] for f, c in candidates.items()}
    missing = [f for f in fmt.required if f not in columns]
    if missing:
        raise _missing_columns(headers, missing, fmt, path)
    _refuse_repeated(headers, columns, path)
    # Only `unit` may be fed by several columns (a code column, then a name column).
    for f in list(columns):
        if f != "unit":
            columns[f] = columns[f][:1]
    return HeaderMapping(columns=columns,
                         headers={f: headers[p[0]] for f, p in columns.items()},
                         personal=personal, unrecognised=unrecognised)


def _missing_columns(headers: list, missing: list, fmt: ExportFormat, path) -> MissingColumnsError:
    """The error for required fields without a column. The headers found are listed (cut short)
    when the row names at least two required fields; a row naming fewer is most likely data, not
    a header, so only its recognised headers are shown (never the cells of a data row)."""
    matched = len(fmt.required) - len(missing)
    parts = []
    for f in missing:
        accepted = headers_list(fmt.headers[f], limit=6)
        parts.append(f"required column for '{f}' is missing (accepted headers: {accepted})")
    if matched >= 2:
        found = f"Headers found: {headers_list(headers)}."
    else:
        known = [h for h in headers if header_key(h) in fmt.field_of or fmt.is_personal(h)
                 or header_key(h) in fmt.ignored]
        found = (f"No header row found in the first rows (recognised headers: {headers_list(known)}; "
                 f"{len([h for h in headers if str(h).strip()])} cells in the row taken as the header).")
    profile = f" (export format '{fmt.name}')" if fmt.name != "generic" else ""
    message = "; ".join(parts) + f"{profile}. {found} Rename the column, pass --header-map or --format."
    return MissingColumnsError(one_screen(message), path=path, matched=matched)


def _refuse_repeated(headers: list, columns: dict, path) -> None:
    """A header written twice that feeds a field is refused: which column is meant cannot be told."""
    used = {pos for positions in columns.values() for pos in positions}
    seen: dict = {}
    for pos, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        if key in seen and (pos in used or seen[key] in used):
            first = seen[key]
            raise InputError(f"the header '{short(header)}' appears twice, in columns {first + 1} "
                             f"({column_letter(first)}) and {pos + 1} ({column_letter(pos)}); "
                             "rename or remove one of them", path=path, row=None)
        seen.setdefault(key, pos)


def column_letter(pos: int) -> str:
    """Spreadsheet column letters of a 0-based position.

    >>> column_letter(0), column_letter(27)
    ('A', 'AB')
    """
    letters, n = "", pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def read_header_map(path: str | Path) -> dict:
    """A user's header map file: header -> field. TOML (a ``[headers]`` table or top-level keys),
    JSON (an object) or CSV (columns ``header,field``).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "map.csv"
    >>> _ = p.write_text("header,field\\nSố biên nhận,dossier_id\\n", encoding="utf-8")
    >>> read_header_map(p)
    {'Số biên nhận': 'dossier_id'}
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("header map file not found", path=path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".toml":
            raw = tomllib.loads(text)
            mapping = raw.get("headers", raw)
        elif path.suffix.lower() == ".json":
            mapping = json.loads(text)
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
            if rows and not {"header", "field"} <= set(rows[0]):
                raise InputError(f"a CSV header map needs the columns 'header' and 'field'; "
                                 f"found {list(rows[0])}", path=path)
            mapping = {r["header"].strip(): (r["field"] or "").strip() for r in rows}
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the header map: {exc}", path=path) from None
    if not isinstance(mapping, dict):
        raise InputError("the header map must map headers to fields", path=path)
    for header, target in mapping.items():
        if target not in FIELDS and target not in IGNORE:
            raise InputError(f"header '{header}' is mapped to '{target}', which is not a field; "
                             f"fields: {list(FIELDS)} (or 'ignore')", path=path)
    return {str(h): str(f) for h, f in mapping.items()}
