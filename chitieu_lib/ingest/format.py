"""The export format as data: ``chitieu_lib/data/export_format.toml`` folded into lookups.

>>> fmt = load_format()
>>> fmt.field_of["ngay tiep nhan"], fmt.field_of["ma don vi"]
('received_date', 'unit')
>>> fmt.channel_of["dich vu buu chinh cong ich"]
'postal'
>>> fmt.is_personal("Số CMND/CCCD"), fmt.is_personal("Ngày tiếp nhận")
(True, False)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..text import fold

FORMAT_FILE = Path(__file__).resolve().parents[1] / "data" / "export_format.toml"
FIELDS = ("dossier_id", "unit", "procedure_code", "received_date", "channel", "procedure_name",
          "field", "agency", "due_date", "resolved_date", "status")
CHANNELS = ("online", "direct", "postal")

_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\*")


def header_key(header: object) -> str:
    """Fold a header for matching; a part in brackets and '*' do not count.

    >>> header_key("Ngày tiếp nhận (dd/mm/yyyy) *")
    'ngay tiep nhan'
    """
    return fold(_BRACKETS.sub(" ", str(header if header is not None else "")))


@dataclass(frozen=True, eq=False)   # identity hash: one cached object per file
class ExportFormat:
    """Folded lookups built from the format file."""

    headers: dict            # field -> headers as written in the file (for messages)
    required: tuple          # required fields, in file order
    field_of: dict           # folded header -> field
    rank_of: dict            # folded header -> position in its field's list (0 = preferred)
    ignored: frozenset       # folded headers dropped without a remark
    personal: frozenset      # folded personal-data headers
    personal_words: tuple    # folded words that mark a header as personal
    channel_of: dict         # folded channel word -> online/direct/postal
    units: dict              # the [units] table, raw
    path: Path

    def is_personal(self, header: object) -> bool:
        key = header_key(header)
        if key in self.personal:
            return True
        padded = f" {key} "
        return any(f" {w} " in padded for w in self.personal_words)


@lru_cache(maxsize=4)
def load_format(path: str | Path | None = None) -> ExportFormat:
    """Read the export format file (default: the one shipped in the package)."""
    path = Path(path) if path else FORMAT_FILE
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    field_of, rank_of = {}, {}
    for field, spec in raw["fields"].items():
        if field not in FIELDS:
            raise ValueError(f"{path}: unknown field '{field}'")
        for rank, header in enumerate(spec["headers"]):
            key = header_key(header)
            if field_of.setdefault(key, field) != field:
                raise ValueError(f"{path}: header '{header}' is listed for two fields")
            rank_of.setdefault(key, rank)
    channel_of = {}
    for channel in CHANNELS:
        for word in raw["channels"][channel]:
            channel_of[fold(word)] = channel
    return ExportFormat(
        headers={f: list(s["headers"]) for f, s in raw["fields"].items()},
        required=tuple(f for f, s in raw["fields"].items() if s.get("required")),
        field_of=field_of, rank_of=rank_of,
        ignored=frozenset(header_key(h) for h in raw["ignored"]["headers"]),
        personal=frozenset(header_key(h) for h in raw["personal_data"]["headers"]),
        personal_words=tuple(fold(w) for w in raw["personal_data"]["words"]),
        channel_of=channel_of, units=raw["units"], path=path,
    )
