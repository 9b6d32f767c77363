"""`gnbv serve` in a real browser: Debian's chromium, headless, driven by selenium.

A new user's path: validate the bundled faulty return and download its annotated copy, consolidate the
bundled district returns, generate a pack; a hostile upload ends on a one-sentence Vietnamese page.
Screenshots of every page go to tests/output/serve/ (or $GNBV_TEST_OUTPUT) to be looked at.
"""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from serve_support import running

ROOT = Path(__file__).resolve().parents[1]
FAULTY = ROOT / "examples" / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx"
PLANTED = json.loads((ROOT / "examples" / "returns" / "planted.json").read_text(encoding="utf-8"))
VN_NUMBER = re.compile(r"\b\d{1,3}(?:\.\d{3})+,\d+\b")  # 2.786.024.060,89
CLEAN = ROOT / "examples" / "returns" / "huyen_chi_lang_2025-H1_sach.xlsx"
DISTRICTS = ROOT / "examples" / "district_returns"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SHOTS = Path(os.environ.get("GNBV_TEST_OUTPUT", ROOT / "tests" / "output")) / "serve"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running() as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), "run scripts/install-test-deps (chromium)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--lang=vi-VN", "--disable-gpu"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False,
    })
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def shot(driver: webdriver.Chrome, name: str) -> Path:
    """A screenshot of the whole page (the window stretched to the page's height)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height) + 40, 700), 6000))
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    assert path.stat().st_size > 5000
    return path


def wait_for(driver: webdriver.Chrome, css: str, timeout: float = 240) -> None:
    WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def downloaded(folder: Path, suffix: str, before: set[Path], timeout: float = 60) -> Path:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        new = [p for p in folder.iterdir() if p not in before and p.suffix == suffix]
        if new and not list(folder.glob("*.crdownload")):
            return new[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {sorted(p.name for p in folder.iterdir())}")


def test_validate_the_faulty_return_and_download_its_annotated_copy(browser, base, downloads) -> None:
    browser.get(f"{base}/kiem-tra")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Kiểm tra biểu đơn vị gửi lên"
    assert "Kéo thả tệp vào đây" in browser.page_source
    shot(browser, "1_kiem_tra")
    browser.find_element(By.ID, "files").send_keys(str(FAULTY))
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, "#summary", timeout=120)
    row = browser.find_element(By.CSS_SELECTOR, "tr.file-row")
    assert row.get_attribute("data-status") == "errors"
    assert "Huyện Chi Lăng (187)" in row.text and "2025-H1" in row.text and "Có lỗi" in row.text
    findings = browser.find_elements(By.CSS_SELECTOR, "tr.finding")
    assert len(findings) == len(PLANTED) == 11
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.finding.error")) == 8
    seen = {(r.find_elements(By.TAG_NAME, "td")[2].text, r.find_element(By.CSS_SELECTOR, "td.cell").text)
            for r in findings}
    assert seen == {(p["form"], p["cell"]) for p in PLANTED}
    text = browser.find_element(By.CSS_SELECTOR, ".findings-table").text
    assert VN_NUMBER.search(text) and "Lỗi" in text and "Cảnh báo" in text
    bases = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "td.basis")]
    assert any(b.startswith("Ô tính (công thức)") for b in bases)  # kinds named in Vietnamese
    assert any(b.startswith("Luật kiểm tra: ") for b in bases)  # a rule with its basis
    shot(browser, "2_kiem_tra_ket_qua")

    before = set(downloads.iterdir())
    browser.find_element(By.CSS_SELECTOR, "a.dl-xlsx").click()
    copy = downloaded(downloads, ".xlsx", before)
    assert copy.name == "huyen_chi_lang_2025-H1_co_loi_KIEM_TRA.xlsx"
    book = openpyxl.load_workbook(copy)
    sheet = book.worksheets[0]
    assert sheet.title == "Kết quả kiểm tra"
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("Huyện Chi Lăng" in v for v in cells)
    assert sum(1 for v in cells if v in ("Lỗi", "Cảnh báo")) >= len(PLANTED)
    assert book["Biểu 02"]["D14"].comment is not None  # the offending cell is marked in the copy

    before = set(downloads.iterdir())
    browser.find_element(By.CSS_SELECTOR, "a.dl-json").click()
    report = downloaded(downloads, ".json", before)
    assert '"unit": "187"' in report.read_text(encoding="utf-8")


def test_validate_a_zip_of_returns_with_progress_and_all_results_as_zip(browser, base, downloads, tmp_path) -> None:
    archive = tmp_path / "bieu_nhan.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FAULTY, "huyen/co_loi.xlsx")
        zf.write(CLEAN, "huyen/sach.xlsx")
        zf.writestr("doc_truoc.txt", "không phải biểu")
    browser.get(f"{base}/kiem-tra")
    browser.find_element(By.ID, "files").send_keys(str(archive))
    browser.find_element(By.ID, "submit").click()
    # the progress page comes first (the second file is still being checked), then the results
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "progress") or d.find_elements(By.ID, "summary"))
    if browser.find_elements(By.ID, "progress"):
        assert "Đang xử lý" in browser.find_element(By.ID, "progress-text").text
        shot(browser, "3_kiem_tra_dang_chay")
    wait_for(browser, "#summary")
    statuses = [r.get_attribute("data-status") for r in browser.find_elements(By.CSS_SELECTOR, "tr.file-row")]
    assert statuses == ["errors", "valid"]
    assert "doc_truoc.txt" in browser.find_element(By.ID, "summary").text  # said to be skipped
    assert "Không có lỗi hay cảnh báo nào." in browser.page_source
    shot(browser, "4_kiem_tra_nhieu_tep")
    before = set(downloads.iterdir())
    browser.find_element(By.ID, "download-all").click()
    bundle = downloaded(downloads, ".zip", before)
    with zipfile.ZipFile(bundle) as zf:
        assert sorted(zf.namelist()) == ["co_loi_KIEM_TRA.json", "co_loi_KIEM_TRA.xlsx", "sach_KIEM_TRA.json",
                                         "sach_KIEM_TRA.xlsx"]


def test_consolidate_the_district_returns(browser, base, downloads) -> None:
    browser.get(f"{base}/tong-hop")
    Select(browser.find_element(By.ID, "unit")).select_by_value("20")
    Select(browser.find_element(By.ID, "period")).select_by_value("2025-H1")
    shot(browser, "5_tong_hop")
    files = sorted(DISTRICTS.glob("*.xlsx"))
    browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in files))
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, "#completeness", timeout=600)
    rows = {r.get_attribute("data-unit"): r.get_attribute("data-status")
            for r in browser.find_elements(By.CSS_SELECTOR, "tr.unit-row")}
    assert rows["189"] == "missing" and rows["182"] == "errors" and rows["178"] == "valid"
    assert "Huyện Đình Lập" in browser.find_element(By.ID, "missing").text
    assert "Huyện Bình Gia" in browser.find_element(By.ID, "duplicates").text
    assert "184_Huyện_Văn_Quan_2025.xlsx" in browser.find_element(By.ID, "other-period").text
    shot(browser, "6_tong_hop_ket_qua")
    before = set(downloads.iterdir())
    browser.find_element(By.ID, "download-consolidated").click()
    total = downloaded(downloads, ".xlsx", before)
    book = openpyxl.load_workbook(total)
    assert "Nguồn tổng hợp" in book.sheetnames
    sources = " ".join(str(c.value) for row in book["Nguồn tổng hợp"].iter_rows() for c in row if c.value)
    assert "Huyện Chi Lăng" in sources and "Huyện Đình Lập" in sources


def test_generate_a_pack_and_the_packs_below(browser, base, downloads) -> None:
    browser.get(f"{base}/sinh-bieu")
    Select(browser.find_element(By.ID, "unit")).select_by_value("187")
    Select(browser.find_element(By.ID, "period")).select_by_value("2025-H1")
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name=forms]"):
        if box.get_attribute("value") not in ("B01", "B02"):
            box.click()
    shot(browser, "7_sinh_bieu")
    before = set(downloads.iterdir())
    browser.find_element(By.ID, "generate-one").click()
    pack = downloaded(downloads, ".xlsx", before)
    assert pack.name == "187_Huyện_Chi_Lăng_2025-H1.xlsx"
    book = openpyxl.load_workbook(pack)
    assert [s for s in book.sheetnames if not s.startswith("_")] == ["Biểu 01", "Biểu 02"]
    assert any("Huyện Chi Lăng" in str(c.value) for row in book["Biểu 02"].iter_rows(max_row=8) for c in row)

    before = set(downloads.iterdir())
    browser.find_element(By.ID, "generate-children").click()  # 187 has one commune below it
    bundle = downloaded(downloads, ".zip", before)
    with zipfile.ZipFile(bundle) as zf:
        assert zf.namelist() == ["06580_Xã_Bằng_Mạc_2025-H1.xlsx"]


def test_a_hostile_upload_is_refused_with_one_vietnamese_sentence(browser, base, tmp_path) -> None:
    bomb = tmp_path / "bom.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bieu.xlsx", b"\0" * (40 * 1024 * 1024))  # 40 MB of zeros: a ratio of about 1000
    browser.get(f"{base}/kiem-tra")
    browser.find_element(By.ID, "files").send_keys(str(bomb))
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, "#error-message")
    message = browser.find_element(By.ID, "error-message").text
    assert "tỷ lệ nén bất thường" in message and "không mở" in message
    assert "Traceback" not in browser.page_source and "File \"" not in browser.page_source
    shot(browser, "8_tu_choi_tep_nen")

    program = tmp_path / "chay_thu.exe"
    program.write_bytes(b"MZ" + b"\0" * 100)
    browser.get(f"{base}/kiem-tra")
    browser.find_element(By.ID, "files").send_keys(str(program))
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, "#error-message")
    assert "không phải biểu Excel" in browser.find_element(By.ID, "error-message").text

    fake = tmp_path / "gia.xlsx"  # a workbook in name only: checked like any return, refused by the reader
    fake.write_bytes(b"<html>not a workbook</html>")
    browser.get(f"{base}/kiem-tra")
    browser.find_element(By.ID, "files").send_keys(str(fake))
    browser.find_element(By.ID, "submit").click()
    wait_for(browser, "#summary")
    assert browser.find_element(By.CSS_SELECTOR, "tr.file-row").get_attribute("data-status") == "unreadable"
    assert browser.find_element(By.CSS_SELECTOR, ".file-message").text.strip()
    shot(browser, "9_tep_khong_doc_duoc")


def test_english_switch(browser, base) -> None:
    browser.get(f"{base}/kiem-tra")
    browser.find_element(By.ID, "lang-switch").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Validate returned workbooks"
    browser.get(f"{base}/tong-hop")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Consolidate the returns of the units below"
    shot(browser, "10_english")
    browser.find_element(By.ID, "lang-switch").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Tổng hợp biểu của các đơn vị cấp dưới"


def test_api_page_lists_the_endpoints(browser, base) -> None:
    browser.get(f"{base}/api")
    text = browser.find_element(By.TAG_NAME, "main").text
    for endpoint in ("POST /api/validate", "POST /api/consolidate", "POST /api/generate"):
        assert endpoint in text
    shot(browser, "11_api")


def test_a_new_user_can_try_the_bundled_samples_without_a_file(browser, base) -> None:
    browser.get(f"{base}/kiem-tra")
    browser.find_element(By.ID, "sample").click()
    wait_for(browser, "#summary", timeout=120)
    assert browser.find_element(By.CSS_SELECTOR, "tr.file-row").get_attribute("data-status") == "errors"
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.finding")) == len(PLANTED)
    browser.get(f"{base}/tong-hop")
    assert "Tỉnh Lạng Sơn, 2025-H1" in browser.find_element(By.ID, "sample-form").text
    browser.find_element(By.ID, "sample").click()
    wait_for(browser, "#completeness", timeout=600)
    assert "Huyện Đình Lập" in browser.find_element(By.ID, "missing").text
    shot(browser, "12_tong_hop_du_lieu_mau")
