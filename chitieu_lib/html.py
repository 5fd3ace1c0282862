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


class _ReaderView(nbformat.NotebookNode):
    """A notebook made for the page alone. nbconvert's exporter deep-copies what it is given
    before its preprocessors change it; a structural copy (``from_dict``: new dicts and
    lists, the same strings) is all they need, in half ``copy.deepcopy``'s time."""

    def __deepcopy__(self, memo):
        return _ReaderView(nbformat.from_dict(self))  # copied again (twice) by the exporter


def _reader_view(nb):
    """A copy of the notebook with only what a reader should see.

    Code, prompts and parameter cells go; so do stderr streams (library warnings
    mean nothing to an official; real failures are reported by the batch, which
    reads the executed .ipynb, not the page).
    """
    # Shallow copies: the cells kept are new nodes, their contents shared with ``nb``
    # (the exporter deep-copies what it is given before changing anything).
    view = _ReaderView(nb)
    view.cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & set(REMOVE_CELL_TAGS):
            continue
        cell = nbformat.NotebookNode(cell)
        if cell.cell_type == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        view.cells.append(cell)
    return view


# nbconvert's HTMLExporter ends by parsing its own page with BeautifulSoup to give images an
# alt text and output areas a tabindex, then prints the tree again: more than half of a report's
# HTML time. The pages come from our template, so the same two attributes are set on its tags here.
_FOCUSABLE_DIV = re.compile(r'(<div\b(?![^>]*\stabindex\s*=)[^>]*\bclass="[^"]*\b'
                            r'(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^>]*)>')
_IMG_TAG = re.compile(r"<img\b[^>]*>")        # a tag, its base64 source included
_ALT_ATTR = re.compile(r"\salt\s*=", re.I)    # base64 holds no white space: only an attribute


def accessible(page: str, alt: str) -> str:
    """Give every image without one the alt text ``alt``, and cells and outputs ``tabindex="0"``.

    What nbconvert's HTMLExporter does with BeautifulSoup, on the tags of our template:

    >>> accessible('<div class="jp-RenderedImage jp-OutputArea-output"><img src="x.png"></div>', "Biểu đồ")
    '<div class="jp-RenderedImage jp-OutputArea-output" tabindex="0"><img src="x.png" alt="Biểu đồ"></div>'
    >>> accessible('<img alt="a" src="y.png"><img src="z.png"/><div class="jp-OutputArea-child">', "b")
    '<img alt="a" src="y.png"><img src="z.png" alt="b"/><div class="jp-OutputArea-child">'
    """
    def with_alt(match):
        tag = match[0]
        if _ALT_ATTR.search(tag):
            return tag
        close = "/>" if tag.endswith("/>") else ">"
        return f'{tag[:-len(close)].rstrip()} alt="{escape(alt, quote=True)}"{close}'

    return _FOCUSABLE_DIV.sub(r'\1 tabindex="0">', _IMG_TAG.sub(with_alt, page))


@lru_cache(maxsize=1)
def _exporter():
    # Imported here: nbconvert costs ~0.5 s to import and most callers never need it.
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from traitlets.config import Config

    class ReportExporter(HTMLExporter):
        """HTMLExporter without its closing BeautifulSoup pass (:func:`accessible` does its job)."""

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to its BeautifulSoup step (nbconvert 7).
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    config = Config()
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    config.HTMLExporter.language_code = "vi"
    config.HTMLExporter.embed_images = True
    config.HTMLExporter.extra_template_basedirs = [str(TEMPLATES_DIR)]
    config.HTMLExporter.template_name = TEMPLATE_NAME
    # Validate the notebook once, after the preprocessors, not after each of them (12 times).
    config.HTMLExporter.optimistic_validation = True
    # Pygments colours code; there is no code on the page.
    config.CSSHTMLHeaderPreprocessor.enabled = False
    return ReportExporter(config=config)


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
    # Vietnamese, not nbconvert's English placeholder: it is read aloud to the reader.
    return strip_external_urls(accessible(body, labels.say("chart_alt")))


def warm_up() -> None:
    """Import nbconvert and compile the page's templates now (by making one small page), so
    that the first report's page does not pay for it (about 0.1 s)."""
    v4 = nbformat.v4
    notebook_to_html(v4.new_notebook(cells=[v4.new_markdown_cell("."), v4.new_code_cell("", outputs=[
        v4.new_output("display_data", {"image/png": "", "text/html": "<p></p>", "text/plain": ""}),
        v4.new_output("stream", name="stdout", text=".")])]))


def write_html(nb, path: str | Path, title: str | None = None) -> Path:
    """Write :func:`notebook_to_html` to ``path`` atomically (temporary file, then rename)."""
    return write_atomic(path, notebook_to_html(nb, title=title))
