"""Errors that stop the kit with a message a user can act on.

Every fatal problem with the input is an :class:`InputError`. The CLI prints
its message (which names the file, and the row or column where it can) and
exits with status 2; nothing is written.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad or missing input: the message says which file and what was expected.

    >>> str(InputError("no data rows", path="a.csv"))
    'a.csv: no data rows'
    >>> str(InputError("bad rule", path="c.csv", row=3, column="rule"))
    "c.csv, row 3, column 'rule': bad rule"
    """

    def __init__(self, message: str, path: object | None = None, row: int | None = None,
                 column: str | None = None):
        self.path, self.row, self.column, self.reason = path, row, column, message
        where = [str(path)] if path is not None else []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
