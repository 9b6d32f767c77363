"""The annotated copy written by zip surgery, against returns that hide a formula, a name or markup from it.

Whatever the surgery cannot read plainly it must not copy either: such a return is written by the openpyxl
path, which removes formulas that call out, or refused with its one-line message.  Nothing from the workbook
may come out as a formula, a defined name that calls out, or markup.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import corpus as C
import openpyxl
import pytest
from defusedxml import ElementTree
from openpyxl.comments import Comment

from gnbv_templates.errors import UnreadableFile
from gnbv_templates.read.sheetxml import formula_cells
from gnbv_templates.report.validate import validate

CALL_OUT = 'WEBSERVICE("http://example.com/x")'
DDE = "cmd|' /C calc'!A0"


def _edited(src: Path, out: Path, change) -> Path:
    """A copy of ``src`` with every part passed through ``change(name, data)``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info.filename)))
    return out


def _annotated(src: Path, out: Path) -> Path | None:
    """The annotated copy, or None where it is refused with its one line (and nothing is written)."""
    try:
        return validate(src).annotate(out)
    except UnreadableFile as exc:
        assert exc.reason == "annotate-unreadable"
        assert not out.exists()
        return None


def _sheet_parts(path: Path | None) -> dict[str, bytes]:
    if path is None:
        return {}
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")}


@pytest.mark.parametrize("gap", [" ", "\n", "\t"])
def test_a_formula_in_a_cell_tag_written_with_a_line_end_is_not_carried_over(tmp_path, gap):
    src = C.add_cell_xml(C.FAULTY, tmp_path / "in.xlsx", "Biểu 11",
                         f'<c{gap}r="AA200"><f>{CALL_OUT}</f><v>x</v></c>', 200)
    out = _annotated(src, tmp_path / "out.xlsx")
    for name, data in _sheet_parts(out).items():
        formulas = [cell[4] for cell in formula_cells(data)]
        assert not any("WEBSERVICE" in (f or "").upper() for f in formulas), name
        assert data.count(b'r="AA200"') <= 1, name  # never the same cell twice


@pytest.mark.parametrize("written", [
    f'<definedName name="goi"><!-- x -->{DDE}</definedName>',
    f'<definedName name="goi"><![CDATA[{DDE}]]></definedName>',
    f'<x:definedName xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="goi">{DDE}'
    "</x:definedName>",
])
def test_a_defined_name_that_calls_out_is_dropped_however_it_is_written(tmp_path, written):
    def change(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        if b"<definedNames>" in data:
            return data.replace(b"<definedNames>", b"<definedNames>" + written.encode(), 1)
        return data.replace(b"</sheets>", b"</sheets><definedNames>" + written.encode() + b"</definedNames>", 1)

    src = _edited(C.FAULTY, tmp_path / "in.xlsx", change)
    out = _annotated(src, tmp_path / "out.xlsx")
    if out is not None:
        with zipfile.ZipFile(out) as z:
            assert "cmd|" not in z.read("xl/workbook.xml").decode("utf-8")


@pytest.mark.parametrize("tag", ["formula ", "q:formula", "x14:formula1"])
def test_a_conditional_format_that_calls_out_is_not_carried_over(tmp_path, tag):
    close = tag.strip()
    rule = (f'<conditionalFormatting sqref="E13"><cfRule type="expression" dxfId="0" priority="1">'
            f'<{tag} xmlns:q="urn:q" xmlns:x14="urn:x14">{CALL_OUT}</{close}></cfRule></conditionalFormatting>')

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/sheet") and b"<pageMargins" in data:
            return data.replace(b"<pageMargins", rule.encode() + b"<pageMargins", 1)
        return data

    src = _edited(C.FAULTY, tmp_path / "in.xlsx", change)
    out = _annotated(src, tmp_path / "out.xlsx")
    assert not any(b"WEBSERVICE" in data for data in _sheet_parts(out).values())


@pytest.mark.parametrize("ref", ['E14&quot; authorId=&quot;0&quot;&gt;&lt;/comment&gt;&lt;x', "e14", ""])
def test_a_comment_placed_by_an_odd_reference_never_becomes_markup(tmp_path, ref):
    book = openpyxl.load_workbook(C.CLEAN)
    book["Biểu 11"]["E13"] = "hai trăm"  # a finding on the sheet: its comments are rewritten
    book["Biểu 11"]["E14"].comment = Comment("Chờ", "Cán bộ xã")
    book.save(tmp_path / "with_comment.xlsx")

    def change(name: str, data: bytes) -> bytes:
        if "comments" in name and name.endswith(".xml"):
            return data.replace(b'ref="E14"', f'ref="{ref}"'.encode())
        return data

    src = _edited(tmp_path / "with_comment.xlsx", tmp_path / "in.xlsx", change)
    out = _annotated(src, tmp_path / "out.xlsx")
    if out is None:
        return
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if "comments" in name and name.endswith(".xml"):
                root = ElementTree.fromstring(z.read(name))  # it parses: nothing was injected
                assert not [e for e in root.iter() if re.sub(r"\{.*\}", "", e.tag) == "x"]


def test_a_relationship_to_the_outside_written_with_spaces_is_not_carried_over(tmp_path):
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/image" Target="http://example.com/pixel.png" TargetMode = "External"/>'
            b"</Relationships>")
    src = C.rezip(C.FAULTY, tmp_path / "in.xlsx", replace={"xl/drawings/_rels/drawing9.xml.rels": rels})
    out = _annotated(src, tmp_path / "out.xlsx")
    if out is not None:
        with zipfile.ZipFile(out) as z:
            assert not any(b"example.com" in z.read(name) for name in z.namelist())
