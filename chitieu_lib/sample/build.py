"""``generate``: write a whole synthetic sample year under one folder.

Layout of the output folder::

    catalog.csv                    the procedure catalogue (continuing, new, dropped)
    dossiers/so_2019Q1.csv ...     departments (sở), one file per quarter; so_2019Q4.xlsx
    dossiers/huyen_2019Q1.csv ...  district People's Committees, with "Phòng xử lý"
    dossiers/xa_2019Q1.csv ...     communes, wards and towns
    bieu06/, aggregates/           Biểu 06 workbooks and a flat aggregate (chitieu_lib.bieu06)
    source.json                    says the data are synthetic; written last, so a folder
                                   without it holds no complete sample
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .. import __version__
from .year import sample_decision
from ..errors import InputError
from .catalog import catalog_frame
from .dirt import REASONS, planted_counts
from .export import atomic, build_file, file_specs, write_csv, write_xlsx
from .profiles import build_plan
from .workbooks import write_sample_workbooks

MIN_SCALE, MAX_SCALE = 0.005, 50.0
DESCRIPTION_VI = ("Dữ liệu mô phỏng (tổng hợp), không phải số liệu thật: hồ sơ thủ tục hành chính của "
                  "tỉnh Khánh Hòa từ 01/12/2018 đến 30/11/2019 do lệnh \"chitieu sample\" sinh ra ngẫu "
                  "nhiên theo hạt giống (seed), chỉ để minh họa và kiểm thử bộ công cụ.")
DESCRIPTION_EN = ("Synthetic data, not real figures: Khánh Hòa one-stop dossiers for 1/12/2018 – "
                  "30/11/2019 drawn at random from a seed by \"chitieu sample\", for demonstrating and "
                  "testing the kit only.")


def generate(out_dir: str | Path = "data/raw/sample", *, seed: int = 2019, scale: float = 1.0,
             force: bool = False, aggregates: bool = True, log=None) -> dict:
    """Write the sample year under ``out_dir`` and return its summary (also in source.json).

    Refuses (InputError) to overwrite a folder holding a complete sample unless ``force``.
    """
    out = Path(out_dir)
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise InputError(f"--scale {scale} is outside {MIN_SCALE} – {MAX_SCALE}")
    if (out / "source.json").exists() and not force:
        raise InputError("a sample already exists here (source.json); use --force to overwrite it",
                         path=out)
    log = log or (lambda message: None)
    started = time.perf_counter()
    (out / "source.json").unlink(missing_ok=True)   # the folder is incomplete until the end
    plan = build_plan(seed)
    with atomic(out / "catalog.csv") as tmp:
        catalog_frame().to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")

    files, reasons = [], dict.fromkeys(REASONS, 0)
    unit_online = np.zeros(len(plan.units), dtype=np.int64)
    unit_total = np.zeros(len(plan.units), dtype=np.int64)
    for spec in file_specs():
        cols, facts = build_file(plan, spec, scale=scale, seed=seed)
        (write_xlsx if spec.fmt == "xlsx" else write_csv)(out / spec.relpath, cols)
        del cols
        for r, k in facts["reasons"].items():
            reasons[r] += k
        unit_online += facts["unit_online"]
        unit_total += facts["unit_total"]
        files.append({"path": spec.relpath, "level": spec.level, "quarter": spec.quarter,
                      "format": spec.fmt, "unit_column": spec.unit_column, "rows": facts["rows"],
                      "expected_accounting": {r: k for r, k in facts["reasons"].items() if k}})
        log(f"{spec.relpath}: {facts['rows']:,} rows")

    if aggregates:
        written = write_sample_workbooks(out)
        log(f"bieu06: {len(written)} files")

    d = sample_decision()
    units = plan.units.assign(online=unit_online, total=unit_total)
    by_level = units.groupby("level")[["online", "total"]].sum()
    source = {
        "synthetic": True,
        "generator": "chitieu sample",
        "generator_version": __version__,
        "seed": seed,
        "scale": scale,
        "window": [str(d.window_start), str(d.window_end)],
        "export_day": "2019-12-02",
        "description_vi": DESCRIPTION_VI,
        "description_en": DESCRIPTION_EN,
        "files": files,
        "rows": int(sum(f["rows"] for f in files)),
        "expected_accounting": {r: k for r, k in reasons.items()},
        "planted": planted_counts(),
        "counted_by_level": {lv: {"online": int(r.online), "total": int(r.total)}
                             for lv, r in by_level.iterrows()},
    }
    with atomic(out / "source.json") as tmp:
        tmp.write_text(json.dumps(source, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    summary = dict(source, seconds=round(time.perf_counter() - started, 1),
                   units=units[["unit_code", "unit_name", "level", "target", "online", "total"]])
    return summary
