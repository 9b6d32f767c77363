"""Returns that lie: each case was built as a sender who wants a tampered figure through would build it,
by editing the zip and the XML of a clean return.  Every one must end with a clear result (the right
findings, or a one-line refusal), leave its input untouched, and put nothing executable in any output."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import corpus as C
import jsonschema
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import gnbv_templates as gnbv
from gnbv_templates.errors import UnreadableFile
from gnbv_templates.forms.metadata import META_SHEET, Metadata
from gnbv_templates.forms.resources import examples_dir
from gnbv_templates.outputs import atomic_path

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "report.schema.json").read_text(encoding="utf-8"))
# a control or bidirectional-override character: never in what the program shows
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SPARE = ("Biểu 11", "E13", 193)  # B11 row 01 col 1: a whole number, not required
COUNT = ("Biểu 01", "E13", 7711)  # B01 row 01 col 1: households, a required whole number


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


def forge_metadata(book, change) -> None:
    """Change the metadata and recompute its checksum, as anyone can."""
    ws = book[META_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(1, 30) if ws.cell(r, 1).value}
    meta = Metadata.from_items({key: ws.cell(r, 2).value for key, r in rows.items()})
    change(meta)
    for key, value in meta.items():
        ws.cell(rows[key], 2).value = value
        ws.cell(rows[key], 2).data_type = "s"
    ws.cell(rows["meta_digest"], 2).value = meta.digest()


def drop_b01(src: Path, out: Path) -> Path:
    """Biểu 01 left out of the metadata's form list; its sheet (identity line intact) holds −5."""
    book = openpyxl.load_workbook(src)
    forge_metadata(book, lambda m: setattr(m, "forms", [f for f in m.forms if f["id"] != "B01"]))
    book["Biểu 01"][COUNT[1]] = -5
    book.save(out)
    return out


def formulas_in(path: Path) -> dict[tuple[str, str], str]:
    """(part, cell) → formula text of every formula in a workbook, read by a parser."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
                continue
            root = C.ElementTree.fromstring(archive.read(name))
            for cell in root.iter(f"{C._NS_MAIN}c"):
                formula = cell.find(f"{C._NS_MAIN}f")
                if formula is not None:
                    out[(name, cell.get("r"))] = formula.text or ""
    return out


# -- 1. the metadata's word about which forms the file holds is not taken ----------------------------------------
def test_a_form_left_out_of_forged_metadata_is_still_checked(tmp, catalog):
    forged = drop_b01(C.CLEAN, tmp / "forged_b01.xlsx")
    report = gnbv.validate(forged, catalog=catalog)
    assert not report.ok and report.exit_code == 1
    assert codes(report) == {"structure.meta-disagrees", "value.negative"}  # nothing else (no sheet-order noise)
    assert any(f.form == "B01" and f.cell == COUNT[1] and f.code == "value.negative" for f in report.findings)


def test_a_sheet_named_as_a_form_without_its_identity_line_is_checked(tmp, catalog):
    book = openpyxl.load_workbook(C.CLEAN)
    forge_metadata(book, lambda m: setattr(m, "forms", [f for f in m.forms if f["id"] != "B01"]))
    ws = book["Biểu 01"]
    for cell in ws[1]:
        if isinstance(cell.value, str) and cell.value.startswith("GNBV "):
            cell.value = None  # the identity line wiped as well
    ws[COUNT[1]] = -5
    book.save(tmp / "forged_b01_no_identity.xlsx")
    report = gnbv.validate(tmp / "forged_b01_no_identity.xlsx", catalog=catalog)
    assert "structure.meta-disagrees" in codes(report)
    assert any(f.form == "B01" and f.cell == COUNT[1] for f in report.findings)


def _wipe_identity(ws) -> None:
    for cell in ws[1]:
        if isinstance(cell.value, str) and cell.value.startswith("GNBV "):
            cell.value = None


@pytest.mark.parametrize("disguise", ["other-identity", "renamed-no-identity"])
def test_a_left_out_form_is_found_however_its_sheet_is_disguised(tmp, catalog, disguise):
    book = openpyxl.load_workbook(C.CLEAN)
    forge_metadata(book, lambda m: setattr(m, "forms", [f for f in m.forms if f["id"] != "B01"]))
    ws = book["Biểu 01"]
    ws[COUNT[1]] = -5
    if disguise == "other-identity":  # its identity line made to name a form the metadata lists
        for cell in ws[1]:
            if isinstance(cell.value, str) and cell.value.startswith("GNBV "):
                cell.value = cell.value.replace("GNBV B01", "GNBV B02")
    else:  # no identity line and another name: found by its row and column codes
        _wipe_identity(ws)
        ws.title = "Ghi chú"
    book.save(tmp / f"disguised_{disguise}.xlsx")
    report = gnbv.validate(tmp / f"disguised_{disguise}.xlsx", catalog=catalog)
    assert "structure.meta-disagrees" in codes(report)
    assert any(f.form == "B01" and f.cell == COUNT[1] and f.code == "value.negative" for f in report.findings)


def test_metadata_pointing_a_form_at_a_clean_decoy_sheet_is_not_believed(tmp, catalog):
    book = openpyxl.load_workbook(C.CLEAN)
    decoy = book.copy_worksheet(book["Biểu 01"])
    decoy.title = "Biểu 01 (2)"
    book["Biểu 01"][COUNT[1]] = -5

    def point_at_decoy(meta):
        meta.forms = [dict(f, sheet="Biểu 01 (2)") if f["id"] == "B01" else f for f in meta.forms]

    forge_metadata(book, point_at_decoy)
    book.save(tmp / "decoy.xlsx")
    report = gnbv.validate(tmp / "decoy.xlsx", catalog=catalog)
    assert "structure.meta-disagrees" in codes(report)
    assert any(f.sheet == "Biểu 01" and f.cell == COUNT[1] and f.code == "value.negative" for f in report.findings)


def test_consolidation_names_a_forged_return_instead_of_dropping_its_figures(tmp, catalog):
    folder = tmp / "districts"
    shutil.copytree(examples_dir() / "district_returns", folder)
    victim = next(folder.glob("178_*.xlsx"))  # a clean return
    drop_b01(victim, victim.with_suffix(".tmp.xlsx"))
    victim.with_suffix(".tmp.xlsx").replace(victim)
    result = gnbv.consolidate(folder, "20", "2025-H1", tmp / "cons" / "lang_son.xlsx", jobs=1)
    names = {Path(r.path).name: why for r, why in result.excluded}
    assert victim.name in names  # named, with its errors, not silently summed without its Biểu 01
    assert all(Path(r.path).name != victim.name for r in result.included)


# -- 2. nothing executable leaves the program -------------------------------------------------------------------
DANGEROUS = ["cmd|' /C calc'!A0", "HYPERLINK(\"http://example.com/x\",\"bấm\")", "[1]Sheet1!A1",
             "WEBSERVICE(\"http://example.com\")"]


@pytest.mark.parametrize("formula", DANGEROUS)
def test_a_formula_in_an_input_cell_never_reaches_the_copy(tmp, catalog, formula):
    sheet, address, value = SPARE
    variant = C.replace_cell(C.CLEAN, tmp / "dde.xlsx", sheet, address,
                             f"<f>{C.escape(formula)}</f><v>{value}</v>")
    before = digest(variant)
    report = gnbv.validate(variant, catalog=catalog)
    assert not report.ok and [f.code for f in report.findings if f.cell == address] == ["value.formula-unsafe"]
    out = report.annotate(tmp / "dde_KIEM_TRA.xlsx")
    assert digest(variant) == before
    found = formulas_in(out)
    assert not [f for f in found.values() if any(bad in f for bad in ("|", "[", "HYPERLINK", "WEBSERVICE"))]
    part = C.sheet_part(out, sheet)
    assert (part, address) not in found
    copy = CalamineWorkbook.from_path(str(out))
    grid = copy.get_sheet_by_name(sheet).to_python()
    assert grid[12][4] == value  # the value it had, kept as a value
    sheet_rows = copy.get_sheet_by_name(copy.sheet_names[0]).to_python()
    assert any("file.formula-removed" in row for row in sheet_rows)  # and the error sheet says so


def test_formulas_outside_the_form_are_replaced_and_the_forms_own_are_kept(tmp, catalog):
    variant = C.add_cell_xml(C.CLEAN, tmp / "outside.xlsx", "Biểu 11",
                             '<c r="AA200"><f>HYPERLINK("http://example.com","x")</f><v>x</v></c>', 200)
    original = formulas_in(C.CLEAN)
    out = gnbv.validate(variant, catalog=catalog).annotate(tmp / "outside_KIEM_TRA.xlsx")
    found = formulas_in(out)
    assert not [f for f in found.values() if "HYPERLINK" in f]
    assert len(found) == len(original)  # every formula of the forms is still there, computing


def test_defined_names_that_call_out_are_dropped(tmp, catalog):
    book = openpyxl.load_workbook(C.CLEAN)
    book.defined_names["goi"] = openpyxl.workbook.defined_name.DefinedName("goi", attr_text="cmd|' /C calc'!A0")
    book.defined_names["vung"] = openpyxl.workbook.defined_name.DefinedName("vung", attr_text="'Biểu 01'!$E$13")
    book.save(tmp / "names.xlsx")
    out = gnbv.validate(tmp / "names.xlsx", catalog=catalog).annotate(tmp / "names_KIEM_TRA.xlsx")
    with zipfile.ZipFile(out) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert "cmd|" not in workbook and "goi" not in workbook and "vung" in workbook


# -- 3. a namespace prefix hides nothing -------------------------------------------------------------------------
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def prefixed(data: bytes) -> bytes:
    """The same sheet with the main namespace bound to the prefix x: (valid OOXML)."""
    data = data.replace(b'xmlns="' + _MAIN + b'"', b'xmlns:x="' + _MAIN + b'"', 1)
    return re.sub(rb"<(/?)(?![\w.-]+:)([A-Za-z_][\w.-]*)", rb"<\1x:\2", data)


def test_prefixed_sheet_xml_reads_like_plain(tmp, catalog):
    plain = gnbv.validate(C.CLEAN, catalog=catalog)
    variant = C.edit_sheet_xml(C.CLEAN, tmp / "prefixed.xlsx", "Biểu 02", prefixed)
    assert b"<x:c " in C.entries(variant)[C.sheet_part(variant, "Biểu 02")]
    assert sorted(codes(gnbv.validate(variant, catalog=catalog))) == sorted(codes(plain))


def test_an_altered_formula_in_prefixed_xml_is_still_found(tmp, catalog):
    def alter(data: bytes) -> bytes:
        first = re.search(rb"<f>([A-Z]+\d+)\+([^<]+)</f>", data)
        assert first
        data = data[: first.start()] + b"<f>" + first.group(1) + b"</f>" + data[first.end():]  # one term left
        return prefixed(data)

    variant = C.edit_sheet_xml(C.CLEAN, tmp / "prefixed_altered.xlsx", "Biểu 02", alter)
    report = gnbv.validate(variant, catalog=catalog)
    assert [f.code for f in report.findings] == ["derived.formula-altered"]


def test_a_prefixed_formula_in_an_input_cell_is_found(tmp, catalog):
    sheet, address, value = SPARE
    variant = C.replace_cell(C.CLEAN, tmp / "f_v.xlsx", sheet, address, f"<f>190+3</f><v>{value}</v>")
    variant = C.edit_sheet_xml(variant, tmp / "f_v_prefixed.xlsx", sheet, prefixed)
    report = gnbv.validate(variant, catalog=catalog)
    assert [(f.code, f.cell) for f in report.findings] == [("value.formula-in-input", address)]


# -- 4. a DTD is refused in any part, whatever its name -------------------------------------------------------------
DOCTYPE = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def test_a_dtd_in_a_sheet_part_with_another_name_is_refused(tmp, catalog):
    parts = C.entries(C.CLEAN)
    sheet = C.sheet_part(C.CLEAN, "Biểu 02")
    renamed = sheet[:-4] + ".dat"
    data = parts.pop(sheet)
    data = data.replace(b"?>", b"?>" + DOCTYPE, 1)
    parts[renamed] = data
    name = sheet.rsplit("/", 1)[1]
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        name.encode(), renamed.rsplit("/", 1)[1].encode())
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        ("/" + sheet).encode(), ("/" + renamed).encode())
    out = C.write_zip(tmp / "dtd_dat.xlsx", parts.items())
    with pytest.raises(UnreadableFile) as caught:
        gnbv.validate(out, catalog=catalog)
    assert caught.value.reason == "xml-dtd"


@pytest.mark.parametrize("name", ["customXml/item1.bin", "docProps/extra", "xl/media/image1.png"])
def test_a_dtd_in_any_part_is_refused(tmp, catalog, name):
    out = C.rezip(C.CLEAN, tmp / "dtd_any.xlsx", add={name: b'<?xml version="1.0"?>' + DOCTYPE + b"<x>&e;</x>"})
    with pytest.raises(UnreadableFile) as caught:
        gnbv.validate(out, catalog=catalog)
    assert caught.value.reason == "xml-dtd"


def test_parts_that_are_not_xml_are_not_mistaken_for_a_dtd(tmp, catalog):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    out = C.rezip(C.CLEAN, tmp / "binary.xlsx", add={"xl/media/image1.png": png})
    assert gnbv.validate(out, catalog=catalog).ok


# -- 5. strict JSON ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["NaN", "INF", "-INF", "1e999", "-1e999"])
def test_non_finite_numbers_make_strict_json(tmp, catalog, text):
    sheet, address, _ = COUNT
    variant = C.replace_cell(C.CLEAN, tmp / "nan.xlsx", sheet, address, f"<v>{text}</v>")
    report = gnbv.validate(variant, catalog=catalog)

    def refuse(constant):
        raise AssertionError(f"not JSON: {constant}")

    data = json.loads(report.to_json(), parse_constant=refuse)
    jsonschema.validate(data, SCHEMA)
    [finding] = [f for f in data["findings"] if f["cell"] == address]
    assert finding["value"] in ("NaN", "Infinity", "-Infinity")


def test_reports_match_the_published_schema(catalog):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for path in (C.CLEAN, C.FAULTY):
        for lang in ("vi", "en"):
            jsonschema.validate(json.loads(gnbv.validate(path, catalog=catalog).to_json(lang)), SCHEMA)


# -- 6. printable text only -------------------------------------------------------------------------------------
BIDI = "Biểu\u202e 30\u2066"


def test_bidi_and_control_characters_are_escaped_where_shown(tmp, catalog):
    book = openpyxl.load_workbook(C.CLEAN)
    book["Biểu 03"].title = BIDI
    book["Biểu 11"]["E13"] = "12\u202e34\u200f"
    book.save(tmp / "bidi.xlsx")
    path = tmp / "bidi.xlsx"
    out = tmp / "bidi_KIEM_TRA.xlsx"
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(path), "-o", str(out),
                           "--json", str(tmp / "bidi.json")], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr
    assert not UNPRINTABLE.search(done.stdout) and not UNPRINTABLE.search(done.stderr)
    assert "Biểu<U+202E> 30<U+2066>" in done.stdout
    result = CalamineWorkbook.from_path(str(out))
    rows = result.get_sheet_by_name(result.sheet_names[0]).to_python()
    shown = [str(v) for row in rows for v in row]
    assert not [v for v in shown if UNPRINTABLE.search(v)]
    data = json.loads((tmp / "bidi.json").read_text(encoding="utf-8"))
    assert any(f["sheet"] == BIDI for f in data["findings"])  # JSON keeps the raw text


# -- 7. folder mode -----------------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symbolic links")
def test_folder_lists_what_it_did_not_read_follows_no_link_out_and_never_blocks(tmp, catalog):
    folder, outside = tmp / "folder", tmp / "outside"
    folder.mkdir()
    outside.mkdir()
    shutil.copy(C.CLEAN, folder / "187_sach.xlsx")
    shutil.copy(C.FAULTY, outside / "186_khac.xlsx")
    os.mkfifo(folder / "ong_dan.xlsx")
    (folder / "ra_ngoai.xlsx").symlink_to(outside / "186_khac.xlsx")
    (folder / "hong.xlsx").symlink_to(folder / "khong_co.xlsx")
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(folder), "--jobs", "1",
                           "-o", str(tmp / "folder_out")], capture_output=True, text=True, timeout=240, check=False)
    for name in ("ong_dan.xlsx", "ra_ngoai.xlsx", "hong.xlsx"):
        line = next((ln for ln in done.stdout.splitlines() if name in ln), "")
        assert line.strip().startswith("Không đọc"), (name, done.stdout)
    report = gnbv.validate_folder(folder, outdir=tmp / "folder_out2", jobs=1)
    assert [Path(r.path).name for r in report.results] == ["187_sach.xlsx"]
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {"ong_dan.xlsx": "special-file", "ra_ngoai.xlsx": "link-outside", "hong.xlsx": "link-broken"}


def test_file_names_that_are_not_utf8_are_read_and_shown_never_crash(tmp, catalog):
    """A name with bytes that are not UTF-8 (unzipped from an archive made on another system): the return is read
    and checked like any other; messages, the summary, the annotated copy and the consolidation show the name with
    those bytes marked, and nothing fails on it."""
    folder = tmp / "names"
    folder.mkdir()
    try:
        clean = Path(os.fsdecode(os.fsencode(folder) + b"/187_s\xe1ch\xff.xlsx"))
        faulty = Path(os.fsdecode(os.fsencode(folder) + b"/186_l\xf5i\xfe.xlsx"))
        shutil.copy(C.CLEAN, clean)
        shutil.copy(C.FAULTY, faulty)
    except (OSError, UnicodeError):
        pytest.skip("this file system holds UTF-8 names only")
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(folder), "--jobs", "2",
                           "-o", str(tmp / "names_out")], capture_output=True, timeout=240, check=False)
    assert done.returncode == 1, done.stderr  # the faulty return has errors; no internal error (70)
    summary = json.loads((tmp / "names_out" / "tong_hop_kiem_tra.json").read_bytes().decode("utf-8"))
    files = {u["file"]: u for u in summary["units"] if u["file"]}
    assert sorted(Path(f).name for f in files) == ["186_l\ufffdi\ufffd.xlsx", "187_s\ufffdch\ufffd.xlsx"]
    assert {u["status"] for u in files.values()} == {"hợp lệ", "có lỗi"}  # both read, neither "unreadable"
    assert len(list((tmp / "names_out" / "annotated").iterdir())) == 1
    result = gnbv.consolidate(folder, "20", "2025-H1", tmp / "names_total.xlsx", jobs=1, include_errors=True)
    assert len(result.included) == 1 and len(result.excluded) == 1  # two returns of one unit: one is used
    provenance = CalamineWorkbook.from_path(str(tmp / "names_total.xlsx")).get_sheet_by_index(0).to_python()
    shown = {str(row[0]) for row in provenance}
    assert "187_s<U+DCE1>ch<U+DCFF>.xlsx" in shown and "186_l<U+DCF5>i<U+DCFE>.xlsx" in shown


def test_library_warnings_never_reach_stderr(tmp, catalog):
    def unknown_extension(data: bytes) -> bytes:
        ext = b'<extLst><ext uri="{00000000-0000-0000-0000-00000000ABCD}"><y/></ext></extLst>'
        return data.replace(b"</worksheet>", ext + b"</worksheet>")

    variant = C.edit_sheet_xml(C.CLEAN, tmp / "ext.xlsx", "Biểu 02", unknown_extension)
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(variant), "-o",
                           str(tmp / "ext_KIEM_TRA.xlsx")], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_os_errors_are_told_in_vietnamese(tmp, catalog, monkeypatch):
    locked = tmp / "khoa.xlsx"
    locked.write_bytes(C.CLEAN.read_bytes())
    real_stat = Path.stat

    def denied(self, *args, **kwargs):
        if self == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(locked))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", denied)
    with pytest.raises(UnreadableFile) as caught:
        gnbv.validate(locked, catalog=catalog)
    assert "Permission denied" not in caught.value.message
    assert "không có quyền truy cập" in caught.value.message


def test_an_output_that_cannot_be_written_is_told_in_vietnamese(tmp, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", denied)
    with pytest.raises(gnbv.OutputError) as caught, atomic_path(tmp / "ket_qua.json"):
        pass
    assert "Permission denied" not in caught.value.message and "không có quyền truy cập" in caught.value.message
