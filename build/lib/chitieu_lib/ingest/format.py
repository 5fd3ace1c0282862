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

from ..errors import InputError
from ..text import fold
from .messages import short

FORMAT_FILE = Path(__file__).resolve().parents[1] / "data" / "export_format.toml"
PROFILE_DIR = FORMAT_FILE.parent / "formats"     # one TOML file per export profile
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
    name: str = "generic"    # the profile's name (--format NAME)
    title: str = ""          # what the profile is, in words
    signature: frozenset = frozenset()   # folded headers that recognise the profile
    sources: tuple = ()      # "repository: path" of the public source it reproduces

    def is_personal(self, header: object) -> bool:
        key = header_key(header)
        if key in self.personal:
            return True
        padded = f" {key} "
        return any(f" {w} " in padded for w in self.personal_words)


@lru_cache(maxsize=4)
def load_format(path: str | Path | None = None) -> ExportFormat:
    """Read the export format file (default: the one shipped in the package: the generic profile)."""
    path = Path(path) if path else FORMAT_FILE
    return _build(tomllib.loads(path.read_text(encoding="utf-8")), path)


def _build(raw: dict, path: Path) -> ExportFormat:
    """An :class:`ExportFormat` from a format file's tables (the generic one, or a profile merged
    onto it by :func:`load_profile`)."""
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
        name=raw.get("name", "generic"), title=raw.get("title", ""),
        signature=frozenset(header_key(h) for h in raw.get("signature", [])),
        sources=tuple(f"{s['repository']}: {s['path']}" for s in raw.get("source", [])),
    )


# ------------------------------------------------------------------------------ profiles

def _merge_profile(base: dict, profile: dict, path: Path) -> dict:
    """A profile's tables merged onto the generic format file's.

    ``extends = "generic"``: the profile's headers come first for their field and every generic
    header stays, except one the profile gives to another field (the profile settles it).
    Otherwise only the profile's own headers are recognised. The personal-data list, the unit
    vocabulary and the channel words are always the generic ones, plus the profile's.
    """
    own = {f: list(h) for f, h in profile.get("fields", {}).items()}
    for field in own:
        if field not in FIELDS:
            raise ValueError(f"{path}: unknown field '{field}'")
    claimed = {header_key(h): f for f, hs in own.items() for h in hs}
    fields = {}
    for field, spec in base["fields"].items():
        inherited = [h for h in spec["headers"] if claimed.get(header_key(h), field) == field] \
            if profile.get("extends") == "generic" else []
        mine = own.get(field, [])
        headers = mine + [h for h in inherited if header_key(h) not in {header_key(m) for m in mine}]
        fields[field] = {"required": spec.get("required", False), "headers": headers}
    # A channel word the profile lists means what the profile says ("1" is online in OpenCPS's
    # `online` flag, direct in the generic words).
    own_words = {fold(w) for ws in profile.get("channels", {}).values() for w in ws}
    channels = {c: list(profile.get("channels", {}).get(c, []))
                + [w for w in base["channels"][c] if fold(w) not in own_words] for c in CHANNELS}
    personal = dict(base["personal_data"])
    personal["headers"] = list(personal["headers"]) + list(profile.get("personal_data", {}).get("headers", []))
    ignored = {"headers": list(base["ignored"]["headers"]) + list(profile.get("ignored", {}).get("headers", []))}
    return {**base, "fields": fields, "channels": channels, "personal_data": personal, "ignored": ignored,
            "name": profile["name"], "title": profile.get("title", ""),
            "signature": profile.get("signature", []), "source": profile.get("source", [])}


@lru_cache(maxsize=1)
def profiles() -> dict:
    """Every known export profile by name: ``generic`` (``export_format.toml``) and each
    ``data/formats/*.toml``, in name order after ``generic``."""
    generic = load_format()
    base = tomllib.loads(FORMAT_FILE.read_text(encoding="utf-8"))
    out = {generic.name: generic}
    for path in sorted(PROFILE_DIR.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        if raw.get("name") in out:
            raise ValueError(f"{path}: profile name '{raw.get('name')}' is used twice")
        out[raw["name"]] = _build(_merge_profile(base, raw, path), path)
    return out


def load_profile(name: str | None) -> ExportFormat:
    """The profile called ``name`` (``None``: the generic one); an unknown name is an InputError
    listing the known ones.

    >>> load_profile("dvcqg").field_of["kenhthuchien"]
    'channel'
    """
    known = profiles()
    if name is None:
        return known["generic"]
    key = str(name).strip().lower()
    if key not in known:
        raise InputError(f"unknown export format '{short(name)}'; known formats: {', '.join(known)}")
    return known[key]


def detect_profile(headers) -> ExportFormat:
    """The profile whose header signature the headers hold (all of it; the longest signature wins
    when several do), else the generic one. Headers are never guessed field by field: a profile
    is taken whole.

    >>> detect_profile(["MaHoSo", "MaTTHC", "KenhThucHien", "NgayTiepNhan", "DonViXuLy"]).name
    'dvcqg'
    >>> detect_profile(["Mã hồ sơ", "Ngày tiếp nhận"]).name
    'generic'
    """
    keys = {header_key(h) for h in headers}
    fitting = [p for p in profiles().values() if p.signature and p.signature <= keys]
    if not fitting:
        return profiles()["generic"]
    return max(fitting, key=lambda p: len(p.signature))
