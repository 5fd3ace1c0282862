"""chitieu_lib.html: the report page, checked against nbconvert's own HTMLExporter."""

from __future__ import annotations

import base64
import copy

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from chitieu_lib import html, labels

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()


def _notebook():
    return new_notebook(cells=[
        new_markdown_cell("# Báo cáo\n\nTỷ lệ **trực tuyến** &nbsp; 45%"),
        new_code_cell("plot()", outputs=[new_output("display_data", {"image/png": PNG, "text/plain": "<Figure>"})]),
        new_code_cell("t", outputs=[new_output("execute_result", {"text/html": "<table><tr><td>1</td></tr></table>",
                                                                  "text/plain": "t"}, execution_count=2)]),
        new_code_cell("print('x')", outputs=[new_output("stream", name="stdout", text="x\n")]),
    ])


def test_page_is_nbconverts_with_vietnamese_alt_text():
    """Same page as nbconvert's HTMLExporter (which adds alt and tabindex with BeautifulSoup),
    once both are parsed; the alt text is ours, in Vietnamese."""
    nb = _notebook()
    ours = html.notebook_to_html(nb)
    stock = HTMLExporter(config=html._exporter().config)
    # A plain NotebookNode: the stock exporter deep-copies it with copy.deepcopy.
    view = nbformat.from_dict(html._reader_view(nb))
    theirs, _ = stock.from_notebook_node(view, resources={"metadata": {"name": labels.say("page_title")}})
    alt = labels.say("chart_alt")
    theirs = html.strip_external_urls(theirs.replace("No description has been provided for this image", alt))
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    soup = BeautifulSoup(ours, features="html.parser")
    assert [img["alt"] for img in soup.find_all("img")] == [alt]
    outputs = soup.select("div.jp-OutputArea-output")
    assert len(outputs) == 3 and all(d.get("tabindex") == "0" for d in outputs)


def test_reader_view_leaves_the_notebook_alone():
    nb = _notebook()
    nb.cells[3].outputs.append(new_output("stream", name="stderr", text="warning\n"))
    before = nb.cells[3].outputs[:]
    view = html._reader_view(nb)
    assert [o.get("name") for o in view.cells[3].outputs] == ["stdout"]
    assert nb.cells[3].outputs == before and len(nb.cells) == len(view.cells) == 4


def test_the_views_deep_copy_is_a_full_copy():
    """The exporter's preprocessors change the copy it makes; none of it reaches the view."""
    view = html._reader_view(_notebook())
    copied = copy.deepcopy(view)
    assert copied == view and type(copied) is type(view)
    copied.cells[1].outputs[0].data["image/png"] = "changed"
    copied.cells[0].metadata["tags"] = ["x"]
    copied.metadata["new"] = 1
    assert view.cells[1].outputs[0].data["image/png"] == PNG
    assert "tags" not in view.cells[0].metadata and "new" not in view.metadata


def test_a_real_report_page_is_the_same_as_with_copy_deepcopy(rendered_district, monkeypatch):
    """A whole executed report: the page made with the structural copy is the page made with
    copy.deepcopy (nbconvert's own), byte for byte."""
    nb = nbformat.read(next(rendered_district.rglob("*.ipynb")), as_version=4)
    ours = html.notebook_to_html(nb)
    monkeypatch.delattr(html._ReaderView, "__deepcopy__")
    assert html.notebook_to_html(nb) == ours
