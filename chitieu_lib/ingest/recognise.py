"""What each file under a raw folder is, recognised by its content, never by its name alone.

Kinds (``KINDS``): a dossier export (CSV/XLSX with a one-stop header), the procedure
catalogue, a Biểu 06 workbook, a flat aggregate CSV, ``source.json``, documentation, or
not recognised. :func:`scan_raw_dir` lists and recognises a whole folder (re-using the
kinds a previous store manifest recorded for unchanged files); :func:`sha256_of` hashes
a file's content for the store's fingerprint and cache.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "cat.csv").write_text("procedure_code,procedure_name,rule\\nX,Y,new\\n", encoding="utf-8")
>>> _ = (d / "README.md").write_text("notes", encoding="utf-8")
>>> [(f.rel, f.kind) for f in scan_raw_dir(d)]
[('README.md', 'documentation'), ('cat.csv', 'catalog')]
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from ..aggregate import flat_header_map
from ..bieu06.layout import find_header
from ..errors import InputError
from ..text import fold
from .format import profiles
from .headers import header_score
from .html_table import looks_like_html, read_html_tables
from .read import OLD_XLS_MESSAGE, OLE2_SIGNATURE, _python_codec, sniff_delimiter, sniff_encoding

KINDS = {
    "dossiers": "dossier export",
    "catalog": "procedure catalogue",
    "bieu06": "Biểu 06 workbook",
    "flat_aggregate": "flat aggregate CSV",
    "source": "source description",
    "documentation": "documentation (not data, not read)",
    "unknown": "NOT RECOGNISED (not read)",
}
DOC_SUFFIXES = (".md", ".rst", ".pdf", ".html", ".docx", ".doc")


@dataclass(frozen=True)
class RawFile:
    """One file under the raw folder and what it was recognised as."""

    path: Path
    rel: str            # path relative to the raw folder, with '/'
    kind: str           # a key of KINDS
    size: int
    mtime_ns: int
    note: str = ""


def _csv_head_rows(path: Path, n: int = 12) -> list[list[str]]:
    """The first ``n`` rows of a text file, decoded from its first lines only (a stray byte further
    down must not change how the header reads). Encoding and delimiter: the loader's own rules."""
    data = path.open("rb").read(1 << 16)
    cut = -1
    for _ in range(n):
        nxt = data.find(b"\n", cut + 1)
        if nxt < 0:
            break
        cut = nxt
    head = data if cut < 0 else data[:cut + 1]
    try:
        encoding = sniff_encoding(head, path, complete=cut >= 0)
    except InputError:  # recognition only: reading the file reports the encoding problem
        encoding = "cp1258"
    text = data.decode("utf-16", errors="ignore") if encoding == "utf-16" else \
        head.decode(_python_codec(encoding), errors="replace")
    lines = text.splitlines()[:n]
    if not lines:
        return []
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines[0])))


def _dossier_score(cells: list) -> int:
    """How many required dossier fields a candidate header row names, in the export profile that
    fits it best (generic Vietnamese headers, the national portal's field names...)."""
    return max(header_score(cells, p) for p in profiles().values())


def _kind_of_rows(rows: list[list]) -> tuple[str, str]:
    """The kind of a sheet or CSV head from its first rows: (kind, note)."""
    if find_header(rows) is not None:
        return "bieu06", ""
    for i, row in enumerate(rows[:30]):
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        if not cells:
            continue
        keys = {fold(c) for c in cells}
        if {"procedure code", "rule"} <= keys:
            return "catalog", ""
        if flat_header_map(cells):
            return "flat_aggregate", ""
        if _dossier_score(cells) >= 4:
            return "dossiers", f"header on row {i + 1}" if i else ""
    return "unknown", ""


def _xlsx_head_rows(path: Path, n: int = 40) -> list[list[list]]:
    """The first ``n`` rows of every sheet of a workbook."""
    # Lazy: openpyxl costs ~50 ms and the store package (opened at every report kernel's start)
    # reaches this module; only recognising an XLSX file needs it.
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [[list(r) for r in ws.iter_rows(min_row=1, max_row=n, values_only=True)]
                for ws in wb.worksheets]
    finally:
        wb.close()


def recognise(path: str | Path) -> tuple[str, str]:
    """What a raw file is, from its content: (kind, note). Kinds: see ``KINDS``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.name.lower() == "source.json":
        return "source", ""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(OLE2_SIGNATURE) and suffix in (".xls", ".xlsx", ".xlsm", ".csv"):
        # An ingest that cannot read a file says so and stops: its rows are never silently missing.
        raise InputError(OLD_XLS_MESSAGE, path=path)
    excel_html = looks_like_html(head) and b"urn:schemas-microsoft-com:office:excel" in head
    if suffix in (".xls", ".htm") or (suffix == ".html" and excel_html):
        return _recognise_html(path)
    if suffix in DOC_SUFFIXES:
        return "documentation", ""
    try:
        if suffix in (".xlsx", ".xlsm"):
            for rows in _xlsx_head_rows(path):
                kind, note = _kind_of_rows(rows)
                if kind != "unknown":
                    return kind, note
            return "unknown", "a workbook with neither a dossier header nor a Biểu 06 table"
        if suffix in (".csv", ".tsv", ".txt"):
            kind, note = _kind_of_rows(_csv_head_rows(path))
            if kind != "unknown":
                return kind, note
            if suffix == ".txt":
                return "documentation", ""
            return "unknown", "a CSV whose header is not a dossier export, catalogue or flat aggregate"
    except Exception as exc:  # noqa: BLE001 - a damaged workbook stops the ingest; other files are reported
        if suffix not in (".xlsx", ".xlsm") and not head.startswith(b"PK\x03\x04"):
            return "unknown", f"could not be opened ({type(exc).__name__})"
        # a workbook that cannot be opened may hold dossiers: never skip its rows silently
        raise InputError(f"cannot be read ({type(exc).__name__}): the file is damaged or not what its "
                         f"name says; repair or remove it", path=path) from None
    return "unknown", f"'{suffix or 'no extension'}' files are not read"


def _recognise_html(path: Path) -> tuple[str, str]:
    """An HTML ".xls" export: a dossier list or a Biểu 06, by the rows of its tables."""
    data = path.read_bytes()
    if not looks_like_html(data[:4096]):
        raise InputError("a .xls file that is neither an Excel workbook nor an HTML table; save it "
                         "as .xlsx", path=path)
    for table in read_html_tables(data):
        kind, note = _kind_of_rows(table.filled[:40])
        if kind != "unknown":
            return kind, "HTML table" + (f", {note}" if note else "")
    return "unknown", "an HTML file with neither a dossier header nor a Biểu 06 table"


def scan_raw_dir(raw_dir: str | Path, previous: dict | None = None) -> list[RawFile]:
    """Every file under ``raw_dir`` (hidden files and folders skipped), recognised, in path order.

    ``previous`` (a store manifest): a file with the size and mtime recorded there keeps the kind
    recorded there, without being opened again.
    """
    raw_dir = Path(raw_dir)
    known = {i["path"]: i for i in (previous or {}).get("inputs", [])}
    if not raw_dir.is_dir():
        raise InputError("raw folder not found (run `chitieu sample` to make the sample year)", path=raw_dir)
    out = []
    for path in sorted(raw_dir.rglob("*")):
        rel = path.relative_to(raw_dir)
        if not path.is_file() or any(p.startswith((".", "~$")) for p in rel.parts):
            continue
        st = path.stat()
        old = known.get(rel.as_posix())
        if old and old.get("size") == st.st_size and old.get("mtime_ns") == st.st_mtime_ns and "kind" in old:
            kind, note = old["kind"], old.get("note", "")
        else:
            kind, note = recognise(path)
        out.append(RawFile(path, rel.as_posix(), kind, st.st_size, st.st_mtime_ns, note))
    return out


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file's content, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
