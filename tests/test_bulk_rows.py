"""Long tables put into a sheet after XlsxWriter wrote the rest (generate.bulkrows): read back by openpyxl,
python-calamine and LibreOffice as XlsxWriter's own cells would be, and text stays text."""

from __future__ import annotations

from pathlib import Path

import libreoffice
import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from gnbv_templates.generate.bulkrows import BulkRows

ROWS = [
    ("178", "B01", "31", "3", 12.5),
    ("179", "B02", "05", "7", "ghi chú: <đã sửa> & gửi lại"),
    ("180", "B03", "01", "1", '=HYPERLINK("http://example.invalid","x")'),
    ("181", "B04", "02", "2", "chuông\x07 và\x1b điều khiển, _x0041_ và\r\nxuống dòng"),
    ("182", "B05", "03", "4", "  khoảng trắng đầu và cuối  "),
    ("183", "B06", "04", "5", 3),
    ("184", "B07", "06", "9", None),
]


def _write(path: Path, bulk: BulkRows | None) -> None:
    """A title, a table heading, its entries (the first by XlsxWriter), then a line below the table."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    ws = book.add_worksheet("Nguồn tổng hợp")
    book.add_worksheet("Biểu 01").write_string(0, 0, "biểu")
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws.write_string(0, 0, "Tiêu đề", book.add_format({"bold": True}))
    for col, title in enumerate(("Đơn vị", "Biểu", "Mã dòng", "Mã cột", "Giá trị")):
        ws.write_string(2, col, title)
    for i, values in enumerate(ROWS):
        row = 3 + i
        if i and bulk is not None:
            bulk.add(ws.name, row, values, cell)
            continue
        for col, value in enumerate(values):
            if isinstance(value, int | float):
                ws.write_number(row, col, value, cell)
            else:
                ws.write_string(row, col, "" if value is None else value, cell)
    ws.write_string(3 + len(ROWS) + 1, 0, "dòng sau bảng")
    book.close()
    if bulk is not None:
        bulk.put_into(path)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bulk")
    _write(folder / "plain.xlsx", None)
    _write(folder / "bulk.xlsx", BulkRows())
    return folder / "plain.xlsx", folder / "bulk.xlsx"


def _grid(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Nguồn tổng hợp").to_python(skip_empty_area=False)


def test_the_rows_read_back_as_xlsxwriter_writes_them(books):
    plain, bulk = books
    got = _grid(bulk)
    assert got[3 + 1][4] == "ghi chú: <đã sửa> & gửi lại"
    assert got[3 + 3][4] == ROWS[3][4]  # control characters, an escape's look-alike, a carriage return: as typed
    assert got[3 + 4][4] == "  khoảng trắng đầu và cuối  "
    assert got[3 + 5][4] == 3 and got[3 + 6][4] == ""
    assert got == _grid(plain)
    assert len(got) == 3 + len(ROWS) + 2  # the line below the table is still there, in its place


def test_text_that_looks_like_a_formula_stays_text_and_formats_are_kept(books):
    _, bulk = books
    ws = openpyxl.load_workbook(bulk)["Nguồn tổng hợp"]
    hostile = ws.cell(3 + 2 + 1, 5)
    assert hostile.data_type == "s" and hostile.value.startswith("=HYPERLINK")
    for row in range(4, 4 + len(ROWS)):  # every entry in the table's format, the first as the rest
        cell = ws.cell(row, 2)
        assert cell.border.left.style == "thin" and cell.alignment.wrap_text and cell.alignment.vertical == "top"
    assert ws.max_row == 3 + len(ROWS) + 2 and ws.dimensions == "A1:E12"
    assert openpyxl.load_workbook(bulk)["Biểu 01"]["A1"].value == "biểu"  # other sheets as they were


@pytest.mark.libreoffice
def test_libreoffice_opens_and_saves_the_rows_as_it_does_xlsxwriters(books, tmp_path):
    plain, bulk = books
    saved = libreoffice.convert(bulk, "xlsx", tmp_path / "bulk")
    reference = libreoffice.convert(plain, "xlsx", tmp_path / "plain")
    assert _grid(saved) == _grid(reference)  # (it saves a carriage return and line feed as a line feed: both)
    assert [row[:4] for row in _grid(saved)[3 : 3 + len(ROWS)]] == [list(row[:4]) for row in ROWS]
    ws = openpyxl.load_workbook(saved)["Nguồn tổng hợp"]
    assert ws.cell(6, 5).data_type == "s" and ws.cell(6, 5).value.startswith("=HYPERLINK")


def test_a_row_given_twice_or_in_an_unwritten_format_is_a_program_error(tmp_path):
    path = tmp_path / "twice.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("a")
    used, unused = book.add_format({"italic": True}), book.add_format({"bold": True})
    ws.write_string(0, 0, "x", used)
    book.close()
    twice = BulkRows()
    twice.add("a", 0, ["y"], used)
    with pytest.raises(ValueError, match="twice"):
        twice.put_into(path)
    never = BulkRows()
    never.add("a", 1, ["y"], unused)
    with pytest.raises(ValueError, match="format"):
        never.put_into(path)
    assert _grid_of(path) == [["x"]]  # a refused rewrite leaves the workbook as it was


def _grid_of(path: Path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
