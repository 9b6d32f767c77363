"""Printed through LibreOffice to PDF, as a new user would: the error sheet at 9 pt or larger on A4 landscape,
one page wide with its heading on every page; the forms of a pack at 8 pt or larger.

Sizes are measured from the PDF (pdftotext -bbox gives each word's box); a word box is taller than the type
by a factor that depends on the font, so the same printing of reference cells at 8 and 9 pt calibrates it.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import libreoffice
import openpyxl
import pytest
from openpyxl.styles import Font

from gnbv_templates.forms.resources import examples_dir
from gnbv_templates.generate.pack import generate
from gnbv_templates.generate.writer import FONT
from gnbv_templates.report.validate import validate

pytestmark = pytest.mark.libreoffice
FAULTY = examples_dir() / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx"
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
MARKER = "GNBV"  # the small grey line naming form, version, unit, period and digest: for the program, not for reading


@dataclass
class Page:
    width: float
    height: float
    words: list[tuple[float, str]]  # (box height, text)
    lines: list[float]  # the top of each word, in the order of words

    @property
    def text(self) -> str:
        return " ".join(t for _, t in self.words)


def pages(pdf: Path) -> list[Page]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [Page(float(w), float(h), [(float(y2) - float(y1), html.unescape(t)) for _, y1, _, y2, t in words],
                 [float(y1) for _, y1, _, _, _ in words])
            for w, h, body in _PAGE.findall(out) for words in [_WORD.findall(body)]]


@pytest.fixture(scope="module")
def box(tmp_path_factory) -> dict[int, float]:
    """The height of a word box at 8 and 9 pt, in the fonts our workbooks use, as LibreOffice prints them."""
    tmp = tmp_path_factory.mktemp("calibrate")
    book = openpyxl.Workbook()
    for r, (name, size) in enumerate([(n, s) for n in (FONT, "Calibri") for s in (8, 9)], 1):
        book.active.cell(r, 1, f"{name} {size} Ây").font = Font(name=name, size=size)
    book.save(tmp / "calibrate.xlsx")
    found: dict[int, float] = {}
    for height, word in pages(libreoffice.convert(tmp / "calibrate.xlsx", "pdf", tmp))[0].words:
        if word in ("8", "9"):
            found[int(word)] = min(found.get(int(word), height), height)
    assert found[9] > found[8] > 0
    return found


def test_the_error_sheet_prints_at_9_pt_or_larger_one_page_wide(tmp_path, box):
    report = validate(FAULTY)
    copy = report.annotate(tmp_path / "kiem_tra.xlsx")
    printed = pages(libreoffice.convert(copy, "pdf", tmp_path))
    sheet = [p for p in printed if "Giá trị đúng" in p.text and "Mức độ" in p.text]
    assert printed[0] is sheet[0] and "KẾT QUẢ KIỂM TRA" in printed[0].text
    assert len(sheet) >= 2  # more pages rather than smaller type
    for page in sheet:
        assert page.width > page.height  # landscape
        assert abs(page.width - 841.9) < 1 and abs(page.height - 595.3) < 1  # A4
        assert "STT" in page.text and "Mã" in page.text.split()  # first and last column: one page wide
        smallest = min(h for h, _ in page.words)
        assert smallest >= box[9] - 0.05, f"text at {smallest:.1f} (9 pt is {box[9]:.1f})"
    every_message = " ".join(p.text for p in sheet)
    for finding in report.findings:
        assert finding.message().split()[-1] in every_message  # nothing cut off at the edge of a page


def test_the_forms_of_a_pack_print_at_8_pt_or_larger(tmp_path, box):
    pack = generate("20", "2025-H1", tmp_path / "lang_son.xlsx")
    printed = pages(libreoffice.convert(pack, "pdf", tmp_path))
    assert len(printed) >= 15
    for number, page in enumerate(printed, 1):
        assert page.width > page.height
        marker = {y for y, (_, word) in zip(page.lines, page.words, strict=True) if word == MARKER}
        reading = [h for y, (h, _) in zip(page.lines, page.words, strict=True) if y not in marker]
        assert min(reading) >= box[8] - 0.05, f"page {number}: text at {min(reading):.1f} (8 pt is {box[8]:.1f})"
    wide = [p for p in printed if "Tỷ lệ giải ngân" in p.text or "Kế hoạch vốn" in p.text]
    assert wide  # Biểu 02 is there, over more than one page across
