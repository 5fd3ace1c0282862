"""nbformat, imported without compiling an IRI grammar it never uses (about 1 s per process),
and a notebook written without nbformat's deep copy (:func:`writes`).

nbformat validates notebooks with jsonschema; jsonschema, when the optional package
``rfc3987_syntax`` is installed (Jupyter pulls it in through ``jsonschema[format-nongpl]``),
registers an ``iri`` format checker, and importing that package compiles 38 Lark grammars:
about a second of CPU in every process that reads or writes a notebook (``chitieu render``,
each of its worker processes, a kept-warm runner), on a 2-core machine while kernels boot.
The notebook schemas use no ``format`` keyword (only a metadata property of that name), so
validation is unchanged. The modules that import nbformat (``engine``, ``html``) import this
one first; ``rfc3987_syntax`` stays importable where it was already imported.

>>> import sys
>>> from chitieu_lib.fast_nbformat import nbformat
>>> nbformat.v4.new_notebook().nbformat
4
"""

import json
import sys

# A None entry makes ``import rfc3987_syntax`` raise ImportError, which jsonschema expects
# for a missing optional checker.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402  -- after the line above, on purpose
from nbformat.v4 import nbjson  # noqa: E402
from nbformat.v4.rwbase import split_lines, strip_transient  # noqa: E402

__all__ = ["nbformat", "writes"]


def writes(nb) -> str:
    """``nbformat.writes(nb)`` for a version-4 notebook, the same text, in half the time.

    nbformat deep-copies the notebook before splitting its text into lines
    (``copy.deepcopy``: 2 ms a report); a structural copy (``from_dict``: new dicts and
    lists, the same strings) is all the splitting needs, as it only replaces values.
    nbformat also validates before writing, only to log what is invalid (and, in passing,
    to give cells without an id a random one, in the caller's notebook); the page made from
    the same notebook has been validated already, and a notebook is written here as it is.
    Other versions go to nbformat.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("a\\nb")])
    >>> writes(nb) == nbformat.writes(nb), nb.cells[0].source
    (True, 'a\\nb')
    """
    if nb.get("nbformat") != 4:
        return nbformat.writes(nb)
    copy = strip_transient(split_lines(nbformat.from_dict(nb)))
    return json.dumps(copy, cls=nbjson.BytesEncoder, indent=1, sort_keys=True, separators=(",", ": "),
                      ensure_ascii=False)
