"""Where every input row went: one line per reason, with example rows.

>>> import pandas as pd
>>> from chitieu_lib.ingest.classify import REASONS
>>> d = pd.DataFrame({"source_file": ["a.csv"] * 3, "source_row": [2, 3, 4],
...                   "reason": pd.Categorical(["counted", "duplicate", "counted"], categories=list(REASONS))})
>>> accounting(d).head(3).to_dict("records")[:2]
[{'reason': 'counted', 'rows': 2, 'example_rows': 'a.csv:2; a.csv:4'}, {'reason': 'missing_id', 'rows': 0, 'example_rows': ''}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .classify import ALL_REASONS, READ_REASONS, REASONS

EXAMPLES = 5
EXAMPLE_SEP = "; "   # between the example rows of one accounting line (``a.csv:2; a.csv:4``)


def join_examples(labels) -> str:
    """Example rows (``file:row`` labels) as the one text an accounting line shows.

    >>> join_examples(["a.csv:2", "b.xlsx:7"])
    'a.csv:2; b.xlsx:7'
    """
    return EXAMPLE_SEP.join(labels)


def accounting(dossiers: pd.DataFrame, examples: int = EXAMPLES) -> pd.DataFrame:
    """``reason, rows, example_rows`` for every reason (counted first, then exclusions in the
    order they are checked); ``rows`` adds up to the number of input data rows.
    ``example_rows`` lists up to ``examples`` rows as ``file:row``."""
    codes = pd.Categorical(dossiers["reason"], categories=list(ALL_REASONS)).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(ALL_REASONS))
    if (codes < 0).any():
        raise ValueError("rows without a reason")
    files = dossiers["source_file"].astype("str").to_numpy()
    rows = dossiers["source_row"].to_numpy()
    # Every rule's reason, counted first; a reason of the reading (blank_row) only when it occurs,
    # right after counted (it is settled before any rule).
    listed = [REASONS[0]] + [r for r in READ_REASONS if counts[ALL_REASONS.index(r)]] + list(REASONS[1:])
    position = [ALL_REASONS.index(r) for r in listed]
    shown = []
    for k in position:
        where = np.flatnonzero(codes == k)[:examples] if counts[k] else []
        shown.append(join_examples(f"{files[i]}:{rows[i]}" for i in where))
    return pd.DataFrame({"reason": listed, "rows": counts[position].astype(np.int64), "example_rows": shown})
