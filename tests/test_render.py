"""`chitieu render` on one district: code-free offline HTML whose numbers match `chitieu rates`."""

import json
import re

import pandas as pd
import pytest

import teststore
from chitieu_lib import render, report
from _decision import DECISION, UNITS  # noqa: F401 (the decision the tests run under, explicitly)

AS_OF = "2019-09-30"


def _html(out):
    return (out / "huyen" / "571.html").read_text(encoding="utf-8")


def test_outputs_exist(rendered_district):
    out = rendered_district
    for name in ("571.html", "571.ipynb", "571.xlsx", "571.xep_hang_xa.csv", "571.chat_luong_du_lieu.csv"):
        assert (out / "huyen" / name).is_file(), name
    assert (out / "index.html").is_file()


def test_html_has_no_code_and_no_external_url(rendered_district):
    page = _html(rendered_district)
    assert 'lang="vi"' in page
    body = page.split("<body", 1)[1]
    assert "jp-InputArea-editor" not in body and "jp-InputPrompt" not in body and "cm-editor" not in body
    for code in ("import ", "report.show_", "plots.show", "build_view(", "processed_dir"):
        assert code not in page, f"code leaked into the page: {code!r}"
    for tag, _, url in re.findall(r"<(script|link|img|iframe|source)\b[^>]*?\b(src|href)\s*=\s*[\"']?([^\"' >]+)",
                                  page, flags=re.I):
        assert not url.lower().startswith(("http:", "https:", "//")), f"<{tag}> loads {url}"
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page, flags=re.I)
    images = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", page)
    assert len(images) >= 3 and all(src.startswith("data:image/png;base64,") for src in images)


def test_vietnamese_headings_and_synthetic_footer(rendered_district):
    page = _html(rendered_district)
    for heading in ("Kết quả của UBND huyện", "Các phòng chuyên môn", "Thủ tục cần đẩy mạnh",
                    "Các xã, thị trấn", "Chất lượng dữ liệu", "Huyện Vạn Ninh"):
        assert heading in page
    manifest = json.loads((teststore.ensure_test_store() / "manifest.json").read_text())
    assert manifest["synthetic"] is True
    assert "số liệu mẫu tổng hợp (giả lập)" in page


@pytest.fixture(scope="module")
def cli_rates(test_store, tmp_path_factory):
    """`chitieu rates` on the same dossier files the store read, same as-of (a second path)."""
    manifest = json.loads((test_store / "manifest.json").read_text())
    files = [str(teststore.raw_dir() / i["path"]) for i in manifest["inputs"] if i["kind"] == "dossiers"]
    out = tmp_path_factory.mktemp("rates") / "rates.csv"
    done = teststore.chitieu("rates", "--dossiers", *files, "--catalog", str(teststore.raw_dir() / "catalog.csv"),
                             "--as-of", AS_OF, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return pd.read_csv(out, dtype={"unit_code": str, "parent_code": str}).set_index("unit_code")


def test_headline_matches_chitieu_rates(rendered_district, cli_rates):
    page = _html(rendered_district)
    r = cli_rates.loc["571"]
    counts = f"{report.fmt_int(r.online)} / {report.fmt_int(r.total)}"
    assert f"<b>{counts}</b><span>Hồ sơ trực tuyến / tổng số</span>" in page
    assert f"<b>{report.fmt_pct(r.rate)}</b><span>Tỷ lệ trực tuyến đến nay</span>" in page


def test_commune_table_matches_chitieu_rates(rendered_district, cli_rates):
    table = pd.read_csv(rendered_district / "huyen" / "571.xep_hang_xa.csv", dtype={"Mã": str},
                        encoding="utf-8-sig").set_index("Mã")
    expected = cli_rates[cli_rates["parent_code"].astype(str) == "571"]
    assert sorted(table.index) == sorted(expected.index)
    assert (table["Trực tuyến"] == expected.loc[table.index, "online"]).all()
    assert (table["Tổng hồ sơ"] == expected.loc[table.index, "total"]).all()
    pd.testing.assert_series_equal(table["Tỷ lệ đến nay"], expected.loc[table.index, "rate"],
                                   check_names=False, check_index=False)
    # and the page shows the same figures, formatted
    page = _html(rendered_district)
    for code, row in expected.iterrows():
        assert f"<td>{row.unit_name}</td>" in page
    # the workbook holds the same table
    xlsx = pd.read_excel(rendered_district / "huyen" / "571.xlsx", sheet_name="xep_hang_xa", dtype={"Mã": str})
    assert xlsx["Trực tuyến"].sum() == expected["online"].sum()


def test_index_lists_the_report_with_its_rate(rendered_district, cli_rates):
    index = (rendered_district / "index.html").read_text(encoding="utf-8")
    assert 'href="huyen/571.html"' in index
    assert report.fmt_pct(cli_rates.loc["571", "rate"]) in index
    assert "<script src" not in index and not re.search(r"(src|href)=\"?(https?:)?//", index)


def test_plan_picks_the_right_notebooks():
    planned = render.plan(render.load_units(DECISION), decision=render.load_decision(), level="all", as_of=AS_OF, processed_dir="/p", out="o")
    names = [p.job.name for p in planned]
    assert names[0] == "tinh/tong-quan"
    assert len(planned) == 1 + 162
    kinds = {p.level: p.job.notebook.name for p in planned}
    assert kinds == {"province": "province_overview.ipynb", "department": "unit_report.ipynb",
                     "district": "district_report.ipynb", "commune": "unit_report.ipynb"}
    d = next(p for p in planned if p.unit_code == "571").job
    assert d.parameters == {"district_code": "571", "as_of": AS_OF, "processed_dir": "/p"}


def test_a_commune_links_to_its_districts_page_only_where_there_is_one(tmp_path):
    """Found by a hostile test: ``--district 571 --level commune`` gave pages linking to a
    district report that was never rendered."""
    units, decision = render.load_units(DECISION), render.load_decision()

    def links(out, **chosen):
        planned = render.plan(units, decision=decision, as_of=AS_OF, processed_dir="/p", out=out, **chosen)
        return {p.unit_code: p.job.parameters.get("district_page") for p in planned if p.level == "commune"}

    with_district = links(tmp_path, districts=["571"])
    assert with_district and set(with_district.values()) == {True}
    alone = links(tmp_path, districts=["571"], level="commune")
    assert alone.keys() == with_district.keys() and set(alone.values()) == {False}
    assert links(tmp_path, codes=["22516"]) == {"22516": False}
    kept = links(tmp_path, districts=["571"], level="commune", pages_kept={"huyen/571.html"})
    assert set(kept.values()) == {True}
    everything = links(tmp_path / "all")
    assert len(everything) == sum(units["level"].eq("commune") & units["target"].notna())
    assert set(everything.values()) == {True}


def test_communes_of_a_failed_district_are_rendered_again_without_the_link(tmp_path):
    """Found by a review: a district failing in the batch left its communes linking to a page that a
    failed report does not leave on disk."""
    from chitieu_lib.engine import JobResult
    from chitieu_lib.render.batch import unlink_failed_districts
    units, decision = render.load_units(DECISION), render.load_decision()
    planned = render.plan(units, decision=decision, as_of=AS_OF, processed_dir="/p", out=tmp_path,
                          districts=["571", "568"])
    ok = {"huyen/571": False}                                   # Vạn Ninh's report failed, Nha Trang's did not
    results = [JobResult(p.job, ok.get(p.job.name, True), None, 1.0) for p in planned]
    before = [p.job for p in planned]
    ran = []

    def run(jobs):
        ran.extend(jobs)
        return [JobResult(j, True, None, 2.0) for j in jobs]

    vn = [i for i, p in enumerate(planned) if p.level == "commune" and p.district_code == "571"]
    none_earlier = lambda failed, planned_codes: []  # noqa: E731
    assert len(vn) >= 10 and unlink_failed_districts(planned, results, none_earlier, run) == len(vn)
    assert [j.name for j in ran] == [planned[i].job.name for i in vn]
    assert all(j.parameters["district_page"] is False for j in ran)
    assert all(results[i].seconds == 2.0 for i in vn)
    others = [i for i in range(len(planned)) if i not in vn]
    assert all(planned[i].job is before[i] and results[i].seconds == 1.0 for i in others)
    assert unlink_failed_districts(planned, results, none_earlier, run) == 0   # nothing links to it any more


def test_render_unlinks_earlier_batches_communes_when_their_district_fails(test_store, tmp_path, monkeypatch):
    """Found by a hostile review: `render --district 571`, then `render --unit 571` failing left the
    first batch's commune pages, still in the index, linking to the page the failure removed."""
    from chitieu_lib.engine import JobResult
    from chitieu_lib.render import batch
    calls = []

    def fake_run_jobs(jobs, **kwargs):         # the engine's contract: a failed report leaves no HTML
        calls.append(list(jobs))
        out = []
        for job in jobs:
            ok = not (job.name == "huyen/571" and len(calls) > 1)
            if ok:
                job.out_html.write_text(f"<p>{job.name}</p>", encoding="utf-8")
            else:
                job.out_html.unlink(missing_ok=True)
            out.append(JobResult(job, ok, None if ok else "RuntimeError: x", 0.1))
        return out

    monkeypatch.setattr(batch, "run_jobs", fake_run_jobs)
    common = dict(as_of=AS_OF, processed_dir=test_store, out=tmp_path, progress=False, log=lambda *a: None)
    batch.render(districts=["571"], **common)
    communes = [j.name for j in calls[0] if j.name.startswith("xa/")]
    assert len(communes) >= 10 and all(j.parameters["district_page"] for j in calls[0] if j.name in communes)
    rows, _ = batch.render(codes=["571"], **common)
    assert [j.name for j in calls[1]] == ["huyen/571"]
    assert sorted(j.name for j in calls[2]) == sorted(communes)       # rendered again, in this batch
    assert all(j.parameters["district_page"] is False for j in calls[2])
    listed = {r["link"]: r["ok"] for r in rows}
    assert listed["huyen/571.html"] is False and all(listed[f"{c}.html"] for c in communes)


def test_an_earlier_page_is_linked_only_while_it_holds_for_the_batch(tmp_path):
    """The index's rule (same as-of date, meeting date, previous year, store; still on disk)
    decides which earlier pages a report may link to (found by a hostile test: a commune page
    as of 30/9 linked to its district's page as of 30/6)."""
    from chitieu_lib.render.index import INDEX_STATE, earlier_pages
    batch = {"as_of": "2019-06-30", "since": "", "previous": "", "store": "abc"}
    (tmp_path / "huyen").mkdir()
    (tmp_path / "huyen" / "571.html").write_text("<p>571</p>")
    rows = [{"link": "huyen/571.html", "ok": True}, {"link": "huyen/568.html", "ok": True},
            {"link": "xa/22516.html", "ok": False}]
    (tmp_path / "xa").mkdir()
    (tmp_path / "xa" / "22516.html").write_text("<p>left by a failed run</p>")
    (tmp_path / INDEX_STATE).write_text(json.dumps({"batch": batch, "rows": rows}))  # as write_index
    assert earlier_pages(tmp_path, batch) == {"huyen/571.html"}  # 568 not on disk, 22516 failed
    assert earlier_pages(tmp_path, dict(batch, as_of="2019-09-30")) == set()
    assert earlier_pages(tmp_path, dict(batch, store="other data")) == set()
    assert earlier_pages(tmp_path / "nowhere", batch) == set()


def test_unknown_unit_is_a_clear_error():
    from chitieu_lib.errors import InputError
    with pytest.raises(InputError, match="unknown unit code"):
        render.select_units(render.load_units(DECISION), codes=["99999"])


def test_a_failing_report_is_listed_with_why(tmp_path):
    from chitieu_lib.engine import Job, JobResult
    job = Job("xa/22516", tmp_path / "n.ipynb", {}, tmp_path / "xa" / "22516.ipynb", tmp_path / "xa" / "22516.html")
    planned = [render.Planned(job, "commune", "22516", "Xã Vạn Thắng")]
    rows = render.index_rows(planned, [JobResult(job, False, "KeyError: 'rate' (cell [5])", 1.0)], None, tmp_path)
    page = render.index_html(rows, as_of=AS_OF, manifest={"synthetic": True}, failures=1,
                             decision=render.load_decision())
    assert "Lỗi khi tạo báo cáo" in page and "KeyError: &#x27;rate&#x27; (cell [5])" in page
    assert "1 báo cáo lỗi" in page


def test_van_ninh_phong_table_follows_letter_934(rendered_district):
    """Letter 934 lists eight phòng in its order; the district's phòng table follows it, every one shown."""
    from chitieu_lib.report.tables import phong_key
    letter = next(x for x in render.load_decision().letters if x["number"] == "934/UBND-VHTT")
    listed = [phong_key(p) for p in letter["phong"]]
    assert len(listed) == 8
    table = pd.read_csv(rendered_district / "huyen" / "571.theo_phong.csv", encoding="utf-8-sig")
    keys = [phong_key(name) for name in table["Phòng, bộ phận"]]
    assert set(listed) <= set(keys)                              # each phòng of the letter has a row
    positions = [listed.index(k) for k in keys if k in listed]
    assert positions == sorted(positions) == list(range(8))      # in the letter's order, first
    others = keys[len(positions):]
    assert all(k not in listed for k in others)                  # the data's other phòng after them


def test_a_second_batch_into_the_same_folder_keeps_the_first_in_the_index(test_store, tmp_path):
    """Index = every comparable report in the folder: same date and data kept, another date dropped."""
    def run(*args):
        done = teststore.chitieu("render", "--processed", str(test_store), "--out", str(tmp_path),
                                 "--no-progress", "--workers", "1", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr
    run("--unit", "22516", "--as-of", AS_OF)
    log = run("--unit", "22519", "--as-of", AS_OF)
    assert "1 of 1 report(s) written" in log and "+1 of an earlier run" in log
    index = pd.read_csv(tmp_path / "index.csv", dtype={"unit_code": str})
    assert sorted(index["unit_code"]) == ["22516", "22519"]
    log = run("--unit", "22519", "--as-of", "2019-08-31")
    assert "1 report(s) of an earlier run" in log
    index = pd.read_csv(tmp_path / "index.csv", dtype={"unit_code": str})
    assert index["unit_code"].tolist() == ["22519"]


def test_district_chooses_its_report_then_its_communes():
    """--district: the district's report, then its communes' (those with a target), in the
    units' order; --level narrows them. Vạn Ninh and Cam Lâm have 27 communes (issue 15)."""
    units = render.load_units(DECISION)
    planned = render.plan(units, decision=render.load_decision(), districts=["571"], as_of=AS_OF,
                          processed_dir="/p", out="o")
    communes = units[(units["parent_code"] == "571") & units["target"].notna()]["unit_code"].tolist()
    assert [p.unit_code for p in planned] == ["571", *communes]
    assert [p.level for p in planned] == ["district"] + ["commune"] * len(communes)
    both = render.plan(units, decision=render.load_decision(), districts=["571", "570"],
                       level="commune", as_of=AS_OF, processed_dir="/p", out="o")
    assert len(both) == 27 and {p.district_code for p in both} == {"571", "570"}
    assert [p.job.name for p in render.plan(units, decision=render.load_decision(), districts=["571"],
                                            level="district", as_of=AS_OF, processed_dir="/p",
                                            out="o")] == ["huyen/571"]


@pytest.mark.parametrize("args, message", [
    (["--district", "22516"], "not a district code: ['22516']"),
    (["--district", "576"], "have no unit with a target"),           # Trường Sa: no target
    (["--district", "571", "--level", "department"], "--district chooses district and commune"),
    (["--district", "571", "--unit", "22516"], "not allowed with argument"),
])
def test_district_refuses_what_it_cannot_render(test_store, tmp_path, args, message):
    done = teststore.chitieu("render", "--processed", str(test_store), "--out", str(tmp_path / "o"),
                             "--no-progress", *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not (tmp_path / "o" / "index.html").exists()


def test_district_renders_its_reports_and_index(test_store, tmp_path):
    done = teststore.chitieu("render", "--processed", str(test_store), "--out", str(tmp_path),
                             "--no-progress", "--district", "575", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    units = render.load_units(DECISION)
    communes = units[(units["parent_code"] == "575") & units["target"].notna()]["unit_code"].tolist()
    index = pd.read_csv(tmp_path / "index.csv", dtype={"unit_code": str})
    assert sorted(index["unit_code"]) == sorted(["575", *communes]) and len(communes) == 8
    assert (tmp_path / "huyen" / "575.html").is_file()
    assert all((tmp_path / "xa" / f"{c}.html").is_file() for c in communes)


def test_the_district_filter_names_a_district_whose_report_is_not_listed(test_store, tmp_path):
    """Communes rendered without their district's report: the index's district filter still shows
    the district's name (found by a hostile test: it showed the code)."""
    done = teststore.chitieu("render", "--processed", str(test_store), "--out", str(tmp_path),
                             "--no-progress", "--district", "575", "--level", "commune", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    name = render.load_units(DECISION).set_index("unit_code").loc["575", "unit_name"]
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f'<option value="575">{name}</option>' in page
