"""The rendered pages in a real headless Chromium, from disk (file://), offline.

Skipped only when no Chromium is installed (.ci/run installs Debian's `chromium`).
"""

import shutil
from pathlib import Path

import pytest

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                 if p and Path(p).is_file()), None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium); "
                                                          "browser test skipped")]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems, requests


def test_district_report_in_chromium(browser, rendered_district):
    page, problems, requests = _open(browser, rendered_district / "huyen" / "571.html")
    assert problems == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
    assert len(images) >= 3
    assert all(done and width > 0 for done, width in images), images
    headings = page.eval_on_selector_all("h1, h2", "els => els.map(e => e.textContent.trim())")
    assert any(h.startswith("Báo cáo cấp huyện") for h in headings)
    assert "1. Kết quả của UBND huyện" in headings and "4. Các xã, thị trấn" in headings
    assert page.evaluate("document.documentElement.lang") == "vi"
    page.screenshot(path=str(rendered_district / "huyen" / "571.png"), full_page=True)
    assert (rendered_district / "huyen" / "571.png").stat().st_size > 10_000


def test_index_in_chromium_sorts_and_links(browser, rendered_district):
    page, problems, requests = _open(browser, rendered_district / "index.html")
    assert problems == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert "Báo cáo chỉ tiêu hồ sơ trực tuyến" in page.text_content("h1")
    codes = lambda: page.eval_on_selector_all("tbody tr td:nth-child(2)", "els => els.map(e => e.textContent)")  # noqa: E731
    assert codes() == ["571"]
    page.click("th:nth-child(6)")  # sort by rate: the inline script runs without error
    assert page.get_attribute("th:nth-child(6)", "data-dir") == "asc"
    page.click("text=Xem báo cáo")
    page.wait_for_load_state("load")
    assert page.url.endswith("huyen/571.html")
    assert problems == []
    page.screenshot(path=str(rendered_district / "index.png"), full_page=True)


def test_index_filter_finds_one_commune(browser, meeting_pack):
    page, problems, _ = _open(browser, meeting_pack / "index.html")
    visible = lambda: page.eval_on_selector_all(  # noqa: E731
        "tbody tr", "els => els.filter(e => e.style.display !== 'none').map(e => e.dataset.code)")
    assert sorted(visible()) == ["22516", "571"]
    page.fill("#f-name", "van thang")            # typed without accents: still found
    assert visible() == ["22516"]
    assert page.text_content("#f-count") == "1"
    page.fill("#f-name", "")
    page.select_option("#f-level", "district")
    assert visible() == ["571"]
    assert problems == []


def test_district_pdf_prints_on_a4_with_its_headings(browser, meeting_pack, tmp_path):
    import subprocess

    from chitieu_lib.pdf import print_pdfs

    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    html = meeting_pack / "huyen" / "571.html"
    (pdf,) = print_pdfs([(html, "Huyện Vạn Ninh")], "2019-09-30", log=lambda *_: None, browser=browser)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
    size = next(ln for ln in info.splitlines() if ln.startswith("Page size:")).split()
    assert size[-1] == "(A4)" and float(size[2]) < float(size[4])     # A4, portrait
    # the district's content: headline, change section, phòng, procedures, communes (table + heatmap),
    # data quality — more than a few pages, and every page renders
    assert 4 <= pages <= 14, pages
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == pages
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for heading in ("Báo cáo cấp huyện", "Thay đổi từ ngày 31/07/2019", "Các xã, thị trấn", "Chất lượng dữ liệu"):
        assert heading in text, heading
    assert f"Trang 1 / {pages}" in text and "Số liệu đến ngày 30/09/2019" in text
