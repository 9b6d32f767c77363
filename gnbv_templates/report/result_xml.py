"""The error sheet as SpreadsheetML: the sheet part and the styles it needs, written directly.

The annotated copy adds this part to the return's own package (``package``), so neither the return nor
the sheet goes through a spreadsheet library.  Text is written as inline strings: every value from the
return or a message stays text, never a formula.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from gnbv_templates.forms.a1 import xl_col_to_name
from gnbv_templates.forms.cellxml import ILLEGAL, cell_xml
from gnbv_templates.generate.writer import FONT
from gnbv_templates.report.result_sheet import (
    EDGE,
    FOOTER,
    FOOTER_SIZE,
    LINK_COLOR,
    LINK_COLUMN,
    MARGINS,
    PAPER_A4,
    SCALE,
    WIDTHS,
    Look,
    SheetPlan,
)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def font_xml(look: Look) -> str:
    bold = "<b/>" if look.bold and not look.link else ""
    underline = '<u/>' if look.link else ""
    color = f'<color rgb="FF{LINK_COLOR}"/>' if look.link else ""
    return f'<font>{bold}{underline}<sz val="{look.size:g}"/>{color}<name val={quoteattr(FONT)}/></font>'


def fill_xml(color: str | None) -> str:
    """A solid fill of RRGGBB, or no fill."""
    if color is None:
        return '<fill><patternFill patternType="none"/></fill>'
    return (f'<fill><patternFill patternType="solid"><fgColor rgb="FF{color}"/><bgColor indexed="64"/>'
            "</patternFill></fill>")


BORDER_XML = ("<border>" + "".join(f'<{side} style="thin"><color rgb="FF{EDGE}"/></{side}>'
                                   for side in ("left", "right", "top", "bottom")) + "<diagonal/></border>")


def alignment_xml(look: Look) -> str:
    if not look.aligned:
        return ""
    right = ' horizontal="right"' if look.right else ""
    return f'<alignment{right} vertical="top" wrapText="1"/>'


def sheet_xml(plan: SheetPlan, styles: dict[Look, int]) -> bytes:
    """The worksheet part of the error sheet; ``styles`` gives the cell format index of every look."""
    last = plan.rows[-1].number if plan.rows else 1
    top = plan.heading_row
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
             f'xmlns:r="{REL_NS}"><sheetPr><pageSetUpPr fitToPage="0"/></sheetPr>',
             f'<dimension ref="A1:{xl_col_to_name(len(WIDTHS) - 1)}{last}"/>',
             f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{top}" '
             f'topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
             f'activeCell="A{top + 1}" sqref="A{top + 1}"/></sheetView></sheetViews>',
             '<sheetFormatPr defaultRowHeight="15"/><cols>',
             *(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in enumerate(WIDTHS, 1)),
             "</cols><sheetData>"]
    for row in plan.rows:
        cells = "".join(cell_xml(f"{xl_col_to_name(c - 1)}{row.number}", styles[look], value)
                        for c, value, look in row.cells)
        parts.append(f'<row r="{row.number}" ht="{row.height:g}" customHeight="1">{cells}</row>')
    parts.append("</sheetData>")
    merged = [row.number for row in plan.rows if row.merged]
    if merged:
        end = xl_col_to_name(len(WIDTHS) - 1)
        parts += [f'<mergeCells count="{len(merged)}">',
                  *(f'<mergeCell ref="A{r}:{end}{r}"/>' for r in merged), "</mergeCells>"]
    if plan.links:
        column = xl_col_to_name(LINK_COLUMN - 1)
        shown = {row.number: row.cells[LINK_COLUMN - 1][1] for row in plan.rows if len(row.cells) >= LINK_COLUMN}
        parts += ["<hyperlinks>",
                  *(f'<hyperlink ref="{column}{r}" location={quoteattr(ILLEGAL.sub("", location))} '
                    f'display={quoteattr(ILLEGAL.sub("", str(shown.get(r, ""))))}/>' for r, location in plan.links),
                  "</hyperlinks>"]
    margins = " ".join(f'{side}="{inches:g}"' for side, inches in MARGINS.items())
    parts += [f"<pageMargins {margins}/>",
              f'<pageSetup paperSize="{PAPER_A4}" scale="{SCALE}" orientation="landscape"/>',
              f"<headerFooter><oddFooter>{escape(f'&C&{FOOTER_SIZE} {FOOTER}')}</oddFooter></headerFooter>",
              "</worksheet>"]
    return "".join(parts).encode("utf-8")
