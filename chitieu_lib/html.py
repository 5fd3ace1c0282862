"""Executed notebook → code-free HTML page that opens offline.

The reader of a report is an official, often without internet access: the page
carries no code, no prompts, no script/font/style from a CDN, and its charts are
PNG images embedded as base64. nbconvert's default page pulls require.js and
MathJax from a CDN; our template (``chitieu_lib/templates/chitieu_report``)
drops those blocks, and :func:`strip_external_urls` removes any external
reference that might still come from a notebook's own HTML output.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_markdown_cell("# Báo cáo"),
...     nbformat.v4.new_code_cell("1 + 1", outputs=[nbformat.v4.new_output(
...         "execute_result", {"text/plain": "2"}, execution_count=1)])])
>>> page = notebook_to_html(nb)
>>> 'lang="vi"' in page, "1 + 1" in page, "<h1" in page, "https://" in page
(True, False, True, False)
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from html import escape
from pathlib import Path

from . import labels
from .fast_nbformat import nbformat
from .atomic import write_atomic

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "chitieu_report"

# Tags a notebook cell may carry to be left out of the page entirely.
REMOVE_CELL_TAGS = ("remove_cell", "hide", "injected-parameters", "parameters")

_EXTERNAL = r"(?:https?:)?//"
# <script src="http...">...</script> and <link href="http..."> are dropped whole.
_EXTERNAL_SCRIPT = re.compile(
    rf"<script\b[^>]*\bsrc\s*=\s*[\"']?{_EXTERNAL}[^>]*>.*?</script\s*>", re.I | re.S)
_EXTERNAL_LINK_TAG = re.compile(rf"<link\b[^>]*\bhref\s*=\s*[\"']?{_EXTERNAL}[^>]*/?>", re.I)
# Any other src/href pointing outside: the attribute goes, the element (and its text) stays.
_EXTERNAL_ATTR = re.compile(rf"\s(?:src|href|srcset|data-src)\s*=\s*([\"']){_EXTERNAL}.*?\1", re.I | re.S)
_EXTERNAL_ATTR_BARE = re.compile(rf"\s(?:src|href|srcset|data-src)\s*=\s*{_EXTERNAL}[^\s>]*", re.I)
# CSS that would fetch: @import and url(http...). Comments in CSS carrying a URL go too.
_CSS_IMPORT = re.compile(rf"@import\s+(?:url\()?\s*[\"']?{_EXTERNAL}[^;]*;", re.I)
_CSS_URL = re.compile(rf"url\(\s*[\"']?{_EXTERNAL}[^)]*\)", re.I)
_CSS_COMMENT_URL = re.compile(r"/\*(?:(?!\*/).)*?https?://.*?\*/", re.S)


def strip_external_urls(page: str) -> str:
    """Remove every reference to a resource outside the page.

    >>> strip_external_urls('<script src="https://cdn.x/r.js"></script><a href="http://x.vn">x</a>')
    '<a>x</a>'
    >>> strip_external_urls('<img src="data:image/png;base64,AAAA">')
    '<img src="data:image/png;base64,AAAA">'
    """
    page = _EXTERNAL_SCRIPT.sub("", page)
    page = _EXTERNAL_LINK_TAG.sub("", page)
    page = _EXTERNAL_ATTR.sub("", page)
    page = _EXTERNAL_ATTR_BARE.sub("", page)
    page = _CSS_IMPORT.sub("", page)
    page = _CSS_URL.sub("none", page)
    page = _CSS_COMMENT_URL.sub("", page)
    return page


def _reader_view(nb):
    """A copy of the notebook with only what a reader should see.

    Code, prompts and parameter cells go; so do stderr streams (library warnings
    mean nothing to an official; real failures are reported by the batch, which
    reads the executed .ipynb, not the page).
    """
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & set(REMOVE_CELL_TAGS):
            continue
        if cell.cell_type == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        kept.append(cell)
    nb.cells = kept
    return nb


@lru_cache(maxsize=1)
def _exporter():
    # Imported here: nbconvert costs ~0.5 s to import and most callers never need it.
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    config.HTMLExporter.language_code = "vi"
    config.HTMLExporter.embed_images = True
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES_DIR)]
    config.HTMLExporter.template_name = TEMPLATE_NAME
    # Pygments colours code; there is no code on the page.
    config.CSSHTMLHeaderPreprocessor.enabled = False
    return HTMLExporter(config=config)


def notebook_to_html(nb, title: str | None = None) -> str:
    """Render an executed notebook (``NotebookNode``, dict or path) as one offline HTML page.

    ``title`` is the page title (default: the notebook's ``metadata.title``, else the
    ``page_title`` of :data:`chitieu_lib.labels.TEXT`).
    """
    if isinstance(nb, (str, Path)):
        nb = nbformat.read(str(nb), as_version=4)
    elif not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.from_dict(nb)
    nb = _reader_view(nb)
    title = title or nb.metadata.get("title") or labels.say("page_title")
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    # nbconvert's English placeholder would be read aloud to a Vietnamese reader.
    alt = escape(labels.say("chart_alt"), quote=True)
    body = body.replace('alt="No description has been provided for this image"', f'alt="{alt}"')
    return strip_external_urls(body)


def write_html(nb, path: str | Path, title: str | None = None) -> Path:
    """Write :func:`notebook_to_html` to ``path`` atomically (temporary file, then rename)."""
    return write_atomic(path, notebook_to_html(nb, title=title))
