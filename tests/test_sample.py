"""`chitieu sample`: a seeded synthetic year that looks and behaves like one-stop exports.

Samples are generated once per session at small scales (0.01 ≈ 4,600 rows). Expected values come
from the reference files read directly (calendar CSV, registry), from the documented dirt table, or
from the generator's ground truth compared with what the files actually hold.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from chitieu_lib.decision import REFERENCE_DIR, load_decision
from chitieu_lib.errors import InputError
from chitieu_lib.sample import build_plan, generate, true_online_share
from chitieu_lib.sample.dirt import DIRT, TRUONG_SA
from chitieu_lib.sample.export import file_specs
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

SEED, SCALE = 2019, 0.01
HEADERS = ["STT", "Mã hồ sơ", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Cơ quan tiếp nhận",
           "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả", "Trạng thái"]
README = Path(__file__).parents[1] / "data" / "raw" / "sample" / "README.md"


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "raw"
    generate(out, seed=SEED, scale=SCALE)      # with the Biểu 06 workbooks (chitieu_lib.bieu06)
    return out


@pytest.fixture(scope="session")
def records(sample_dir) -> pd.DataFrame:
    """Every data row of every dossier file, as text, with its file stem and level."""
    frames = []
    for spec in file_specs():
        path = sample_dir / spec.relpath
        if spec.fmt == "csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            df = pd.read_excel(path, dtype=str, keep_default_na=False)
        df = df.rename(columns={"Mã đơn vị": "unit", "Cơ quan tiếp nhận": "unit"})
        frames.append(df.assign(stem=spec.stem, level=spec.level))
    out = pd.concat(frames, ignore_index=True)
    out["received"] = pd.to_datetime(out["Ngày tiếp nhận"], format="%d/%m/%Y %H:%M", errors="coerce")
    return out


def _closed_days() -> set:
    """Closed days read straight from the calendar file: Sundays unless worked, plus listed days."""
    listed = {}
    for line in [ln for ln in (REFERENCE_DIR / "vn_office_calendar_2018_2019.csv").read_text(encoding="utf-8").splitlines() if not ln.startswith("#")][1:]:
        day, kind = line.split(",")[:2]
        listed[pd.Timestamp(day)] = kind
    days = pd.date_range("2018-12-01", "2019-11-30")
    return {d for d in days if listed.get(d) == "closed" or (d.day_of_week == 6 and listed.get(d) != "working")}


def test_files_per_level_and_quarter_with_one_xlsx(sample_dir):
    names = sorted(p.name for p in (sample_dir / "dossiers").iterdir())
    expected = sorted(f"{lv}_2019Q{q}.{'xlsx' if (lv, q) == ('so', 4) else 'csv'}"
                      for lv in ("so", "huyen", "xa") for q in range(1, 5))
    assert names == expected
    assert (sample_dir / "catalog.csv").is_file()
    assert len(list((sample_dir / "bieu06").glob("*.xlsx"))) >= 12     # written at the end of generation
    assert not list(sample_dir.rglob("*.tmp*"))


def test_headers_are_the_vietnamese_ones(sample_dir):
    for spec in file_specs():
        path = sample_dir / spec.relpath
        want = list(HEADERS)
        if spec.stem in ("so_2019Q3", "xa_2019Q4"):
            want[5] = "Mã đơn vị"
        if spec.level == "district":
            want.insert(6, "Phòng xử lý")
        if spec.fmt == "csv":
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), path.name       # Excel's UTF-8 with BOM
            got = raw[3:].split(b"\r\n", 1)[0].decode("utf-8").split(",")
        else:
            ws = openpyxl.load_workbook(path, read_only=True).active
            got = [c.value for c in next(ws.iter_rows(max_row=1))]
        assert got == want, path.name


def test_same_seed_gives_identical_bytes(sample_dir, tmp_path):
    again = tmp_path / "again"
    generate(again, seed=SEED, scale=SCALE, aggregates=False)
    files = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert len(files) == 14                     # catalogue, 12 exports, source.json
    for rel in files:
        assert (again / rel).read_bytes() == (sample_dir / rel).read_bytes(), rel
    other = tmp_path / "other"
    generate(other, seed=SEED + 1, scale=SCALE, aggregates=False)
    assert (other / "dossiers/xa_2019Q1.csv").read_bytes() != (again / "dossiers/xa_2019Q1.csv").read_bytes()


def test_refuses_to_overwrite_without_force(sample_dir, tmp_path):
    with pytest.raises(InputError, match="--force"):
        generate(sample_dir, seed=SEED, scale=SCALE, aggregates=False)


def test_interrupted_run_leaves_no_partial_file_and_no_source(tmp_path, monkeypatch):
    from chitieu_lib.sample import build, export

    calls = {"n": 0}
    real = export.write_csv

    def failing(path, cols, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            cols = dict(cols, STT=None)         # breaks half-way through writing the third file
        return real(path, cols, **kw)

    monkeypatch.setattr(build, "write_csv", failing)
    with pytest.raises(Exception):
        generate(tmp_path, seed=SEED, scale=SCALE, aggregates=False)
    written = sorted(p.name for p in (tmp_path / "dossiers").iterdir())
    assert written == ["so_2019Q1.csv", "so_2019Q2.csv"]
    assert not (tmp_path / "source.json").exists()


def test_no_dossier_on_a_closed_day_and_fewer_on_saturdays(records):
    valid = records["received"].dropna().dt.normalize()
    closed = _closed_days()
    assert not valid.isin(closed).any()
    assert not valid.between("2019-02-02", "2019-02-10").any()        # Tết Kỷ Hợi
    per_day = valid.value_counts()
    sat = per_day[per_day.index.day_of_week == 5].mean()
    weekday = per_day[per_day.index.day_of_week < 5].mean()
    assert sat < 0.5 * weekday


def test_tet_surge(records):
    per_day = records["received"].dropna().dt.normalize().value_counts().sort_index()
    weekdays = per_day[per_day.index.day_of_week < 5]
    before_tet = weekdays["2019-01-21":"2019-02-01"].mean()
    march = weekdays["2019-03-01":"2019-03-29"].mean()
    assert before_tet > 1.2 * march


def test_values_look_like_an_export(records):
    assert set(records["Hình thức nộp"]) == {"Trực tuyến", "Trực tiếp", "Dịch vụ bưu chính công ích"}
    assert set(records["Trạng thái"]) <= {"Đã trả kết quả", "Đang giải quyết", "Chờ bổ sung hồ sơ"}
    assert records["Ngày tiếp nhận"].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").all()
    due = pd.to_datetime(records["Ngày hẹn trả"], format="%d/%m/%Y")
    done = pd.to_datetime(records["Ngày trả kết quả"].replace("", None), format="%d/%m/%Y")
    assert (done.isna() == (records["Trạng thái"] != "Đã trả kết quả")).all()
    ok = records["received"].notna() & done.notna()
    assert (done[ok] >= records.loc[ok, "received"].dt.normalize()).all()
    on_time = (done[ok] <= due[ok]).mean()
    assert 0.85 < on_time < 0.99                          # mostly on time, some late
    district = records[records["level"] == "district"]
    assert district["Phòng xử lý"].str.startswith("Phòng ").all()
    assert district["Phòng xử lý"].nunique() >= 6
    names = records.loc[~records["stem"].isin(["so_2019Q3", "xa_2019Q4"]), "unit"]
    assert names.isin(["UBND TP Nha Trang", "UBND TX Ninh Hòa", "UBND huyện Vạn Ninh", "Sở Tư pháp",
                       "UBND xã Vạn Thắng, huyện Vạn Ninh"]).any()


def test_volumes_scale(sample_dir, tmp_path):
    double = tmp_path / "double"
    generate(double, seed=SEED, scale=2 * SCALE, aggregates=False)
    small = json.loads((sample_dir / "source.json").read_text(encoding="utf-8"))
    big = json.loads((double / "source.json").read_text(encoding="utf-8"))
    for level in ("department", "district", "commune"):
        ratio = big["counted_by_level"][level]["total"] / small["counted_by_level"][level]["total"]
        assert 1.8 < ratio < 2.2, level
    # at scale 1 the plan's expected volume is about 450,000 dossiers a year
    assert 430_000 < build_plan(SEED).volume.sum() < 470_000
    assert 0.008 * 450_000 < small["rows"] < 0.012 * 450_000


def test_new_procedures_before_and_after_their_window(records, sample_dir):
    cat = pd.read_csv(sample_dir / "catalog.csv", dtype=str, keep_default_na=False)
    eff = cat.set_index("procedure_code")["effective_date"]
    rule = cat.set_index("procedure_code")["rule"]
    rec = records.dropna(subset=["received"])
    start = pd.to_datetime(rec["Mã TTHC"].map(eff).replace("", None)) + pd.Timedelta(days=5)
    new = rec["Mã TTHC"].map(rule) == "new"
    assert (new & (rec["received"] < start)).sum() > 0
    assert (new & (rec["received"] >= start)).sum() > 0
    big_new = rec[rec["Mã TTHC"] == "KH-SKHDT-06"]
    assert (big_new["received"] < "2019-06-19").any() and (big_new["received"] >= "2019-06-19").any()
    dropped = rec["Mã TTHC"].map(rule) == "dropped"
    end = pd.to_datetime(rec["Mã TTHC"].map(eff).replace("", None))
    assert (dropped & (rec["received"].dt.normalize() > end)).sum() > 0
    # a new procedure is not offered online before its effective date
    assert not (new & (rec["received"] < start - pd.Timedelta(days=5))
                & (rec["Hình thức nộp"] == "Trực tuyến")).any()
    national = {"1.001193", "1.000894", "1.000656", "2.000815", "2.000884"}
    assert set(cat["procedure_code"]) - national == {c for c in cat["procedure_code"] if c.startswith("KH-")}


def test_planted_dirt_counts_match_the_readme(records, sample_dir):
    readme = README.read_text(encoding="utf-8")
    assert readme.splitlines()[0].startswith("**Dữ liệu mô phỏng")
    assert "Synthetic data" in readme.splitlines()[0]
    documented = {m[0]: int(m[1]) for m in re.findall(r"^\| (\w+) \| (\d+) \|", readme, re.M)}
    cat = pd.read_csv(sample_dir / "catalog.csv", dtype=str)
    found = {
        "duplicate": int(records["Mã hồ sơ"].duplicated().sum()),
        "invalid_date": int(records["received"].isna().sum()),
        "not_in_catalogue": int((~records["Mã TTHC"].isin(cat["procedure_code"])).sum()),
        "no_target": int(records["unit"].isin([c for c, _ in TRUONG_SA] + [n for _, n in TRUONG_SA]).sum()),
        "unknown_unit": int(sum(((records["stem"] == stem) & (records["unit"] == what)).sum()
                                for stem, why, _, what in DIRT if why == "unknown_unit")),
        "ambiguous_unit": int(records["unit"].isin(["UBND Vạn Thắng", "UBND Vạn Thạnh"]).sum()),
    }
    assert found == {k: documented[k] for k in found}
    assert found == {"duplicate": 60, "invalid_date": 8, "not_in_catalogue": 12, "no_target": 15,
                     "unknown_unit": 9, "ambiguous_unit": 6}
    # the duplicates are whole re-exported rows (same content, new STT)
    cols = [c for c in records.columns if c != "STT"]
    assert records[cols].duplicated().sum() == 60


def test_source_json_says_synthetic(sample_dir):
    src = json.loads((sample_dir / "source.json").read_text(encoding="utf-8"))
    assert src["synthetic"] is True and src["generator"] == "chitieu sample"
    assert src["seed"] == SEED and src["scale"] == SCALE
    assert src["window"] == ["2018-12-01", "2019-11-30"]
    assert src["description_vi"].startswith("Dữ liệu mô phỏng (tổng hợp), không phải số liệu thật")
    assert "Synthetic" in src["description_en"]
    assert sum(f["rows"] for f in src["files"]) == src["rows"] == sum(src["expected_accounting"].values())


def test_online_shares_follow_the_true_trajectories(records):
    plan = build_plan(SEED)
    units = plan.units
    code = dict(zip(units["export_name"], units["unit_code"])) | dict(zip(units["unit_code"], units["unit_code"]))
    rec = records.dropna(subset=["received"]).drop_duplicates("Mã hồ sơ")
    rec = rec.assign(unit_code=rec["unit"].map(code), date=rec["received"].dt.normalize(),
                     online=rec["Hình thức nộp"] == "Trực tuyến").dropna(subset=["unit_code"])
    truth = true_online_share(plan).set_index(["unit_code", "date"])["p_online"]
    p = truth.reindex(pd.MultiIndex.from_arrays([rec["unit_code"], rec["date"]])).to_numpy()
    level = rec["unit_code"].map(units.set_index("unit_code")["level"]).to_numpy()
    for lv in ("department", "district", "commune"):
        m = level == lv
        z = (rec["online"].to_numpy()[m].sum() - p[m].sum()) / np.sqrt((p[m] * (1 - p[m])).sum())
        assert abs(z) < 4, (lv, z)
    # Vạn Ninh's communes jump after letter 934 (3/5/2019), in the truth and in the files
    van_ninh = rec["unit_code"].map(units.set_index("unit_code")["parent_code"]) == "571"
    before = rec[van_ninh & (rec["date"] < "2019-05-03")]["online"].mean()
    after = rec[van_ninh & (rec["date"] >= "2019-05-20")]["online"].mean()
    assert after - before > 0.08
    t = true_online_share(plan)
    vn = t[t["unit_code"].isin(units.loc[units["parent_code"] == "571", "unit_code"])]
    assert vn.loc[vn["date"] >= "2019-05-20", "p_online"].mean() - vn.loc[vn["date"] < "2019-05-03",
                                                                            "p_online"].mean() > 0.12


def test_province_share_and_spread_against_targets():
    plan = build_plan(SEED)
    t = true_online_share(plan)
    t["w"] = t["expected"] * t["p_online"]
    year = t.groupby("unit_code")[["w", "expected"]].sum()
    share = year["w"] / year["expected"]
    assert 0.15 < year["w"].sum() / year["expected"].sum() < 0.25
    target = plan.units.set_index("unit_code")["target"].reindex(share.index)
    gap = share - target
    assert (gap > 0.10).sum() >= 5                   # comfortably above
    assert (gap.abs() < 0.03).sum() >= 5             # narrowly either way
    assert (gap < -0.15).sum() >= 10                 # far below
    # shapes that move: some units rise, some fall, some jump
    assert {"flat", "rising", "falling", "jump"} <= set(plan.units["shape"])


def test_loader_accounting_equals_the_planted_dirt(sample_dir):
    ingest = pytest.importorskip("chitieu_lib.ingest")
    from chitieu_lib.windows import read_catalog

    src = json.loads((sample_dir / "source.json").read_text(encoding="utf-8"))
    files = [sample_dir / f["path"] for f in src["files"]]
    dossiers = ingest.load_dossiers(files, read_catalog(sample_dir / "catalog.csv", DECISION), decision=DECISION)
    acc = ingest.accounting(dossiers).set_index("reason")["rows"]
    got = {r: int(n) for r, n in acc.items() if n}
    assert got == {r: n for r, n in src["expected_accounting"].items() if n}
    assert {r: got[r] for r in src["planted"]} == src["planted"]
    assert got["outside_window"] > 0 and got["counted"] > 4000
    assert load_decision().window_start.isoformat() == src["window"][0]
