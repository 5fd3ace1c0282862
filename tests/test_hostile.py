"""Issue 10: a careless or hostile user cannot make the kit destroy its input, run a formula
in an official's spreadsheet, crash with a traceback, or pass a mistake without a word.

One case (or one parametrized family) per bullet of the issue. Fixtures are written here;
every value is synthetic.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest
from openpyxl import load_workbook

from _dossier_files import row, write_catalog, write_csv
from chitieu_lib import cli
from chitieu_lib.engine import Job
from chitieu_lib.engine.outputs import file_hashes, is_current, record_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "raw" / "example"
TABLE_MIME = "application/vnd.chitieu.table+json"
HOSTILE = ['=HYPERLINK("http://example.invalid","x")', "+84 123", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def chitieu(*args, cwd=ROOT) -> Done:
    """Run the command in this process (``cli.main`` is what the console script runs): quick,
    and an exception escaping ``main`` is exactly a traceback a user would see."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main([str(a) for a in args])
            except SystemExit as exc:     # argparse: usage and a message
                code = exc.code
    finally:
        os.chdir(here)
    return Done(code, out.getvalue(), err.getvalue())


def digest(folder: Path) -> dict:
    """Every file under ``folder`` with the hash of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def raw(tmp_path) -> Path:
    """A dossier export and a catalogue in one folder (two counted rows, one invalid channel)."""
    folder = tmp_path / "raw"
    folder.mkdir()
    write_csv(folder / "d.csv", [row("H1"), row("H2", channel="Trực tiếp"), row("H3", channel="???")])
    write_catalog(folder / "c.csv")
    return folder


# ------------------------------------------------------------------ 1. inputs are sacred

@pytest.mark.parametrize("case", ["out_is_dossiers", "accounting_is_catalog", "out_equals_accounting",
                                  "out_inside_dossiers_folder", "out_is_a_hard_link"])
def test_rates_refuses_an_output_that_is_an_input(raw, tmp_path, case):
    d, c, x = raw / "d.csv", raw / "c.csv", tmp_path / "x.csv"
    if case == "out_is_a_hard_link":
        os.link(d, tmp_path / "link.csv")
    args, message = {
        "out_is_dossiers": (["--dossiers", d, "--catalog", c, "--out", d],
                            f"--out {d} is the input --dossiers {d}: the kit never writes over a file it reads"),
        "accounting_is_catalog": (["--dossiers", d, "--catalog", c, "--out", x, "--accounting", c],
                                  f"--accounting {c} is the input --catalog {c}"),
        "out_equals_accounting": (["--dossiers", d, "--catalog", c, "--out", x, "--accounting", x],
                                  f"--out {x} and --accounting {x} name the same output"),
        "out_inside_dossiers_folder": (["--dossiers", raw, "--catalog", c, "--out", raw / "rates.csv"],
                                       f"--out {raw / 'rates.csv'} lies inside the input folder --dossiers {raw}"),
        "out_is_a_hard_link": (["--dossiers", d, "--catalog", c, "--out", tmp_path / "link.csv"],
                               f"--out {tmp_path / 'link.csv'} is the input --dossiers {d}"),
    }[case]
    before = digest(tmp_path)
    done = chitieu("rates", *args)
    assert done.returncode == 2, done.stderr
    assert f"chitieu rates: error: {message}" in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(tmp_path) == before            # nothing read was replaced, nothing written


def test_ingest_refuses_a_store_folder_holding_its_raw_folder(raw, tmp_path):
    before = digest(tmp_path)
    done = chitieu("ingest", raw, "--out", tmp_path)
    assert done.returncode == 2
    assert str(tmp_path) in done.stderr and str(raw) in done.stderr and "Traceback" not in done.stderr
    assert digest(tmp_path) == before


def test_render_refuses_to_write_into_the_store(tmp_path):
    store = tmp_path / "processed"
    store.mkdir()
    (store / "manifest.json").write_text("{}")
    done = chitieu("render", "--processed", store, "--out", store / "reports")
    assert done.returncode == 2 and "inside the input folder --processed" in done.stderr
    assert [p.name for p in store.iterdir()] == ["manifest.json"]


# ------------------------------------------------------------------ 2. spreadsheet-safe tables

def _report_notebook(names: list[str]) -> nbformat.NotebookNode:
    payload = {"name": "thu_tuc", "caption": "", "columns": ["Thủ tục", "Trực tuyến", "Tỷ lệ"],
               "data": [[n, i, i / 10] for i, n in enumerate(names)]}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show_table(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={TABLE_MIME: payload,
                                                                 "text/plain": "[bảng]"})]
    nb.cells.append(cell)
    return nb


def test_report_tables_never_hold_a_formula(tmp_path):
    from chitieu_lib.atomic import write_all
    from chitieu_lib.render import table_files

    plain = ["_x0041_ không phải mã", "Cấp giấy phép"]           # text that looks like an XML escape
    written = write_all(table_files(_report_notebook(HOSTILE + plain), tmp_path / "571.html"))
    xlsx = tmp_path / "571.xlsx"
    assert sorted(p.name for p in written) == ["571.thu_tuc.csv", "571.xlsx"]
    ws = load_workbook(xlsx).active
    cells = [c for r in ws.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # The text itself, as text, as Excel reads it: the shared strings with their _xHHHH_
    # escapes undone (ECMA-376 ST_Xstring: control characters, and a literal "_x...._").
    # openpyxl undoes only some of them, so the XML is read here.
    def unescape(text):
        return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m[1], 16)), text)

    with zipfile.ZipFile(xlsx) as book:
        strings = [unescape("".join(si.itertext()))
                   for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))]
    assert strings == ["Thủ tục", "Trực tuyến", "Tỷ lệ"] + HOSTILE + plain   # in the order written
    assert [c.data_type for c in ws["A"][1:]] == ["s"] * len(HOSTILE + plain)
    assert [c.value for c in ws["B"][1:]] == list(range(8)) and ws["B2"].data_type == "n"
    with open(tmp_path / "571.thu_tuc.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE] + plain
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(8)]            # numbers stay numbers


def test_rates_csv_cells_are_spreadsheet_safe(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    dossiers = write_csv(folder / "=cmd.csv", [row("H1"), row("H2", channel="???")])
    catalog = write_catalog(tmp_path / "c.csv")
    done = chitieu("rates", "--dossiers", dossiers.name, "--catalog", catalog, "--out", tmp_path / "r.csv",
                   "--accounting", tmp_path / "a.csv", cwd=folder)   # the file as given: "=cmd.csv"
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "a.csv", encoding="utf-8", newline="") as fh:
        account = {r["reason"]: r for r in csv.DictReader(fh)}
    assert account["invalid_channel"]["example_rows"] == "'=cmd.csv:3"
    assert account["counted"]["rows"] == "1"


# ------------------------------------------------------------------ 3. a report is whole or absent

def test_resume_counts_a_report_done_only_with_all_its_files(tmp_path):
    out = tmp_path / "huyen"
    job = Job("huyen/571", tmp_path / "nb.ipynb", {"as_of": "2019-09-30"}, out / "571.ipynb",
              out / "571.html", data_fingerprint="data-1")
    out.mkdir()
    files = [out / "571.ipynb", out / "571.html", out / "571.xlsx", out / "571.thu_tuc.csv"]
    for f in files:
        f.write_text(f"content of {f.name}")
    record = {"status": "ok", "fingerprint": "fp", "files": file_hashes(job, files)}
    record_path(job).write_text(json.dumps(record))
    assert is_current(job, "fp")
    assert not is_current(job, "another fingerprint")
    (out / "571.thu_tuc.csv").unlink()                       # a table lost to a killed batch
    assert not is_current(job, "fp")
    (out / "571.thu_tuc.csv").write_text("content of 571.thu_tuc.csv")
    (out / "571.xlsx").write_text("written by a later, killed run")   # not the bytes recorded
    assert not is_current(job, "fp")


# ------------------------------------------------------------------ 4. no traceback

def test_render_out_naming_a_file_is_a_message(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("not a folder")
    done = chitieu("render", "--out", target)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"--out {target} is a file; expected a folder" in done.stderr
    assert target.read_text() == "not a folder"


WRONG_ARGUMENTS = [
    [], ["nonsense"], ["rates"], ["rates", "--dossiers"], ["rates", "--dossiers", "/nowhere.csv",
                                                           "--catalog", "/nowhere.csv", "--out", "/tmp/r.csv"],
    ["rates", "--dossiers", "{d}", "--catalog", "{c}", "--out", "{t}/r.csv", "--as-of", "31/12/2019"],
    ["rates", "--dossiers", "{d}", "--catalog", "{d}", "--out", "{t}/r.csv"],
    ["rates", "--dossiers", "{d}", "--catalog", "{c}", "--out", "{t}/r.csv", "--decision", "{c}"],
    ["rates", "--dossiers", "{d}", "--catalog", "{c}", "--out", "{d}/x/r.csv"],
    ["rates", "--dossiers", "{t}", "--catalog", "{c}", "--out", "{t}.csv"],
    ["ingest", "/nowhere", "--out", "{t}/p"], ["ingest", "{d}", "--out", "{d}"], ["ingest", "{t}", "--out", "{d}"],
    ["render", "--level", "province"], ["render", "--unit"], ["render", "--unit", "99999", "--processed", "{t}"],
    ["render", "--workers", "many"], ["render", "--as-of", "yesterday", "--processed", "{t}"],
    ["render", "--processed", "/nowhere", "--out", "{t}/o"], ["render", "--out", "{d}"],
    ["sample", "--scale", "lots"], ["sample", "--out", "{d}"],
    ["backtest"], ["backtest", "--dossiers", "/nowhere.csv", "--catalog", "{c}"],
    ["backtest", "--dossiers", "{d}", "--catalog", "{c}", "--out", "{d}"],
    ["backtest", "--dossiers", "{d}", "--catalog", "{c}", "--seed", "x"],
]


def test_wrong_arguments_of_every_command_end_in_a_message(raw, tmp_path):
    names = {"d": raw / "d.csv", "c": raw / "c.csv", "t": tmp_path / "empty"}
    (tmp_path / "empty").mkdir()
    before = digest(raw)
    for argv in WRONG_ARGUMENTS:
        done = chitieu(*[a.format(**names) for a in argv])
        assert done.returncode == 2, (argv, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr and "error" in done.stderr, (argv, done.stderr)
    assert digest(raw) == before


# ------------------------------------------------------------------ 5. leftovers of killed runs

def test_ingest_removes_what_a_killed_ingest_left(tmp_path):
    store = tmp_path / "processed"
    leftover = tmp_path / ".processed.tmp-999999999"     # no such process: its writer was killed
    (leftover / "cache").mkdir(parents=True)
    running = tmp_path / f".processed.tmp-{os.getppid()}"  # a live writer's folder stays
    running.mkdir()
    done = chitieu("ingest", EXAMPLE, "--out", store, "--quiet")
    assert done.returncode == 0, done.stderr
    assert not leftover.exists() and running.exists()
    assert (store / "manifest.json").is_file()


# ------------------------------------------------------------------ 6. warnings

def test_as_of_outside_the_window_is_a_warning(raw, tmp_path):
    done = chitieu("rates", "--dossiers", raw / "d.csv", "--catalog", raw / "c.csv", "--as-of", "2020-01-15",
                   "--out", tmp_path / "r.csv")
    assert done.returncode == 0, done.stderr
    expected = ("Ngày tính đến 15/01/2020 nằm ngoài thời gian tính của Quyết định 817/QĐ-UBND "
                "(01/12/2018 – 30/11/2019)")
    assert f"chitieu rates: warning: {expected}" in done.stderr
    assert f"Cảnh báo: {expected}" in done.stdout


def test_a_file_given_twice_is_read_once_with_a_warning(raw, tmp_path):
    d = raw / "d.csv"
    done = chitieu("rates", "--dossiers", d, d, "--dossiers", raw, "--catalog", raw / "c.csv",
                   "--out", tmp_path / "r.csv", "--accounting", tmp_path / "a.csv")
    assert done.returncode == 0, done.stderr
    assert f"{d}: được nêu nhiều lần, chỉ đọc một lần" in done.stderr
    with open(tmp_path / "a.csv", encoding="utf-8", newline="") as fh:
        rows = {r["reason"]: int(r["rows"]) for r in csv.DictReader(fh)}
    assert sum(rows.values()) == 3 and rows["duplicate"] == 0   # three rows written, each read once
    assert "Cảnh báo: " in done.stdout


# ------------------------------------------------------------------ 7. list flags, counts up front

def test_every_list_flag_accepts_repeats_and_lists():
    parser = cli.build_parser()
    args = parser.parse_args(["render", "--unit", "571", "--unit", "22516", "SCT"])
    assert args.unit == ["571", "22516", "SCT"]
    for command in ("rates", "backtest"):
        args = parser.parse_args([command, "--dossiers", "a", "b", "--dossiers", "c", "--catalog", "k",
                                  *(["--out", "o"] if command == "rates" else [])])
        assert args.dossiers == ["a", "b", "c"]


def test_rates_says_how_many_files_it_reads_before_it_starts(raw, tmp_path):
    second = tmp_path / "second"
    second.mkdir()
    write_csv(second / "e.csv", [row("H9")])
    done = chitieu("rates", "--dossiers", raw / "d.csv", "--dossiers", second, "--catalog", raw / "c.csv",
                   "--out", tmp_path / "r.csv", "--accounting", tmp_path / "a.csv")
    assert done.returncode == 0, done.stderr
    assert "chitieu rates: 2 file(s) to read" in done.stderr
    with open(tmp_path / "a.csv", encoding="utf-8", newline="") as fh:
        assert sum(int(r["rows"]) for r in csv.DictReader(fh)) == 4      # both flags' files read


def test_render_timings_file_is_an_output_like_any_other(test_store, tmp_path):
    """--timings FILE may not replace the store's manifest, nor a file of the report folder."""
    before = digest(test_store)
    for target, words in ((test_store / "manifest.json", "inside the input folder --processed"),
                          (tmp_path / "out" / "index.html", "inside the output folder --out")):
        done = chitieu("render", "--unit", "22516", "--processed", test_store, "--out", tmp_path / "out",
                       "--timings", target)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert digest(test_store) == before


@pytest.mark.parametrize("body, words", [
    ("unit,unit_code\n000.00.18.H34,NOPE\n", "NOPE"),
    ("unit,unit_code\n,571\n", "row 2"),
    ("foo,bar\nx,y\n", "needs the columns 'unit' and 'unit_code'"),
    ("", "needs the columns"),
])
def test_a_bad_unit_map_is_a_message_with_exit_2(tmp_path, body, words):
    write_catalog(tmp_path / "catalog.csv")
    write_csv(tmp_path / "d.csv", [row()])
    (tmp_path / "map.csv").write_text(body, encoding="utf-8")
    for args in (("rates", "--dossiers", tmp_path / "d.csv", "--catalog", tmp_path / "catalog.csv",
                  "--unit-map", tmp_path / "map.csv", "--out", tmp_path / "r.csv"),):
        done = chitieu(*args)
        assert done.returncode == 2 and "map.csv" in done.stderr and words in done.stderr, done.stderr
        assert "internal error" not in done.stderr and not (tmp_path / "r.csv").exists()
