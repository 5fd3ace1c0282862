"""Mapping a file's headers to the kit's fields (aliases in ``data/export_format.toml``).

>>> m = map_headers(["STT", "Mã hồ sơ", "Họ tên", "Mã đơn vị", "Cơ quan tiếp nhận", "Mã TTHC",
...                  "Ngày tiếp nhận", "Hình thức nộp", "Ghi chú khác"], path="a.csv")
>>> m.columns["dossier_id"], m.columns["unit"], m.personal, m.unrecognised
([1], [3, 4], ['Họ tên'], ['Ghi chú khác'])
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .format import FIELDS, ExportFormat, header_key, load_format

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
        found = ", ".join(f"'{h}'" for h in headers if str(h).strip()) or "none"
        parts = []
        for f in missing:
            accepted = ", ".join(f"'{h}'" for h in fmt.headers[f])
            parts.append(f"required column for '{f}' is missing (accepted headers: {accepted})")
        raise MissingColumnsError("; ".join(parts) + f". Headers found: {found}. "
                                  "Rename the column or pass --header-map.", path=path,
                                  matched=len(fmt.required) - len(missing))
    # Only `unit` may be fed by several columns (a code column, then a name column).
    for f in list(columns):
        if f != "unit":
            columns[f] = columns[f][:1]
    return HeaderMapping(columns=columns,
                         headers={f: headers[p[0]] for f, p in columns.items()},
                         personal=personal, unrecognised=unrecognised)


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
            import csv
            import io
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
