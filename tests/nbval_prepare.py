"""Copy the notebooks for nbval, with the expected text of their checked cells filled in.

Notebooks in git carry no outputs. nbval compares a cell only against an output
stored in the notebook, so the expected text of each cell tagged
``nbval-check-output`` lives in ``tests/nbval_expected/<notebook>.txt`` and is
put into a copy under ``notebooks/.nbval/`` (gitignored) just before nbval runs:

    python tests/nbval_prepare.py            # then: pytest notebooks/.nbval --nbval-lax
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "nbval_expected"
CHECK_TAG = "nbval-check-output"


def with_expected_outputs(nb, expected_text: str):
    """Give the notebook's one checked cell its expected stdout (execution count 1)."""
    checked = [c for c in nb.cells if c.cell_type == "code" and CHECK_TAG in c.metadata.get("tags", [])]
    if len(checked) != 1:
        raise ValueError(f"expected one cell tagged {CHECK_TAG}, found {len(checked)}")
    checked[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=expected_text)]
    checked[0].execution_count = 1
    return nb


def prepare(src: Path = ROOT / "notebooks", dst: Path = ROOT / "notebooks" / ".nbval") -> list[Path]:
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    written = []
    for path in sorted(src.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        expected = EXPECTED / f"{path.stem}.txt"
        if expected.exists():
            nb = with_expected_outputs(nb, expected.read_text(encoding="utf-8"))
        nbformat.write(nb, dst / path.name)
        written.append(dst / path.name)
    return written


if __name__ == "__main__":
    paths = prepare(*(Path(a) for a in sys.argv[1:3]))
    print(f"nbval copies: {', '.join(p.name for p in paths)}")
