"""Real reports typed into the forms as an official would, figure by figure.

The figures are those of provincial, district and commune reports (Lạng Sơn 2023 six-month report,
Thành phố Lạng Sơn 2024, Cao Bằng 2023, Thị xã Việt Yên 2023, a commune's 2024 plan): rates rounded as
the reports round them, totals stated without their breakdown, money in whole triệu đồng or with the
decimals the report uses.  Each typed cell is a figure the report states; a formula cell is typed over
only where the report states that figure.  Consistent figures must raise no error; every real
inconsistency must be flagged at its cell.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import ISSUED, writer_for

from gnbv_templates.findings import ERROR, WARNING
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.resources import templates_dir
from gnbv_templates.generate.pack import generate
from gnbv_templates.report.validate import validate

Figures = dict[tuple[str, str, str], float | int]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("seeds")


def typed_return(tmp: Path, catalog, units, name: str, *, unit: str, period: str, figures: Figures,
                 forms: list[str] | None = None) -> Path:
    """The pack issued to the unit, with the report's figures typed into their cells."""
    template = tmp / f"{name}_template.xlsx"
    generate(unit, period, template, units=units, forms=forms, catalog=catalog, issued=ISSUED)
    layouts = {lay.id: lay for lay in writer_for(catalog, units, unit=unit, period=period).layouts(forms)}
    book = openpyxl.load_workbook(template)
    for (form, row, col), value in figures.items():
        layout = layouts[form]
        book[layout.sheet][layout.cells[(row, col)].address] = value
    out = tmp / f"{name}.xlsx"
    book.save(out)
    return out


def key(finding) -> tuple[str, str, str, str]:
    return (finding.rule or finding.code, finding.form, finding.row, finding.col)


def flagged(report, severity: str = ERROR) -> set[tuple[str, str, str, str]]:
    return {key(f) for f in report.findings if f.severity == severity}


def b02(row: str, **cols: float) -> Figures:
    return {("B02", row, col.lstrip("c")): value for col, value in cols.items()}


# Lạng Sơn, six months of 2023 (seed 004): plan 344.961, disbursed 84.422 "đạt 26,22%" (true 24,47%).
LANG_SON_2023_H1: Figures = {
    # TỔNG CỘNG: totals stated without every project's breakdown
    **b02("01", c1=344961, c2=334913, c3=166232, c4=168681, c5=10048, c6=4988, c7=5060,
          c15=84422, c16=81937, c17=50337, c18=31600, c19=2485, c27=1724, c28=26.22),
    # Dự án 2: 46.435 (45.082 + 1.353), disbursed 15.400 "đạt 33,2%" (33,165%)
    **b02("05", c1=46435, c2=45082, c5=1353, c15=15400, c28=33.2),
    # Tiểu dự án 1, Dự án 3
    **b02("07", c1=20481, c2=19884, c5=597, c15=3261, c16=2930, c19=331, c28=15.9, c29=14.74, c32=55.44),
    # Tiểu dự án 2, Dự án 3
    **b02("08", c1=5921, c2=5748, c5=173, c15=1764, c16=1700, c19=64, c28=29.8, c29=29.58, c32=36.99),
    # Tiểu dự án 1, Dự án 4: disbursed 3.261 but 2.930 + 311 = 3.241; NSĐP sự nghiệp 311 / 880 is 35,3%, not 37,6%
    **b02("10", c1=48480, c2=47069, c3=17693, c4=29376, c5=1411, c6=531, c7=880,
          c15=3261, c16=2930, c18=2930, c19=311, c21=311, c28=6.7, c31=10, c34=37.6),
    # Tiểu dự án 2, Dự án 4
    **b02("11", c1=1654, c2=1606, c5=48, c15=614, c16=600, c19=14, c28=37.1, c29=37.4, c32=29.2),
    # Tiểu dự án 3, Dự án 4: NSTW stated 9.869 while 3.439 + 6.457 = 9.896; NSTW rate 16,8% (1.600 / 9.896 = 16,2%)
    **b02("12", c1=10193, c2=9869, c3=3439, c4=6457, c5=297, c6=103, c7=194,
          c15=1650, c16=1600, c18=1600, c19=50, c21=50, c28=16.2, c29=16.8, c34=25.8),
    # Dự án 5
    **b02("13", c1=11968, c2=11620, c5=348, c15=2120, c16=2000, c19=120, c28=17.7, c29=17.2, c32=34.5),
    # Tiểu dự án 1, Dự án 6: "đạt 28,1%" (28,137%)
    **b02("15", c1=21982, c2=21342, c5=640, c15=6185, c16=6000, c19=185, c28=28.1, c29=28.1, c32=28.9),
    # Tiểu dự án 2, Dự án 6: 1.443 / 3.024 is 47,72%, the report says 47,2%
    **b02("16", c1=3024, c2=2936, c5=88, c15=1443, c16=1400, c19=43, c28=47.2, c29=47.7, c32=48.9),
    # Dự án 7
    **b02("18", c1=6792, c2=6594, c5=198, c15=1270, c28=18.7),
    **b02("19", c1=3632, c2=3526, c5=106, c15=1030, c16=1000, c19=30, c28=28.4, c29=28.4, c32=28.3),
}
LANG_SON_2023_H1_WRONG = {
    ("derived.ratio-mismatch", "B02", "01", "28"),   # 26,22% stated, 24,47% true
    ("derived.sum-mismatch", "B02", "10", "15"),     # 3.261 ≠ 2.930 + 311
    ("derived.ratio-mismatch", "B02", "10", "34"),   # 37,6% stated, 35,3% true
    ("derived.sum-mismatch", "B02", "12", "2"),      # 9.869 ≠ 3.439 + 6.457
    ("derived.ratio-mismatch", "B02", "12", "29"),   # 16,8% stated, 16,2% true
    ("derived.ratio-mismatch", "B02", "16", "28"),   # 47,2% stated, 47,7% true
}


def test_lang_son_2023_six_months(tmp, catalog, units):
    out = typed_return(tmp, catalog, units, "lang_son_2023_h1", unit="20", period="2023-H1",
                       figures=LANG_SON_2023_H1, forms=["B02"])
    report = validate(out, catalog=catalog)
    assert flagged(report) == LANG_SON_2023_H1_WRONG
    assert flagged(report, WARNING) == set()


def test_lang_son_shows_the_true_rate_rounded_as_stated(tmp, catalog, units):
    out = typed_return(tmp, catalog, units, "lang_son_rate", unit="20", period="2023-H1",
                       figures=LANG_SON_2023_H1, forms=["B02"])
    [rate] = [f for f in validate(out, catalog=catalog).findings if key(f)[2:] == ("01", "28")]
    assert rate.value == 26.22 and rate.expected == pytest.approx(24.47)
    assert "24,47" in rate.message() and "None" not in rate.message()


def test_lang_son_in_the_full_pack_is_not_buried_under_empty_forms(tmp, catalog, units):
    """The province attached Biểu 02 only: each empty form is one line, not one per cell or per rule."""
    out = typed_return(tmp, catalog, units, "lang_son_full", unit="20", period="2023-H1",
                       figures=LANG_SON_2023_H1)
    report = validate(out, catalog=catalog)
    in_b02 = {k for k in flagged(report) if k[1] == "B02"}
    assert in_b02 == LANG_SON_2023_H1_WRONG
    others = [f for f in report.findings if f.form not in ("", "B02")]
    per_form: dict[str, int] = {}
    for f in others:
        per_form[f.form] = per_form.get(f.form, 0) + 1
    assert all(n == 1 for n in per_form.values()), per_form
    assert not any(f.rule and f.rule.startswith("X.") and f.severity == ERROR for f in report.findings)


# Thành phố Lạng Sơn, 2024 (seed 000): plan adjusted from 6.812,473 to 337,32 = 62,32 carried over + 275;
# Tiểu dự án 2 Dự án 7 states 117,17 = 31,17 + 85 (which make 116,17) and a rate 95,6% (99,0% true).
CITY_2024: Figures = {
    **b02("01", c1=337.32, c5=13, c11=62.32, c12=275, c13=6812.473, c25=62.32, c26=217.8, c35=100, c36=79.2),
    # Tiểu dự án 2, Dự án 3: 35,752 / 36,086 "đạt tỉ lệ 99%"
    **b02("08", c1=36.086, c13=231.086, c15=35.752, c16=30.752, c19=5, c25=30.752, c26=5, c28=99),
    # Tiểu dự án 2, Dự án 6: 56 (54 NSTW + 2 NSĐP), disbursed in full
    **b02("16", c2=54, c5=2, c15=56, c28=100),
    # Tiểu dự án 1, Dự án 7: 129,064 = 0,064 carried over + 129; disbursed 71,835 "đạt 56%"
    **b02("18", c1=129.064, c11=0.064, c12=129, c15=71.835, c16=71.835, c28=56),
    # Tiểu dự án 2, Dự án 7
    **b02("19", c1=117.17, c11=31.17, c12=85, c15=116.014, c16=114.014, c19=2, c28=95.6),
}
CITY_2024_WRONG = {
    ("B02.KH-THEO-NGUON", "B02", "19", "1"),        # 31,17 + 85 ≠ 117,17
    ("derived.ratio-mismatch", "B02", "19", "28"),  # 95,6% stated, 99,0% true
}
# Its projects add up to 338,32 against a stated 337,32 — within what "56 (54 + 2)" in whole triệu đồng allows.


def test_city_2024_carried_over_and_adjusted(tmp, catalog, units):
    out = typed_return(tmp, catalog, units, "city_2024", unit="178", period="2024", figures=CITY_2024,
                       forms=["B02"])
    report = validate(out, catalog=catalog)
    assert flagged(report) == CITY_2024_WRONG
    assert flagged(report, WARNING) == set()


# Cao Bằng, 2023 (seed 003): whole-number rates (75%, 80%, 66%, 92%), local budget by level; 139 works
# (110 carried on + 29 new) that add up to 143 by type.
PROVINCE_2023: Figures = {
    **b02("01", c1=1144077, c2=1125628, c3=706065, c4=419563, c5=18449, c8=13982, c9=4467, c11=328113,
          c15=855786, c16=838824, c17=561592, c18=277232, c19=16962, c22=12706, c23=4256,
          c29=75, c30=80, c31=66, c32=92),
    ("B03", "02", "2"): 110, ("B03", "03", "2"): 29,
    ("B03", "04", "2"): 86, ("B03", "05", "2"): 10, ("B03", "06", "2"): 29, ("B03", "07", "2"): 5,
    ("B03", "08", "2"): 3, ("B03", "09", "2"): 5, ("B03", "10", "2"): 4, ("B03", "12", "2"): 1,
}


def test_province_2023_whole_rates_and_works_by_type(tmp, catalog, units):
    out = typed_return(tmp, catalog, units, "province_2023", unit="20", period="2023", figures=PROVINCE_2023,
                       forms=["B02", "B03"])
    report = validate(out, catalog=catalog)
    assert flagged(report) == {("B03.CT-THEO-LOAI-01", "B03", "01", "2")}
    [works] = [f for f in report.findings if f.rule == "B03.CT-THEO-LOAI-01"]
    assert (works.value, works.expected) == (143, 139)


# Thị xã Việt Yên, 2023 (seed 002): Dự án 3 "871 triệu đồng" while its Tiểu dự án 1 alone has 898.
DISTRICT_2023: Figures = {
    **b02("05", c1=2690, c11=765, c12=1925),
    **b02("06", c1=871),
    **b02("07", c1=898, c11=252, c12=646),
    **b02("09", c1=1757, c11=589, c12=1168),
}


def test_district_2023_part_larger_than_its_whole(tmp, catalog, units):
    out = typed_return(tmp, catalog, units, "district_2023", unit="187", period="2023", figures=DISTRICT_2023,
                       forms=["B02"])
    report = validate(out, catalog=catalog)
    assert flagged(report) == {("derived.parts-exceed-total", "B02", "06", "1")}
    [found] = [f for f in report.findings if key(f)[2:] == ("06", "1")]
    assert (found.value, found.expected) == (871, 898)


def test_commune_amount_typed_in_dong(tmp, catalog, units):
    """Seed 001: "236.000.000 triệu đồng, gồm 230.000.000 … và 6.000.000" — đồng under a triệu đồng heading."""
    figures = b02("07", c1=236_000_000, c4=230_000_000, c7=6_000_000)
    out = typed_return(tmp, catalog, units, "commune_2024", unit="06139", period="2024", figures=figures,
                       forms=["B02"])
    report = validate(out, catalog=catalog)
    assert flagged(report) == set()
    assert flagged(report, WARNING) == {("B02.DO-LON-xa-1", "B02", "01", "1")}


def test_health_insurance_cards(tmp, catalog, units):
    """Seed 004: 228.869 cards = 12.453 (poor) + 19.989 (near-poor) + 196.427 (ethnic minorities)."""
    cards = {("B01", "34", "3"): 228869, ("B01", "35", "3"): 12453, ("B01", "36", "3"): 19989,
             ("B01", "38", "3"): 196427}
    report = validate(typed_return(tmp, catalog, units, "cards", unit="20", period="2023-H1", figures=cards,
                                   forms=["B01"]), catalog=catalog)
    at_cards = [f for f in report.findings if f.row in ("34", "35", "36", "37", "38")]
    assert [(f.code, f.row) for f in at_cards] == [("derived.stated-total", "34")]  # a note, not a fault
    swapped = {**cards, ("B01", "34", "3"): 228896, ("B01", "37", "3"): 0}
    report = validate(typed_return(tmp, catalog, units, "cards_wrong", unit="20", period="2023-H1",
                                   figures=swapped, forms=["B01"]), catalog=catalog)
    assert {k for k in flagged(report) if k[2] in ("34", "35", "36", "37", "38")} == {
        ("derived.sum-mismatch", "B01", "34", "3")}


def test_blank_pack_gives_one_finding_per_form(tmp, catalog, units):
    template = tmp / "blank.xlsx"
    generate("187", "2025-H1", template, units=units, catalog=catalog, issued=ISSUED)
    report = validate(template, catalog=catalog)
    forms = [f.form for f in report.findings]
    assert len(forms) == len(set(forms)), forms
    assert len(forms) <= len(catalog.forms)


def test_a_return_of_the_previous_catalog_is_read_by_its_own_definitions(tmp, catalog, units):
    old = load_catalog(templates_dir() / "versions" / "2025.1")
    assert old.version == "2025.1" != catalog.version
    template = tmp / "old_version.xlsx"
    generate("187", "2025-H1", template, units=units, forms=["B02"], catalog=old, issued=ISSUED)
    layout = writer_for(old, units, unit="187").layouts(["B02"])[0]
    book = openpyxl.load_workbook(template)
    # 2025.1's Biểu 02: column 17 was the total disbursement rate (9 / 1)
    zeros = {("05", c): 0 for c in ("4", "6", "7", "8", "12", "14", "15", "16")}  # every other source: none
    for (row, col), value in {**zeros, ("05", "3"): 1000, ("05", "11"): 400, ("05", "17"): 40}.items():
        book[layout.sheet][layout.cells[(row, col)].address] = value
    book.save(tmp / "old_version_filled.xlsx")
    report = validate(tmp / "old_version_filled.xlsx", catalog=catalog)
    assert report.catalog_version == "2025.1"
    assert not [f for f in report.findings if f.code == "structure.catalog-version"]
    assert [(f.code, f.value) for f in report.findings if f.code.startswith("structure.")] == [
        ("structure.catalog-older", "2025.1")]
    assert flagged(report) == set()
    # the rate typed over its formula is checked by 2025.1's own declaration: 400 / 1.000 is 40%, not 45%
    book[layout.sheet][layout.cells[("05", "17")].address] = 45
    book.save(tmp / "old_version_wrong.xlsx")
    wrong = validate(tmp / "old_version_wrong.xlsx", catalog=catalog)
    assert flagged(wrong) == {("derived.ratio-mismatch", "B02", "05", "17")}


def test_an_unknown_version_says_which_one_it_needs(tmp, catalog, units):
    other = tmp / "templates_2031"
    shutil.copytree(templates_dir(), other)
    text = (other / "catalog.yaml").read_text(encoding="utf-8")
    (other / "catalog.yaml").write_text(text.replace(f'version: "{catalog.version}"', 'version: "2031.1"'),
                                        encoding="utf-8")
    out = tmp / "v2031.xlsx"
    generate("187", "2025-H1", out, units=units, forms=["B02"], catalog=load_catalog(other), issued=ISSUED)
    [finding] = validate(out, catalog=catalog).findings
    assert finding.code == "structure.catalog-version" and finding.value == "2031.1"
    assert "2031.1" in finding.message()


def test_money_block_of_a_sub_project_form_and_biểu_02_agree(tmp, catalog, units):
    """Seed 004, Tiểu dự án 1 Dự án 4, typed in both Biểu 02 and its own form (Biểu 07): one mistake, once each."""
    block = {  # Biểu 07 money block: rows 91–97, column 1 the plan, column 3 disbursed since the start of the year
        ("B07", "93", "1"): 17693, ("B07", "94", "1"): 29376, ("B07", "96", "1"): 531, ("B07", "97", "1"): 880,
        ("B07", "91", "1"): 48480,
        # "ngân sách trung ương: 2.930 triệu đồng, vốn sự nghiệp: 2.930 …; ngân sách địa phương: 311 …"
        ("B07", "92", "3"): 2930, ("B07", "94", "3"): 2930, ("B07", "95", "3"): 311, ("B07", "97", "3"): 311,
        ("B07", "91", "3"): 3261, ("B07", "91", "5"): 6.7,
    }
    figures = {**block, **{k: v for k, v in LANG_SON_2023_H1.items() if k[1] == "10"}}
    out = typed_return(tmp, catalog, units, "da41", unit="20", period="2023-H1", figures=figures,
                       forms=["B02", "B07"])
    report = validate(out, catalog=catalog)
    assert flagged(report) == {
        ("derived.sum-mismatch", "B07", "91", "3"),  # 3.261 ≠ 2.930 + 311, in the form of the sub-project
        ("derived.sum-mismatch", "B02", "10", "15"),  # and the same figure in Biểu 02
        ("derived.ratio-mismatch", "B02", "10", "34"),
    }
    assert not [f for f in report.findings if f.rule.startswith("X.") and f.severity != "info"]


def test_poverty_rates_stated_on_the_total_row(tmp, catalog, units):
    """Seed 003: "giảm 4,23%, … từ 28,94% xuống còn 24,71%" — rates stated without the counts of each unit."""
    figures = {("B15", "00", "3"): 28.94, ("B15", "00", "8"): 24.71, ("B01", "08", "3"): 4.23,
               ("B01", "03", "3"): 24.71}
    out = typed_return(tmp, catalog, units, "poverty", unit="20", period="2023", figures=figures,
                       forms=["B01", "B15"])
    report = validate(out, catalog=catalog)
    errors = [f for f in report.findings if f.severity == ERROR]
    # what is missing is said once per form (the required counts), and nothing is wrong with what is there
    assert sorted((f.code, f.form) for f in errors) == [("form.required-missing", "B01"),
                                                        ("form.required-missing", "B15")]
    wrong = typed_return(tmp, catalog, units, "poverty_wrong", unit="20", period="2023",
                         figures={**figures, ("B01", "08", "3"): 4.32}, forms=["B01", "B15"])
    assert ("X.B01-B15-MUC-GIAM", "B01", "08", "3") in flagged(validate(wrong, catalog=catalog))


def test_the_annotated_copy_says_which_totals_were_stated(tmp, catalog, units):
    out = typed_return(tmp, catalog, units, "city_annotated", unit="178", period="2024", figures=CITY_2024,
                       forms=["B02"])
    report = validate(out, catalog=catalog)
    stated = [f for f in report.findings if f.code == "derived.stated-total"]
    assert {(f.row, f.col) for f in stated} >= {("01", "1"), ("08", "1"), ("18", "1"), ("19", "1")}
    sheet = openpyxl.load_workbook(report.annotate(tmp / "city_KIEM_TRA.xlsx"))["Biểu 02"]
    total = sheet[next(f.cell for f in stated if (f.row, f.col) == ("01", "1"))]
    assert total.fill.fgColor.rgb.endswith("DDEBF7") and "thay cho công thức" in total.comment.text
    wrong_rate = sheet[next(f.cell for f in report.findings if (f.row, f.col) == ("19", "28"))]
    assert wrong_rate.fill.fgColor.rgb.endswith("FFC7CE")


def test_a_rule_may_override_the_stated_precision(tmp, catalog, units):
    from gnbv_templates.forms.rules import load_rules

    rules_dir = tmp / "rules_precision"
    rules_dir.mkdir(exist_ok=True)
    common = 'form: B02\n    for_each: row\n    rows: ["05"]\n    severity: error\n    basis: "thử"\n    message: "x"\n'
    (rules_dir / "t.yaml").write_text(
        "rules:\n"
        f'  - id: T.RATE\n    check: "[28] = 33.2"\n    {common}'
        f'  - id: T.RATE-LOOSE\n    check: "[28] = 33.2"\n    tolerance: {{abs: 0.05}}\n    {common}'
        f'  - id: T.MONEY\n    check: "[15] = 15400.4"\n    {common}'
        f'  - id: T.MONEY-EXACT\n    check: "[15] = 15400.4"\n    precision: exact\n    {common}',
        encoding="utf-8")
    figures = b02("05", c1=46435, c2=45082, c5=1353, c15=15400)  # the rate left to its formula: 33,165%
    out = typed_return(tmp, catalog, units, "precision_rules", unit="20", period="2023-H1", figures=figures,
                       forms=["B02"])
    report = validate(out, catalog=catalog, rules=load_rules(rules_dir))
    # a computed 33,165% is not the number 33,2 unless the rule allows it; 15.400 typed whole is 15.399,5–15.400,5
    assert {f.rule for f in report.findings if f.code == "rule.failed"} == {"T.RATE", "T.MONEY-EXACT"}
