"""The sample's Biểu 06 workbooks and flat aggregate CSV, consistent with its dossier records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..aggregate import COUNTED
from ..atomic import write_atomic
from ..bieu06 import FIGURES, LEVEL_LABELS, dossier_figures, write_bieu06
from ..decision import load_units
from .year import sample_decision
from ..errors import InputError
from ..ingest import load_dossiers
from ..ingest.recognise import scan_raw_dir
from ..windows import read_catalog

SAMPLE_NOTE = "DỮ LIỆU MẪU TỔNG HỢP (KHÔNG PHẢI SỐ LIỆU THẬT) — lập từ dữ liệu mẫu của bộ công cụ chitieu"


def write_sample_workbooks(raw_dir: str | Path) -> list[Path]:
    """Write Biểu 06 workbooks (and one flat aggregate CSV) consistent with the sample's records.

    Reads the record-level files and ``catalog.csv`` in ``raw_dir`` and writes,
    under ``raw_dir/bieu06/``: one workbook per month (12/2018 – 11/2019) of
    Vạn Ninh district (code 571: its own fields under "Cấp huyện", its communes
    under "Cấp xã"), one quarter (Quý I/2019) of the department with the most
    dossiers, by field, and ``aggregates/flat_<dept>_2019.csv`` with that
    department's monthly figures per procedure.

    The workbooks count the dossiers the record-level route counts (reason
    ``counted``), so whole months give the same rates both ways. The flat CSV
    counts every valid dossier of a month whatever its procedure's window, as an
    export by procedure would: months where a window starts or ends inside the
    month are prorated by the reader and marked approximate.
    """
    raw_dir = Path(raw_dir)
    catalog = read_catalog(raw_dir / "catalog.csv", sample_decision())
    files = [f.path for f in scan_raw_dir(raw_dir) if f.kind == "dossiers"]
    if not files:
        raise InputError("no dossier export found to build Biểu 06 workbooks from", path=raw_dir)
    dossiers = load_dossiers(files, catalog, decision=sample_decision())
    return write_workbooks_from_dossiers(dossiers, catalog, raw_dir)


def write_workbooks_from_dossiers(dossiers: pd.DataFrame, catalog: pd.DataFrame, raw_dir: str | Path,
                                  district: str = "571", department: str | None = None,
                                  note: str = SAMPLE_NOTE) -> list[Path]:
    """The work of :func:`write_sample_workbooks` on an already loaded dossier table."""
    raw_dir = Path(raw_dir)
    d = sample_decision()
    units = load_units(d).set_index("unit_code")
    fields = catalog.set_index("procedure_code")["field"].replace("", "Lĩnh vực khác")
    dos = dossiers[dossiers["reason"].astype(object) == COUNTED].copy()
    dos["field_name"] = dos["procedure_code"].astype(object).map(fields).fillna("Lĩnh vực khác")
    dos["unit_code"] = dos["unit_code"].astype(object)
    written = []

    # District: its own fields, then its communes, month by month.
    sub = dos[(dos["unit_code"] == district) | (dos["parent_code"].astype(object) == district)]
    office = f"Ủy ban nhân dân {units.loc[district, 'unit_name'].lower()}"
    for month in pd.period_range(d.window_start, d.window_end, freq="M"):
        ps, pe = month.start_time.normalize(), month.end_time.normalize()
        own = dossier_figures(sub[sub["unit_code"] == district], ps, pe, ["field_name"])
        own = own.rename(columns={"field_name": "label"}).assign(group=LEVEL_LABELS["district"])
        communes = units[units["parent_code"] == district].reset_index()[["unit_code", "unit_name"]]
        com = dossier_figures(sub[sub["unit_code"] != district], ps, pe, ["unit_code"])
        com = communes.merge(com, on="unit_code", how="left").fillna({f: 0 for f in FIGURES})
        com = com.rename(columns={"unit_name": "label"}).assign(group=LEVEL_LABELS["commune"])
        lines = pd.concat([own, com], ignore_index=True)[["group", "label"] + FIGURES]
        lines[FIGURES] = lines[FIGURES].astype("int64")
        written.append(write_bieu06(raw_dir / "bieu06" / f"{district}_{month.strftime('%Y-%m')}.xlsx", lines,
                                    office=office, period_start=ps, period_end=pe,
                                    period_label=f"tháng {month.strftime('%m/%Y')}", note=note))

    # One department: the busiest, quarter I of 2019, by field.
    deps = dos[dos["level"].astype(object) == "department"]
    if department is None and len(deps):
        department = deps["unit_code"].value_counts().index[0]
    if department:
        ps, pe = pd.Timestamp("2019-01-01"), pd.Timestamp("2019-03-31")
        lines = dossier_figures(deps[deps["unit_code"] == department], ps, pe, ["field_name"])
        lines = lines.rename(columns={"field_name": "label"}).assign(group=LEVEL_LABELS["department"])
        written.append(write_bieu06(raw_dir / "bieu06" / f"{department}_2019-Q1.xlsx", lines,
                                    office=str(units.loc[department, "unit_name"]), period_start=ps,
                                    period_end=pe, period_label="quý I/2019", note=note))
        written.append(write_flat_sample(dossiers, department, raw_dir))
    return written


def write_flat_sample(dossiers: pd.DataFrame, unit_code: str, raw_dir: Path) -> Path:
    """Monthly online/total per procedure of one unit, every valid dossier (before the window check)."""
    valid = dossiers["reason"].astype(object).isin([COUNTED, "outside_window"])
    dos = dossiers[valid & (dossiers["unit_code"].astype(object) == unit_code)]
    month = dos["received_date"].dt.to_period("M")
    g = pd.DataFrame({"procedure_code": dos["procedure_code"].astype(object), "month": month,
                      "online": (dos["channel"].astype(object) == "online").astype("int64")})
    out = g.groupby(["procedure_code", "month"]).agg(online=("online", "sum"), total=("online", "size"))
    out = out.reset_index()
    out.insert(0, "unit", unit_code)
    out["period_start"] = out["month"].dt.start_time.dt.strftime("%Y-%m-%d")
    out["period_end"] = out["month"].dt.end_time.dt.strftime("%Y-%m-%d")
    path = raw_dir / "aggregates" / f"flat_{unit_code}_2019.csv"
    flat = out[["unit", "procedure_code", "period_start", "period_end", "online", "total"]]
    return write_atomic(path, lambda tmp: flat.to_csv(tmp, index=False))
