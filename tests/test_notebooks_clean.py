"""Notebooks in git carry no outputs, no execution counts, and a plain `parameters` cell."""

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
REPORT = {"as_of": "", "since": "", "processed_dir": "", "previous_dir": ""}
EXPECTED_PARAMETERS = {
    "unit_report": {"unit_code": "571", **REPORT, "district_page": True},
    "district_report": {"district_code": "571", **REPORT},
    "province_overview": dict(REPORT),
    "explore": {"processed_dir": ""},
}


def test_all_four_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= set(EXPECTED_PARAMETERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_outputs_and_no_execution_counts(path):
    nb = nbformat.read(str(path), as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"
            assert cell.outputs == [], f"{path.name} cell {i} carries outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checked_cells_have_expected_text_and_are_hidden(path, tmp_path):
    """nbval's reference text lives in tests/nbval_expected/, and goes into a copy only."""
    from nbval_prepare import CHECK_TAG, EXPECTED, prepare

    nb = nbformat.read(str(path), as_version=4)
    checked = [c for c in nb.cells if CHECK_TAG in c.metadata.get("tags", [])]
    expected = EXPECTED / f"{path.stem}.txt"
    assert len(checked) == (1 if expected.exists() else 0)
    if not checked:
        return
    assert "remove_cell" in checked[0].metadata["tags"]      # never shown to report readers
    copy = nbformat.read(str(prepare(path.parent, tmp_path / "nbval")[NOTEBOOKS.index(path)]), 4)
    cell = next(c for c in copy.cells if CHECK_TAG in c.metadata.get("tags", []))
    assert cell.execution_count == 1
    assert cell.outputs[0].text == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_plain_parameters(path):
    nb = nbformat.read(str(path), as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    values = {}
    for node in ast.parse(first.source).body:
        # papermill's convention: `name: type = literal  # help`, so --help-notebook lists each one
        assert isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Constant), \
            f"{path.name}: parameters must be annotated assignments of literals"
        values[node.target.id] = node.value.value
    assert values == EXPECTED_PARAMETERS[path.stem]
    lines = [ln for ln in first.source.splitlines() if ln.strip()]
    assert all("  # " in ln for ln in lines), f"{path.name}: every parameter needs a help comment"
    assert all(isinstance(v, bool) or (isinstance(v, str) and v.isascii()) for v in values.values())
