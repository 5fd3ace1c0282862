"""chitieu_lib.html: the report page, checked against nbconvert's own HTMLExporter."""

from __future__ import annotations

import base64

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
    theirs, _ = stock.from_notebook_node(html._reader_view(nb), resources={"metadata": {"name": labels.say("page_title")}})
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
