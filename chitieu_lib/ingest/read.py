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
import mmap
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputError
from ..text import fold
from .html_table import looks_like_html, read_html_tables

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
    header_score: Callable | None = None   # how the header row was chosen (to read more columns later)

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
    if head.startswith(OLE2_SIGNATURE):
        raise InputError(OLD_XLS_MESSAGE, path=path)
    if looks_like_html(head):
        return read_html(path, header_score=header_score)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise InputError("not a valid XLSX workbook (not a zip file)", path=path)
    return read_csv(path, head=head, header_score=header_score, select=select)


OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0"
OLD_XLS_MESSAGE = ("this is an old binary Excel 97-2003 workbook (.xls), which the kit does not read; "
                   "open it in Excel or LibreOffice and save it as .xlsx (or as 'CSV UTF-8')")

# Python's csv module refuses a field over 131,072 characters; an export can hold a longer cell
# (a pasted document in a note column). Such cells are read: the limit is raised once.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))


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
    head = io.StringIO("".join(lines[:HEADER_SCAN_ROWS]), newline="")  # lines end in \n, \r\n or \r
    return list(csv.reader(head, delimiter=delimiter))


def read_csv(path: Path, head: bytes | None = None,
             header_score: Callable[[list], int] | None = None,
             select: Callable[[list], set] | None = None) -> RawTable:
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
            # Arrow's message quotes the offending row: never shown (it holds personal data).
            raise InputError(f"cannot read as CSV (delimiter '{delimiter}', encoding {encoding}); "
                             "check that it is a CSV export saved as 'CSV UTF-8'", path=path) from None
        except UnicodeError as exc:
            raise InputError(f"text encoding problem ({encoding}) at byte {getattr(exc, 'start', '?')}",
                             path=path) from None
    # Rows are numbered as a spreadsheet program shows the file: one row per record (a quoted
    # cell with line breaks stays in its row), blank lines included.
    header_row = header_idx + 1
    columns = [table.column(name) if name in included else None for name in names]
    source_row = np.arange(header_row + 1, header_row + 1 + table.num_rows, dtype=np.int64)
    if table.num_rows and physical_lines(path) - (skip + 1) != table.num_rows:
        # a value spans lines: a quoted cell with a line break, or a quote that swallowed rows
        _check_quotes(path, encoding, delimiter, headers, header_idx, table.num_rows)
    return RawTable(path=path, headers=headers, columns=columns, source_row=source_row,
                    encoding=encoding, header_row=header_row, header_score=header_score)


def physical_lines(path: Path) -> int:
    r"""The number of lines of a file, the last one counted whether or not it ends with a line break.

    Counted on the file's pages as mapped in memory (about 0.3 s for the 2.3 GB of the bench's
    10M-row year, once the CSV reader has read them): a record count different from the line
    count means a value spans lines, and only then are the records checked one by one
    (:func:`_check_quotes`).
    A UTF-16 file may count more (0x0A in other characters): then they are checked too.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"a,b\n1,2\n"); physical_lines(p)
    2
    >>> _ = p.write_bytes(b"a,b\r\n1,2"); physical_lines(p)
    2
    >>> _ = p.write_bytes(b""); physical_lines(p)
    0
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if not size:
            return 0
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            data = np.frombuffer(mapped, np.uint8)
            try:
                # in 1 MiB pieces: the comparison's temporary array stays in the CPU's cache
                breaks = sum(int(np.count_nonzero(data[at:at + _PIECE] == 10))
                             for at in range(0, size, _PIECE))
                # UTF-16 little-endian writes a line break as 0A 00
                ends_with_break = data[-1] == 10 or (size > 1 and data[-1] == 0 and data[-2] == 10)
            finally:
                del data  # the map cannot close while an array still points into it
    return breaks + (0 if ends_with_break else 1)


_PIECE = 1 << 20


def _check_quotes(path: Path, encoding: str, delimiter: str, headers: list, header_idx: int,
                  n_records: int) -> None:
    """Refuse a quote that does not close on its row, with the row and column where it opens.

    A value holding a whole line of the file that is a whole row (as many fields as the header,
    for a header of three columns or more) is such a quote: the rows it swallowed would vanish
    into one cell. The lines looked at are those after the cell's first line, except the line
    the quote closes on (what follows the closing quote is the rest of a row): a line break in
    a note or an address stays in its cell. Rows are counted as in ``read_csv``: one per record.
    """
    width = len(headers)
    records = 0
    with open(path, encoding=_python_codec(encoding), newline="") as fh:
        for i, record in enumerate(csv.reader(fh, delimiter=delimiter)):
            if i <= header_idx:
                continue
            records += 1
            for col, value in enumerate(record):
                after = value.splitlines()[1:]  # after a line break: \n, \r\n or \r
                whole = after if value.endswith(("\n", "\r")) else after[:-1]
                if width >= 3 and any(_is_row(line, delimiter, width) for line in whole):
                    name = headers[col] if col < len(headers) else f"{col + 1}"
                    raise InputError(
                        f"a quote opened in this cell does not close on its row: the {len(after)} "
                        "line(s) after it would be read as part of the cell; close the quote (or save "
                        "the file again from the system)", path=path, row=i + 1, column=name)
    if records < n_records:
        raise InputError("the rows could not be counted the same way twice; check quoting", path=path)


def _is_row(line: str, delimiter: str, width: int) -> bool:
    """Whether a line read alone is a whole row: ``width`` fields.

    >>> _is_row("H2,Sở Tư pháp,T1", ",", 3), _is_row("phường 3, quận 4", ",", 3)
    (True, False)
    """
    return len(next(csv.reader([line], delimiter=delimiter), [])) == width


def _physical_line_of(text: str, delimiter: str, record_idx: int) -> int:
    """Physical line index at which CSV record ``record_idx`` starts (blank lines count)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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

def _cell_text(value: object, number_format: str | None = None) -> str | None:
    """A cell as text; a number as Excel displays it with its number format (``0.000000`` keeps
    the procedure code 1.001190 whole, ``000`` keeps leading zeros).

    >>> _cell_text(1.00119, "0.000000"), _cell_text(7, "000"), _cell_text(3.0), _cell_text(1234.0, "#,##0")
    ('1.001190', '007', '3', '1234')
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and number_format:
        shown = _as_displayed(value, number_format)
        if shown is not None:
            return shown
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_FORMAT_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|[_*].')


def _as_displayed(value: float, number_format: str) -> str | None:
    """The digits Excel shows for a plain number format (zeros and decimals; grouping separators
    dropped, as a code or a count needs none); None for General, percent, dates and the like."""
    section = _FORMAT_NOISE.sub("", number_format.split(";")[0]).strip()
    if not section or section.lower() == "general" or not re.fullmatch(r"[0#?,]*(\.[0#?]*)?", section):
        return None
    whole, _, frac = section.partition(".")
    decimals = len(frac)
    zeros = whole.replace(",", "").count("0")
    text = f"{abs(value):.{decimals}f}"
    int_part, dot, frac_part = text.partition(".")
    text = int_part.rjust(zeros, "0") + dot + frac_part
    return ("-" if value < 0 else "") + text


def read_xlsx(path: Path, sheet: str | None = None,
              header_score: Callable[[list], int] | None = None) -> RawTable:
    import openpyxl  # lazy: ~50 ms, only XLSX exports need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken zip
        raise InputError(f"cannot open as an XLSX workbook ({type(exc).__name__}): the file is damaged "
                         "or not a workbook", path=path) from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        else:
            names = {fold(n): n for n in book.sheetnames}
            if sheet not in book.sheetnames and fold(sheet) not in names:
                raise InputError(f"sheet '{sheet}' not found; the workbook has {book.sheetnames}",
                                 path=path)
            ws = book[sheet if sheet in book.sheetnames else names[fold(sheet)]]
        ws.reset_dimensions()    # else openpyxl may scan the whole sheet once just to size it
        title = ws.title
        try:
            rows = [tuple(_cell_text(c.value, getattr(c, "number_format", None)) for c in r)
                    for r in ws.iter_rows()]
        except Exception as exc:  # noqa: BLE001 - a sheet cut short raises XML, zip or zlib errors
            raise InputError(f"the workbook is damaged: sheet '{title}' cannot be read to the end "
                             f"({type(exc).__name__}); open it in Excel and save it again, or export "
                             "it anew", path=path) from None
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


# -------------------------------------------------------------------------------- HTML .xls

def read_html(path: Path, header_score: Callable[[list], int] | None = None) -> RawTable:
    """An HTML ".xls" export (:mod:`.html_table`) as a sheet: of all its tables, the one whose
    best header row names most fields; merged header cells are read as filled. Row numbers count
    that table's rows (title rows included), as Excel shows them when the table starts the sheet."""
    tables = [t for t in read_html_tables(path.read_bytes()) if t.filled]
    if not tables:
        raise InputError("an HTML file with no table: not an export", path=path)
    best, best_score, best_idx = None, -1, 0
    for t in tables:
        head = [[c or "" for c in r] for r in t.filled[:HEADER_SCAN_ROWS]]
        idx = _pick_header(head, header_score)
        score = header_score(head[idx]) if header_score else 0
        if score > best_score:
            best, best_score, best_idx = t, score, idx
    grid = best.filled
    header_cells = list(grid[best_idx])
    while header_cells and not (header_cells[-1] or "").strip():
        header_cells.pop()
    data = grid[best_idx + 1:]
    columns = [pa.array([r[j] if j < len(r) else None for r in data], type=pa.string())
               for j in range(len(header_cells))]
    headers = [unicodedata.normalize("NFC", (h or "").strip()) for h in header_cells]
    return RawTable(path=path, headers=headers, columns=columns,
                    source_row=np.arange(best_idx + 2, best_idx + 2 + len(data), dtype=np.int64),
                    sheet=None, header_row=best_idx + 1)


# ------------------------------------------------------------------------------------ shared

def other_content(table: RawTable, rows: np.ndarray, kept: set) -> np.ndarray:
    """For the rows flagged in ``rows``: does a column outside ``kept`` hold text there?

    A CSV's other columns were never read (``columns`` holds None): they are read now, once, only
    to tell a row with an STT or a name from a wholly empty line. Their values are never kept."""
    found = np.zeros(table.n_rows, dtype=bool)
    others = [pos for pos in range(len(table.headers)) if pos not in kept]
    if not others or not rows.any():
        return found
    columns = table.columns
    if any(columns[pos] is None for pos in others):
        wanted = set(others)
        columns = read_csv(table.path, header_score=table.header_score,
                           select=lambda headers: wanted).columns
    for pos in others:
        col = columns[pos]
        if col is None:
            continue
        text = pc.utf8_trim_whitespace(col.cast(pa.string()))
        filled = pc.fill_null(pc.greater(pc.utf8_length(text), 0), False)
        found |= np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)
    return found & rows

def _pick_header(rows: list, header_score: Callable[[list], int] | None) -> int:
    nonblank = [i for i, r in enumerate(rows) if any((c or "").strip() for c in r)]
    if not nonblank:
        return 0
    if header_score is None:
        return nonblank[0]
    scores = [header_score(rows[i]) for i in nonblank]
    best = max(scores)
    return nonblank[scores.index(best)] if best > 0 else nonblank[0]
