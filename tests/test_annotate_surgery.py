"""The annotated copy written by zip surgery holds what the copy written by openpyxl holds: the same error
sheet (values, looks, links, print setup), the same marks and comments, the same formulas replaced, the
same values cached; and LibreOffice opens it."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import corpus as C
import libreoffice
import openpyxl
import pytest
from openpyxl.comments import Comment
from python_calamine import CalamineWorkbook

from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.report.annotate import annotate
from gnbv_templates.report.package import annotate_zip
from gnbv_templates.report.sheetedit import Unsupported
from gnbv_templates.report.validate import validate


def _cell(c: Any) -> tuple[Any, ...]:
    fill = c.fill.fgColor.rgb[-6:] if c.fill is not None and c.fill.fill_type == "solid" else None
    color = c.font.color.rgb[-6:] if c.font.color is not None and isinstance(c.font.color.rgb, str) else None
    return (c.value, c.data_type if c.value is not None else None, fill,
            (c.comment.text, c.comment.author) if c.comment else None,
            c.hyperlink.location if c.hyperlink else None, bool(c.hyperlink and c.hyperlink.target),
            (c.font.sz, c.font.b, c.font.u, color, c.font.name), (c.border.left.style, c.border.bottom.style),
            (c.alignment.vertical, c.alignment.horizontal, c.alignment.wrap_text), c.number_format,
            c.protection.locked)


def _sheet(ws: Any) -> dict[str, Any]:
    cells = {c.coordinate: _cell(c) for row in ws.iter_rows() for c in row}
    cells = {k: v for k, v in cells.items() if v[0] is not None or v[2] is not None or v[3] is not None}
    page = (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.scale,
            ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
            ws.page_margins.left, ws.page_margins.top, ws.page_margins.header, ws.print_title_rows,
            ws.oddFooter.center.text, ws.oddFooter.center.size, ws.freeze_panes, ws.sheet_state,
            ws.protection.sheet, len(ws.data_validations.dataValidation))
    return {"cells": cells, "merged": sorted(str(r) for r in ws.merged_cells.ranges), "page": page,
            "heights": {k: v.height for k, v in ws.row_dimensions.items() if v.height},
            "widths": {k: v.width for k, v in ws.column_dimensions.items() if v.customWidth}}


def snapshot(path: Path) -> dict[str, Any]:
    """What a reader sees of a workbook: every cell's value, look, comment and link; every sheet's setup;
    the defined names; and the cached values a program that does not recalculate reads."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    cached = CalamineWorkbook.from_path(str(path))
    return {"names": book.sheetnames,
            "defined": sorted((n, d.value) for n, d in book.defined_names.items()),
            "local": {ws.title: sorted((n, d.value) for n, d in ws.defined_names.items()) for ws in book},
            "sheets": {ws.title: _sheet(ws) for ws in book.worksheets},
            "cached": {n: cached.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in cached.sheet_names}}


def both(report: Any, tmp: Path) -> tuple[Path, Path]:
    """The copy by surgery (never falling back) and by openpyxl, under the same file name."""
    (tmp / "surgery").mkdir(exist_ok=True)
    (tmp / "openpyxl").mkdir(exist_ok=True)
    fast = annotate_zip(report, tmp / "surgery" / "kiem_tra.xlsx")
    slow = annotate(report, tmp / "openpyxl" / "kiem_tra.xlsx", engine="openpyxl")
    return fast, slow


def commented(tmp: Path) -> Path:
    book = openpyxl.load_workbook(C.CLEAN)
    book["Biểu 11"]["E13"] = "hai trăm"
    book["Biểu 11"]["E13"].comment = Comment("Chờ xã báo lại", "Cán bộ xã")
    book["Biểu 02"]["B5"].comment = Comment("một ghi chú không có lỗi", "Người lập biểu")
    book.save(tmp / "commented.xlsx")
    return tmp / "commented.xlsx"


def dde(tmp: Path) -> Path:
    return C.replace_cell(C.FAULTY, tmp / "dde.xlsx", "Biểu 11", "E13", "<f>cmd|' /C calc'!A0</f><v>193</v>")


def macros(tmp: Path) -> Path:
    return C.with_macros(C.FAULTY, tmp / "bieu.xlsm")


def linked(tmp: Path) -> Path:
    out = C.with_external_link(C.FAULTY, tmp / "lien_ket.xlsx", target="file:///C:/bi_mat/khac.xlsx")
    return C.replace_cell(out, tmp / "lien_ket2.xlsx", "Biểu 11", "E13", "<f>[1]Sheet1!A1</f><v>193</v>")


def names(tmp: Path) -> Path:
    book = openpyxl.load_workbook(C.FAULTY)
    book.defined_names["goi"] = openpyxl.workbook.defined_name.DefinedName("goi", attr_text="cmd|' /C calc'!A0")
    book.defined_names["vung"] = openpyxl.workbook.defined_name.DefinedName("vung", attr_text="'Biểu 01'!$E$13")
    book.save(tmp / "names.xlsx")
    return tmp / "names.xlsx"


def outside(tmp: Path) -> Path:
    return C.add_cell_xml(C.FAULTY, tmp / "outside.xlsx", "Biểu 11",
                          '<c r="AA200"><f>HYPERLINK("http://example.com","x")</f><v>x</v></c>', 200)


def faulty(tmp: Path) -> Path:
    return Path(shutil.copy(C.FAULTY, tmp / "co_loi.xlsx"))


CASES = {"faulty": faulty, "commented": commented, "dde": dde, "macros": macros, "linked": linked,
         "names": names, "outside": outside}


@pytest.mark.parametrize("case", sorted(CASES))
def test_surgery_writes_what_openpyxl_writes(tmp_path, catalog, case):
    source = CASES[case](tmp_path)
    report = validate(source, catalog=catalog)
    fast, slow = both(report, tmp_path)
    assert snapshot(fast) == snapshot(slow)
    again = validate(fast, catalog=catalog)  # an annotated copy annotated again: marks replaced, notes kept
    (tmp_path / "again").mkdir()
    fast2, slow2 = both(again, tmp_path / "again")
    assert snapshot(fast2) == snapshot(slow2)
    assert openpyxl.load_workbook(fast2).sheetnames.count(RESULT_SHEET) == 1


def test_comments_kept_and_marks_replaced(tmp_path, catalog):
    report = validate(commented(tmp_path), catalog=catalog)
    first = annotate_zip(report, tmp_path / "first.xlsx")
    book = openpyxl.load_workbook(first)
    note = book["Biểu 11"]["E13"].comment
    assert "Chờ xã báo lại" in note.text and report.findings[0].message() in note.text
    assert book["Biểu 02"]["B5"].comment.text == "một ghi chú không có lỗi"
    assert book["Biểu 11"]["E13"].fill.fgColor.rgb[-6:] == "FFC7CE"
    second = annotate_zip(validate(first, catalog=catalog), tmp_path / "second.xlsx")
    note = openpyxl.load_workbook(second)["Biểu 11"]["E13"].comment
    assert note.text.count("Chờ xã báo lại") == 1 and note.text.count("•") == 1


def test_fixed_cells_lose_their_marks(tmp_path, catalog):
    """A mark of an earlier run on a cell that is now right goes, and the cell gets its form colour back."""
    report = validate(commented(tmp_path), catalog=catalog)
    first = annotate_zip(report, tmp_path / "first.xlsx")
    book = openpyxl.load_workbook(first)
    book["Biểu 11"]["E13"] = 200
    book.save(tmp_path / "fixed.xlsx")
    fixed = validate(tmp_path / "fixed.xlsx", catalog=catalog)
    assert fixed.findings == []
    fast, slow = both(fixed, tmp_path)
    assert snapshot(fast) == snapshot(slow)
    cell = openpyxl.load_workbook(fast)["Biểu 11"]["E13"]
    assert cell.comment.text == "Chờ xã báo lại" and cell.fill.fgColor.rgb[-6:] == "FFF9DB"


def test_nothing_executable_is_carried(tmp_path, catalog):
    fast = annotate_zip(validate(linked(tmp_path), catalog=catalog), tmp_path / "a.xlsx")
    with zipfile.ZipFile(fast) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist())
        assert not [n for n in archive.namelist() if "externalLink" in n or "vba" in n.lower()]
    assert b"bi_mat" not in everything and b'TargetMode="External"' not in everything
    fast = annotate_zip(validate(macros(tmp_path), catalog=catalog), tmp_path / "b.xlsx")
    with zipfile.ZipFile(fast) as archive:
        assert b"macroEnabled" not in archive.read("[Content_Types].xml")


def test_structures_it_does_not_rewrite_go_to_openpyxl(tmp_path, catalog):
    shared = C.replace_cell(C.FAULTY, tmp_path / "shared.xlsx", "Biểu 11", "E13",
                            '<f t="shared" ref="E13:E13" si="0">1+1</f><v>2</v>')
    report = validate(shared, catalog=catalog)
    with pytest.raises(Unsupported):
        annotate_zip(report, tmp_path / "a.xlsx")
    assert not (tmp_path / "a.xlsx").exists()
    out = annotate(report, tmp_path / "b.xlsx")  # written the slower way
    assert openpyxl.load_workbook(out).sheetnames[0] == RESULT_SHEET


@pytest.mark.libreoffice
def test_libreoffice_opens_the_copy_with_its_comments(tmp_path, catalog):
    report = validate(commented(tmp_path), catalog=catalog)
    again = validate(annotate_zip(report, tmp_path / "first.xlsx"), catalog=catalog)
    fast = annotate_zip(again, tmp_path / "second.xlsx")
    saved = libreoffice.convert(fast, "xlsx", tmp_path / "xlsx")
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames[0] == RESULT_SHEET
    assert "Chờ xã báo lại" in book["Biểu 11"]["E13"].comment.text
    assert book["Biểu 11"]["E13"].fill.fgColor.rgb[-6:] == "FFC7CE"
    links = [c.hyperlink.location for row in book[RESULT_SHEET].iter_rows() for c in row if c.hyperlink]
    assert "'Biểu 11'!E13" in [link.replace("#", "") for link in links]
    assert libreoffice.convert(fast, "pdf", tmp_path / "pdf").stat().st_size > 10_000
