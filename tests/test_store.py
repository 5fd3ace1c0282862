"""The processed store: recognising files, idempotent and atomic ingest, accounting, open_store."""

from __future__ import annotations

import json
import os

import openpyxl
import pandas as pd
import pytest

from chitieu_lib.bieu06 import write_bieu06
from chitieu_lib.errors import InputError
from chitieu_lib.ingest import accounting
from chitieu_lib.ingest.recognise import recognise
from chitieu_lib.store import ingest, open_store
from chitieu_lib.store.build import _acc_frame
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

CATALOG = """procedure_code,procedure_name,rule,effective_date,field,authority_level,online_level
1.001193,Đăng ký khai sinh,continuing,,Hộ tịch,commune,3
2.000815,Chứng thực bản sao từ bản chính,continuing,,Chứng thực,commune,3
L.0001,Thủ tục mới (mã địa phương),new,2019-06-03,Đất đai,district,4
"""
HEADER = "Mã hồ sơ,Họ tên,Mã đơn vị,Mã TTHC,Ngày tiếp nhận,Hình thức nộp,Ngày hẹn trả,Ngày trả kết quả\n"
Q1 = HEADER + (
    "H1,Nguyễn Văn A,22516,1.001193,03/01/2019,Trực tuyến,05/01/2019,04/01/2019\n"   # counted
    "H2,Trần Thị B,22516,1.001193,04/01/2019,Trực tiếp,07/01/2019,07/01/2019\n"      # counted
    "H3,Lê C,22516,2.000815,05/01/2019,Bưu chính,08/01/2019,\n"                      # counted
    "H1,Nguyễn Văn A,22516,1.001193,06/01/2019,Trực tuyến,,\n"                      # duplicate
    "H4,Phạm D,99999,1.001193,06/01/2019,Trực tuyến,,\n"                            # unknown_unit
    ",Võ E,22516,1.001193,07/01/2019,Trực tuyến,,\n")                               # missing_id
Q2 = HEADER + (
    "H5,Đỗ F,571,L.0001,04/06/2019,Trực tuyến,,\n"                                   # outside_window
    "H6,Hồ G,571,L.0001,10/06/2019,Trực tiếp,,\n"                                    # counted
    "H3,Lê C,22516,2.000815,11/06/2019,Trực tiếp,,\n")                             # duplicate across files


def _raw(tmp_path):
    raw = tmp_path / "raw"
    (raw / "bieu06").mkdir(parents=True)
    (raw / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    (raw / "dossiers_2019_q1.csv").write_text(Q1, encoding="utf-8")
    (raw / "dossiers_2019_q2.csv").write_text(Q2, encoding="utf-8")
    (raw / "flat.csv").write_text("unit,procedure_code,period_start,period_end,online,total\n"
                                  "571,L.0001,2019-06-01,2019-06-30,1,2\n", encoding="utf-8")
    (raw / "source.json").write_text(json.dumps({"synthetic": True, "description": "tiny test set"}))
    (raw / "README.md").write_text("# test\n")
    notes = openpyxl.Workbook()                                 # a real workbook, but no table the kit reads
    notes.active.append(["Ghi chú", "Nội dung"])
    notes.save(raw / "notes.xlsx")
    lines = pd.DataFrame([["Cấp xã", "Xã Vạn Thắng", 1, 2, 0, 2, 1, 0, 0, 0]],
                         columns=["group", "label", "received_online", "received_offline", "carried_over",
                                  "resolved_early", "resolved_on_time", "resolved_late", "pending_on_time",
                                  "pending_late"])
    write_bieu06(raw / "bieu06" / "571_2019-01.xlsx", lines, office="UBND huyện Vạn Ninh",
                 period_start="2019-01-01", period_end="2019-01-31")
    return raw


def _snapshot(out):
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(out.rglob("*")) if p.is_file()}


def test_recognise_by_content(tmp_path):
    raw = _raw(tmp_path)
    (raw / "renamed.txt").write_text(Q1, encoding="utf-8")      # a dossier export, whatever its name
    kinds = {p: recognise(raw / p)[0] for p in ["catalog.csv", "dossiers_2019_q1.csv", "flat.csv", "source.json",
                                                "README.md", "notes.xlsx", "bieu06/571_2019-01.xlsx",
                                                "renamed.txt"]}
    assert kinds == {"catalog.csv": "catalog", "dossiers_2019_q1.csv": "dossiers", "flat.csv": "flat_aggregate",
                     "source.json": "source", "README.md": "documentation", "notes.xlsx": "unknown",
                     "bieu06/571_2019-01.xlsx": "bieu06", "renamed.txt": "dossiers"}


def test_ingest_writes_store_and_accounts_for_every_row(tmp_path):
    raw, out = _raw(tmp_path), tmp_path / "processed"
    res = ingest(raw, out, decision=DECISION, log=None)
    assert res.status == "written"
    text = "\n".join(res.lines)
    assert "notes.xlsx" in text and "NOT RECOGNISED" in text          # reported, not silently skipped
    assert "bieu06/571_2019-01.xlsx" in text and "Biểu 06 workbook" in text
    s = open_store(out)
    d = s.dossiers
    assert d["reason"].astype(str).tolist() == ["counted", "counted", "counted", "duplicate", "unknown_unit",
                                                "missing_id", "outside_window", "counted", "duplicate"]
    assert d["source_file"].astype(str).tolist() == ["dossiers_2019_q1.csv"] * 6 + ["dossiers_2019_q2.csv"] * 3
    assert isinstance(d["unit_code"].dtype, pd.CategoricalDtype)
    assert str(d["received_date"].dtype) == "datetime64[ns]"
    assert "Nguyễn Văn A" not in d.astype(str).to_string()                # personal data never stored
    assert s.synthetic is True and s.description == "tiny test set"
    assert s.data_date == pd.Timestamp("2019-06-11")
    m = s.manifest
    assert m["rows"]["dossiers"] == 9 and m["rows"]["dossiers_counted"] == 4
    ins = {i["path"]: i for i in m["inputs"]}
    assert ins["dossiers_2019_q1.csv"]["rows"] == 6 and len(ins["catalog.csv"]["sha256"]) == 64
    assert ins["notes.xlsx"]["kind"] == "unknown" and "notes.xlsx" in m["not_read"]
    # Accounting: per file, the reasons add up to the file's data rows.
    acc = s.accounting
    per_file = acc[acc["kind"] == "dossiers"].groupby("file")["rows"].sum().to_dict()
    assert per_file == {"dossiers_2019_q1.csv": 6, "dossiers_2019_q2.csv": 3}
    dup = acc[(acc["file"] == "dossiers_2019_q2.csv") & (acc["reason"] == "duplicate")].iloc[0]
    assert dup["rows"] == 1 and dup["example_rows"] == "dossiers_2019_q2.csv:4"
    agg = s.aggregates
    assert set(agg["source_file"].astype(str)) == {"flat.csv", "bieu06/571_2019-01.xlsx"}
    line = agg[(agg["row_kind"] == "line") & (agg["source_kind"] == "bieu06")].iloc[0]
    assert (line["unit_code"], line["online"], line["total"]) == ("22516", 1, 3)
    assert acc[acc["file"] == "bieu06/571_2019-01.xlsx"]["rows"].sum() == len(
        agg[agg["source_file"] == "bieu06/571_2019-01.xlsx"])


def test_second_run_does_nothing_and_changed_file_is_picked_up(tmp_path):
    raw, out = _raw(tmp_path), tmp_path / "processed"
    ingest(raw, out, decision=DECISION, log=None)
    before = _snapshot(out)
    again = ingest(raw, out, decision=DECISION, log=None)
    assert again.status == "up_to_date" and "up to date" in again.lines[-1]
    assert _snapshot(out) == before                                      # manifest and mtimes unchanged
    # Same content, new mtime: still up to date (the hash decides).
    os.utime(raw / "dossiers_2019_q1.csv", ns=(1, 1))
    assert ingest(raw, out, decision=DECISION, log=None).status == "up_to_date"
    # Change one file: it is parsed again, the other comes from the cache, duplicates are redone.
    (raw / "dossiers_2019_q2.csv").write_text(Q2.replace("H3,Lê C", "H7,Lê C"), encoding="utf-8")
    res = ingest(raw, out, decision=DECISION, log=None)
    assert res.status == "written"
    text = "\n".join(res.lines)
    assert "dossiers_2019_q1.csv: unchanged, 6 rows from the cache" in text
    assert "dossiers_2019_q2.csv: parsed" in text
    s = open_store(out)
    assert s.dossiers["reason"].astype(str).tolist()[-1] == "counted"
    assert s.manifest["rows"]["dossiers_counted"] == 5
    assert len(list((out / "cache").glob("*.parquet"))) == 2             # the old q2 entry is dropped


def test_failure_leaves_previous_store_intact(tmp_path):
    raw, out = _raw(tmp_path), tmp_path / "processed"
    ingest(raw, out, decision=DECISION, log=None)
    before = _snapshot(out)
    (raw / "catalog.csv").write_text(CATALOG + "1.001193,Lặp,continuing,,,,\n", encoding="utf-8")
    with pytest.raises(InputError, match="catalog.csv, row 5.*repeats row 2"):
        ingest(raw, out, decision=DECISION, log=None)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temp folder left


def test_open_store_default_and_missing(tmp_path, monkeypatch):
    raw, out = _raw(tmp_path), tmp_path / "elsewhere"
    ingest(raw, out, decision=DECISION, log=None)
    monkeypatch.setenv("CHITIEU_PROCESSED_DIR", str(out))
    assert open_store().path == out and open_store("").manifest["rows"]["dossiers"] == 9
    with pytest.raises(InputError, match="run `chitieu ingest` first"):
        open_store(tmp_path / "nothing")


def test_cli_exit_code_on_bad_input(tmp_path, capsys):
    import argparse

    from chitieu_lib.commands import ingest as command
    parser = argparse.ArgumentParser()
    command.configure(parser)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "d.csv").write_text(Q1, encoding="utf-8")
    with pytest.raises(InputError, match="no procedure catalogue"):
        command.run(parser.parse_args([str(raw), "--out", str(tmp_path / "p")]))
    assert not (tmp_path / "p").exists()


def test_utf8_export_cut_mid_character_at_the_sniffed_head_is_still_recognised(tmp_path):
    # Regression: a UTF-8 file with a BOM whose 3-byte character straddled byte 65,536 (the head
    # looked at) was read as cp1258, and the export was then reported as not recognised.
    head = b"\xef\xbb\xbf" + HEADER.encode("utf-8")
    row = "H1,Nguyễn Văn A,22516,1.001193,03/01/2019,Trực tuyến,,\n".encode("utf-8")
    body = head + row * ((65_000 - len(head)) // len(row))
    body += b"H2,x,22516,1.001193,03/01/2019,direct,,".ljust(65_534 - len(body), b"a")
    data = body + "ệ\n".encode("utf-8")
    assert data[65_534:65_537] == "ệ".encode("utf-8")      # cut by the 65,536-byte head
    (tmp_path / "d.csv").write_bytes(data)
    assert recognise(tmp_path / "d.csv")[0] == "dossiers"


def test_store_and_loader_join_example_rows_the_same_way():
    # Six duplicates in one file: both accountings show the first five, "file:row" joined by "; ".
    d = pd.DataFrame({"source_file": pd.Categorical(["a.csv"] * 7), "source_row": range(2, 9),
                      "reason": pd.Categorical(["counted"] + ["duplicate"] * 6)})
    want = "a.csv:3; a.csv:4; a.csv:5; a.csv:6; a.csv:7"
    store_line = _acc_frame(d, "dossiers").set_index("reason").loc["duplicate"]
    assert (store_line["rows"], store_line["example_rows"]) == (6, want)
    assert accounting(d).set_index("reason").loc["duplicate", "example_rows"] == want


def test_the_same_export_twice_is_read_once_per_file_and_warned(tmp_path):
    """Two copies of one export: both read (their rows become duplicates), a warning in the manifest."""
    import csv
    import shutil
    from pathlib import Path
    raw = tmp_path / "raw"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw" / "example", raw)
    shutil.copy(raw / "dossiers.csv", raw / "dossiers_2.csv")
    res = ingest(raw, tmp_path / "store", decision=DECISION, log=None)
    warnings = json.loads((tmp_path / "store" / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert any("dossiers_2.csv" in w and "dossiers.csv" in w and "same content" in w for w in warnings)
    # by hand: in the copy, every row with a dossier id repeats one of the original (missing_id is checked first)
    with open(raw / "dossiers.csv", encoding="utf-8") as f:
        ids = [r["Mã hồ sơ"].strip() for r in csv.DictReader(f)]
    acc = pd.read_csv(tmp_path / "store" / "accounting.csv")
    copy_rows = acc[acc["file"] == "dossiers_2.csv"].set_index("reason")["rows"]
    assert copy_rows["duplicate"] == sum(1 for i in ids if i)
    assert copy_rows.get("missing_id", 0) == sum(1 for i in ids if not i)
    assert res.manifest["warnings"] == warnings


def test_a_workbook_that_cannot_be_opened_stops_the_ingest(tmp_path):
    """A .xlsx that is not a workbook may hold dossiers: ingest names it and stops (issue 10)."""
    raw, out = _raw(tmp_path), tmp_path / "processed"
    (raw / "export.xlsx").write_bytes(b"\x00junk that is not a zip" * 40)
    with pytest.raises(InputError, match=r"export\.xlsx.*cannot be read"):
        ingest(raw, out, decision=DECISION, log=None)
    assert not (out / "manifest.json").exists()


def test_ingest_never_replaces_a_folder_that_is_not_a_store(tmp_path):
    """The store folder is swapped in whole: a folder holding anything else is refused, untouched."""
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(InputError, match="not a store of the kit"):
        ingest(_raw(tmp_path), out, decision=DECISION, log=None)
    assert (out / "thesis.docx").read_bytes() == b"years of work" and len(list(out.iterdir())) == 1
