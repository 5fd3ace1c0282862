"""The one procedure-code matcher: dossier exports, Biểu 06, flat aggregates and the catalogue
all match procedure codes here.

A national procedure code (``1.001193``) also comes in its local form, the national code followed
by ``.000.00.00.`` and the province's code (``1.001193.000.00.00.H34``), as provincial one-stop
systems and the national portal write it. A code matches the catalogue's code written the same
way (case and surrounding spaces aside); failing that, it matches by its national part, in either
direction, when exactly one catalogue code has that national part (never a guess between two).

>>> match_codes(["1.001193.000.00.00.H34", " 1.001193 ", "T-CONT", "2.000001"],
...             ["1.001193", "t-cont"]).tolist()
[0, 0, 1, -1]
>>> national_code("1.001193.000.00.00.H34"), national_code("T-CONT")
('1.001193', 'T-CONT')
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# National code + ".000.00.00." + province code (H + two digits in the national agency scheme).
LOCAL_CODE = re.compile(r"^(?P<national>\d+\.\d{6})\.000\.00\.00\.H\d{2}$")


def code_key(code: object) -> str:
    """A code as compared: trimmed, upper case.

    >>> code_key(" t-cont ")
    'T-CONT'
    """
    return "" if code is None else str(code).strip().upper()


def national_code(code: object) -> str:
    """The national part of a local code; any other code as compared (:func:`code_key`)."""
    key = code_key(code)
    m = LOCAL_CODE.match(key)
    return m.group("national") if m else key


def match_codes(codes, catalog_codes) -> np.ndarray:
    """Per code, the position of its catalogue code in ``catalog_codes`` (-1 = none).

    Works on the distinct codes only. NA or blank codes match nothing.
    """
    codes = pd.Series(codes, dtype="object")
    exact, by_national = {}, {}
    for pos, c in enumerate(catalog_codes):
        key = code_key(c)
        if key:
            exact.setdefault(key, pos)
            by_national.setdefault(national_code(key), set()).add(pos)
    uniques, inverse = np.unique(codes.fillna("").astype(str).to_numpy(), return_inverse=True)
    found = np.array([_match_one(u, exact, by_national) for u in uniques] + [-1], dtype=np.int64)
    return found[inverse.reshape(-1)] if len(codes) else np.zeros(0, dtype=np.int64)


def _match_one(code: str, exact: dict, by_national: dict) -> int:
    key = code_key(code)
    if not key:
        return -1
    if key in exact:
        return exact[key]
    candidates = by_national.get(national_code(key), set())
    return next(iter(candidates)) if len(candidates) == 1 else -1
