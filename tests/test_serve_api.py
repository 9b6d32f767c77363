"""The JSON API of `gnbv serve` over plain HTTP, and what the server refuses."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from serve_support import as_json, multipart, request, running, upload

from gnbv_templates.cli.main import main
from gnbv_templates.serve.app import create_app
from gnbv_templates.serve.server import bind
from gnbv_templates.serve.submit import default_period, periods
from gnbv_templates.serve.uploads import MAX_FILES, MAX_REQUEST_BYTES

ROOT = Path(__file__).resolve().parents[1]
FAULTY = ROOT / "examples" / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx"
CLEAN = ROOT / "examples" / "returns" / "huyen_chi_lang_2025-H1_sach.xlsx"
DISTRICTS = ROOT / "examples" / "district_returns"
PLANTED = json.loads((ROOT / "examples" / "returns" / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running() as url:
        yield url


def test_validate_returns_findings_and_links(base: str) -> None:
    status, _, body = upload(base, "/api/validate", [FAULTY, CLEAN])
    assert status == 200
    data = as_json(body)
    first, second = data["files"]
    assert first["file"] == FAULTY.name and first["status"] == "errors" and first["unit"] == "187"
    assert first["counts"] == {"error": 8, "warning": 3, "total": 11}
    assert {(f["form"], f["cell"]) for f in first["findings"]} == {(p["form"], p["cell"]) for p in PLANTED}
    assert second["status"] == "valid" and second["findings"] == []
    status, headers, copy = request(base + first["annotated"])
    assert status == 200 and headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "huyen_chi_lang_2025-H1_co_loi_KIEM_TRA.xlsx" in headers["content-disposition"]
    assert openpyxl.load_workbook(io.BytesIO(copy)).sheetnames[0] == "Kết quả kiểm tra"
    status, _, report = request(base + first["json"])
    assert as_json(report)["file"] == FAULTY.name  # the name as sent, never the server's temporary path
    status, _, bundle = request(base + data["all"])
    assert status == 200 and len(zipfile.ZipFile(io.BytesIO(bundle)).namelist()) == 4


def test_validate_in_english(base: str) -> None:
    body, ctype = multipart({}, [("files", FAULTY.name, FAULTY.read_bytes())])
    status, _, out = request(base + "/api/validate?lang=en", data=body, content_type=ctype)
    messages = [f["message"] for f in as_json(out)["files"][0]["findings"]]
    assert status == 200 and any("exceeds" in m or "does not match" in m for m in messages)


def test_consolidate_reports_completeness_and_gives_the_return(base: str) -> None:
    files = sorted(DISTRICTS.glob("*.xlsx"))
    status, _, body = upload(base, "/api/consolidate", files, {"unit": "20", "period": "2025-H1"})
    assert status == 200, body[:300]
    data = as_json(body)
    assert [u["code"] for u in data["missing"]] == ["189"]
    assert list(data["duplicates"]) == ["181"]
    assert [r["unit"] for r in data["other_period"]] == ["184"]
    assert len(data["included"]) == 8
    status, _, book = request(base + data["download"])
    assert status == 200 and "Nguồn tổng hợp" in openpyxl.load_workbook(io.BytesIO(book)).sheetnames


def test_generate_gives_the_pack(base: str) -> None:
    payload = json.dumps({"unit": "187", "period": "2025-H1", "forms": ["B02"]}).encode()
    status, headers, body = request(base + "/api/generate", data=payload, content_type="application/json")
    assert status == 200
    assert "187_" in headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert "Biểu 02" in book.sheetnames and "Biểu 01" not in book.sheetnames


def test_generate_refuses_an_unknown_unit_in_one_sentence(base: str) -> None:
    payload = json.dumps({"unit": "99999", "period": "2025-H1"}).encode()
    status, _, body = request(base + "/api/generate", data=payload, content_type="application/json")
    assert status == 400 and "Không có đơn vị mã '99999'" in as_json(body)["error"]


def test_openapi_documents_the_three_endpoints(base: str) -> None:
    status, _, body = request(base + "/api/openapi.json")
    paths = as_json(body)["paths"]
    assert status == 200 and {"/api/validate", "/api/consolidate", "/api/generate"} <= set(paths)
    assert "summary" in paths["/api/validate"]["post"]


def _refusal(status: int, body: bytes) -> str:
    page = body.decode("utf-8")
    assert "Traceback" not in page and 'File "' not in page
    start = page.index('id="error-message">') + len('id="error-message">')
    return page[start : page.index("</p>", start)]


def test_a_zip_bomb_is_refused_with_a_page(base: str) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xlsx", b"\0" * (20 * 1024 * 1024))
    status, _, body = upload(base, "/kiem-tra", [("bom.zip", bomb.getvalue())])
    assert status == 400
    assert "tỷ lệ nén bất thường" in _refusal(status, body)


def test_a_zip_that_lies_about_its_sizes_is_refused(base: str) -> None:
    honest = io.BytesIO()
    with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xlsx", b"\0" * 200_000)
    data = bytearray(honest.getvalue())
    # shrink the declared uncompressed size in the central directory: the content is more than it claims
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    status, _, body = upload(base, "/kiem-tra", [("noi_doi.zip", bytes(data))])
    assert status == 400 and "không mở" in _refusal(status, body)


def test_a_program_is_not_taken(base: str) -> None:
    status, _, body = upload(base, "/kiem-tra", [("chay.exe", b"MZ\0\0")])
    assert status == 400 and "không phải biểu Excel" in _refusal(status, body)


def test_an_html_page_named_xlsx_is_refused_by_the_reader_and_never_served_back(base: str) -> None:
    evil = b"<script>alert(1)</script>"
    status, headers, body = upload(base, "/api/validate", [('<img src=x onerror=alert(1)>.xlsx', evil)])
    data = as_json(body)["files"][0]
    assert status == 200 and data["status"] == "unreadable" and data["message"]
    assert data["annotated"] is None and data["json"] is None
    location = _location(base, "/kiem-tra", [('<img src=x onerror=alert(1)>.xlsx', evil)])
    page = _finished(base, location)
    assert b"<img src=x" not in page and b"&lt;img src=x onerror=alert(1)&gt;.xlsx" in page
    assert "script-src" in headers["content-security-policy"] or "default-src 'self'" in headers[
        "content-security-policy"]


def _finished(base: str, location: str) -> bytes:
    for _ in range(600):
        _, _, page = request(base + location)
        if b'id="progress"' not in page:
            return page
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def _location(base: str, path: str, files: list) -> str:
    status, headers, _ = upload(base, path, files)
    assert status == 303
    return headers["location"]


def test_too_many_files_are_refused(base: str) -> None:
    files = [(f"{i}.xlsx", b"x") for i in range(MAX_FILES + 1)]
    status, _, body = upload(base, "/kiem-tra", files)
    assert status == 400 and "Quá nhiều tệp" in _refusal(status, body)


def test_a_post_from_another_site_is_refused(base: str) -> None:
    body, ctype = multipart({}, [("files", FAULTY.name, FAULTY.read_bytes())])
    status, _, page = request(base + "/kiem-tra", data=body, content_type=ctype,
                              headers={"Origin": "http://evil.example"})
    assert status == 403 and "trang khác" in _refusal(status, page)


def test_a_foreign_host_name_is_refused_on_this_computer(base: str) -> None:
    status, _, _ = request(base + "/kiem-tra", headers={"Host": "evil.example"})
    assert status == 400


def test_unknown_page_and_result_are_pages_not_errors(base: str) -> None:
    status, _, body = request(base + "/kiem-tra/khong-co")
    assert status == 404 and "hết hạn" in _refusal(status, body)


def test_uploads_are_removed_once_checked_and_everything_when_the_server_stops() -> None:
    apps: list = []
    with running(apps) as url:
        status, _, body = upload(url, "/api/validate", [FAULTY])
        assert status == 200
        root = apps[0].state.root
        job = root / as_json(body)["job"]
        assert (job / "ket_qua").is_dir() and not (job / "bieu_nhan").exists()
        assert not list(root.rglob("*co_loi.xlsx"))  # the upload is gone; its annotated copy is kept as 001.xlsx
    assert not root.exists()


def test_uploads_are_removed_when_the_server_stops() -> None:
    app = create_app()
    root = app.state.root
    assert root.is_dir()
    app.state.jobs.close()
    assert not root.exists()


def test_serving_the_network_needs_a_token() -> None:
    with running(token="ma-bi-mat", local=False) as url:
        status, headers, _ = request(url + "/kiem-tra")
        assert status == 303 and headers["location"].startswith("/dang-nhap")
        status, _, _ = request(url + "/api/openapi.json")
        assert status == 401
        status, _, _ = request(url + "/api/openapi.json", headers={"Authorization": "Bearer ma-bi-mat"})
        assert status == 200
        status, headers, _ = request(url + "/kiem-tra?token=ma-bi-mat")
        assert status == 303 and "gnbv_access=ma-bi-mat" in headers["set-cookie"]
        status, _, _ = request(url + "/api/openapi.json", headers={"Authorization": "Bearer sai"})
        assert status == 401
    with pytest.raises(Exception, match="mã truy cập"):
        create_app(local=False)


def test_periods_offered() -> None:
    import datetime as dt

    assert default_period(dt.date(2026, 11, 23)) == "2026-H1"
    assert default_period(dt.date(2026, 3, 1)) == "2025"
    codes = [code for code, _ in periods("vi", dt.date(2026, 11, 23))]
    assert "2025-H1" in codes and "2027" in codes


def _start(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "gnbv_templates", "serve", "--port", "0", "--no-browser", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline()


def test_the_command_says_where_it_serves_and_serves_there() -> None:
    proc, line = _start()
    try:
        assert line.startswith("Đang chạy tại http://127.0.0.1:") and "chỉ máy này" in line
        url = re.search(r"http://\S+/", line).group(0)
        status, _, page = request(url + "kiem-tra")
        assert status == 200 and "Kiểm tra biểu đơn vị gửi lên" in page.decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0


def test_the_command_opens_the_browser_at_its_page(tmp_path) -> None:
    seen = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {seen}\n', encoding="utf-8")
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser)}
    proc = subprocess.Popen([sys.executable, "-m", "gnbv_templates", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = re.search(r"http://\S+/", proc.stdout.readline()).group(0)
        for _ in range(200):
            if seen.exists() and seen.read_text(encoding="utf-8").strip():
                break
            time.sleep(0.05)
        assert seen.read_text(encoding="utf-8").strip() == url
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_the_command_on_the_network_prints_an_access_code() -> None:
    proc, line = _start("--host", "0.0.0.0")
    try:
        assert "cần mã truy cập" in line
        code = line.rsplit(" ", 1)[-1].strip()
        assert len(code) >= 10
        port = re.search(r":(\d+)/", line).group(1)
        status, _, _ = request(f"http://127.0.0.1:{port}/api/openapi.json")
        assert status == 401
        status, _, _ = request(f"http://127.0.0.1:{port}/api/openapi.json", headers={"Authorization": f"Bearer {code}"})
        assert status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_a_busy_port_is_one_sentence_and_exit_code_4(capsys) -> None:
    taken = bind("127.0.0.1", 0)
    try:
        port = str(taken.getsockname()[1])
        assert main(["serve", "--port", port, "--no-browser"]) == 4
        assert f"Không mở được cổng {port} trên 127.0.0.1" in capsys.readouterr().err
    finally:
        taken.close()


def test_an_upload_over_the_cap_is_refused_before_it_is_read(base: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/kiem-tra")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(MAX_REQUEST_BYTES + 1))
    connection.endheaders(b"--x\r\n")
    response = connection.getresponse()
    body = response.read()
    assert response.status == 413 and "quá lớn" in _refusal(response.status, body)


def test_a_streamed_upload_over_the_cap_is_cut_off() -> None:
    with running(max_request_bytes=1024 * 1024) as url:
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        head = b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.xlsx"\r\n\r\n'
        chunks = [head] + [b"\0" * 65536] * 40  # 2.5 MB without a Content-Length: counted as it comes
        connection.request("POST", "/kiem-tra", body=iter(chunks), encode_chunked=True,
                           headers={"Content-Type": "multipart/form-data; boundary=x"})
        response = connection.getresponse()
        assert response.status == 413 and "quá lớn (tối đa 1 MB" in _refusal(response.status, response.read())


def test_an_unexpected_failure_is_one_sentence_not_a_trace(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("gnbv_templates.serve.pages.generate", broken)
    with running() as url:
        body = urllib.parse.urlencode({"unit": "187", "period": "2025-H1"}).encode()
        status, _, page = request(url + "/sinh-bieu", data=body, content_type="application/x-www-form-urlencoded")
    assert status == 500
    assert _refusal(status, page) == "Có lỗi bất ngờ khi xử lý yêu cầu; hãy thử lại."
    assert b"secret internal detail" not in page and b"RuntimeError" not in page


def test_without_a_screen_the_command_says_to_open_the_address() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    proc = subprocess.Popen([sys.executable, "-m", "gnbv_templates", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("Đang chạy tại http://127.0.0.1:")
        assert "hãy mở địa chỉ trên bằng trình duyệt" in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
