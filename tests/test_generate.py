"""The generated pack, read back with openpyxl (an independent reader)."""

from __future__ import annotations

import re

import openpyxl
import pytest
import xlsxwriter
from conftest import writer_for
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from xlsxwriter.worksheet import Worksheet

from gnbv_templates.forms.metadata import META_SHEET
from gnbv_templates.generate.writer import FormSheet
from gnbv_templates.read.reader import open_return


@pytest.fixture(scope="module")
def book(pack):
    return openpyxl.load_workbook(pack)


def _codes_on_sheet(ws, layout):
    """Row codes from column C and column codes from the number row, as printed."""
    rows = {}
    for r in range(layout.first_data_row + 1, ws.max_row + 1):
        code = ws.cell(r, 3).value
        if code:
            rows[str(code)] = r
    cols = {}
    for c in range(layout.definition.first_data_col + 1, ws.max_column + 1):
        code = ws.cell(layout.number_row + 1, c).value
        if code:
            cols[str(code)] = c
    return rows, cols


def test_sheets_order_and_metadata_last_very_hidden(book, catalog):
    assert book.sheetnames == [f.sheet for f in catalog.forms.values()] + [META_SHEET]
    assert book[META_SHEET].sheet_state == "veryHidden"
    assert all(book[f.sheet].sheet_state == "visible" for f in catalog.forms.values())


def test_metadata_and_the_layout_match_the_printed_codes(pack, book, catalog, units):
    """The metadata names what was issued; each cell of the layout is where the printed codes say,
    a formula and locked if derived, open for input otherwise."""
    read = open_return(pack).metadata
    assert read.problem is None
    meta = read.meta
    assert (meta.unit_code, meta.period, meta.catalog_version) == ("20", "2025-H1", catalog.version)
    assert meta.catalog_hash == catalog.content_hash
    assert [c["code"] for c in meta.children] == [u.code for u in units.children("20")]
    writer = writer_for(catalog, units)
    layouts = {lay.id: lay for lay in writer.layouts()}
    assert [f["id"] for f in meta.forms] == list(layouts)
    seen = 0
    for layout in layouts.values():
        ws = book[layout.sheet]
        rows, cols = _codes_on_sheet(ws, layout)
        for cell in layout.cells.values():
            if cell.kind == "na":
                continue
            letters, number = coordinate_from_string(cell.address)
            assert rows[cell.row] == number, (layout.id, cell.row, cell.address)
            assert cols[cell.col] == column_index_from_string(letters), (layout.id, cell.col, cell.address)
            found = ws[cell.address]
            if cell.kind == "derived":
                assert isinstance(found.value, str) and found.value.startswith("="), (layout.id, cell.address)
                assert found.protection.locked
            else:
                assert not (isinstance(found.value, str) and found.value.startswith("="))
                assert not found.protection.locked, (layout.id, cell.address)
            seen += 1
    assert seen > 1000


def test_the_metadata_sheet_holds_the_metadata_only(pack):
    """Where each cell is, is the catalog's to say: the metadata sheet does not describe the forms again."""
    grid = open_return(pack).grid(META_SHEET)
    assert len(grid) < 25 and all(row[0] for row in grid)


_REF = re.compile(r"\b([A-Z]{1,3})(\d+)\b")


def test_formulas_cite_the_declared_cells(book, catalog, units):
    """Each formula's cell references, mapped back through the printed codes, are its declaration's."""
    writer = writer_for(catalog, units)
    for layout in writer.layouts():
        ws = book[layout.sheet]
        rows, cols = _codes_on_sheet(ws, layout)
        by_row = {v: k for k, v in rows.items()}
        by_col = {v: k for k, v in cols.items()}
        for cell in layout.derived_order:
            text = ws[cell.address].value
            cited = {(by_row[int(n)], by_col[column_index_from_string(c)])
                     for c, n in _REF.findall(text.replace("IFERROR", ""))}
            declared = set(re.findall(r"\[([^,\]]+), ([^\]]+)\]", cell.declaration))
            assert cited == declared, (layout.id, cell.address, text, cell.declaration)


def test_identity_line_on_every_sheet(pack, catalog):
    ret = open_return(pack)
    for form in catalog.forms.values():
        ident = ret.identity(form.sheet)
        assert ident is not None
        assert (ident["form"], ident["unit"], ident["period"]) == (form.id, "20", "2025-H1")
        assert ident["version"] == catalog.version


def test_print_setup_protection_and_panes(book, catalog, units):
    writer = writer_for(catalog, units)
    for layout in writer.layouts():
        ws = book[layout.sheet]
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "9"  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # as many pages across as keep the 11 pt text at 8 pt or larger (1 is the OOXML default, left out)
        assert int(ws.page_setup.fitToWidth or 1) == {"B02": 3, "B15": 2}.get(layout.id, 1)
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == f"${layout.heading_top + 1}:${layout.number_row + 1}"
        assert ws.protection.sheet and not ws.protection.password
        assert ws.freeze_panes == ws.cell(layout.first_data_row + 1, layout.definition.first_data_col + 1).coordinate
        font = ws.cell(layout.first_data_row + 1, 2).font
        assert font.name == "Times New Roman"


def test_every_input_cell_has_data_validation(book, catalog, units):
    writer = writer_for(catalog, units)
    for layout in writer.layouts():
        ws = book[layout.sheet]
        rules = [(dv, str(dv.sqref)) for dv in ws.data_validations.dataValidation]
        for cell in layout.inputs:
            covering = [dv for dv, ref in rules if cell.address in dv.sqref]
            if cell.measure.type == "choice":
                assert len(covering) == 1 and covering[0].type == "list", (layout.id, cell.address)
                assert "Đạt kế hoạch" in covering[0].formula1
                continue
            if not cell.measure.numeric:
                continue
            assert len(covering) == 1, (layout.id, cell.address)
            dv = covering[0]
            kind = cell.measure.type
            expected = {"count": "whole", "money": "decimal", "decimal": "decimal",
                        "percent": "decimal", "points": "decimal"}[kind]
            assert dv.type == expected
            if kind == "percent":
                assert (dv.formula1, dv.formula2) == ("0", "100")
            assert dv.error and dv.prompt  # Vietnamese messages present
            assert dv.errorStyle in (None, "stop")


def test_derived_cells_carry_correct_cached_values(filled):
    from python_calamine import CalamineWorkbook

    from gnbv_templates.forms.compute import derived_values

    path, writer, values = filled
    book = CalamineWorkbook.from_path(str(path))
    for layout in writer.layouts():
        grid = book.get_sheet_by_name(layout.sheet).to_python(skip_empty_area=False)
        expected = derived_values(layout, values[layout.id])
        assert any(v for v in expected.values())
        for cell in layout.derived_order:
            want = expected[(cell.row, cell.col)]
            got = grid[cell.r][cell.c]
            assert got == ("" if want is None else pytest.approx(want)), (layout.id, cell.address)


def test_text_that_looks_like_a_formula_stays_text(filled):
    path, writer, values = filled
    book = openpyxl.load_workbook(path)
    for layout in writer.layouts():
        ws = book[layout.sheet]
        for (row, col), value in values[layout.id].items():
            if isinstance(value, str):
                cell = ws[layout.cells[(row, col)].address]
                assert cell.value == value and cell.data_type == "s"


def test_generate_repeats_biểu15_rows_per_child(pack, units, catalog):
    book = openpyxl.load_workbook(pack)
    ws = book["Biểu 15"]
    layout = writer_for(catalog, units).layouts(["B15"])[0]
    names = [ws.cell(layout.first_data_row + 2 + i, 2).value for i in range(len(units.children("20")))]
    assert names == [u.name for u in units.children("20")]
    total = ws.cell(layout.first_data_row + 1, layout.col_index["1"] + 1).value
    assert total.startswith("=") and "SUM" not in total and total.count("+") == len(names) - 1


def test_commune_without_children_types_its_total(catalog, units, tmp_path):
    layout = writer_for(catalog, units, unit="06124").layouts(["B15"])[0]
    assert [r.code for r in layout.rows] == ["00"]
    assert layout.cells[("00", "1")].kind == "input"
    assert layout.cells[("00", "3")].kind == "derived"


def test_a_province_with_hundreds_of_units_fits_the_metadata(catalog, tmp_path):
    """Excel cells hold 32,767 characters at most: a long unit list must still round-trip."""
    from gnbv_templates.forms.units import load_units
    from gnbv_templates.read.reader import open_return

    lines = ["levels: [{id: tinh, name: Tỉnh}, {id: huyen, name: Huyện}]", "units:",
             '  - {code: "99", name: "Tỉnh thử nghiệm", level: tinh}']
    lines += [f'  - {{code: "{100 + i}", name: "Huyện thử nghiệm có tên khá dài số {i}", level: huyen, '
              f'parent: "99"}}' for i in range(700)]
    path = tmp_path / "units.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    units = load_units(path)
    out = writer_for(catalog, units, unit="99").write(tmp_path / "big.xlsx", form_ids=["B15"])
    read = open_return(out).metadata
    assert read.problem is None and len(read.meta.children) == 700


def test_biểu15_with_two_thousand_units_stays_within_excel_and_python_limits(catalog, tmp_path):
    """A province of the two-level model can have a great many communes: no deep recursion, no
    formula over Excel's 8,192 characters, and the return validates clean."""
    import openpyxl

    from gnbv_templates.forms.units import load_units
    from gnbv_templates.report.validate import validate

    lines = ["levels: [{id: tinh, name: Tỉnh}, {id: xa, name: Xã}]", "units:",
             '  - {code: "99", name: "Tỉnh thử nghiệm", level: tinh}']
    lines += [f'  - {{code: "{10000 + i}", name: "Xã {i}", level: xa, parent: "99"}}' for i in range(2000)]
    path = tmp_path / "units.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    writer = writer_for(catalog, load_units(path), unit="99")
    layout = writer.layouts(["B15"])[0]
    values = {(str(10000 + i), "1"): 1000 + i for i in range(2000)}
    out = writer.write(tmp_path / "big.xlsx", form_ids=["B15"], values={"B15": values})
    total = openpyxl.load_workbook(out)["Biểu 15"][layout.cells[("00", "1")].address].value
    first, last = layout.cells[("10000", "1")].address, layout.cells[("11999", "1")].address
    assert total == f"=SUM({first}:{last})"
    assert all(len(f) < 8192 for f in layout.excel_formulas.values())
    report = validate(out, catalog=catalog)
    assert [f for f in report.findings if f.code not in ("value.required", "form.required-missing")] == []


def test_form_sheets_keep_the_models_formulas_as_xlsxwriter_would(catalog, units, tmp_path):
    """The form's own formulas skip XlsxWriter's renaming of newer functions, which they do not use: the text kept
    is the library's, for every formula of every form; any other formula is still renamed by the library."""
    book = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    ours, theirs = book.add_worksheet("a", worksheet_class=FormSheet), book.add_worksheet("b")
    assert isinstance(ours, Worksheet)
    seen = 0
    for layout in writer_for(catalog, units).layouts():
        for formula in layout.excel_formulas.values():
            assert ours._prepare_formula(formula) == theirs._prepare_formula(formula), formula
            seen += 1
    assert seen > 1000
    for other in ("=XLOOKUP(A1,B1:B9,C1:C9)", "=SUM(A1:A3)+FILTER(B1:B3,B1:B3>0)", '=HYPERLINK("http://x","y")'):
        assert ours._prepare_formula(other) == theirs._prepare_formula(other)
    assert ours._prepare_formula("=XLOOKUP(A1,B1:B9,C1:C9)").startswith("_xlfn.")
    book.close()
