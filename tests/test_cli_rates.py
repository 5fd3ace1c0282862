"""`chitieu rates` end to end, as a user runs it (subprocess), and its CSV contract."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from _dossier_files import row, write_catalog, write_csv

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "raw" / "example"


def run(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "chitieu_lib", "rates", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)


def read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    res = run("--dossiers", EXAMPLE, "--catalog", EXAMPLE / "catalog.csv", "--as-of", "2019-11-30",
              "--out", out / "rates.csv", "--accounting", out / "accounting.csv")
    assert res.returncode == 0, res.stderr
    return res, read(out / "rates.csv"), read(out / "accounting.csv")


def test_example_rates_contract(example):
    _, rates, _ = example
    assert len(rates) == 162
    for col in ["unit_code", "unit_name", "level", "parent_code", "target", "online", "total", "rate", "met",
                "target_group"]:
        assert col in rates[0]
    by = {r["unit_code"]: r for r in rates}
    # data/raw/example/README.md, computed by hand
    expected = {"STP": (5, 10, "True"), "SCT": (3, 8, "False"), "571": (3, 8, "True"),
                "22516": (1, 8, "False"), "568": (2, 6, "False"), "22714": (1, 4, "True")}
    for code, (online, total, met) in expected.items():
        r = by[code]
        assert (int(r["online"]), int(r["total"]), r["met"]) == (online, total, met), code
        assert float(r["rate"]) == pytest.approx(online / total)
    empty = by["BQLKKT"]
    assert (empty["total"], empty["rate"], empty["met"]) == ("0", "", "")
    assert by["22516"]["parent_code"] == "571" and float(by["22516"]["target"]) == 0.25
    assert "576" not in by


def test_example_accounting_adds_up(example):
    res, _, acc = example
    rows = {a["reason"]: int(a["rows"]) for a in acc}
    with open(EXAMPLE / "dossiers.csv", encoding="utf-8") as fh:
        n = len(list(csv.reader(fh))) - 1
    assert sum(rows.values()) == n == 60
    assert rows == {"counted": 44, "missing_id": 1, "duplicate": 2, "invalid_date": 2, "invalid_channel": 1,
                    "unknown_unit": 1, "ambiguous_unit": 2, "no_target": 1, "not_in_catalogue": 1,
                    "outside_window": 5, "after_as_of": 0}
    assert "Sở Tư pháp" in res.stdout and "50,0%" in res.stdout
    assert "Họ tên người nộp" in res.stdout and "Người nộp 01" not in res.stdout


def test_example_says_it_is_synthetic(example):
    assert "DỮ LIỆU MÔ PHỎNG" in example[0].stdout


def test_example_with_an_earlier_as_of(tmp_path):
    res = run("--dossiers", EXAMPLE / "dossiers.csv", "--catalog", EXAMPLE / "catalog.csv", "--as-of", "2019-09-30",
              "--out", tmp_path / "r.csv", "--accounting", tmp_path / "a.csv")
    assert res.returncode == 0, res.stderr
    # independently: rows 2-45 are the counted ones; those received in October-November 2019 move
    with open(EXAMPLE / "dossiers.csv", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))[:44]
    late = [i + 2 for i, r in enumerate(records)
            if r["Ngày tiếp nhận"].split()[0] in ("2019-10-21",) or r["Ngày tiếp nhận"][2:10] in ("/10/2019", "/11/2019")]
    acc = {a["reason"]: a for a in read(tmp_path / "a.csv")}
    assert int(acc["after_as_of"]["rows"]) == len(late) == 8
    assert int(acc["counted"]["rows"]) == 44 - 8


def test_as_of_default_and_after_as_of(tmp_path):
    cat = write_catalog(tmp_path / "catalog.csv")
    d = write_csv(tmp_path / "d.csv", [row("A", day="30/09/2019"), row("B", day="01/10/2019", channel="Trực tiếp")])
    res = run("--dossiers", d, "--catalog", cat, "--out", tmp_path / "r.csv", "--accounting", tmp_path / "a.csv")
    assert res.returncode == 0, res.stderr
    stp = next(r for r in read(tmp_path / "r.csv") if r["unit_code"] == "STP")
    assert (stp["online"], stp["total"]) == ("1", "2")          # default as-of: the window end
    res = run("--dossiers", d, "--catalog", cat, "--as-of", "2019-09-30", "--out", tmp_path / "r.csv",
              "--accounting", tmp_path / "a.csv")
    stp = next(r for r in read(tmp_path / "r.csv") if r["unit_code"] == "STP")
    assert (stp["online"], stp["total"], stp["rate"], stp["met"]) == ("1", "1", "1.0", "True")
    acc = {a["reason"]: a for a in read(tmp_path / "a.csv")}
    assert acc["after_as_of"]["rows"] == "1" and acc["after_as_of"]["example_rows"] == f"{d}:3"


def test_several_files_and_xlsx(tmp_path):
    cat = write_catalog(tmp_path / "catalog.csv")
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "a.csv", [row("A"), row("B", channel="Trực tiếp")])
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Mã hồ sơ", "Mã TTHC", "Mã đơn vị", "Ngày tiếp nhận", "Hình thức nộp"])
    ws.append(["B", "T-CONT", "STP", "05/03/2019", "Trực tuyến"])     # duplicate of a.csv's B
    ws.append(["C", "T-CONT", "STP", "06/03/2019", "Trực tuyến"])
    book.save(folder / "b.xlsx")
    res = run("--dossiers", folder, "--catalog", cat, "--out", tmp_path / "r.csv", "--accounting", tmp_path / "a.csv")
    assert res.returncode == 0, res.stderr
    stp = next(r for r in read(tmp_path / "r.csv") if r["unit_code"] == "STP")
    assert (stp["online"], stp["total"]) == ("2", "3")
    acc = {a["reason"]: int(a["rows"]) for a in read(tmp_path / "a.csv")}
    assert sum(acc.values()) == 4 and acc["duplicate"] == 1


@pytest.mark.parametrize("problem", ["missing_column", "missing_file", "no_rows", "bad_as_of", "bad_catalog",
                                     "bad_encoding"])
def test_fatal_errors_exit_2_and_write_nothing(tmp_path, problem):
    cat = write_catalog(tmp_path / "catalog.csv")
    d = write_csv(tmp_path / "d.csv", [row("A")])
    args = ["--dossiers", d, "--catalog", cat]
    expected = {"missing_column": "Ngày tiếp nhận", "missing_file": "file not found", "no_rows": "no data rows",
                "bad_as_of": "YYYY-MM-DD", "bad_catalog": "rule", "bad_encoding": "not UTF-8"}[problem]
    if problem == "missing_column":
        write_csv(d, [["A", "T-CONT", "STP", "Trực tuyến"]], headers=["Mã hồ sơ", "Mã TTHC", "Mã đơn vị", "Kênh nộp"])
    elif problem == "missing_file":
        args[1] = tmp_path / "nope.csv"
    elif problem == "no_rows":
        d.write_text("Mã hồ sơ,Mã TTHC,Mã đơn vị,Ngày tiếp nhận,Kênh nộp\n", encoding="utf-8")
    elif problem == "bad_as_of":
        args += ["--as-of", "30/11/2019"]
    elif problem == "bad_catalog":
        cat.write_text("procedure_code,procedure_name,rule\nT-CONT,x,always\n", encoding="utf-8")
    elif problem == "bad_encoding":
        d.write_bytes(d.read_bytes() + b"B,\x81\x8d,x,y,z\n")
    res = run(*args, "--out", tmp_path / "out" / "r.csv", "--accounting", tmp_path / "out" / "a.csv")
    assert res.returncode == 2
    assert expected in res.stderr
    assert not (tmp_path / "out").exists()


def test_header_map_option(tmp_path):
    cat = write_catalog(tmp_path / "catalog.csv")
    d = write_csv(tmp_path / "d.csv", [["X1", "T-CONT", "STP", "05/03/2019", "2"]],
                  headers=["Số phiếu", "Mã TTHC", "Mã đơn vị", "Ngày tiếp nhận", "Kênh nộp"])
    assert run("--dossiers", d, "--catalog", cat, "--out", tmp_path / "r.csv").returncode == 2
    (tmp_path / "map.csv").write_text("header,field\nSố phiếu,dossier_id\n", encoding="utf-8")
    res = run("--dossiers", d, "--catalog", cat, "--out", tmp_path / "r.csv", "--header-map", tmp_path / "map.csv")
    assert res.returncode == 0, res.stderr
    stp = next(r for r in read(tmp_path / "r.csv") if r["unit_code"] == "STP")
    assert (stp["online"], stp["total"]) == ("1", "1")


def test_own_units_registry(tmp_path):
    cat = write_catalog(tmp_path / "catalog.csv")
    units = tmp_path / "units.csv"
    units.write_text("unit_code,unit_name,level,parent_code,target\nSTP,Sở Tư pháp,department,,40\n"
                     "X1,Phòng thử,department,,0.5\nX2,Không chỉ tiêu,department,,\n", encoding="utf-8")
    d = write_csv(tmp_path / "d.csv", [row("A"), row("B", unit="X1", channel="Trực tiếp"), row("C", unit="X2")])
    res = run("--dossiers", d, "--catalog", cat, "--units", units, "--out", tmp_path / "r.csv",
              "--accounting", tmp_path / "a.csv")
    assert res.returncode == 0, res.stderr
    rates = {r["unit_code"]: r for r in read(tmp_path / "r.csv")}
    assert sorted(rates) == ["STP", "X1"]
    assert (rates["STP"]["target"], rates["STP"]["rate"], rates["X1"]["rate"], rates["X1"]["met"]) == (
        "0.4", "1.0", "0.0", "False")
    acc = {a["reason"]: int(a["rows"]) for a in read(tmp_path / "a.csv")}
    assert acc["no_target"] == 1 and acc["counted"] == 2
