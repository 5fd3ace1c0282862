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

from .classify import REASONS

EXAMPLES = 5


def accounting(dossiers: pd.DataFrame, examples: int = EXAMPLES) -> pd.DataFrame:
    """``reason, rows, example_rows`` for every reason (counted first, then exclusions in the
    order they are checked); ``rows`` adds up to the number of input data rows.
    ``example_rows`` lists up to ``examples`` rows as ``file:row``."""
    codes = pd.Categorical(dossiers["reason"], categories=list(REASONS)).codes
    counts = np.bincount(codes[codes >= 0], minlength=len(REASONS))
    if (codes < 0).any():
        raise ValueError("rows without a reason")
    files = dossiers["source_file"].astype("str").to_numpy()
    rows = dossiers["source_row"].to_numpy()
    shown = []
    for k in range(len(REASONS)):
        where = np.flatnonzero(codes == k)[:examples] if counts[k] else []
        shown.append("; ".join(f"{files[i]}:{rows[i]}" for i in where))
    return pd.DataFrame({"reason": list(REASONS), "rows": counts.astype(np.int64), "example_rows": shown})
