"""What a person (or another program) can do to the workbook's shape and metadata, beyond
tests/test_validate_structure.py: every case is reported or recovered from, never misread."""

from __future__ import annotations

import shutil

import corpus as C
import openpyxl
import pytest
from conftest import ISSUED
from returns import build_return, edit

from gnbv_templates.errors import UnreadableFile
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.metadata import META_SHEET, Metadata
from gnbv_templates.forms.resources import templates_dir
from gnbv_templates.generate.pack import generate
from gnbv_templates.report.validate import validate


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("tamper")


def codes(path, catalog, **kw):
    return sorted(f.code for f in validate(path, catalog=catalog, **kw).findings)


def identity_cell(ws):
    return next(c for c in ws[1] if isinstance(c.value, str) and c.value.startswith("GNBV "))


def forge_metadata(book, change) -> None:
    """Edit the metadata as a determined person would: change a field, recompute its checksum."""
    ws = book[META_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(1, 30) if ws.cell(r, 1).value}
    items = {key: ws.cell(r, 2).value for key, r in rows.items()}
    meta = Metadata.from_items(items)
    change(meta)
    for key, value in meta.items():
        ws.cell(rows[key], 2).value = value
        ws.cell(rows[key], 2).data_type = "s"
    ws.cell(rows["meta_digest"], 2).value = meta.digest()


# -- the metadata sheet ------------------------------------------------------------------------------------------
def test_metadata_forged_with_a_consistent_checksum_but_nonsense_is_not_trusted(tmp, catalog):
    def nonsense(meta):
        meta.forms = {"B01": "Biểu 01"}  # not the list this package writes

    out = edit(C.CLEAN, tmp / "forged.xlsx", lambda b: forge_metadata(b, nonsense))
    assert codes(out, catalog) == ["structure.meta-altered"]  # recovered from the identity lines


@pytest.mark.parametrize(("field", "value"), [("period", "2025-Q3"), ("issued", "hôm qua"), ("unit_code", " "),
                                              ("forms", [{"id": "B99", "sheet": "Biểu 99"}]),
                                              ("children", [{"code": 6580}])])
def test_metadata_fields_of_the_wrong_shape_are_not_trusted(tmp, catalog, field, value):
    out = edit(C.CLEAN, tmp / f"forged_{field}.xlsx", lambda b: forge_metadata(b, lambda m: setattr(m, field, value)))
    assert codes(out, catalog) == ["structure.meta-altered"]


def test_metadata_forged_to_another_unit_is_caught_by_the_headers(tmp, catalog):
    def other_unit(meta):
        meta.unit_code, meta.unit_name = "184", "Huyện Khác"

    found = validate(edit(C.CLEAN, tmp / "forged_unit.xlsx", lambda b: forge_metadata(b, other_unit)),
                     catalog=catalog).findings
    assert {f.code for f in found} == {"identity.unit"} and len(found) >= 15  # every sheet's header and identity


def test_metadata_with_broken_json_is_read_as_missing(tmp, catalog):
    def broken(book):
        ws = book[META_SHEET]
        ws["B14"] = '[{"code": "06580", "name": "Xã'  # children, cut off

    assert codes(edit(C.CLEAN, tmp / "json.xlsx", broken), catalog) == ["structure.meta-missing"]


def test_metadata_sheet_made_visible_and_moved_first_is_fine(tmp, catalog):
    """What LibreOffice may do to a very hidden sheet."""

    def show(book):
        book[META_SHEET].sheet_state = "visible"
        book.move_sheet(META_SHEET, offset=-len(book.sheetnames))

    assert codes(edit(C.CLEAN, tmp / "meta_first.xlsx", show), catalog) == []


def test_metadata_deleted_and_a_sheet_renamed(tmp, catalog):
    def both(book):
        book.remove(book[META_SHEET])
        book["Biểu 06"].title = "DA4"

    found = validate(edit(C.CLEAN, tmp / "nometa_renamed.xlsx", both), catalog=catalog).findings
    assert sorted(f.code for f in found) == ["structure.meta-missing", "structure.sheet-renamed"]
    assert next(f for f in found if f.code == "structure.sheet-renamed").value == "DA4"


def test_metadata_deleted_and_identity_lines_gone_is_not_a_gnbv_return(tmp, catalog):
    def strip(book):
        book.remove(book[META_SHEET])
        for ws in book.worksheets:
            for cell in ws[1]:
                if isinstance(cell.value, str) and cell.value.startswith("GNBV "):
                    cell.value = None

    with pytest.raises(UnreadableFile) as caught:
        validate(edit(C.CLEAN, tmp / "anonymous.xlsx", strip), catalog=catalog)
    assert caught.value.reason == "not-gnbv" and "GNBV" in caught.value.message


@pytest.mark.parametrize("sheet", ["Biểu 01", "Biểu 03"])  # the first sheet is the one the period is read from
def test_identity_line_with_an_unknown_period_is_reported(tmp, catalog, sheet):
    def odd(book):
        book.remove(book[META_SHEET])
        cell = identity_cell(book[sheet])
        cell.value = cell.value.replace("2025-H1", "2025-Q3")

    found = validate(edit(C.CLEAN, tmp / "odd_period.xlsx", odd), catalog=catalog).findings
    assert [(f.code, f.form, f.value) for f in found] == [("structure.meta-missing", "", None),
                                                          ("identity.period", "B" + sheet[-2:], "2025-Q3")]


# -- sheets --------------------------------------------------------------------------------------------------------
def test_identity_line_of_one_sheet_from_another_unit(tmp, catalog):
    def copy_from_other(book):
        cell = identity_cell(book["Biểu 04"])
        cell.value = cell.value.replace("· 187 ·", "· 184 ·")

    found = validate(edit(C.CLEAN, tmp / "sheet_other_unit.xlsx", copy_from_other), catalog=catalog).findings
    assert [(f.code, f.form, f.cell, f.value) for f in found] == [("identity.unit", "B04", "J1", "184")]


def test_all_but_one_form_sheet_deleted(tmp, catalog):
    def keep_one(book):
        for name in list(book.sheetnames):
            if name not in ("Biểu 02", META_SHEET):
                book.remove(book[name])

    found = validate(edit(C.CLEAN, tmp / "one_sheet.xlsx", keep_one), catalog=catalog).findings
    assert {f.code for f in found} == {"structure.sheet-missing"} and len(found) == 14
    assert "B02" not in {f.form for f in found}


def test_a_copy_of_a_sheet_and_a_chart_sheet_added_are_ignored(tmp, catalog):
    from openpyxl.chart import BarChart, Reference

    def extra(book):
        copy = book.copy_worksheet(book["Biểu 07"])
        copy.title = "Biểu 07 (2)"
        chart = BarChart()
        chart.add_data(Reference(book["Biểu 01"], min_col=5, min_row=13, max_row=16))
        book.create_chartsheet("Biểu đồ").add_chart(chart)

    assert codes(edit(C.CLEAN, tmp / "extra_sheets.xlsx", extra), catalog) == []


def test_row_deleted_inside_a_table(tmp, catalog):
    found = validate(edit(C.CLEAN, tmp / "row_deleted.xlsx", lambda b: b["Biểu 09"].delete_rows(16)),
                     catalog=catalog).findings
    assert "structure.row-missing" in {f.code for f in found}
    assert not [f for f in found if f.code.startswith("value.")]  # the rest is still read by its codes


def test_column_inserted_inside_a_table(tmp, catalog):
    found = validate(edit(C.CLEAN, tmp / "col_inserted.xlsx", lambda b: b["Biểu 10"].insert_cols(6)),
                     catalog=catalog).findings
    assert {f.code for f in found} >= {"structure.column-moved"}
    assert not [f for f in found if f.code.startswith("value.")]


# -- another unit, another period, another catalog version ----------------------------------------------------------
def test_a_real_return_of_another_unit(tmp, catalog, units):
    other = build_return(tmp, catalog, units, unit="184", name="other_unit.xlsx", forms=["B02", "B15"])
    found = validate(other, catalog=catalog, expect_unit="187").findings
    assert [(f.code, f.value, f.expected) for f in found] == [("identity.unit", "184", "187")]


def test_a_real_return_of_another_period(tmp, catalog, units):
    other = build_return(tmp, catalog, units, unit="187", period="2025", name="other_period.xlsx", forms=["B02"])
    found = validate(other, catalog=catalog, expect_period="2025-H1").findings
    assert [(f.code, f.value, f.expected) for f in found] == [("identity.period", "2025", "2025-H1")]


@pytest.fixture(scope="module")
def old_return(tmp, units):
    """A return issued with an older catalog version (2024.9)."""
    old_dir = tmp / "templates_2024"
    shutil.copytree(templates_dir(), old_dir)
    text = (old_dir / "catalog.yaml").read_text(encoding="utf-8")
    current = load_catalog().version
    (old_dir / "catalog.yaml").write_text(text.replace(f'version: "{current}"', 'version: "2024.9"'),
                                          encoding="utf-8")
    old = load_catalog(old_dir)
    assert old.version == "2024.9"
    out = tmp / "old_catalog.xlsx"
    generate("187", "2025-H1", out, units=units, forms=["B02", "B03"], catalog=old, issued=ISSUED)
    return out


def test_a_return_issued_with_an_older_catalog_says_which_version_is_needed(old_return, catalog):
    [finding] = validate(old_return, catalog=catalog).findings
    assert finding.code == "structure.catalog-version" and finding.severity == "error"
    assert (finding.value, finding.expected) == ("2024.9", catalog.version)
    assert "2024.9" in finding.message() and catalog.version in finding.message()


def test_older_catalog_without_metadata_is_told_from_the_identity_lines(old_return, tmp, catalog):
    out = edit(old_return, tmp / "old_nometa.xlsx", lambda b: b.remove(b[META_SHEET]))
    found = validate(out, catalog=catalog).findings
    assert [f.code for f in found] == ["structure.meta-missing", "structure.catalog-version"]
    assert found[1].value == "2024.9"


def test_unprotected_and_edited_outside_the_yellow_cells(tmp, catalog):
    """Protection only deters: with it removed, a typed-over label is read, the codes still rule."""

    def change(book):
        ws = book["Biểu 12"]
        ws.protection.sheet = False
        ws["B14"] = "Nhãn đã bị sửa tay"

    assert codes(edit(C.CLEAN, tmp / "label.xlsx", change), catalog) == []


def test_openpyxl_round_trip_alone_changes_nothing(tmp, catalog):
    """The baseline of every test above: load and save with openpyxl, nothing else."""
    book = openpyxl.load_workbook(C.CLEAN)
    out = tmp / "resaved.xlsx"
    book.save(out)
    assert codes(out, catalog) == []
