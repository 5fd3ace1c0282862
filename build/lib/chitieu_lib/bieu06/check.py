"""Checking a Biểu 06 frame (row arithmetic, balance, subtotals, total) and turning it into aggregates."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..aggregate import COUNTED, to_aggregate_table
from .layout import CHECKS, FIGURES, HEADER_WORDS


@dataclass(frozen=True)
class _Problem:
    source_file: str
    sheet: str
    source_row: int
    check: str
    column: str
    expected: int
    found: int
    message: str


PROBLEM_COLUMNS = list(_Problem.__dataclass_fields__)


def check_bieu06(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a Biểu 06 frame; one row per failure, naming the sheet row.

    ``check`` is ``arithmetic`` (a total column is not the sum of its parts,
    e.g. Tổng số ≠ Trực tuyến + Trực tiếp + Từ kỳ trước), ``balance`` (received
    ≠ resolved + pending), ``subtotal`` (a group row ≠ the sum of the rows under
    it) or ``total`` (the "Tổng cộng" row ≠ the sum of the groups). ``expected``
    is what the other figures give, ``found`` what the row says.
    """
    problems = []
    for (source, sheet), part in frame.groupby(["source_file", "sheet"], sort=False, observed=True):
        recs = part.to_dict("records")
        has = {r["source_row"]: r["row_kind"] != "heading" for r in recs}
        kids: dict = {}
        for r in recs:
            if pd.notna(r["parent_row"]):
                kids.setdefault(int(r["parent_row"]), []).append(r)

        def effective(r):
            if has[r["source_row"]]:
                return {f: r[f] for f in FIGURES}
            parts = [effective(c) for c in kids.get(r["source_row"], [])]
            return {f: sum(p[f] for p in parts) for f in FIGURES}

        def add(r, check, column, expected, found, message):
            problems.append(_Problem(source, sheet, int(r["source_row"]), check, column, int(expected),
                                     int(found), f"{source}, sheet '{sheet}', row {r['source_row']}: {message}"))

        for r in recs:
            if r["row_kind"] == "heading":
                continue
            for total, parts in CHECKS.items():
                want = sum(r[p] for p in parts)
                if r[total] != want:
                    add(r, "arithmetic", total, want, r[total],
                        f"{HEADER_WORDS[total]} = {r[total]} but "
                        f"{' + '.join(HEADER_WORDS[p].split(': ')[-1] for p in parts)} = {want}")
            if r["received_total"] != r["resolved_total"] + r["pending_total"]:
                want = r["resolved_total"] + r["pending_total"]
                add(r, "balance", "received_total", want, r["received_total"],
                    f"{HEADER_WORDS['received_total']} = {r['received_total']} but đã giải quyết + "
                    f"đang giải quyết = {want}")
            if r["row_kind"] in ("subtotal", "total"):
                under = kids.get(r["source_row"], []) if r["row_kind"] == "subtotal" else \
                    [x for x in recs if pd.isna(x["parent_row"]) and x["row_kind"] != "total"]
                if not under:
                    continue
                sums = [effective(c) for c in under]
                rows_txt = f"rows {under[0]['source_row']}–{under[-1]['source_row']}"
                for f in FIGURES:
                    want = sum(s[f] for s in sums)
                    if r[f] != want:
                        add(r, r["row_kind"], f, want, r[f],
                            f"{'subtotal' if r['row_kind'] == 'subtotal' else 'total'} "
                            f"'{r['label']}' {HEADER_WORDS[f]} = {r[f]} but {rows_txt} add up to {want}")
    return pd.DataFrame([p.__dict__ for p in problems], columns=PROBLEM_COLUMNS)


def bieu06_to_aggregates(frame: pd.DataFrame, problems: pd.DataFrame | None = None) -> pd.DataFrame:
    """The aggregates table (see :mod:`chitieu_lib.aggregate`) from a Biểu 06 frame and its problems.

    A line whose received figures do not add up (Tổng số ≠ trực tuyến + trực
    tiếp + từ kỳ trước) gets reason ``arithmetic_error`` and is not counted;
    other failures (resolved/pending arithmetic, subtotals) are kept in
    ``problem`` and do not change the lines' in-period figures.
    """
    problems = check_bieu06(frame) if problems is None else problems
    out = frame.rename(columns={"received_online": "online", "received_offline": "offline"}).copy()
    out["total"] = out["online"] + out["offline"]
    out["source_kind"] = "bieu06"
    out["procedure_code"] = None
    notes = problems.groupby(["source_file", "sheet", "source_row"])["message"].agg("; ".join)
    key = pd.MultiIndex.from_arrays([out["source_file"], out["sheet"], out["source_row"]])
    out["problem"] = notes.reindex(key).to_numpy() if len(notes) else None
    bad = problems[(problems["check"] == "arithmetic") & (problems["column"] == "received_total")]
    bad_key = set(zip(bad["source_file"], bad["sheet"], bad["source_row"]))
    is_bad = pd.Series([k in bad_key for k in zip(out["source_file"], out["sheet"], out["source_row"])],
                       index=out.index, dtype=bool)
    out.loc[is_bad & (out["reason"] == COUNTED), "reason"] = "arithmetic_error"
    return to_aggregate_table(out)
