"""Compare two executed notebooks while ignoring what legitimately differs between runs.

Normalised (removed or blanked), and nothing else:

- ``metadata.papermill``: ``start_time``, ``end_time``, ``duration`` (of the
  notebook and of each cell) and the notebook's ``input_path``/``output_path``;
- ``metadata.execution`` of each cell (nbclient's timestamps);
- cell ``id``s: papermill draws a random one for the injected-parameters cell,
  and nbformat draws random ones for every cell of a notebook stored without ids
  (nbformat 4.4, as this project's notebooks are);
- the kernel's process id in the file names IPython gives cells
  (``/tmp/ipykernel_<pid>/``), which appear in warnings and tracebacks.

Cell sources, cell types, tags, execution counts and every output (text,
images, errors) are compared as they are.

>>> import nbformat
>>> a = nbformat.v4.new_notebook(metadata={"papermill": {"duration": 1.0}})
>>> b = nbformat.v4.new_notebook(metadata={"papermill": {"duration": 2.5}})
>>> normalised(a) == normalised(b)
True
"""

from __future__ import annotations

import copy
import json
import re

_KERNEL_PID = re.compile(r"ipykernel_\d+")
_VOLATILE_TIMES = ("start_time", "end_time", "duration")


def normalised(nb) -> dict:
    """A plain-dict copy of ``nb`` without its volatile parts (see the module docstring)."""
    nb = copy.deepcopy(dict(nb))
    meta = nb.setdefault("metadata", {})
    pm = meta.get("papermill", {})
    for key in (*_VOLATILE_TIMES, "input_path", "output_path"):
        pm.pop(key, None)
    for cell in nb.get("cells", []):
        cmeta = cell.get("metadata", {})
        cmeta.pop("execution", None)
        for key in _VOLATILE_TIMES:
            cmeta.get("papermill", {}).pop(key, None)
        cell.pop("id", None)
        if cell.get("outputs"):
            text = _KERNEL_PID.sub("ipykernel_PID", json.dumps(cell["outputs"]))
            cell["outputs"] = json.loads(text)
    return nb
