"""Each rule class: a return that breaks exactly that rule is flagged once, at the right cell."""

from __future__ import annotations

import pytest
from conftest import writer_for
from returns import build_return, edit, findings


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("rules")


@pytest.fixture(scope="module")
def district(catalog, units):
    return {lay.id: lay for lay in writer_for(catalog, units, unit="187").layouts()}


def addr(layouts, form, row, col):
    return layouts[form].cells[(row, col)].address


def one(found, *, code=None, rule=None, form, cell):
    assert len(found) == 1, [(f.code, f.rule, f.form, f.cell, f.message()) for f in found]
    f = found[0]
    assert (f.form, f.cell) == (form, cell), (f.form, f.cell, f.message())
    if code:
        assert f.code == code, f.code
    if rule:
        assert f.rule == rule, f.rule
    return f


def test_clean_return_has_no_findings(tmp, catalog, units):
    assert findings(build_return(tmp, catalog, units, name="clean.xlsx"), catalog) == []


def overwrite(tmp, src, sheet, address, value, name):
    def change(book):
        book[sheet][address] = value

    return edit(src, tmp / name, change)


def test_sum_of_parts_overwritten_total(tmp, catalog, units, district):
    src = build_return(tmp, catalog, units, name="base.xlsx")
    cell = addr(district, "B02", "06", "1")
    out = overwrite(tmp, src, "Biểu 02", cell, 871, "sum.xlsx")
    f = one(findings(out, catalog), code="derived.sum-mismatch", form="B02", cell=cell)
    assert f.value == 871 and f.severity == "error"
    assert "khôi phục công thức" in f.message()


def test_part_larger_than_whole(tmp, catalog, units, district):
    clean = build_return(tmp, catalog, units, name="base.xlsx")
    del clean
    from returns import clean_data

    whole = clean_data(catalog, units, "187")["B01"][("02", "2")]
    out = build_return(tmp, catalog, units, name="part.xlsx", change={("B01", "06", "2"): whole + 1})
    f = one(findings(out, catalog), code="relation.part-exceeds-whole", form="B01",
            cell=addr(district, "B01", "06", "2"))
    assert f.expected == whole


def test_works_by_type_do_not_add_up(tmp, catalog, units, district):
    from returns import clean_data

    values = clean_data(catalog, units, "187")["B03"]
    total = values[("02", "1")] + values[("03", "1")]
    room = next(t for t in ("04", "05", "06", "07") if values[(t, "1")] + 4 <= total)
    out = build_return(tmp, catalog, units, name="types.xlsx", change={("B03", room, "1"): values[(room, "1")] + 4})
    f = one(findings(out, catalog), rule="B03.CT-THEO-LOAI-01", form="B03", cell=addr(district, "B03", "01", "1"))
    assert f.value == total + 4 and f.expected == total


def test_stated_percentage_does_not_match(tmp, catalog, units, district):
    src = build_return(tmp, catalog, units, name="base.xlsx")
    cell = addr(district, "B02", "01", "28")
    out = overwrite(tmp, src, "Biểu 02", cell, 26.22, "rate.xlsx")
    one(findings(out, catalog), code="derived.ratio-mismatch", form="B02", cell=cell)


def test_stock_flow_identity(tmp, catalog, units, district):
    src = build_return(tmp, catalog, units, name="base.xlsx")
    child = units.children("187")[0].code
    cell = addr(district, "B15", child, "7")
    out = overwrite(tmp, src, "Biểu 15", cell, 99999, "stock.xlsx")
    f = one(findings(out, catalog), code="derived.formula-mismatch", form="B15", cell=cell)
    assert "-" in f.params["declaration"]


@pytest.mark.parametrize(
    ("form", "row", "col", "value", "code"),
    [
        ("B14", "05", "2", -1, "value.negative"),
        ("B11", "01", "1", 2.5, "value.not-integer"),
        ("B01", "31", "3", 120.0, "value.out-of-range"),
        ("B01", "08", "2", 45.0, "value.out-of-range"),  # refined in rules/cells.yaml
    ],
)
def test_bounds(tmp, catalog, units, district, form, row, col, value, code):
    out = build_return(tmp, catalog, units, name=f"bound_{form}_{row}.xlsx", change={(form, row, col): value})
    one(findings(out, catalog), code=code, form=form, cell=addr(district, form, row, col))


def test_required_cell_left_blank(tmp, catalog, units, district):
    out = build_return(tmp, catalog, units, name="required.xlsx", change={("B01", "04", "1"): None})
    one(findings(out, catalog), code="value.required", form="B01", cell=addr(district, "B01", "04", "1"))


def test_disbursement_above_plan_is_a_warning(tmp, catalog, units):
    layouts = {lay.id: lay for lay in writer_for(catalog, units, unit="187").layouts(["B02"])}
    # this year's central investment only: 100 planned, 150 disbursed (every other cell of the row zero)
    values = {(c, 0.0) for c in ("4", "6", "7", "8", "9", "10", "11", "13", "14", "18", "20", "21", "22", "23",
                                  "24", "25", "27")}
    values = {("05", c): v for c, v in values} | {("05", "3"): 100.0, ("05", "12"): 100.0,
                                                   ("05", "17"): 150.0, ("05", "26"): 150.0}
    out = build_return(tmp, catalog, units, forms=["B02"], name="gn.xlsx",
                       change={("B02", r, c): v for (r, c), v in values.items()})
    found = [f for f in findings(out, catalog) if f.row == "05"]
    assert {f.rule for f in found} == {"B02.GN-VUOT-KH", "B02.GN-VUOT-KH-NSTW", "B02.GN-VUOT-KH-GIAO-NAM"}
    f = next(f for f in found if f.rule == "B02.GN-VUOT-KH")
    assert f.severity == "warning" and f.cell == layouts["B02"].cells[("05", "15")].address


def test_cross_form_money(tmp, catalog, units, district):
    from returns import clean_data

    plan = clean_data(catalog, units, "187")["B02"][("10", "14")]
    out = build_return(tmp, catalog, units, name="cross.xlsx", change={("B02", "10", "14"): plan + 100})
    f = one(findings(out, catalog), rule="X.B02-B07-98-HUY-DONG", form="B02", cell=addr(district, "B02", "10", "14"))
    assert f.value - f.expected == pytest.approx(100)


def test_cross_form_poverty_b01_b15(tmp, catalog, units, district):
    from returns import clean_data

    poor = clean_data(catalog, units, "187")["B01"][("02", "3")]
    out = build_return(tmp, catalog, units, name="b01b15.xlsx", change={("B01", "02", "3"): poor + 7})
    one(findings(out, catalog), rule="X.B01-B15-02", form="B01", cell=addr(district, "B01", "02", "3"))


def test_magnitude_for_a_commune(tmp, catalog, units):
    unit = "06124"
    layouts = {lay.id: lay for lay in writer_for(catalog, units, unit=unit).layouts(["B02"])}
    from returns import clean_data

    clean = clean_data(catalog, units, unit, forms=["B02"])["B02"]
    grown = 64_719_000.0 - clean[("05", "4")]  # this year's allocation grows with it: sources still add up
    out = build_return(tmp, catalog, units, unit=unit, forms=["B02"], name="dong.xlsx",
                       change={("B02", "05", "4"): 64_719_000.0, ("B02", "05", "12"): clean[("05", "12")] + grown})
    found = findings(out, catalog)
    f = one([f for f in found if f.rule.startswith("B02.DO-LON")], rule="B02.DO-LON-xa-1", form="B02",
            cell=layouts["B02"].cells[("01", "1")].address)
    assert f.severity == "warning" and "đồng" in f.message()
    assert all(g.severity == "warning" for g in found)


def test_text_numbers_are_read_with_a_warning(tmp, catalog, units, district):
    from returns import clean_data

    value = clean_data(catalog, units, "187")["B05"][("05", "3")]
    src = build_return(tmp, catalog, units, name="base.xlsx")
    cell = addr(district, "B05", "05", "3")
    text = f"{int(value):,}".replace(",", ".") + " hộ"
    out = overwrite(tmp, src, "Biểu 05", cell, text, "text.xlsx")
    f = one(findings(out, catalog), code="value.text-number", form="B05", cell=cell)
    assert f.expected == value and f.severity == "warning"


def test_choice_outside_the_list_and_decomposed_text(tmp, catalog, units, district):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Đạt kế hoạch")
    out = build_return(tmp, catalog, units, name="choice.xlsx",
                       change={("B01", "02", "6"): "Tốt", ("B01", "04", "6"): decomposed})
    one(findings(out, catalog), code="value.not-allowed", form="B01", cell=addr(district, "B01", "02", "6"))
