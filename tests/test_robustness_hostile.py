"""Hostile and foreign files: refused quickly with one Vietnamese line, or read without acting on them.

Each test is one row of docs/robustness.md.  Every file is built here, in a tmp directory, from the
bundled clean return.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import corpus as C
import openpyxl
import pytest

from gnbv_templates.errors import OutputError, UnreadableFile
from gnbv_templates.findings import make
from gnbv_templates.outputs import atomic_path, safe_name
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.report.validate import validate

HANG_GUARD = 120  # seconds: only a hang is slower than this


def refused(path: Path, catalog, reason: str) -> UnreadableFile:
    before = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    with pytest.raises(UnreadableFile) as caught:
        validate(path, catalog=catalog)
    if before is not None:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the input is never changed
    error = caught.value
    assert error.reason == reason, (error.reason, error.message)
    assert "\n" not in error.message and error.message.strip() == error.message
    return error


def cli(*args: str, timeout: int = HANG_GUARD) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gnbv_templates.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def one_line_exit_2(path: Path) -> str:
    done = cli("validate", str(path))
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


# -- not a workbook ---------------------------------------------------------------------------------------------
def test_plain_text_pdf_and_random_bytes_are_not_workbooks(tmp_path, catalog):
    pdf = tmp_path / "bao_cao.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(2000))
    assert "không phải bảng tính" in refused(pdf, catalog, "not-zip").message
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(os.urandom(5000).replace(b"PK", b"pk"))
    refused(noise, catalog, "not-zip")


def test_html_or_csv_saved_as_xls_is_told_to_resave(tmp_path, catalog):
    html = tmp_path / "xuat_tu_phan_mem.xls"
    html.write_text("<html><body><table><tr><td>Số hộ</td><td>12</td></tr></table></body></html>", encoding="utf-8")
    assert "lưu lại dạng .xlsx" in refused(html, catalog, "text-file").message
    csv = tmp_path / "bieu.xlsx"
    csv.write_text("Mã;Chỉ tiêu;Số lượng\n01;Tổng số hộ;7711\n", encoding="utf-8")
    refused(csv, catalog, "text-file")


def test_empty_file_directory_and_missing_file(tmp_path, catalog):
    empty = tmp_path / "rong.xlsx"
    empty.write_bytes(b"")
    refused(empty, catalog, "empty")
    refused(tmp_path, catalog, "directory")
    refused(tmp_path / "khong_co.xlsx", catalog, "not-found")


def test_file_over_50_mb_is_refused_unread(tmp_path, catalog):
    big = tmp_path / "qua_lon.xlsx"
    with big.open("wb") as handle:  # sparse: 51 MB claimed, nothing written past the zip signature
        handle.write(b"PK\x03\x04")
        handle.truncate(51 * 1024 * 1024)
    assert "tối đa 50 MB" in refused(big, catalog, "too-large").message


def test_a_file_that_cannot_be_opened(tmp_path, catalog, monkeypatch):
    locked = tmp_path / "khoa.xlsx"
    locked.write_bytes(C.CLEAN.read_bytes())
    real_open = os.open

    def denied(path, *args, **kwargs):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)  # tests run as root: chmod would not stop the read
    with pytest.raises(UnreadableFile) as caught:
        validate(locked, catalog=catalog)
    assert caught.value.reason == "os-error"
    assert caught.value.message == "Không mở được tệp khoa.xlsx: không có quyền truy cập."  # in Vietnamese, all of it


def test_running_out_of_memory_or_recursion_is_a_refusal(catalog, monkeypatch):
    import importlib

    pipeline_module = importlib.import_module("gnbv_templates.check.pipeline")

    def exhausted(self, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pipeline_module.Pipeline, "run", exhausted)
    refused(C.CLEAN, catalog, "too-complex")


def test_a_pipe_is_refused_without_blocking(tmp_path, catalog):
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    started = time.monotonic()
    refused(fifo, catalog, "not-a-file")  # opening a pipe with no writer would block for ever
    assert time.monotonic() - started < HANG_GUARD


@pytest.mark.parametrize("keep", [0.02, 0.5, 0.9, 0.999])
def test_truncated_zip(tmp_path, catalog, keep):
    data = C.CLEAN.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: int(len(data) * keep)])
    refused(cut, catalog, "bad-zip")


def test_zip_that_is_not_a_workbook(tmp_path, catalog):
    other = C.write_zip(tmp_path / "anh.xlsx", [("photo.jpg", os.urandom(1000)), ("readme.txt", b"hello")])
    refused(other, catalog, "foreign-zip")
    odt = C.write_zip(tmp_path / "van_ban.ods", [("mimetype", b"application/vnd.oasis.opendocument.text"),
                                                 ("content.xml", b"<a/>")])
    refused(odt, catalog, "foreign-zip")


# -- other formats: distinct messages that say what to do ---------------------------------------------------------
def test_encrypted_workbook_asks_to_remove_the_password(tmp_path, catalog):
    error = refused(C.encrypted_xlsx(tmp_path / "co_mat_khau.xlsx"), catalog, "encrypted")
    assert "bỏ mật khẩu" in error.message and "Excel 97" not in error.message
    assert "remove the password" in error.english


def test_xls_asks_to_resave_as_xlsx(tmp_path, catalog):
    error = refused(C.fake_xls(tmp_path / "bieu.xls"), catalog, "xls")
    assert "Excel 97–2003 (.xls)" in error.message and "lưu lại dạng .xlsx" in error.message
    assert "mật khẩu" not in error.message


def test_other_ole_document_and_unknown_ole(tmp_path, catalog):
    refused(C.fake_doc(tmp_path / "van_ban.xlsx"), catalog, "foreign-ole")
    broken = tmp_path / "ole.xlsx"
    broken.write_bytes(C.ole_file({"Workbook": b"x"})[:700])  # directory cut off
    assert "mật khẩu" in refused(broken, catalog, "ole").message  # cannot tell: both remedies are named


def test_xlsb_asks_to_resave(tmp_path, catalog):
    assert "lưu lại dạng .xlsx" in refused(C.xlsb(tmp_path / "bieu.xlsb"), catalog, "xlsb").message


def test_encrypted_ods_and_zip_entries(tmp_path, catalog):
    refused(C.encrypted_ods(tmp_path / "bieu.ods"), catalog, "encrypted")
    plain = C.entries(C.CLEAN)
    raw = bytearray(C.write_zip(tmp_path / "zc.xlsx", plain.items()).read_bytes())
    at = raw.find(b"PK\x01\x02")  # mark the first entry as encrypted, as zip tools with a password do
    raw[at + 8] |= 1
    raw[raw.find(b"PK\x03\x04") + 6] |= 1
    locked = tmp_path / "zip_pw.xlsx"
    locked.write_bytes(bytes(raw))
    refused(locked, catalog, "encrypted")


# -- bombs ---------------------------------------------------------------------------------------------------------
_PEAK = """
import resource, sys
from gnbv_templates.errors import UnreadableFile
from gnbv_templates.report.validate import validate
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.rules import load_rules
catalog, rules = load_catalog(), load_rules()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    validate(sys.argv[1], catalog=catalog, rules=rules)
    reason = "read"
except UnreadableFile as exc:
    reason = exc.reason
print(reason, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def peak_mb(path: Path) -> tuple[str, int]:
    """Validate in a fresh process: (refusal reason or "read", how many MB its peak memory grew)."""
    done = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True,
                          timeout=HANG_GUARD)
    assert done.returncode == 0, done.stderr
    reason, grown = done.stdout.split()
    return reason, int(grown)


def test_zip_bomb_by_ratio_is_refused_before_decompressing(tmp_path, catalog):
    bomb = C.zip_bomb_ratio(tmp_path / "bomb.xlsx")
    assert "bom nén" in refused(bomb, catalog, "zip-bomb").message
    assert peak_mb(bomb) < ("zip-bomb", 40)  # the 60 MB inside were never inflated


def test_zip_bomb_by_declared_total_and_by_entry_count(tmp_path, catalog):
    assert "quá lớn khi giải nén" in refused(C.zip_bomb_declared(tmp_path / "d.xlsx"), catalog, "zip-bomb").message
    assert "quá nhiều thành phần" in refused(C.zip_bomb_entries(tmp_path / "n.xlsx"), catalog, "zip-bomb").message


def test_duplicate_zip_entries_are_refused(tmp_path, catalog):
    parts = list(C.entries(C.CLEAN).items())
    sheet = C.sheet_part(C.CLEAN, "Biểu 02")
    twice = C.write_zip(tmp_path / "dup.xlsx", [*parts, (sheet, b"<worksheet/>")])
    assert "trùng tên" in refused(twice, catalog, "bad-zip").message


def test_defusedxml_protects_openpyxl():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("where", ["xl/sharedStrings.xml", "sheet", "xl/workbook.xml", "[Content_Types].xml"])
def test_billion_laughs_is_refused(tmp_path, catalog, where):
    part = C.sheet_part(C.CLEAN, "Biểu 02") if where == "sheet" else where
    bomb = C.xml_bomb(C.CLEAN, tmp_path / "lol.xlsx", part)
    started = time.monotonic()
    assert "DTD" in refused(bomb, catalog, "xml-dtd").message
    assert time.monotonic() - started < HANG_GUARD


def test_billion_laughs_in_utf16_is_refused(tmp_path, catalog):
    refused(C.utf16_bomb(C.CLEAN, tmp_path / "lol16.xlsx", "xl/sharedStrings.xml"), catalog, "xml-dtd")


def test_annotating_never_parses_a_dtd_either(tmp_path, catalog):
    """openpyxl (used to write the annotated copy) refuses entities on its own, through defusedxml."""
    from defusedxml import DefusedXmlException

    bomb = C.xml_bomb(C.CLEAN, tmp_path / "lol.xlsx", "xl/sharedStrings.xml")
    with pytest.raises((DefusedXmlException, ValueError)):
        openpyxl.load_workbook(bomb)


# -- a value far away, formatting far away -------------------------------------------------------------------------
def test_a_value_at_the_last_cell_of_the_sheet_is_refused_not_allocated(tmp_path, catalog):
    far = C.add_cell_xml(C.CLEAN, tmp_path / "far.xlsx", "Biểu 02", '<c r="XFD1048576"><v>1</v></c>', 1048576)
    error = refused(far, catalog, "far-cells")  # reading it would ask for 17 billion cells and abort
    assert "XFD1048576" in error.message and "Biểu 02" in error.message


def test_a_blank_string_a_million_rows_down_is_refused(tmp_path, catalog):
    cell = '<c r="T1048576" t="inlineStr"><is><t></t></is></c>'
    refused(C.add_cell_xml(C.CLEAN, tmp_path / "t.xlsx", "Biểu 05", cell, 1048576), catalog, "far-cells")


@pytest.mark.parametrize("cell", ["<x:c r=\"XFD999\"><x:v>1</x:v></x:c>", "<c r='XFD999'><v>1</v></c>",
                                  "<c r=\"&#88;FD999\"><v>1</v></c>", "<c r=\"xfd999\"><v>1</v></c>"])
def test_far_cells_written_oddly_are_found_too(tmp_path, catalog, cell):
    refused(C.add_cell_xml(C.CLEAN, tmp_path / "odd.xlsx", "Biểu 03", cell, 999), catalog, "far-cells")


def test_the_metadata_sheet_is_guarded_as_well(tmp_path, catalog):
    far = C.add_cell_xml(C.CLEAN, tmp_path / "m.xlsx", "_gnbv_meta", '<c r="ZZ999999"><v>1</v></c>', 999999)
    refused(far, catalog, "far-cells")


@pytest.mark.parametrize(("cell", "dimension"), [
    ("", "A1:XFD1048576"),  # only the <dimension> claims the whole sheet
    ('<c r="A1048576" s="1"/><c r="XFD1048576" s="1"/>', None),  # formatting carried to the last cell
    ('<c r="T1048576" s="1"></c>', "A1:T1048576"),
])
def test_a_million_rows_claimed_or_formatted_are_read_normally(tmp_path, catalog, cell, dimension):
    styled = C.add_cell_xml(C.CLEAN, tmp_path / "style.xlsx", "Biểu 02", cell, 1048576, dimension=dimension)
    started = time.monotonic()
    assert validate(styled, catalog=catalog).findings == []  # no false findings
    assert time.monotonic() - started < HANG_GUARD
    assert peak_mb(styled)[1] < 60  # python-calamine skips cells without a value: nothing allocated for them


def test_ods_with_a_repeated_value_block_is_refused(tmp_path, catalog):
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               b'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               b'<table:table table:name="S"><table:table-row table:number-rows-repeated="50000">'
               b'<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000">'
               b"<text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>"
               b"</office:body></office:document-content>")
    ods = C.write_zip(tmp_path / "rep.ods", [("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                                             ("content.xml", content)])
    refused(ods, catalog, "far-cells")  # 50 million cells: python-calamine would try to allocate 2 GB


# -- read, never acted on -------------------------------------------------------------------------------------------
def test_macros_are_reported_never_run_and_never_kept(tmp_path, catalog):
    xlsm = C.with_macros(C.CLEAN, tmp_path / "bieu.xlsm")
    report = validate(xlsm, catalog=catalog)
    assert [f.code for f in report.findings] == ["file.macros"] and report.exit_code == 0
    out = report.annotate(tmp_path / "kiem_tra.xlsx")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        types = archive.read("[Content_Types].xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    assert not [n for n in names if "vba" in n.lower()]
    assert b"macroEnabled" not in types and b"vbaProject" not in types + rels
    assert b"spreadsheetml.sheet.main+xml" in types
    assert validate(out, catalog=catalog).by_code("file.macros") == []


def test_external_links_are_reported_not_followed_and_dropped(tmp_path, catalog):
    linked = C.with_external_link(C.CLEAN, tmp_path / "lien_ket.xlsx", target="file:///C:/bi_mat/khac.xlsx")
    # a formula in an input cell reading the other file: never opened, and an error (it reaches outside)
    linked = C.replace_cell(linked, tmp_path / "lien_ket2.xlsx", "Biểu 11", "E13", "<f>[1]Sheet1!A1</f><v>193</v>")
    report = validate(linked, catalog=catalog)
    assert sorted(f.code for f in report.findings) == ["file.external-links", "value.formula-unsafe"]
    assert report.by_code("file.external-links")[0].value == 1
    out = report.annotate(tmp_path / "kiem_tra.xlsx")
    with zipfile.ZipFile(out) as archive:
        assert not [n for n in archive.namelist() if "externalLink" in n]
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert b"bi_mat" not in everything and b'TargetMode="External"' not in everything


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x.invalid\",\"bấm\")", "+84 (912) 000", "-2+3",
                                  "@SUM(A1:A9)", "=cmd|' /C calc'!A0"])
def test_cell_text_echoed_in_results_stays_text(tmp_path, catalog, text):
    bad = C.text_cell(C.CLEAN, tmp_path / "inj.xlsx", "Biểu 11", "E13", text)
    report = validate(bad, catalog=catalog)
    [finding] = report.findings
    assert finding.code == "value.not-a-number" and finding.value == text
    assert json.loads(report.to_json())["findings"][0]["value"] == text
    out = report.annotate(tmp_path / "kiem_tra.xlsx")
    ws = openpyxl.load_workbook(out)[RESULT_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert cells and all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(out) as archive:  # nothing of it became a formula anywhere in the copy
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" + text.lstrip("=+-@").encode()[:8] in s for s in sheets)


def test_control_characters_never_reach_a_message(tmp_path, catalog):
    text = "12\x1b[31m đỏ\nxuống dòng\u202e"
    bad = C.text_cell(C.CLEAN, tmp_path / "ctl.xlsx", "Biểu 11", "E13", text)
    [finding] = validate(bad, catalog=catalog).findings
    assert finding.value == text  # kept as found, for the JSON and the error sheet
    for message in (finding.message(), finding.message("en")):
        assert "\x1b" not in message and "\n" not in message and "\u202e" not in message


def test_very_long_text_is_shortened_in_messages(tmp_path, catalog):
    bad = C.text_cell(C.CLEAN, tmp_path / "long.xlsx", "Biểu 11", "E13", "không rõ " * 3000)
    started = time.monotonic()
    [finding] = validate(bad, catalog=catalog).findings
    assert time.monotonic() - started < HANG_GUARD
    assert len(finding.message()) < 400 and len(finding.value) == 27000


def test_a_file_openpyxl_cannot_load_is_refused_for_the_copy_only(tmp_path, catalog):
    """python-calamine reads it, the library that writes the annotated copy does not: one clear line."""
    parts = C.entries(C.CLEAN)
    odd = C.rezip(C.CLEAN, tmp_path / "core.xlsx", replace={"docProps/core.xml": parts["docProps/core.xml"][:120]})
    report = validate(odd, catalog=catalog)
    assert report.findings == []
    with pytest.raises(UnreadableFile) as caught:
        report.annotate(tmp_path / "kiem_tra.xlsx")
    assert caught.value.reason == "annotate-unreadable" and "\n" not in caught.value.message
    assert not (tmp_path / "kiem_tra.xlsx").exists()


@pytest.mark.parametrize("name", ["bieu", "bieu.XLSX", "bieu.xlsx.bak", "biểu gửi lại (2).dat"])
def test_any_file_name_is_validated_and_annotated(tmp_path, catalog, name):
    odd = tmp_path / name
    odd.write_bytes(C.FAULTY.read_bytes())
    report = validate(odd, catalog=catalog)
    assert report.exit_code == 1
    assert report.annotate(tmp_path / "kiem_tra.xlsx").exists()


def test_hyperlinks_to_sheets_with_quotes_in_their_names(tmp_path, catalog):
    book = openpyxl.load_workbook(C.CLEAN)
    book["Biểu 02"].title = "Biểu 02 (bà con's)"
    renamed = tmp_path / "quote.xlsx"
    book.save(renamed)
    report = validate(renamed, catalog=catalog)
    assert report.by_code("structure.sheet-renamed")
    report.findings.append(make("value.not-a-number", form="B02", sheet="Biểu 02 (bà con's)", cell="F18", value="x"))
    out = report.annotate(tmp_path / "kiem_tra.xlsx")
    links = [c.hyperlink for row in openpyxl.load_workbook(out)[RESULT_SHEET].iter_rows() for c in row
             if c.hyperlink]
    assert "'Biểu 02 (bà con''s)'!F18" in [link.location for link in links]


# -- names of outputs -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("../../etc/passwd", "etc_passwd"), ("..", "tep"), (".", "tep"), ("", "tep"), ("/", "tep"),
    ("C:\\Windows\\system32", "C_Windows_system32"),
    ("a/../../b", "a_._._b"), (".bashrc", "bashrc"), ("-rf", "rf"), ("CON", "_CON"), ("nul.txt", "_nul.txt"),
    ("com1", "_com1"),
    ("x\x00y\nz", "x_y_z"), ("\u202eexe.xlsx", "exe.xlsx"), ("Huyện Chi Lăng", "Huyện_Chi_Lăng"),
])
def test_safe_name(text, expected):
    name = safe_name(text)
    assert name == expected
    assert "/" not in name and "\\" not in name and not name.startswith((".", "-")) and name not in ("", ".", "..")


def test_safe_name_fits_the_file_system_in_bytes(tmp_path):
    name = safe_name("Ủy ban nhân dân " * 40)
    assert len(name.encode("utf-8")) <= 150
    (tmp_path / f"{name}_KIEM_TRA.xlsx").write_bytes(b"")  # would raise if too long for the file system


def test_an_output_over_the_input_or_into_a_directory_is_refused(tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"x")
    with pytest.raises(OutputError), atomic_path(source, inputs=(source,)):
        pass
    with pytest.raises(OutputError), atomic_path(tmp_path, inputs=(source,)):
        pass
    assert source.read_bytes() == b"x"


# -- the command line -------------------------------------------------------------------------------------------------
def _html(path: Path) -> Path:
    path.write_text("<table><tr><td>1</td></tr></table>", encoding="utf-8")
    return path


@pytest.mark.parametrize("make_file", ["encrypted", "xls", "bomb", "far", "html"])
def test_cli_refusals_are_one_line_with_exit_code_2(tmp_path, make_file):
    builders = {
        "encrypted": lambda: C.encrypted_xlsx(tmp_path / "pw.xlsx"),
        "xls": lambda: C.fake_xls(tmp_path / "old.xls"),
        "bomb": lambda: C.xml_bomb(C.CLEAN, tmp_path / "lol.xlsx", "xl/sharedStrings.xml"),
        "far": lambda: C.add_cell_xml(C.CLEAN, tmp_path / "far.xlsx", "Biểu 02", '<c r="XFD1048576"><v>1</v></c>',
                                      1048576),
        "html": lambda: _html(tmp_path / "web.xls"),
    }
    line = one_line_exit_2(builders[make_file]())
    assert line.startswith("Lỗi: ")


def test_cli_file_name_with_a_newline_still_gives_one_line(tmp_path):
    odd = tmp_path / "bao\ncao\x1b[2J.xlsx"
    odd.write_text("hello", encoding="utf-8")
    line = one_line_exit_2(odd)
    assert "\x1b" not in line
