"""Any year's decision, end to end: a fictional decision file drives ingest, rates, render and the index.

The decision (number 123/QĐ-UBND, 10/4/2020, window 01/12/2019 – 30/11/2020, 7 grace
days, other targets, its own calendar, a letter of Nha Trang's) and the dossiers are
written here; the expected counts are tallied by hand in the comments.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from chitieu_lib.decision import DEFAULT_DECISION

CATALOG = """procedure_code,procedure_name,rule,effective_date,field,authority_level,online_level
A-001,Thủ tục thử A,continuing,,Thử nghiệm,huyện,4
B-002,Thủ tục thử B,new,2020-03-01,Thử nghiệm,huyện,3
"""

HEADER = "STT,Mã hồ sơ,Mã TTHC,Tên thủ tục hành chính,Cơ quan tiếp nhận,Ngày tiếp nhận,Hình thức nộp\n"
ROWS = [  # unit, procedure, received, channel -> what it is under the fictional decision
    ("UBND huyện Vạn Ninh", "A-001", "05/12/2019 08:00", "Trực tuyến"),   # counted, online
    ("UBND huyện Vạn Ninh", "A-001", "10/01/2020 08:00", "Trực tiếp"),    # counted
    ("UBND huyện Vạn Ninh", "A-001", "15/02/2020 08:00", "Trực tuyến"),   # counted, online
    ("UBND huyện Vạn Ninh", "B-002", "05/03/2020 08:00", "Trực tuyến"),   # outside: new counts from 08/03
    ("UBND huyện Vạn Ninh", "B-002", "08/03/2020 08:00", "Trực tuyến"),   # counted, online (1 + 7 days)
    ("UBND huyện Vạn Ninh", "A-001", "20/11/2019 08:00", "Trực tuyến"),   # outside: before 01/12/2019
    ("UBND huyện Vạn Ninh", "A-001", "01/04/2020 08:00", "Trực tiếp"),    # counted
    ("UBND thành phố Nha Trang", "A-001", "02/12/2019 08:00", "Trực tiếp"),   # counted
    ("UBND thành phố Nha Trang", "A-001", "03/12/2019 08:00", "Trực tuyến"),  # counted, online
    ("UBND xã Vạn Thắng", "A-001", "06/12/2019 08:00", "Trực tiếp"),          # counted
    ("UBND xã Vạn Thắng", "A-001", "07/12/2019 08:00", "Trực tiếp"),          # counted
]
# Hand tally: 571 online 3 of 5 (60%), 568 1 of 2 (50%), 22516 0 of 2; two rows outside the window.


def fictional_decision(folder) -> str:
    text = DEFAULT_DECISION.read_text(encoding="utf-8")
    text = text[:text.index("[[letters]]")]          # 934 belongs to 2019; this year has its own letter
    for old, new in [('number = "817/QĐ-UBND"', 'number = "123/QĐ-UBND"'), ("date = 2019-03-25", "date = 2020-04-10"),
                     ("year = 2019", "year = 2020"), ("start = 2018-12-01", "start = 2019-12-01"),
                     ("end = 2019-11-30", "end = 2020-11-30"), ("grace_days = 5", "grace_days = 7"),
                     ("target = 0.45", "target = 0.55"), ("target = 0.35", "target = 0.50"),
                     ("target = 0.25", "target = 0.30"), ("tối thiểu 45%", "tối thiểu 55%"),
                     ("tối thiểu 35%", "tối thiểu 50%"), ("tối thiểu 25%", "tối thiểu 30%"),
                     ("địa phương năm 2019", "địa phương năm 2020"),
                     ('article = "Điều 2"', 'article = "Điều 3"'),      # this year's window is in Article 3
                     ('calendar = "vn_office_calendar_2018_2019.csv"', 'calendar = "lich-2020.csv"')]:
        assert old in text, old
        text = text.replace(old, new)
    text += """
[[letters]]
issuer_code = "568"
issuer = "Ủy ban nhân dân thành phố Nha Trang"
issuer_short = "UBND thành phố Nha Trang"
number = "77/UBND-THU"
date = 2020-05-04
subject = "V/v triển khai quyết định thử nghiệm"
meetings_item = "2"
phong = []
[[letters.items]]
item = "2"
text = "Họp giao ban thử nghiệm hằng tháng."
"""
    (folder / "lich-2020.csv").write_text("# covers: 2019-12-01 2020-11-30\ndate,kind,note\n"
                                          "2020-01-01,closed,Tết Dương lịch\n", encoding="utf-8")
    path = folder / "123-QD-UBND-2020.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args, cwd=None):
    done = subprocess.run([sys.executable, "-m", "chitieu_lib", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def page_text(path) -> str:
    """The page without its embedded images (base64 could hold any digits) and tags."""
    text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", path.read_text(encoding="utf-8"))
    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", text, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


@pytest.fixture(scope="module")
def year_2020(tmp_path_factory):
    base = tmp_path_factory.mktemp("year2020")
    (base / "decision").mkdir()
    decision = fictional_decision(base / "decision")
    raw = base / "raw"
    raw.mkdir()
    (raw / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    lines = [f"{i},HS-{i:03d},{p},Thủ tục,{u},{day},{ch}" for i, (u, p, day, ch) in enumerate(ROWS, start=1)]
    (raw / "dossiers.csv").write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    done = run("ingest", str(raw), "--decision", decision, "--out", str(base / "store"))
    assert done.returncode == 0, done.stdout + done.stderr
    return base, decision


def test_ingest_records_the_decision_in_the_store(year_2020):
    base, decision = year_2020
    import json
    manifest = json.loads((base / "store" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["decision"]["number"] == "123/QĐ-UBND"
    assert (base / "store" / manifest["decision"]["file"]).read_bytes() == open(decision, "rb").read()
    accounting = pd.read_csv(base / "store" / "accounting.csv")
    rows = accounting[accounting["kind"] == "dossiers"].set_index("reason")["rows"]
    assert rows["counted"] == 9 and rows["outside_window"] == 2


def test_rates_with_the_decision_file_match_the_hand_tally(year_2020, tmp_path):
    base, decision = year_2020
    out = tmp_path / "rates.csv"
    done = run("rates", "--dossiers", str(base / "raw" / "dossiers.csv"), "--catalog",
               str(base / "raw" / "catalog.csv"), "--decision", decision, "--as-of", "2020-06-30",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    rates = pd.read_csv(out, dtype={"unit_code": str}).set_index("unit_code")
    assert (rates.loc["571", "online"], rates.loc["571", "total"], rates.loc["571", "target"]) == (3, 5, 0.50)
    assert (rates.loc["568", "online"], rates.loc["568", "total"]) == (1, 2)
    assert (rates.loc["22516", "online"], rates.loc["22516", "total"], rates.loc["22516", "target"]) == (0, 2, 0.30)
    assert rates.loc["SCT", "target"] == 0.55


def test_reports_quote_only_the_file_and_letters_only_their_own(year_2020):
    base, decision = year_2020
    out = base / "out"
    done = run("render", "--unit", "571", "568", "--processed", str(base / "store"), "--out", str(out),
               "--as-of", "2020-06-30", "--decision", decision, "--no-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    van_ninh, nha_trang = page_text(out / "huyen" / "571.html"), page_text(out / "huyen" / "568.html")
    for page in (van_ninh, nha_trang):
        assert "123/QĐ-UBND" in page and "10/04/2020" in page
        assert "từ 01/12/2019 đến 30/11/2020 (Điều 3;" in page and "sau 7 ngày" in page and "Điều 2" not in page
        assert "tối thiểu 50%" in page
        for old in ("817", "25/03/2019", "25/3/2019", "30/11/2019", "934", "năm 2019"):
            assert old not in page, old
    assert "60,0%" in van_ninh and "3 / 5" in van_ninh
    assert "50,0%" in nha_trang and "1 / 2" in nha_trang
    assert "77/UBND-THU" in nha_trang and "77/UBND-THU" not in van_ninh   # a letter cites its own district
    index = page_text(out / "index.html")
    assert "123/QĐ-UBND" in index and "năm 2020" in index and "817" not in index


def test_render_refuses_a_decision_other_than_the_stores(year_2020, tmp_path):
    base, _ = year_2020
    done = run("render", "--unit", "571", "--processed", str(base / "store"), "--out", str(tmp_path / "o"),
               "--decision", str(DEFAULT_DECISION))
    assert done.returncode == 2
    assert "817/QĐ-UBND" in done.stderr and "123/QĐ-UBND" in done.stderr
    assert not (tmp_path / "o" / "huyen").exists()


def test_a_district_without_a_letter_cites_none(test_store, tmp_path):
    """Under Decision 817, only Vạn Ninh issued letter 934: Nha Trang's report does not cite it."""
    done = run("render", "--unit", "568", "--processed", str(test_store), "--out", str(tmp_path),
               "--as-of", "2019-09-30", "--no-progress")
    assert done.returncode == 0, done.stderr
    page = page_text(tmp_path / "huyen" / "568.html")
    assert "817/QĐ-UBND" in page and "934" not in page and "Công văn" not in page


def test_last_year_beside_this_year(year_2020, test_store):
    """--previous: last year's final rate (the 2019 test store, Decision 817) against last year's target."""
    from chitieu_lib.store import open_store
    base, _ = year_2020
    out = base / "out-previous"
    done = run("render", "--unit", "571", "--processed", str(base / "store"), "--previous", str(test_store),
               "--out", str(out), "--as-of", "2020-06-30", "--no-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    prev = open_store(test_store)
    d = prev.dossiers
    mine = d[(d["unit_code"].astype(str) == "571") & (d["reason"].astype(str) == "counted")
             & (d["received_date"] <= pd.Timestamp("2019-11-30"))]
    online, total = int((mine["channel"].astype(str) == "online").sum()), len(mine)
    from chitieu_lib.vi import fmt_int, fmt_pct
    page = page_text(out / "huyen" / "571.html")
    assert (f"Năm trước (Quyết định số 817/QĐ-UBND ngày 25/03/2019 của UBND tỉnh Khánh Hòa): tỷ lệ cuối kỳ "
            f"{fmt_pct(online / total)} ({fmt_int(online)} / {fmt_int(total)} hồ sơ) so với chỉ tiêu 35%") in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Tỷ lệ cuối năm trước" in index and f'data-v="{online / total!r}"' in index


def test_previous_must_be_an_earlier_year(year_2020, test_store, tmp_path):
    base, _ = year_2020
    done = run("render", "--unit", "571", "--processed", str(test_store), "--previous", str(base / "store"),
               "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "earlier year" in done.stderr
