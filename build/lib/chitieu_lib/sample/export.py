"""Turning drawn dossiers into files that look like one-stop exports.

Columns are built with pyarrow compute from small dictionaries (unit names,
procedure names, day strings), so even a 10-million-row sample never makes a
Python object per dossier. CSV files are UTF-8 with a BOM and CRLF line ends,
as Excel saves them; fields are quoted only when they hold a comma or a quote.
Every file is written to a temporary name and renamed when complete.

>>> csv_quote(["Sở Tư pháp", "UBND xã Vạn Thắng, huyện Vạn Ninh"])
['Sở Tư pháp', '"UBND xã Vạn Thắng, huyện Vạn Ninh"']
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook

from ..atomic import staged as atomic  # the kit's one writer (temporary file, then rename)
from ..windows import window
from .catalog import NOT_IN_CATALOGUE, PHONG
from .dirt import (DIRT, REASON_CODE, REASONS, TRUONG_SA, duplicate_order, pick_rows)
from .year import sample_decision
from .dossiers import LEVELS, ORIGIN, QUARTERS, draw_chunk
from .profiles import Plan

PREFIX = {"department": "so", "district": "huyen", "commune": "xa"}
XLSX_FILES = {"so_2019Q4"}                 # the departments' last quarter, as an Excel workbook
CODE_FILES = {"so_2019Q3", "xa_2019Q4"}    # files whose unit column holds codes ("Mã đơn vị")
CHANNEL_WORDS = ["Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính công ích"]
STATUS_WORDS = ["Đã trả kết quả", "Đang giải quyết", "Chờ bổ sung hồ sơ"]
XLSX_SHEET = "Danh sách hồ sơ"
FIXED_TIME = (2019, 12, 2, 8, 0, 0)         # zip entry and document dates: the export day


@dataclass(frozen=True)
class FileSpec:
    """One export file: its level, quarter, format and how it names units."""

    stem: str
    level: str
    quarter: str
    fmt: str          # csv | xlsx
    unit_column: str  # "Cơ quan tiếp nhận" (names) or "Mã đơn vị" (codes)

    @property
    def relpath(self) -> str:
        return f"dossiers/{self.stem}.{self.fmt}"

    @property
    def headers(self) -> list[str]:
        return (["STT", "Mã hồ sơ", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", self.unit_column]
                + (["Phòng xử lý"] if self.level == "district" else [])
                + ["Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả", "Trạng thái"])


def file_specs() -> list[FileSpec]:
    """The twelve export files: one per level and quarter of the window."""
    specs = []
    for level in LEVELS:
        for quarter in QUARTERS:
            stem = f"{PREFIX[level]}_{quarter}"
            specs.append(FileSpec(stem, level, quarter, "xlsx" if stem in XLSX_FILES else "csv",
                                  "Mã đơn vị" if stem in CODE_FILES else "Cơ quan tiếp nhận"))
    return specs


def csv_quote(values) -> list[str]:
    """Quote the values that need it in CSV (a comma, a quote or a line break)."""
    return [f'"{v.replace(chr(34), chr(34) * 2)}"' if re.search(r'[",\r\n]', v) else v for v in values]


def build_file(plan: Plan, spec: FileSpec, *, scale: float, seed: int) -> tuple[dict, dict]:
    """Draw one file's dossiers and plant its dirt.

    Returns (columns, facts): columns maps each header to (dictionary, indices) or a
    ready pyarrow array; facts holds the row count, the expected exclusion reason
    counts, and per-unit counted online/total for the summary.
    """
    rows = draw_chunk(plan, spec.level, spec.quarter, scale=scale, seed=seed)
    n = len(rows["unit"])
    units, procs = plan.units, plan.procs
    rng = np.random.default_rng([seed, 2, [s.stem for s in file_specs()].index(spec.stem)])

    unit_codes = list(units["unit_code"]) + [c for c, _ in TRUONG_SA]
    unit_names = list(units["export_name"]) + [name for _, name in TRUONG_SA]
    unit_vocab = unit_codes if spec.unit_column == "Mã đơn vị" else unit_names
    nic_code, nic_name, nic_field = NOT_IN_CATALOGUE[spec.level]
    proc_codes = list(procs["procedure_code"]) + [nic_code]
    proc_names = list(procs["procedure_name"]) + [nic_name]
    proc_fields = list(procs["field"]) + [nic_field]
    phong = [PHONG.get(o, "") for o in procs["owner"]] + [PHONG["TCKH"]]
    day_text = [d.strftime("%d/%m/%Y") for d in plan.days]

    unit_idx, id_unit, proc_idx = rows["unit"].copy(), rows["unit"].copy(), rows["proc"].copy()
    day_idx, seq = rows["day"].copy(), rows["seq"].copy()
    reason = _window_reasons(plan, rows["proc"], rows["day"])

    order, is_copy = duplicate_order(rng, n)
    in_block = np.zeros(n, dtype=bool)
    in_block[order[is_copy]] = True
    for stem, why, count, what in DIRT:
        if stem != spec.stem:
            continue
        code = units["unit_code"].to_numpy()[rows["unit"]]
        if why in ("unknown_unit", "ambiguous_unit"):
            prefer = None
            if why == "ambiguous_unit":
                prefer = np.isin(code, ["22516", "22345"] if "Thắng" in what else ["22519", "22348"])
            picked = pick_rows(rng, reason, count, prefer, in_block)
            unit_vocab.append(what)
            unit_idx[picked] = len(unit_vocab) - 1
        elif why == "invalid_date":
            picked = pick_rows(rng, reason, count, None, in_block)
            day_text.append(what)
            day_idx[picked] = len(day_text) - 1
        elif why == "not_in_catalogue":
            prefer = code == "SCT" if spec.level == "department" else None
            picked = pick_rows(rng, reason, count, prefer, in_block)
            proc_idx[picked] = len(proc_codes) - 1
        elif why == "no_target":
            picked = pick_rows(rng, reason, count, None, in_block)
            which = len(units) + np.arange(count) % len(TRUONG_SA)
            unit_idx[picked], id_unit[picked] = which, which
            seq[picked] = 9001 + np.arange(count)
        else:
            raise ValueError(why)
        reason[picked] = REASON_CODE[why]

    reason = np.where(is_copy, REASON_CODE["duplicate"], reason[order])
    n_out = len(order)
    take = lambda values, idx: pc.take(pa.array(values, type=pa.large_string()), pa.array(idx))  # noqa: E731
    cols = {
        "STT": pa.array(np.arange(1, n_out + 1)),
        "Mã hồ sơ": _dossier_ids(plan, unit_codes, id_unit[order], rows["day"][order], seq[order]),
        "Mã TTHC": (proc_codes, proc_idx[order]),
        "Tên thủ tục hành chính": (proc_names, proc_idx[order]),
        "Lĩnh vực": (proc_fields, proc_idx[order]),
        spec.unit_column: (unit_vocab, unit_idx[order]),
        "Phòng xử lý": (phong, proc_idx[order]),
        "Ngày tiếp nhận": pc.binary_join_element_wise(
            take(day_text, day_idx[order]), take(_hhmm(), rows["minute"][order]),
            pa.scalar(" ", pa.large_string())),
        "Hình thức nộp": (CHANNEL_WORDS, rows["channel"][order]),
        "Ngày hẹn trả": _date_column(rows["due"][order]),
        "Ngày trả kết quả": _date_column(rows["resolved"][order]),
        "Trạng thái": (STATUS_WORDS, rows["status"][order]),
    }
    cols = {h: cols[h] for h in spec.headers}

    counted = reason == REASON_CODE["counted"]
    u = rows["unit"][order][counted]
    online = rows["channel"][order][counted] == 1
    facts = {
        "rows": n_out,
        "reasons": {r: int((reason == i).sum()) for i, r in enumerate(REASONS)},
        "unit_online": np.bincount(u[online], minlength=len(units)),
        "unit_total": np.bincount(u, minlength=len(units)),
        "online": int((rows["channel"] == 1).sum()),
    }
    return cols, facts


def _window_reasons(plan: Plan, proc: np.ndarray, day: np.ndarray) -> np.ndarray:
    """counted, or outside_window when the day is outside the procedure's Article 2 window."""
    first, last = [], []
    for rule, eff in zip(plan.procs["rule"], plan.procs["effective_date"]):
        start, end = window(rule, dt.date.fromisoformat(eff) if eff else None, sample_decision())
        first.append((np.datetime64(start) - ORIGIN).astype(int))
        last.append((np.datetime64(end) - ORIGIN).astype(int))
    offset = (plan.days.to_numpy().astype("datetime64[D]") - ORIGIN).astype(int)[day]
    outside = (offset < np.array(first)[proc]) | (offset > np.array(last)[proc])
    return np.where(outside, REASON_CODE["outside_window"], REASON_CODE["counted"]).astype(np.int8)


def _hhmm() -> list[str]:
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)]


def _date_column(dates: np.ndarray) -> pa.Array:
    """dd/mm/yyyy strings from datetime64[D] (null where NaT)."""
    last = np.datetime64("2021-12-31")
    vocab = [str(d) for d in np.arange(ORIGIN, last + 1)]
    vocab = [f"{s[8:10]}/{s[5:7]}/{s[0:4]}" for s in vocab]
    off = (dates - ORIGIN).astype("timedelta64[D]").astype(np.int64)
    mask = np.isnat(dates)
    idx = pa.array(np.where(mask, 0, off), mask=mask)
    return pc.take(pa.array(vocab, type=pa.large_string()), idx)


def _dossier_ids(plan: Plan, unit_codes, unit, day, seq) -> pa.Array:
    """<unit code>-<yymmdd>-<nnnn>: unique per unit, reception day and sequence number."""
    yymmdd = pa.array([d.strftime("%y%m%d") for d in plan.days], type=pa.large_string())
    return pc.binary_join_element_wise(
        pc.take(pa.array(unit_codes, type=pa.large_string()), pa.array(unit)),
        pc.take(yymmdd, pa.array(day)),
        pc.utf8_lpad(pc.cast(pa.array(seq), pa.large_string()), width=4, padding="0"),
        pa.scalar("-", pa.large_string()))


def _column(value, quote: bool, start: int = 0, stop: int | None = None) -> pa.Array:
    """One column (or rows start:stop of it) as a pyarrow string array."""
    if isinstance(value, tuple):
        vocab, idx = value
        vocab = csv_quote(vocab) if quote else vocab
        return pc.take(pa.array(vocab, type=pa.large_string()), pa.array(idx[start:stop]))
    return value.slice(start, None if stop is None else stop - start)


def write_csv(path: Path, cols: dict, rows_per_block: int = 200_000) -> None:
    """UTF-8 with BOM, CRLF, minimal quoting; written to a temporary file, then renamed.

    Lines are joined by pyarrow a block of rows at a time, so memory stays flat at any scale.
    """
    sep = lambda text: pa.scalar(text, pa.large_string())  # noqa: E731
    n = len(cols["STT"])
    header = ",".join(csv_quote(list(cols))) + "\r\n"
    with atomic(path) as tmp, open(tmp, "wb") as f:
        f.write(b"\xef\xbb\xbf" + header.encode("utf-8"))
        for start in range(0, n, rows_per_block):
            stop = min(start + rows_per_block, n)
            parts = [pc.fill_null(pc.cast(_column(v, True, start, stop), pa.large_string()), "")
                     for v in cols.values()]
            lines = pc.binary_join_element_wise(*parts, sep(","))
            lines = pc.binary_join_element_wise(lines, sep(""), sep("\r\n"))
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
            f.write(memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])])


def write_xlsx(path: Path, cols: dict) -> None:
    """One sheet, header in row 1, STT as numbers and everything else as text, as exports are.

    The zip entries and document properties carry a fixed date so that the same seed
    gives the same bytes.
    """
    if len(cols["STT"]) > 1_048_575:
        raise ValueError(f"{path.name}: {len(cols['STT'])} rows do not fit in one Excel sheet; "
                         "lower --scale")
    wb = Workbook(write_only=True)
    fixed = dt.datetime(*FIXED_TIME)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "chitieu sample"
    ws = wb.create_sheet(XLSX_SHEET)
    ws.append(list(cols))
    values = [_column(v, quote=False).to_pylist() for v in cols.values()]
    for row in zip(*values):
        ws.append(["" if v is None else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    with atomic(path) as tmp:
        _deterministic_zip(buf.getvalue(), tmp)


def _deterministic_zip(data: bytes, target: Path) -> None:
    stamp = "2019-12-02T08:00:00Z"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                                 content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, content)
