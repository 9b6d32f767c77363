"""Properties over random inputs: totals are the sums of their parts, as the YAML says."""

from __future__ import annotations

from conftest import writer_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

money = st.decimals(min_value=0, max_value=10**7, places=3).map(float)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_biểu02_totals_and_rates(catalog, units, tmp_path_factory, data):
    writer = writer_for(catalog, units, unit="187", period="2025")
    layout = writer.layouts(["B02"])[0]
    leaf_rows = ["03", "04", "05", "07", "08", "10", "11", "12", "13", "15", "16", "18", "19"]
    leaf_cols = ["3", "4", "6", "7", "14", "17", "18", "20", "21", "27"]
    values = {(r, c): data.draw(money) for r in leaf_rows for c in leaf_cols}
    path = tmp_path_factory.mktemp("prop") / "b02.xlsx"
    writer.write(path, form_ids=["B02"], values={"B02": values})
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Biểu 02").to_python(skip_empty_area=False)

    def at(row, col):
        cell = layout.cells[(row, col)]
        return grid[cell.r][cell.c]

    # the state-budget total: NSTW + NSĐP, huy động khác (14, 27) apart
    plan = sum(values[(r, c)] for r in leaf_rows for c in ["3", "4", "6", "7"])
    spent = sum(values[(r, c)] for r in leaf_rows for c in ["17", "18", "20", "21"])
    assert abs(at("01", "1") - plan) <= 1e-6 * max(1.0, plan)
    assert abs(at("01", "15") - spent) <= 1e-6 * max(1.0, spent)
    if plan:
        assert abs(at("01", "28") - spent / plan * 100) <= 1e-6 * max(1.0, spent / plan * 100)
    else:
        assert at("01", "28") == ""
    for r in leaf_rows:
        for c in leaf_cols:
            assert at(r, c) == values[(r, c)]  # round trip of every input


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stock=st.lists(st.tuples(*[st.integers(0, 5000)] * 5), min_size=11, max_size=11))
def test_biểu15_stock_flow_and_total(catalog, units, tmp_path_factory, stock):
    writer = writer_for(catalog, units, unit="20", period="2025")
    layout = writer.layouts(["B15"])[0]
    kids = [u.code for u in units.children("20")]
    values = {}
    for code, (households, start, left, new, back) in zip(kids, stock, strict=True):
        values.update({(code, "1"): households + start, (code, "2"): start, (code, "4"): left,
                       (code, "5"): new, (code, "6"): back})
    path = tmp_path_factory.mktemp("prop") / "b15.xlsx"
    writer.write(path, form_ids=["B15"], values={"B15": values})
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Biểu 15").to_python(skip_empty_area=False)

    def at(row, col):
        cell = layout.cells[(row, col)]
        return grid[cell.r][cell.c]

    for code, (_, start, left, new, back) in zip(kids, stock, strict=True):
        assert at(code, "7") == start - left + new + back
    total_end = sum(s - lv + n + b for _, s, lv, n, b in stock)
    total_households = sum(h + s for h, s, *_ in stock)
    assert at("00", "7") == total_end
    if total_households:
        assert abs(at("00", "8") - total_end / total_households * 100) < 1e-9 * max(1, abs(total_end))
