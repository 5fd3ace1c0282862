"""Showing a report's parts in the notebook: formatted HTML for the reader, raw values for export.

Tables shown with :func:`show_table` carry their raw values in a private MIME type
(``TABLE_MIME``) next to the HTML, so that the batch (:mod:`chitieu_lib.render`)
can write them as XLSX and CSV beside the page whatever engine ran the notebook.
"""

from __future__ import annotations

import datetime as dt
import html

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from .. import labels
from ..labels import COLUMNS as C
from ..vi import _isna
from .tables import agency_table, league_table, table_html
from .views import View

TABLE_MIME = "application/vnd.chitieu.table+json"


def table_payload(df: pd.DataFrame, name: str, title: str = "") -> dict:
    """The raw values of a table, JSON-safe, for the batch to write as XLSX/CSV.

    >>> table_payload(pd.DataFrame({"Mã": ["571"], "Tỷ lệ": [0.25], "_status": ["met"]}), "t")["data"]
    [['571', 0.25]]
    """
    shown = df[[c for c in df.columns if not str(c).startswith("_")]]
    records = []
    for row in shown.itertuples(index=False):
        rec = []
        for v in row:
            if _isna(v):
                rec.append(None)
            elif isinstance(v, (pd.Timestamp, dt.date)):
                rec.append(pd.Timestamp(v).date().isoformat())
            elif isinstance(v, (np.integer,)):
                rec.append(int(v))
            elif isinstance(v, (np.floating, float)):
                rec.append(float(v))
            else:
                rec.append(v if isinstance(v, (int, bool)) else str(v))
        records.append(rec)
    return {"name": name, "title": title, "columns": [str(c) for c in shown.columns], "data": records}


def payload_frame(payload: dict) -> pd.DataFrame:
    """Inverse of :func:`table_payload`."""
    return pd.DataFrame(payload["data"], columns=payload["columns"])


def show_table(df: pd.DataFrame, name: str, caption: str = "") -> None:
    """Display a table in the notebook: formatted HTML for the reader, raw values for export."""
    display({"text/html": table_html(df, caption),
             "text/plain": labels.say("table_plain", name=name, rows=len(df)),
             TABLE_MIME: table_payload(df, name, caption)}, raw=True)


def show_html(fragment: str) -> None:
    """Display an HTML fragment (headline boxes, notes, footer)."""
    display(HTML(fragment))


def show_agencies(view: View, unit_code: str) -> None:
    """The phòng table when the unit's dossiers name their processing phòng."""
    table = agency_table(view, unit_code)
    if table.empty or (len(table) == 1 and table[C["agency"]].iloc[0] == labels.NO_AGENCY):
        show_html(f"<p>{labels.say('no_phong')}</p>")
        return
    show_table(table, "theo_phong", labels.say("phong_caption"))


def show_group_rankings(view: View) -> None:
    """One ranked table per clause of Article 1, with the clause's text from the decision."""
    texts = {g["clause"]: g["text"] for g in view.decision.groups}
    s = view.summary()
    for i, clause in enumerate(dict.fromkeys(s["target_group"]), start=1):
        codes = s.loc[s["target_group"] == clause, "unit_code"]
        show_html(f"<h3>{html.escape(clause)}</h3><p>{html.escape(texts.get(clause, ''))}</p>")
        show_table(league_table(view, codes), f"xep_hang_nhom_{i}", labels.say("ranking_caption", clause=clause))
