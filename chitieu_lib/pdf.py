"""Reports printed to PDF for attaching to documents: A4 portrait, page numbers, a heading block.

Headless Chromium (Debian's ``chromium``) prints each code-free HTML page through
playwright, with the report's print stylesheet (the same one Ctrl+P uses): rows are
not split across pages, headings stay with what follows, and the fonts (DejaVu Sans,
which has every Vietnamese letter) are embedded in the PDF. Each PDF goes through the kit's
one atomic writer (``atomic.staged``), so a PDF is whole or absent.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

from . import labels
from .atomic import staged
from .errors import InputError
from .vi import fmt_date

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Without the background-networking flags Chromium tries to reach Google's hosts at every start.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    """The Chromium to print with: ``$CHITIEU_CHROMIUM``, else Debian's; an InputError if none."""
    for candidate in (os.environ.get("CHITIEU_CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise InputError("--pdf needs a Chromium (Debian: apt-get install chromium; or set CHITIEU_CHROMIUM)")


def header_template(unit: str, as_of) -> str:
    """The heading block of each page: the unit on the left, the as-of date on the right."""
    return ('<div style="font-family: DejaVu Sans, sans-serif; font-size: 8px; width: 100%; margin: 0 12mm; '
            'display: flex; justify-content: space-between; color: #5b6775;">'
            f'<span>{html.escape(unit)}</span><span>{labels.say("pdf_as_of", as_of=fmt_date(as_of))}</span></div>')


FOOTER_TEMPLATE = ('<div style="font-family: DejaVu Sans, sans-serif; font-size: 8px; width: 100%; '
                   'text-align: center; color: #5b6775;">'
                   + labels.say("pdf_page", page='<span class="pageNumber"></span>',
                                pages='<span class="totalPages"></span>')
                   + '</div>')


def print_pdfs(pages: list[tuple[Path, str]], as_of, log=print, browser=None) -> list[Path]:
    """Print each ``(html_path, unit name)`` to ``html_path.with_suffix('.pdf')``; the PDFs written.

    ``browser``: a playwright Chromium already running (tests); else one is started and closed.
    """
    if not pages:
        return []
    if browser is not None:
        return _print_all(browser, pages, as_of, log)
    from playwright.sync_api import sync_playwright  # lazy: only --pdf needs a browser

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            return _print_all(browser, pages, as_of, log)
        finally:
            browser.close()


def _print_all(browser, pages, as_of, log) -> list[Path]:
    written = []
    page = browser.new_page()
    try:
        for html_path, unit in pages:
            target = Path(html_path).with_suffix(".pdf")
            with staged(target) as tmp:      # the kit's one writer: whole or absent
                page.goto(Path(html_path).resolve().as_uri())
                page.wait_for_load_state("load")
                page.pdf(path=str(tmp), format="A4", print_background=True, display_header_footer=True,
                         header_template=header_template(unit, as_of), footer_template=FOOTER_TEMPLATE,
                         margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                         prefer_css_page_size=True)
            written.append(target)
    finally:
        page.close()
    log(f"chitieu render: {len(written)} PDF(s) written")
    return written
