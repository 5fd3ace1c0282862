"""Helpers for the ingest tests: write small dossier exports and catalogues into tmp_path."""

from __future__ import annotations

import csv
from pathlib import Path

HEADERS = ["STT", "Mã hồ sơ", "Mã TTHC", "Cơ quan tiếp nhận", "Ngày tiếp nhận", "Hình thức nộp"]
CATALOG = """procedure_code,procedure_name,rule,effective_date
T-CONT,Thủ tục tiếp tục,continuing,
T-NEW,Thủ tục mới,new,2019-06-01
T-DROP,Thủ tục bị bãi bỏ,dropped,2019-04-01
"""


def write_csv(path: Path, rows: list, headers: list = HEADERS, encoding: str = "utf-8") -> Path:
    """Write rows (lists, without the STT column when headers start with STT) as CSV."""
    path = Path(path)
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for i, row in enumerate(rows):
            w.writerow(([i + 1] if headers[0] == "STT" else []) + list(row))
    return path


def write_catalog(path: Path, text: str = CATALOG) -> Path:
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


def row(dossier_id="H1", procedure="T-CONT", unit="Sở Tư pháp", day="05/03/2019 08:30",
        channel="Trực tuyến") -> list:
    return [dossier_id, procedure, unit, day, channel]
