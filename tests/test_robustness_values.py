"""Values as people type them: each is read, read with a warning, or reported — never misread or crashed on.

Every case changes one cell of the bundled clean return and compares the findings with the same file
where that cell holds the number itself (or is left blank): the difference must be exactly the
documented finding, at that cell.  Each case is a row of docs/robustness.md.
"""

from __future__ import annotations

import datetime as dt

import corpus as C
import openpyxl
import pytest
from openpyxl.comments import Comment

from gnbv_templates.report.validate import validate

COUNT = ("Biểu 01", "E13", 7711)  # B01 row 01 col 1: households, a required whole number
MONEY = ("Biểu 02", "F18", 3150.795)  # B02 row 05 col 3: million đồng, three decimals
POINTS = ("Biểu 01", "E20", 1.15)  # B01 row 08 col 1: percentage points
SPARE = ("Biểu 11", "E13", 193)  # B11 row 01 col 1: a whole number, not required


def keys(path, catalog):
    return {(f.code, f.form, f.cell) for f in validate(path, catalog=catalog).findings}


def difference(variant, baseline, catalog):
    """(findings only in the variant, findings only in the baseline)."""
    a, b = keys(variant, catalog), keys(baseline, catalog)
    return a - b, b - a


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("values")


@pytest.fixture(scope="module")
def blank(tmp):
    """The clean return with one cell emptied, per cell (built once)."""
    made = {}

    def get(sheet, address):
        if (sheet, address) not in made:
            made[(sheet, address)] = C.empty_cell(C.CLEAN, tmp / f"blank_{sheet[-2:]}_{address}.xlsx", sheet, address)
        return made[(sheet, address)]

    return get


def form_of(sheet):
    return "B" + sheet[-2:]


# -- numbers typed as text -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("where", "text", "code"), [
    (COUNT, "7.711", "value.text-number"),  # a thousands group, never 7.711
    (COUNT, "7711", "value.text-number"),  # digits in a cell formatted as text
    (COUNT, " 7711 ", "value.text-number"),
    (COUNT, "' 7711", "value.text-number"),  # an apostrophe typed in front, and a space
    (COUNT, "7711 hộ", "value.text-number"),  # the unit typed after the number
    (COUNT, "7 711", "value.text-number"),
    (COUNT, "7\u00a0711", "value.text-number"),  # a no-break space as group separator
    (COUNT, "７７１１", "value.text-number"),  # full-width digits (some Vietnamese input methods)
    (MONEY, "3.150,795", "value.text-number"),
    (MONEY, "3150,795", "value.text-number"),
    (MONEY, "3150.795", "value.ambiguous-number"),  # a dot and three digits: could be a group; said so
    (POINTS, "1,15%", "value.text-number"),
    (POINTS, "1,15", "value.text-number"),
])
def test_number_typed_as_text_is_read_with_a_warning(tmp, catalog, where, text, code):
    sheet, address, _ = where
    variant = C.text_cell(C.CLEAN, tmp / "text.xlsx", sheet, address, text)
    added, removed = difference(variant, C.CLEAN, catalog)
    assert (added, removed) == ({(code, form_of(sheet), address)}, set())


def test_number_as_shared_string_is_read_the_same(tmp, catalog):
    sheet, address, _ = COUNT
    variant = C.shared_text_cell(C.CLEAN, tmp / "shared.xlsx", sheet, address, "7.711")
    assert difference(variant, C.CLEAN, catalog) == ({("value.text-number", "B01", address)}, set())


def test_comma_decimal_in_a_whole_number_cell_is_not_misread_as_thousands(tmp, catalog):
    sheet, address, _ = COUNT
    variant = C.text_cell(C.CLEAN, tmp / "comma.xlsx", sheet, address, "7,711")
    report = validate(variant, catalog=catalog)
    at_cell = {f.code for f in report.findings if (f.form, f.cell) == ("B01", address)}
    assert at_cell == {"value.text-number", "value.not-integer"}
    assert report.forms["B01"].inputs[("01", "1")] == pytest.approx(7.711)


def test_words_are_not_numbers(tmp, catalog, blank):
    sheet, address, _ = SPARE
    variant = C.text_cell(C.CLEAN, tmp / "words.xlsx", sheet, address, "khoảng hai trăm")
    assert difference(variant, blank(sheet, address), catalog) == ({("value.not-a-number", "B11", address)}, set())


# -- placeholders -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["-", "—", "x", "X", "không", "Không", "N/A", "...", "–"])
def test_placeholder_is_read_as_blank_with_a_warning(tmp, catalog, blank, text):
    sheet, address, _ = SPARE
    variant = C.text_cell(C.CLEAN, tmp / "ph.xlsx", sheet, address, text)
    assert difference(variant, blank(sheet, address), catalog) == ({("value.placeholder", "B11", address)}, set())


def test_placeholder_in_a_required_cell_is_also_required(tmp, catalog, blank):
    sheet, address, _ = COUNT
    variant = C.text_cell(C.CLEAN, tmp / "ph_req.xlsx", sheet, address, "x")
    added, removed = difference(variant, blank(sheet, address), catalog)
    assert (added, removed) == ({("value.placeholder", "B01", address)}, set())
    assert ("value.required", "B01", address) in keys(variant, catalog)


# -- Excel error values -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("error", ["#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?"])
def test_error_value_is_reported_not_read_as_blank(tmp, catalog, blank, error):
    """python-calamine reads an error cell as empty; the sheet XML says what it holds."""
    sheet, address, _ = SPARE
    variant = C.replace_cell(C.CLEAN, tmp / "err.xlsx", sheet, address, f"<v>{error}</v>", "e")
    added, removed = difference(variant, blank(sheet, address), catalog)
    assert (added, removed) == ({("value.excel-error", "B11", address)}, set())
    [finding] = [f for f in validate(variant, catalog=catalog).findings if f.code == "value.excel-error"]
    assert finding.value == error and error in finding.message()


def test_error_from_a_formula_and_error_typed_as_text(tmp, catalog, blank):
    sheet, address, _ = SPARE
    formula = C.replace_cell(C.CLEAN, tmp / "err_f.xlsx", sheet, address, "<f>1/0</f><v>#DIV/0!</v>", "e")
    typed = C.text_cell(C.CLEAN, tmp / "err_t.xlsx", sheet, address, "#REF!")
    for variant in (formula, typed):
        assert difference(variant, blank(sheet, address), catalog) == ({("value.excel-error", "B11", address)}, set())


def test_error_in_a_required_cell_is_one_finding(tmp, catalog):
    sheet, address, _ = COUNT
    variant = C.replace_cell(C.CLEAN, tmp / "err_req.xlsx", sheet, address, "<v>#DIV/0!</v>", "e")
    at_cell = sorted(f.code for f in validate(variant, catalog=catalog).findings if f.cell == address
                     and f.form == "B01")
    assert at_cell == ["value.excel-error"]  # not also "required": one finding per cause


def test_error_where_a_formula_was_typed_over(tmp, catalog, district_total):
    sheet, address = district_total
    variant = C.replace_cell(C.CLEAN, tmp / "err_d.xlsx", sheet, address, "<v>#REF!</v>", "e")
    [finding] = [f for f in validate(variant, catalog=catalog).findings if f.cell == address]
    assert finding.code.startswith("derived.") and finding.value == "#REF!"


@pytest.fixture(scope="module")
def district_total(catalog):
    report = validate(C.CLEAN, catalog=catalog)
    state = report.forms["B11"]
    cell = next(c for c in state.layout.derived_order if c.measure.numeric and "/" not in str(c.formula))
    return state.sheet, cell.address


# -- formulas typed into input cells ----------------------------------------------------------------------------------
def test_formula_with_its_value_is_read_with_a_warning(tmp, catalog):
    sheet, address, value = SPARE
    variant = C.replace_cell(C.CLEAN, tmp / "f_v.xlsx", sheet, address, f"<f>190+3</f><v>{value}</v>")
    assert difference(variant, C.CLEAN, catalog) == ({("value.formula-in-input", "B11", address)}, set())


@pytest.mark.parametrize("inner", ["<f>190+3</f>", "<f>190+3</f><v/>", "<f>190+3</f><v></v>"])
def test_formula_without_a_value_is_reported_never_evaluated(tmp, catalog, blank, inner):
    sheet, address, _ = SPARE
    variant = C.replace_cell(C.CLEAN, tmp / "f_nv.xlsx", sheet, address, inner)
    added, removed = difference(variant, blank(sheet, address), catalog)
    assert (added, removed) == ({("value.formula-no-value", "B11", address)}, set())
    [finding] = [f for f in validate(variant, catalog=catalog).findings if f.cell == address]
    assert finding.value == "=190+3"


# -- what a person does in a spreadsheet program (saved by openpyxl) -----------------------------------------
PERSON = {
    "date": ("Biểu 11", "E14"),  # a date typed
    "date-format": ("Biểu 11", "E15"),  # a number in a cell formatted as a date
    "text-format": ("Biểu 11", "E16"),  # a number typed in a cell formatted as text
    "formula": ("Biểu 11", "E19"),  # a formula typed, saved by a program that does not calculate
    "merged": ("Biểu 11", "G13"),  # merged into F13: its own value is gone
    "comment": ("Biểu 11", "H13"),  # a comment added
    "hidden": ("Biểu 14", "E13"),  # its row hidden
}


@pytest.fixture(scope="module")
def person(tmp, catalog):
    def change(book):
        b11 = book["Biểu 11"]
        b11["E14"] = dt.date(2025, 3, 1)
        b11["E15"].number_format = "dd/mm/yyyy"
        b11["E16"] = str(b11["E16"].value)
        b11["E16"].number_format = "@"
        b11["E19"] = "=200+62"
        b11.merge_cells("F13:G13")
        b11["H13"].comment = Comment("Số liệu tạm, sẽ cập nhật", "Cán bộ xã")
        book["Biểu 14"].row_dimensions[13].hidden = True

    book = openpyxl.load_workbook(C.CLEAN)
    change(book)
    edited = tmp / "person.xlsx"
    book.save(edited)
    baseline = C.CLEAN
    for sheet, address in (PERSON["date"], PERSON["date-format"], PERSON["formula"], PERSON["merged"]):
        baseline = C.empty_cell(baseline, tmp / f"person_blank_{address}.xlsx", sheet, address)
    return edited, difference(edited, baseline, catalog)


@pytest.mark.parametrize(("case", "code"), [("date", "value.date"), ("date-format", "value.date"),
                                            ("text-format", "value.text-number"),
                                            ("formula", "value.formula-no-value")])
def test_person_edits_that_change_how_a_value_reads(person, case, code):
    _, (added, _) = person
    sheet, address = PERSON[case]
    assert {k for k in added if k[1:] == (form_of(sheet), address)} == {(code, form_of(sheet), address)}


@pytest.mark.parametrize("case", ["merged", "comment", "hidden"])
def test_person_edits_that_change_nothing(person, case):
    _, (added, removed) = person
    sheet, address = PERSON[case]
    assert not [k for k in added | removed if k[1:] == (form_of(sheet), address)]


def test_person_edits_add_nothing_else(person):
    _, (added, removed) = person
    expected = {(c, form_of(PERSON[k][0]), PERSON[k][1]) for k, c in
                [("date", "value.date"), ("date-format", "value.date"), ("text-format", "value.text-number"),
                 ("formula", "value.formula-no-value")]}
    assert (added, removed) == (expected, set())


def test_a_finding_on_a_merged_cell_is_marked_on_its_top_left(tmp, catalog):
    book = openpyxl.load_workbook(C.CLEAN)
    book["Biểu 01"].merge_cells("E13:F13")  # F13 is a required cell: now empty
    merged = tmp / "merged_req.xlsx"
    book.save(merged)
    report = validate(merged, catalog=catalog)
    assert [(f.code, f.cell) for f in report.findings] == [("value.required", "F13")]
    out = report.annotate(tmp / "merged_kiem_tra.xlsx")
    ws = openpyxl.load_workbook(out)["Biểu 01"]
    assert ws["E13"].comment is not None and "bắt buộc" in ws["E13"].comment.text


def test_a_comment_the_file_had_is_kept_in_the_annotated_copy(tmp, catalog):
    book = openpyxl.load_workbook(C.CLEAN)
    book["Biểu 11"]["E13"] = "hai trăm"
    book["Biểu 11"]["E13"].comment = Comment("Chờ xã báo lại", "Cán bộ xã")
    commented = tmp / "commented.xlsx"
    book.save(commented)
    report = validate(commented, catalog=catalog)
    out = report.annotate(tmp / "commented_kiem_tra.xlsx")
    comment = openpyxl.load_workbook(out)["Biểu 11"]["E13"].comment
    assert "Chờ xã báo lại" in comment.text and report.findings[0].message() in comment.text
    again = validate(out, catalog=catalog).annotate(tmp / "commented_twice.xlsx")  # marks replaced, note kept
    comment = openpyxl.load_workbook(again)["Biểu 11"]["E13"].comment
    assert comment.text.count("Chờ xã báo lại") == 1 and comment.text.count("•") == 1
