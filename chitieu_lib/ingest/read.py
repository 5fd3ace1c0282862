"""Reading one export file into string columns: CSV (UTF-8 ± BOM, UTF-16 with BOM, Windows-1258)
or XLSX (first sheet, or a named one).

Nothing is interpreted here except the text encoding and where the header row is: every cell
comes back as a string, untrimmed (empty XLSX cells as nulls); trimming and blank rows are handled
by the loader on the columns it keeps. Row numbers are spreadsheet row numbers (header
row = 1 when the header is on the first line).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
>>> _ = p.write_bytes(encode_cp1258("Mã hồ sơ;Ngày nộp\\nH1;05/03/2019\\n"))
>>> t = read_table(p)
>>> t.headers, t.encoding, t.columns[1].to_pylist(), t.source_row.tolist()
(['Mã hồ sơ', 'Ngày nộp'], 'cp1258', ['05/03/2019'], [2])
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from ..errors import InputError

HEAD_BYTES = 1 << 20        # bytes looked at to sniff the encoding, delimiter and header row
HEADER_SCAN_ROWS = 30       # a header row may sit below a title block of up to this many rows
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


@dataclass
class RawTable:
    """One file's cells as strings, before any header is interpreted."""

    path: Path
    headers: list                      # header cells as written (None -> "")
    columns: list                      # pyarrow string arrays, one per header, as read (untrimmed);
                                       # None for a column left out by ``select``
    source_row: np.ndarray             # int64 spreadsheet row number of each row below the header
    encoding: str | None = None        # CSV only
    sheet: str | None = None           # XLSX only
    header_row: int = 1

    @property
    def n_rows(self) -> int:
        return len(self.source_row)


def read_table(path: str | Path, *, sheet: str | None = None,
               header_score: Callable[[list], int] | None = None,
               select: Callable[[list], set] | None = None) -> RawTable:
    """Read a CSV or XLSX file. ``header_score(cells)`` rates a candidate header row (the best of
    the first rows wins; default: the first row). For a CSV, ``select(headers)`` names the positions
    of the columns wanted (default: all); the others are never converted (``columns`` holds None
    for them): that saves most of the reading time, and personal-data cells never become values."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if not path.is_file():
        raise InputError("not a file", path=path)
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise InputError("file is empty", path=path)
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(path, sheet=sheet, header_score=header_score)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("old Excel 97-2003 (.xls) workbooks are not read; save it as .xlsx or as "
                         "'CSV UTF-8'", path=path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise InputError("not a valid XLSX workbook (not a zip file)", path=path)
    return read_csv(path, head=head, header_score=header_score, select=select)


# --------------------------------------------------------------------------------------- CSV

def encode_cp1258(text: str) -> bytes:
    """Vietnamese text as Windows-1258 writes it: letters like â, ơ, đ precomposed, tone marks
    as combining characters (Python's codec refuses precomposed toned letters such as 'ã').

    >>> encode_cp1258("Hòa").decode("cp1258") == unicodedata.normalize("NFD", "Hòa")
    True
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            head = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
            tones = "".join(m for m in marks if m not in "\u0302\u0306\u031b")
            out.append((head + tones).encode("cp1258"))
    return b"".join(out)


def sniff_encoding(data: bytes, path: object, complete: bool = False) -> str:
    """The encoding of CSV bytes: 'utf8', 'utf-16' (by BOM) or 'cp1258'; else InputError.

    ``complete`` says ``data`` is the whole file (not a head that may end mid-character).

    >>> sniff_encoding("Ngày".encode("utf-8"), "a.csv"), sniff_encoding("Ngày".encode("cp1258"), "a.csv")
    ('utf8', 'cp1258')
    >>> sniff_encoding("Ngày".encode("utf-16"), "a.csv")
    'utf-16'
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    if b"\x00" in data[:4096]:
        raise InputError("the file holds NUL bytes: it looks like UTF-16 text without a byte-order "
                         "mark (or is not text at all); save it as 'CSV UTF-8'", path=path)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
        return "utf8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    byte = data[bad]
    try:
        data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise InputError(f"the text is not UTF-8 (byte 0x{byte:02X} at offset {bad} is invalid) and "
                         f"not Windows-1258 either (byte 0x{data[exc.start]:02X} is undefined there); "
                         "save the file as 'CSV UTF-8'", path=path) from None
    # Windows-1258 Vietnamese almost never contains valid UTF-8 multi-byte sequences; a file that
    # has many of them as well as invalid bytes mixes two encodings and cannot be read safely.
    high = len(_HIGH_BYTE.findall(data))
    utf8_like = len(_UTF8_MULTIBYTE.findall(data))
    if utf8_like * 2 > high * 0.2 and utf8_like >= 3:
        raise InputError(f"mixed text encodings: mostly UTF-8, but byte 0x{byte:02X} at offset {bad} "
                         "is not UTF-8; re-save the whole file as 'CSV UTF-8'", path=path)
    return "cp1258"


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of , ; tab | outside quotes.

    >>> sniff_delimiter('"Mã hồ sơ";"Ngày, giờ";"Kênh"'), sniff_delimiter("a,b")
    (';', ',')
    """
    unquoted = re.sub(r'"[^"]*"', "", line)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _python_codec(encoding: str) -> str:
    return {"utf8": "utf-8-sig"}.get(encoding, encoding)


def _head_rows(text: str, delimiter: str) -> list:
    lines = text.splitlines(keepends=True)[: HEADER_SCAN_ROWS + 1]
    return list(csv.reader(io.StringIO("".join(lines[:HEADER_SCAN_ROWS])), delimiter=delimiter))


def read_csv(path: Path, head: bytes | None = None,
             header_score: Callable[[list], int] | None = None,
             select: Callable[[list], set] | None = None) -> RawTable:
    import pyarrow.csv as pacsv

    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    complete = len(head) < HEAD_BYTES
    encoding = sniff_encoding(head, path, complete=complete)
    text = head.decode(_python_codec(encoding), errors="ignore")
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = sniff_delimiter(first_line)
    rows = _head_rows(text, delimiter)
    header_idx = _pick_header(rows, header_score)
    # The header may sit below a title block; pyarrow skips physical lines, so count those.
    headers = [unicodedata.normalize("NFC", h.strip()) for h in rows[header_idx]] if rows else []
    skip = _physical_line_of(text, delimiter, header_idx)
    names = [f"c{i}" for i in range(len(headers))]
    wanted = sorted(select(headers)) if select is not None else range(len(headers))
    include = [names[i] for i in wanted]
    included = set(include)

    def attempt(enc: str):
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=enc, skip_rows=skip + 1, column_names=names,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in include},
                                                 include_columns=include,
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))

    for _ in range(2):
        try:
            table = attempt(encoding)
            break
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if "invalid UTF8" in message and encoding == "utf8":
                # The head was UTF-8 but a later part is not: judge the whole file.
                encoding = sniff_encoding(path.read_bytes(), path, complete=True)   # raises if hopeless
                continue
            if "Expected" in message and "columns" in message:
                raise InputError(_column_count_problem(path, encoding, delimiter, len(headers)),
                                 path=path) from None
            raise InputError(f"cannot read as CSV: {message}", path=path) from None
        except UnicodeError as exc:
            raise InputError(f"text encoding problem ({encoding}): {exc}", path=path) from None
    header_row = skip + 1
    columns = [table.column(name) if name in included else None for name in names]
    return RawTable(path=path, headers=headers, columns=columns,
                    source_row=np.arange(header_row + 1, header_row + 1 + table.num_rows, dtype=np.int64),
                    encoding=encoding, header_row=header_row)


def _physical_line_of(text: str, delimiter: str, record_idx: int) -> int:
    """Physical line index at which CSV record ``record_idx`` starts (blank lines count)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 0
    for seen, _ in enumerate(reader):
        if seen == record_idx:
            return start
        start = reader.line_num
    return record_idx


def _column_count_problem(path: Path, encoding: str, delimiter: str, width: int) -> str:
    with open(path, encoding=_python_codec(encoding), newline="") as fh:
        for i, record in enumerate(csv.reader(fh, delimiter=delimiter)):
            if record and len(record) != width and any(c.strip() for c in record):
                return (f"row {i + 1} has {len(record)} fields but the header has {width} "
                        f"(delimiter '{delimiter}'); check quoting")
    return "rows do not all have as many fields as the header"


# -------------------------------------------------------------------------------------- XLSX

def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, sheet: str | None = None,
              header_score: Callable[[list], int] | None = None) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken zip
        raise InputError(f"cannot open as an XLSX workbook: {exc}", path=path) from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        else:
            from ..text import fold
            names = {fold(n): n for n in book.sheetnames}
            if sheet not in book.sheetnames and fold(sheet) not in names:
                raise InputError(f"sheet '{sheet}' not found; the workbook has {book.sheetnames}",
                                 path=path)
            ws = book[sheet if sheet in book.sheetnames else names[fold(sheet)]]
        ws.reset_dimensions()    # else openpyxl may scan the whole sheet once just to size it
        rows = [tuple(_cell_text(v) for v in r) for r in ws.iter_rows(values_only=True)]
        title = ws.title
    finally:
        book.close()
    head = [[c or "" for c in r] for r in rows[:HEADER_SCAN_ROWS]]
    header_idx = _pick_header(head, header_score)
    if not rows:
        raise InputError(f"sheet '{title}' is empty", path=path)
    header_cells = list(rows[header_idx])
    while header_cells and not (header_cells[-1] or "").strip():
        header_cells.pop()               # formatted but empty columns at the right
    width = len(header_cells)
    data = rows[header_idx + 1:]
    columns = []
    for j in range(width):
        columns.append(pa.array([r[j] if j < len(r) else None for r in data], type=pa.string()))
    headers = [unicodedata.normalize("NFC", (h or "").strip()) for h in header_cells]
    return RawTable(path=path, headers=headers, columns=columns,
                    source_row=np.arange(header_idx + 2, header_idx + 2 + len(data), dtype=np.int64),
                    sheet=title, header_row=header_idx + 1)


# ------------------------------------------------------------------------------------ shared

def _pick_header(rows: list, header_score: Callable[[list], int] | None) -> int:
    nonblank = [i for i, r in enumerate(rows) if any((c or "").strip() for c in r)]
    if not nonblank:
        return 0
    if header_score is None:
        return nonblank[0]
    scores = [header_score(rows[i]) for i in nonblank]
    best = max(scores)
    return nonblank[scores.index(best)] if best > 0 else nonblank[0]
