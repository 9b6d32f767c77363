"""The error sheet's layout, read back from the annotated copy: what an officer sees and prints."""

from __future__ import annotations

import openpyxl
import pytest

from gnbv_templates.findings import make
from gnbv_templates.forms.resources import examples_dir
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.report.result_sheet import WIDTHS, expected_text, shown_number
from gnbv_templates.report.validate import validate

FAULTY = examples_dir() / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx"


@pytest.fixture(scope="module")
def sheet(tmp_path_factory, catalog):
    report = validate(FAULTY, catalog=catalog)
    out = report.annotate(tmp_path_factory.mktemp("sheet") / "kiem_tra.xlsx")
    ws = openpyxl.load_workbook(out)[RESULT_SHEET]
    top = next(r for r in range(1, 20) if ws.cell(r, 1).value == "STT")
    rows = {(ws.cell(r, 3).value, ws.cell(r, 4).value): [ws.cell(r, c) for c in range(1, len(WIDTHS) + 1)]
            for r in range(top + 1, top + 1 + len(report.findings))}
    return ws, top, rows, report


def at(finding):
    return finding.form, finding.cell


def test_prints_on_a4_landscape_at_full_size_with_the_heading_on_every_page(sheet):
    ws, top, _, _ = sheet
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.scale) == 100
    assert ws.print_title_rows.replace("$", "") == f"{top}:{top}"
    # the table is one page wide: A4 landscape inside the margins holds about 1045 pixels (7 a width unit + 5)
    assert sum(7 * w + 5 for w in WIDTHS) <= 1045 - 96 * (ws.page_margins.left + ws.page_margins.right - 0.8)


def test_every_cell_of_the_table_has_borders_sits_at_the_top_and_is_legible(sheet):
    ws, top, rows, _ = sheet
    cells = [c for row in rows.values() for c in row] + [ws.cell(top, c) for c in range(1, len(WIDTHS) + 1)]
    for cell in cells:
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate
        assert cell.alignment.vertical == "top" and cell.alignment.wrap_text, cell.coordinate
        assert cell.font.sz >= 9, cell.coordinate
    for r in range(1, top):
        if ws.cell(r, 1).value:
            assert ws.cell(r, 1).font.sz >= 9
    assert WIDTHS[-1] <= 10  # the stable code: one narrow column


def test_numbers_in_vietnamese_notation_and_limits_as_limits(sheet):
    _, _, rows, report = sheet
    by_code = {f.code: f for f in report.findings}
    magnitude = rows[next((f.form, f.cell) for f in report.findings if f.rule.startswith("B02.DO-LON"))]
    assert magnitude[5].value == "3.143.797.120,978" and magnitude[6].value == "≤ 1.000.000"
    assert magnitude[5].alignment.horizontal == "right"
    whole = rows[at(by_code["relation.part-exceeds-whole"])]
    assert whole[6].value.startswith("≤ ")
    ratio = rows[at(by_code["derived.ratio-mismatch"])]
    assert ratio[5].value == "26,22" and ratio[6].value == "0,0028"  # a rate: two decimals, a tiny one its digits
    total = rows[at(by_code["derived.sum-mismatch"])]
    assert total[6].value == "18.145,07"  # the value the total should have: no sign
    assert rows[at(by_code["value.not-integer"])][5].value == "2,5"  # what was typed, not rounded away
    assert rows[at(by_code["value.not-integer"])][6].value in ("", None)  # no correct value to give
    assert rows[at(by_code["value.negative"])][6].value == "≥ 0"


def test_kinds_have_vietnamese_names_and_the_code_stays(sheet):
    _, _, rows, report = sheet
    kinds = {f.code: rows[at(f)][8].value for f in report.findings}
    assert kinds["derived.sum-mismatch"] == "Ô tính (công thức)"
    assert kinds["value.negative"] == "Giá trị nhập"
    assert kinds["rule.failed"].startswith("Luật kiểm tra: ")  # with the rule's basis
    assert {rows[at(f)][9].value for f in report.findings} == {f.rule or f.code for f in report.findings}


def test_hashes_are_explained(sheet):
    ws, top, _, _ = sheet
    notes = " ".join(str(ws.cell(r, 1).value or "") for r in range(1, top))
    assert "###" in notes and "cột hẹp" in notes


def test_shown_number_and_expected_text():
    assert shown_number(1234567.891, 3) == "1.234.567,891"
    assert shown_number(12.0, 0) == "12"
    assert shown_number(0.00036, 2) == "0,00036"
    assert shown_number("x", 2) == "x"
    finding = make("relation.part-exceeds-whole", form="B01", cell="F18", value=10, expected=8)
    assert expected_text(finding, 0) == "≤ 8"
    assert expected_text(make("value.not-integer", form="B11", cell="E13", value=2.5), 0) == ""
