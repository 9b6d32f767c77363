"""Identity and structure: what a person can do to the workbook's shape is reported, not misread."""

from __future__ import annotations

import pytest
from conftest import writer_for
from returns import build_return, edit, findings

from gnbv_templates.forms.metadata import META_SHEET


@pytest.fixture(scope="module")
def base(tmp_path_factory, catalog, units):
    tmp = tmp_path_factory.mktemp("structure")
    return tmp, build_return(tmp, catalog, units, name="base.xlsx")


@pytest.fixture(scope="module")
def layouts(catalog, units):
    return {lay.id: lay for lay in writer_for(catalog, units, unit="187").layouts()}


def codes(found):
    return sorted(f.code for f in found)


def test_header_unit_edited(base, catalog):
    tmp, src = base
    out = edit(src, tmp / "unit.xlsx", lambda b: b["Biểu 02"].__setitem__("A1", "Tên đơn vị báo cáo: Huyện Khác"))
    found = findings(out, catalog)
    assert codes(found) == ["identity.unit"] and found[0].cell == "A1" and found[0].sheet == "Biểu 02"


def test_header_period_edited(base, catalog):
    tmp, src = base
    out = edit(src, tmp / "period.xlsx", lambda b: b["Biểu 04"].__setitem__("A4", "Kỳ báo cáo: năm 2024"))
    assert codes(findings(out, catalog)) == ["identity.period"]


def test_another_units_return_or_period(base, catalog):
    _, src = base
    found = findings(src, catalog, expect_unit="184", expect_period="2025")
    assert codes(found) == ["identity.period", "identity.unit"]


def test_metadata_deleted_is_recovered_from_visible_identity(base, catalog):
    tmp, src = base
    out = edit(src, tmp / "nometa.xlsx", lambda b: b.remove(b[META_SHEET]))
    found = findings(out, catalog)
    assert codes(found) == ["structure.meta-missing"]
    assert found[0].severity == "warning"


def test_metadata_edited(base, catalog):
    tmp, src = base
    out = edit(src, tmp / "meta.xlsx", lambda b: b[META_SHEET].__setitem__("B5", "Huyện Khác"))
    assert "structure.meta-altered" in codes(findings(out, catalog))


def test_sheet_renamed(base, catalog):
    tmp, src = base

    def rename(book):
        book["Biểu 05"].title = "DA3 sản xuất"

    found = findings(edit(src, tmp / "renamed.xlsx", rename), catalog)
    assert codes(found) == ["structure.sheet-renamed"]
    assert found[0].value == "DA3 sản xuất"


def test_sheet_deleted(base, catalog):
    tmp, src = base
    found = findings(edit(src, tmp / "deleted.xlsx", lambda b: b.remove(b["Biểu 12"])), catalog)
    assert "structure.sheet-missing" in codes(found)
    assert not any(f.form == "B12" and f.code != "structure.sheet-missing" for f in found)


def test_sheets_reordered(base, catalog):
    tmp, src = base

    def move(book):
        book.move_sheet("Biểu 15", offset=-10)

    assert codes(findings(edit(src, tmp / "order.xlsx", move), catalog)) == ["structure.sheet-order"]


def test_row_inserted_inside_table_is_reported_and_values_still_found(base, catalog, layouts):
    tmp, src = base
    at = layouts["B07"].row_index["05"] + 1  # 1-based sheet row of code 05

    def insert(book):
        ws = book["Biểu 07"]
        ws.insert_rows(at)
        ws.cell(at, 2).value = "Dòng tự thêm"
        ws.cell(at, 5).value = 12

    found = findings(edit(src, tmp / "inserted.xlsx", insert), catalog)
    assert {"structure.row-moved", "structure.row-extra"} <= set(codes(found))
    # values are read by code, so no arithmetic finding comes from the shift
    assert not [f for f in found if f.code.startswith(("derived", "relation", "value")) or f.code == "rule.failed"]


def test_column_deleted(base, catalog):
    tmp, src = base
    found = findings(edit(src, tmp / "col.xlsx", lambda b: b["Biểu 09"].delete_cols(7)), catalog)
    missing = [f for f in found if f.code == "structure.column-missing"]
    assert [f.col for f in missing] == ["3"] and missing[0].form == "B09"


def test_protection_removed_alone_is_fine(base, catalog):
    tmp, src = base

    def unprotect(book):
        for ws in book.worksheets:
            ws.protection.sheet = False

    assert findings(edit(src, tmp / "unprotected.xlsx", unprotect), catalog) == []


def test_formula_edited(base, catalog, layouts):
    tmp, src = base
    cell = layouts["B02"].cells[("02", "1")].address
    out = edit(src, tmp / "formula.xlsx", lambda b: b["Biểu 02"].__setitem__(cell, "=D16+D17+100"))
    found = findings(out, catalog)
    # the altered formula's result cannot be computed without a spreadsheet: it is read as typed over
    assert [f.cell for f in found] == [cell]


def test_same_version_other_definitions_is_not_misread(base, catalog, tmp_path):
    """A form whose structure differs from the issued one (same version) is reported, not read cell by cell."""
    import shutil

    from gnbv_templates.forms.catalog import load_catalog
    from gnbv_templates.forms.resources import templates_dir

    _, src = base
    changed = tmp_path / "templates"
    shutil.copytree(templates_dir(), changed)
    path = changed / "bieu_10.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('label: "Ghi chú"', 'label: "Ghi chú thêm"', 1)
                    .replace('{code: "6",', '{code: "7", label: "Cột mới"}\n  - {code: "6",', 1), encoding="utf-8")
    found = findings(src, load_catalog(changed))
    assert [(f.code, f.form) for f in found] == [("structure.form-changed", "B10")]


def test_cli_expected_unit_and_period(base):
    import subprocess
    import sys

    _, src = base
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(src), "--expect-unit", "184",
                           "--expect-period", "2025"], capture_output=True, text=True)
    assert done.returncode == 1 and "Huyện" not in done.stderr
    assert "184" in done.stdout and "2025" in done.stdout
