"""Consolidation with totals stated without their breakdown: they count as stated, and the sheet says who."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import ISSUED, writer_for

from gnbv_templates.batch.consolidate import PROVENANCE_SHEET, consolidate
from gnbv_templates.generate.pack import generate
from gnbv_templates.report.validate import validate


def typed(tmp, catalog, units, unit: str, figures: dict[tuple[str, str], float]):
    path = tmp / f"{unit}_2025-H1.xlsx"
    generate(unit, "2025-H1", path, units=units, forms=["B02"], catalog=catalog, issued=ISSUED)
    layout = writer_for(catalog, units, unit=unit).layouts(["B02"])[0]
    book = openpyxl.load_workbook(path)
    for key, value in figures.items():
        book[layout.sheet][layout.cells[key].address] = value
    book.save(path)
    return path


def test_stated_totals_are_consolidated_as_stated(tmp_path, catalog, units):
    returns = tmp_path / "returns"
    returns.mkdir()
    # Bình Gia states Dự án 2's plan (100) without its breakdown; Văn Lãng gives it by source (40 + 20)
    # and states Tiểu dự án 1 of Dự án 3 (200), which Bình Gia gives by source (50 + 30)
    typed(returns, catalog, units, "181", {("05", "1"): 100, ("07", "3"): 50, ("07", "4"): 30})
    typed(returns, catalog, units, "182", {("05", "3"): 40, ("05", "4"): 20, ("07", "1"): 200})
    for unit in ("181", "182"):
        report = validate(returns / f"{unit}_2025-H1.xlsx", catalog=catalog)
        assert {f.severity for f in report.findings} == {"info"}  # notes only: the totals stated, rules not run
        assert "derived.stated-total" in {f.code for f in report.findings}
    out = tmp_path / "tinh.xlsx"
    done = consolidate(returns, "20", "2025-H1", out, units=units, jobs=1, catalog=catalog, issued=ISSUED)
    assert sorted((u, r, c) for u, _, r, c, _ in done.stated) == [("181", "05", "1"), ("182", "07", "1")]
    report = validate(out, catalog=catalog)
    in_b02 = [f for f in report.findings if f.form == "B02"]
    assert {f.severity for f in in_b02} == {"info"}, [(f.code, f.cell, f.message()) for f in in_b02]
    assert {(f.row, f.col) for f in in_b02 if f.code == "derived.stated-total"} == {("05", "1"), ("07", "1")}
    state = report.forms["B02"]
    assert state.number(("05", "1")) == pytest.approx(160)  # 100 stated + 40 + 20
    assert state.number(("07", "1")) == pytest.approx(280)  # 50 + 30 + 200 stated
    assert state.number(("01", "1")) == pytest.approx(440)
    assert state.number(("05", "2")) == pytest.approx(60)  # parts are still the sum of the parts
    sheet = openpyxl.load_workbook(out)[PROVENANCE_SHEET]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["181", "B02", "05", "1", 100] in [r[:5] for r in rows]
    assert ["182", "B02", "07", "1", 200] in [r[:5] for r in rows]
