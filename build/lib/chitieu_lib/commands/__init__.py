"""Sub-commands of ``chitieu``; see :mod:`chitieu_lib.cli`."""
