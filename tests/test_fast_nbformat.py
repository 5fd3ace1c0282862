"""chitieu_lib.fast_nbformat: a notebook's text, the same as nbformat's."""

from __future__ import annotations

import copy

import nbformat

from chitieu_lib import fast_nbformat


def test_an_executed_report_is_written_as_nbformat_writes_it(rendered_district):
    for path in sorted(rendered_district.rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = copy.deepcopy(nb)
        assert fast_nbformat.writes(nb) == nbformat.writes(nb)
        assert nb == before  # the notebook itself is not split into lines


def test_transient_values_are_left_out_as_nbformat_does():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x\ny", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="a\nb\n"),
        nbformat.v4.new_output("display_data", {"text/plain": "1\n2", "application/json": {"k": [1, 2]}})])])
    nb.metadata["orig_nbformat"] = 3
    nb.cells[0].metadata["trusted"] = True
    text = fast_nbformat.writes(nb)
    assert text == nbformat.writes(nb)
    assert "orig_nbformat" not in text and "trusted" not in text and '"x\\n",' in text
    assert nb.metadata["orig_nbformat"] == 3 and nb.cells[0].source == "x\ny"


def test_other_versions_go_to_nbformat():
    v3 = nbformat.v3
    nb = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[v3.new_text_cell("markdown", "a\nb")])])
    text = fast_nbformat.writes(nb)
    assert text == nbformat.writes(nb) and '"nbformat": 3' in text
