"""Returns re-saved by LibreOffice Calc (as officers' offices do): .xlsx and .ods read the same; .xls is refused.

LibreOffice recalculates every formula on load here (tests/libreoffice.py), turns the very hidden
metadata sheet into a hidden one, and writes .ods formulas in OpenFormula notation.  These tests fail
(not skip) when LibreOffice is missing.
"""

from __future__ import annotations

import json

import corpus as C
import libreoffice
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from gnbv_templates.errors import OutputError, UnreadableFile
from gnbv_templates.forms.metadata import META_SHEET
from gnbv_templates.read.reader import odf_formula, open_return
from gnbv_templates.report.validate import validate

pytestmark = pytest.mark.libreoffice


def keys(path, catalog):
    return sorted((f.code, f.rule, f.form, f.cell) for f in validate(path, catalog=catalog).findings)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lo")
    made = {}

    def get(source, fmt):
        if (source, fmt) not in made:
            made[(source, fmt)] = libreoffice.convert(source, fmt, tmp / f"{source.stem}_{fmt}")
        return made[(source, fmt)]

    return get


@pytest.mark.parametrize(("source", "fmt"), [(C.CLEAN, "xlsx"), (C.CLEAN, "ods"), (C.FAULTY, "ods")])
def test_resaved_return_validates_the_same(converted, catalog, source, fmt):
    # FAULTY re-saved as .xlsx: tests/test_validate_misc.py::test_libreoffice_resave_validates_the_same
    saved = converted(source, fmt)
    assert keys(saved, catalog) == keys(source, catalog)


def test_every_planted_mistake_survives_the_trip_to_ods(converted, catalog):
    planted = json.loads((C.RETURNS / "planted.json").read_text(encoding="utf-8"))
    found = validate(converted(C.FAULTY, "ods"), catalog=catalog).findings
    for item in planted:
        assert [f for f in found if (f.form, f.cell) == (item["form"], item["cell"])
                and item["expect"] in (f.code, f.rule)], item
    typed_over = next(f for f in found if f.cell == "D19")  # its formula is known to be gone, in .ods too
    assert "khôi phục công thức" in typed_over.message()


def test_metadata_survives_as_a_hidden_sheet(converted):
    for fmt in ("xlsx", "ods"):
        saved = converted(C.CLEAN, fmt)
        read = open_return(saved).metadata
        assert read.problem is None and read.meta.unit_code == "187"
        states = {m.name: str(m.visible) for m in CalamineWorkbook.from_path(str(saved)).sheets_metadata}
        assert not states[META_SHEET].endswith(".Visible"), states[META_SHEET]


def test_ods_formulas_are_read_from_content_xml(converted):
    saved = open_return(converted(C.CLEAN, "ods"))
    formulas = saved.formula_cells("Biểu 02")
    report = validate(C.CLEAN)
    layout = report.forms["B02"].layout
    for (row, col), text in layout.excel_formulas.items():
        cell = layout.cells[(row, col)]
        assert formulas[(cell.r, cell.c)] == text, cell.address  # so a changed formula can be told


@pytest.mark.parametrize(("odf", "excel"), [
    ("of:=[.D15]+[.D16]", "=D15+D16"), ("of:=SUM([.E13:.E20])", "=SUM(E13:E20)"),
    ('of:=IFERROR([.G13]/[.E13]*100;"")', '=IFERROR(G13/E13*100,"")'),
    ("of:=[$'Biểu 02'.$D$15]*2", "='Biểu 02'!$D$15*2"), ('of:=IF([.A1]>0;"a;b";"")', '=IF(A1>0,"a;b","")'),
])
def test_openformula_notation(odf, excel):
    assert odf_formula(odf) == excel


@pytest.fixture(scope="module")
def edited(tmp_path_factory, catalog):
    """An input cell holding =1/0, and a total whose formula was changed: then re-saved by LibreOffice."""
    tmp = tmp_path_factory.mktemp("lo_edit")
    report = validate(C.CLEAN, catalog=catalog)
    total = report.forms["B02"].layout.cells[("02", "1")].address
    book = openpyxl.load_workbook(C.CLEAN)
    book["Biểu 11"]["E13"] = "=1/0"
    book["Biểu 02"][total] = book["Biểu 02"][total].value + "+100"
    out = tmp / "edited.xlsx"
    book.save(out)
    return out, total


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_error_values_and_altered_formulas_after_libreoffice(edited, catalog, tmp_path, fmt):
    source, total = edited
    saved = libreoffice.convert(source, fmt, tmp_path)
    found = {(f.code, f.form, f.cell) for f in validate(saved, catalog=catalog).findings}
    assert ("value.excel-error", "B11", "E13") in found  # calamine reads it as empty; the file says #DIV/0!
    assert ("derived.formula-altered", "B02", total) in found


def test_ods_cannot_be_annotated_but_is_validated(converted, catalog, tmp_path):
    report = validate(converted(C.FAULTY, "ods"), catalog=catalog)
    assert report.exit_code == 1
    with pytest.raises(OutputError) as caught:
        report.annotate(tmp_path / "kiem_tra.xlsx")
    assert ".xlsx" in caught.value.message and not (tmp_path / "kiem_tra.xlsx").exists()
    report.write_json(tmp_path / "kq.json")  # the JSON report is still written


def test_real_xls_from_libreoffice_is_refused_with_a_resave_message(converted, catalog):
    xls = converted(C.CLEAN, "xls")
    with pytest.raises(UnreadableFile) as caught:
        validate(xls, catalog=catalog)
    assert caught.value.reason == "xls" and "lưu lại dạng .xlsx" in caught.value.message
