"""nbformat, imported without compiling an IRI grammar it never uses (about 1 s per process).

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

import sys

# A None entry makes ``import rfc3987_syntax`` raise ImportError, which jsonschema expects
# for a missing optional checker.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402  -- after the line above, on purpose

__all__ = ["nbformat"]
