"""The annotated copy: error sheet first, links to the cells, marks, and nothing else changed."""

from __future__ import annotations

import hashlib
import json

import libreoffice
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from gnbv_templates.forms.metadata import META_SHEET
from gnbv_templates.forms.resources import examples_dir
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.report.validate import validate

FAULTY = examples_dir() / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx"


@pytest.fixture(scope="module")
def annotated(tmp_path_factory, catalog):
    tmp = tmp_path_factory.mktemp("annotate")
    before = hashlib.sha256(FAULTY.read_bytes()).hexdigest()
    report = validate(FAULTY, catalog=catalog)
    out = report.annotate(tmp / "annotated.xlsx")
    assert hashlib.sha256(FAULTY.read_bytes()).hexdigest() == before  # the input is never modified
    return report, out


def test_error_sheet_is_first_with_links_to_each_cell(annotated):
    report, out = annotated
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == RESULT_SHEET and book.sheetnames[-1] == META_SHEET
    ws = book[RESULT_SHEET]
    links = [c.hyperlink for row in ws.iter_rows() for c in row if c.hyperlink]
    assert len(links) == len([f for f in report.findings if f.cell])
    for link, finding in zip(links, [f for f in report.findings if f.cell], strict=True):
        assert link.location == f"'{finding.sheet}'!{finding.cell}"
        assert not link.target  # internal: no external relationship
    assert str(report.counts["error"]) in ws["A4"].value


def test_offending_cells_are_marked_with_comments(annotated):
    report, out = annotated
    book = openpyxl.load_workbook(out)
    for finding in report.findings:
        if not finding.cell:
            continue
        cell = book[finding.sheet][finding.cell]
        assert cell.comment is not None and finding.message() in cell.comment.text
        colour = cell.fill.fgColor.rgb[-6:]
        assert colour in ("FFC7CE", "FFE699")


def test_everything_else_is_unchanged(annotated):
    _, out = annotated
    source, copy = openpyxl.load_workbook(FAULTY), openpyxl.load_workbook(out)
    assert copy[META_SHEET].sheet_state == "veryHidden"
    for name in source.sheetnames:
        a, b = source[name], copy[name]
        assert b.protection.sheet == a.protection.sheet
        assert len(b.data_validations.dataValidation) == len(a.data_validations.dataValidation)
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=False):
            for x, y in zip(row_a, row_b, strict=False):
                assert x.value == y.value, (name, x.coordinate)
    # cached values of formulas survive too (openpyxl alone would drop them)
    cached_a = CalamineWorkbook.from_path(str(FAULTY))
    cached_b = CalamineWorkbook.from_path(str(out))
    for name in source.sheetnames:
        grid_a = cached_a.get_sheet_by_name(name).to_python(skip_empty_area=False)
        grid_b = cached_b.get_sheet_by_name(name).to_python(skip_empty_area=False)
        assert grid_a == grid_b, name


def test_validating_the_annotated_copy_replaces_marks(annotated, tmp_path, catalog):
    report, out = annotated
    again = validate(out, catalog=catalog)
    assert [(f.code, f.cell) for f in again.findings] == [(f.code, f.cell) for f in report.findings]
    second = again.annotate(tmp_path / "twice.xlsx")
    book = openpyxl.load_workbook(second)
    assert book.sheetnames.count(RESULT_SHEET) == 1
    for finding in report.findings:
        if finding.cell:
            assert book[finding.sheet][finding.cell].comment.text.count("•") == len(
                [f for f in report.findings if (f.sheet, f.cell) == (finding.sheet, finding.cell)])


def test_user_text_never_becomes_a_formula(tmp_path, catalog):
    from gnbv_templates.findings import make
    from gnbv_templates.report.report import Report

    report = validate(FAULTY, catalog=catalog)
    hostile = "=HYPERLINK(\"http://x.invalid\",\"bấm\")"
    report.findings.append(make("value.not-a-number", form="B02", sheet="Biểu 02", cell="F18", value=hostile))
    assert isinstance(report, Report)
    out = report.annotate(tmp_path / "inj.xlsx")
    ws = openpyxl.load_workbook(out)[RESULT_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value == hostile]
    assert cells and all(c.data_type == "s" for c in cells)
    assert json.loads(report.to_json())["findings"][-1]["value"] == hostile  # plain JSON string


@pytest.mark.libreoffice
def test_annotated_copy_opens_in_libreoffice_and_prints(annotated, tmp_path):
    _, out = annotated
    pdf = libreoffice.convert(out, "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 10_000
    saved = libreoffice.convert(out, "xlsx", tmp_path / "xlsx")
    assert CalamineWorkbook.from_path(str(saved)).sheet_names[0] == RESULT_SHEET
