"""A1 addresses give the same answers as XlsxWriter's, which the packs are written with."""

from __future__ import annotations

import random
import warnings

from xlsxwriter import utility

from gnbv_templates.forms.a1 import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell


def test_column_names_as_xlsxwriter_names_them() -> None:
    for col in range(-2, 18_279):  # to XFD and one past it
        for absolute in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # xlsxwriter warns about a negative column
                assert xl_col_to_name(col, absolute) == utility.xl_col_to_name(col, absolute), col


def test_cells_and_back_as_xlsxwriter_reads_them() -> None:
    rnd = random.Random(11)
    cells = [(0, 0), (0, 25), (0, 26), (1_048_575, 16_383), (-1, 3), (3, -1)]
    cells += [(rnd.randint(0, 1_048_575), rnd.randint(0, 16_383)) for _ in range(5_000)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row, col in cells:
            for row_abs, col_abs in ((False, False), (True, False), (False, True), (True, True)):
                text = xl_rowcol_to_cell(row, col, row_abs, col_abs)
                assert text == utility.xl_rowcol_to_cell(row, col, row_abs, col_abs)
                assert xl_cell_to_rowcol(text) == utility.xl_cell_to_rowcol(text)
        for text in ("", "A", "7", "a1", "A1:C3", "$B$7", "AAAA1", "XFD1048576", "Biểu!A1"):
            assert xl_cell_to_rowcol(text) == utility.xl_cell_to_rowcol(text), text
    assert xl_cell_to_rowcol("B7") == (6, 1) and xl_rowcol_to_cell(6, 27) == "AB7"
