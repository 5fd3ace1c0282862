"""HTML tables saved as ".xls": what the "Xuất Excel" button of web one-stop systems writes
(``<html xmlns:x="urn:schemas-microsoft-com:office:excel">…<table>``). Excel opens them as a
sheet; the kit reads them the same way, with the standard library's :mod:`html.parser`.

Every ``<table>`` becomes a grid of cell texts, twice: ``raw`` (a merged cell's text in its
top-left position only, as a workbook stores it) and ``filled`` (the text repeated over the
whole ``colspan``/``rowspan`` range, as a reader sees it). A table nested in a cell is a table of
its own; its text is not part of the outer cell. Numbers stay text ("1.234" is read by the
callers' count and date parsers).

>>> t = read_html_tables(b'<html><table><tr><td colspan="2">DANH S&Aacute;CH</td></tr>'
...     b'<tr><th rowspan="2">STT</th><th>M\\xc3\\xa3</th></tr><tr><td>H1</td></tr></table></html>')
>>> t[0].raw
[['DANH SÁCH', None], ['STT', 'Mã'], [None, 'H1']]
>>> t[0].filled
[['DANH SÁCH', 'DANH SÁCH'], ['STT', 'Mã'], ['STT', 'H1']]
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|table|\?xml|meta|head|body|style|div|h\d|p\b)",
                         re.IGNORECASE)
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
MAX_SPAN = 1000      # a colspan/rowspan beyond this is a broken file, not a layout


def looks_like_html(head: bytes) -> bool:
    """True when a file's first bytes are HTML (UTF-16 HTML included).

    >>> looks_like_html(b"  <html xmlns:x='urn:schemas-microsoft-com:office:excel'>"), looks_like_html(b"a,b")
    (True, False)
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = head[:4096].decode("utf-16", errors="ignore").encode("utf-8")
        except UnicodeError:
            return False
    return bool(_HTML_START.match(head[:4096])) or (b"<table" in head[:4096].lower()
                                                   and head.lstrip()[:1] == b"<")


def decode_html(data: bytes) -> str:
    """The text of an HTML file: by its byte-order mark, else its ``charset``, else UTF-8, else
    Windows-1258 (old Vietnamese exports)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    m = _CHARSET.search(data[:4096])
    if m:
        try:
            return data.decode(m.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


@dataclass
class HtmlTable:
    """One ``<table>``: its grids (rows of cell texts; None = no cell there)."""

    raw: list = field(default_factory=list)
    filled: list = field(default_factory=list)


@dataclass
class _Open:
    """A table being parsed: its rows of (text, colspan, rowspan) cells."""

    rows: list = field(default_factory=list)
    cell: list | None = None        # text parts of the open cell
    spans: tuple = (1, 1)


def _span(value: str | None) -> int:
    try:
        return min(max(int(str(value).strip() or 1), 1), MAX_SPAN)
    except ValueError:
        return 1


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.done: list[tuple[int, _Open]] = []     # (order of the <table> tag, table)
        self.opened = 0
        self.order: list[int] = []

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        if tag == "table":
            self.stack.append(_Open())
            self.order.append(self.opened)
            self.opened += 1
        elif not self.stack:
            return
        elif tag == "tr":
            self._close_cell()
            self.stack[-1].rows.append([])
        elif tag in ("td", "th"):
            self._close_cell()
            t = self.stack[-1]
            if not t.rows:
                t.rows.append([])
            a = dict(attrs)
            t.cell, t.spans = [], (_span(a.get("colspan")), _span(a.get("rowspan")))
        elif tag == "br" and self.stack[-1].cell is not None:
            self.stack[-1].cell.append(" ")

    def handle_endtag(self, tag):
        tag = tag.lower()
        if not self.stack:
            return
        if tag in ("td", "th", "tr"):
            self._close_cell()
        elif tag == "table":
            self._close_cell()
            self.done.append((self.order.pop(), self.stack.pop()))

    def handle_data(self, data):
        if self.stack and self.stack[-1].cell is not None:
            self.stack[-1].cell.append(data)

    def _close_cell(self):
        t = self.stack[-1]
        if t.cell is not None:
            text = unicodedata.normalize("NFC", " ".join("".join(t.cell).split()))
            t.rows[-1].append((text, *t.spans))
            t.cell = None

    def close(self):
        super().close()
        while self.stack:                      # a file cut short: keep what was read
            self._close_cell()
            self.done.append((self.order.pop(), self.stack.pop()))


def _grids(rows: list) -> HtmlTable:
    """Lay the cells out on a grid, honouring colspan and rowspan."""
    raw: list[list] = []
    filled: list[list] = []
    taken: dict = {}                 # (row, col) -> text, for cells spanning down into later rows
    for r, cells in enumerate(rows):
        raw_row: dict = {}
        filled_row: dict = {}
        for (c, text) in [(k[1], v) for k, v in taken.items() if k[0] == r]:
            filled_row[c] = text
            raw_row.setdefault(c, None)
        col = 0
        for text, colspan, rowspan in cells:
            while col in filled_row:
                col += 1
            for dr in range(rowspan):
                for dc in range(colspan):
                    if dr == 0:
                        filled_row[col + dc] = text
                        raw_row[col + dc] = text if dc == 0 else None
                    else:
                        taken[(r + dr, col + dc)] = text
            col += colspan
        width = max(filled_row, default=-1) + 1
        raw.append([raw_row.get(c) or None for c in range(width)])
        filled.append([filled_row.get(c) or None for c in range(width)])
    width = max((len(r) for r in filled), default=0)
    return HtmlTable(raw=[r + [None] * (width - len(r)) for r in raw],
                     filled=[r + [None] * (width - len(r)) for r in filled])


def read_html_tables(data: bytes) -> list[HtmlTable]:
    """Every table of an HTML document, in the order their ``<table>`` tags open."""
    parser = _Parser()
    parser.feed(decode_html(data))
    parser.close()
    return [_grids(t.rows) for _, t in sorted(parser.done, key=lambda x: x[0])]
