"""Generated workbooks in a real spreadsheet program: LibreOffice Calc, headless.

Calc opens each file with recalculation forced on load, re-saves it, and we
read back what it saved.  These tests fail (not skip) when LibreOffice is
missing: scripts/install-test-deps installs it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import libreoffice
import pytest
from python_calamine import CalamineWorkbook

from gnbv_templates.forms.compute import derived_values

pytestmark = pytest.mark.libreoffice


def test_libreoffice_recalculates_every_derived_cell_to_our_value(filled, tmp_path):
    path, writer, values = filled
    saved = libreoffice.convert(path, "xlsx", tmp_path / "resaved")
    book = CalamineWorkbook.from_path(str(saved))
    checked = 0
    for layout in writer.layouts():
        grid = book.get_sheet_by_name(layout.sheet).to_python(skip_empty_area=False)
        expected = derived_values(layout, values[layout.id])
        for cell in layout.derived_order:
            want = expected[(cell.row, cell.col)]
            got = grid[cell.r][cell.c]
            if want is None:
                assert got in ("", None), (layout.id, cell.address, got)
            else:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (layout.id, cell.address)
            checked += 1
    assert checked > 800


def test_recalculation_is_really_forced(catalog, units, tmp_path):
    """Guard the harness: a formula whose cached value is wrong must come back corrected."""
    import xlsxwriter

    source = tmp_path / "stale.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet()
    sheet.write_number(0, 0, 2)
    sheet.write_number(0, 1, 3)
    sheet.write_formula(0, 2, "=A1+B1", None, 999)
    book.close()
    saved = libreoffice.convert(source, "xlsx", tmp_path / "out")
    grid = CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0).to_python()
    assert grid[0][2] == 5


def _pdf_pages(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    return [(float(w), float(h)) for w, h in sizes]


def test_every_form_prints_on_a4_landscape(pack, catalog, tmp_path):
    pdf = libreoffice.convert(pack, "pdf", tmp_path / "pdf")
    pages = _pdf_pages(pdf)
    assert len(pages) >= len(catalog.forms)
    for width, height in pages:
        assert width == pytest.approx(841.9, abs=1) and height == pytest.approx(595.3, abs=1)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for form in catalog.forms.values():
        assert f"Biểu số {form.id[1:]}" in text  # every form reached paper
    assert "KẾT QUẢ HUY ĐỘNG, PHÂN BỔ VÀ GIẢI NGÂN VỐN" in text  # Vietnamese survives


def test_filled_pack_survives_a_libreoffice_resave_with_metadata(filled, tmp_path):
    from gnbv_templates.read.reader import open_return

    path, _, _ = filled
    saved = libreoffice.convert(path, "xlsx", tmp_path / "meta")
    read = open_return(saved).metadata
    assert read.problem is None and read.meta.unit_code == "20"
