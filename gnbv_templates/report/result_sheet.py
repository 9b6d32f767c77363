"""The error sheet as an officer reads it, on screen and on paper.

It prints on A4 landscape at its own size (10 pt, the code column 9 pt): long text wraps and the table
takes more pages rather than smaller type, the heading row repeats on every page.  Every cell has borders
and sits at the top of its row, so a message stays beside its severity.  Numbers are written as a
Vietnamese reader writes them, with the precision of the form's cell; "Giá trị đúng" holds a value only
where there is one, and a limit is shown as a limit (≤ 1.000.000).  Kinds of finding have Vietnamese
names; the stable code stays, in one narrow column.

The sheet is planned here once (``plan_result_sheet``: every value, look, merge and link) and written by
``result_xml`` into the copy's package, or by ``annotate_openpyxl`` when openpyxl writes the copy.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.errors import GnbvError
from gnbv_templates.findings import CODES, ERROR, Finding, text
from gnbv_templates.forms.model import NUMBER_FORMATS
from gnbv_templates.forms.notation import format_vn
from gnbv_templates.forms.rules import load_rules

RED, AMBER, HEAD_FILL, LINK_COLOR = "FFC7CE", "FFE699", "D9E2F3", "0563C1"
MAX_LINKS = 65_000  # Excel allows 65,530 hyperlinks per sheet
FONT_SIZE, CODE_SIZE, TITLE_SIZE = 10, 9, 13
# columns: No, severity, form, cell (a link), item, value, correct value, message, kind and basis, code
WIDTHS = (4.5, 9, 5.5, 7, 17, 14.5, 14.5, 32, 19, 10)
LINK_COLUMN = 4
EDGE = "808080"  # thin borders of every cell of the table
# print setup: A4 landscape at full size, margins in inches, the page number centred in the footer
PAPER_A4, SCALE, FOOTER, FOOTER_SIZE = 9, 100, "&P / &N", 9
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.5, "header": 0.25, "footer": 0.25}
_LINE_POINTS = 13.0  # one line of 10 pt text, with its leading
_CHARS_PER_WIDTH = 1.3  # 10 pt serif letters per unit of column width (a digit of the 11 pt default font)
# a finding's expected value is a limit, not the value the cell should hold
_LIMIT_OF_CODE = {"relation.part-exceeds-whole": "≤", "value.negative": "≥"}
_SHOWN_OP = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "!=": "≠", "==": "", "=": ""}


@functools.lru_cache(maxsize=1)
def _rule_ops() -> dict[str, tuple[str, str]]:
    """Rule id → (comparison, basis) of the bundled rules."""
    try:
        return {rule.id: (rule.op, rule.basis) for rule in load_rules().rules}
    except GnbvError:  # rules being edited: the sheet still prints, with plain expected values
        return {}


def kind_name(finding: Finding, lang: str) -> str:
    """The Vietnamese (or English) name of the kind of finding, and the basis of the rule it broke."""
    family = CODES[finding.code].kind if finding.code in CODES else finding.code.split(".", 1)[0]
    name = text(f"kind.{family}", lang)
    basis = _rule_ops().get(finding.rule, ("", ""))[1] if family == "rule" else ""
    return f"{name}: {basis}" if basis else name


def _decimals(report: Outcome, finding: Finding) -> int:
    state = report.forms.get(finding.form)
    cell = state.layout.cells.get((finding.row, finding.col)) if state is not None else None
    fmt = NUMBER_FORMATS.get(cell.measure.type, "#,##0.000") if cell is not None else "#,##0.000"
    return len(fmt.split(".", 1)[1]) if "." in fmt else 0


def shown_number(value: Any, decimals: int) -> str:
    """A number in Vietnamese notation at the form's precision; a tiny non-zero value keeps its first digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if value and math.isfinite(value) and round(value, decimals) == 0:
        decimals = min(-math.floor(math.log10(abs(value))) + 1, 9)
    elif decimals == 0 and not float(value).is_integer():  # a count typed with decimals: show what was typed
        decimals = 3
    return format_vn(value, decimals)


def expected_text(finding: Finding, decimals: int) -> str:
    """What the cell should hold, or the limit it must keep to; empty when the check knows neither."""
    if finding.expected is None:
        return ""
    shown = shown_number(finding.expected, decimals)
    op = _LIMIT_OF_CODE.get(finding.code)
    if op is None and finding.code.startswith("rule."):
        op = _SHOWN_OP.get(_rule_ops().get(finding.rule, ("", ""))[0], "")
    return f"{op} {shown}" if op else shown


def _lines(value: str, width: float) -> int:
    per_line = max(int(width * _CHARS_PER_WIDTH), 1)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in value.split("\n"))


def _fit_height(texts: list[tuple[str, float]], size: float = FONT_SIZE) -> float:
    """The height a row's wrapped text needs (Excel does not grow rows when it opens a file)."""
    lines = max((_lines(t, w) for t, w in texts if t), default=1)
    return round(min(lines, 30) * _LINE_POINTS * size / FONT_SIZE + 3, 1)


# -- what the sheet holds, whichever library writes it ---------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """How one cell of the error sheet looks: font, fill, alignment, borders."""

    size: float = FONT_SIZE
    bold: bool = False
    fill: str | None = None
    right: bool = False
    boxed: bool = False  # a cell of the table: borders, top-aligned, wrapped
    aligned: bool = True  # top-aligned and wrapped (a receipt's title line is not)
    link: bool = False


@dataclass
class PlannedRow:
    number: int  # 1-based
    height: float
    cells: list[tuple[int, Any, Look]] = field(default_factory=list)  # (1-based column, value, look)
    merged: bool = False  # one line across the page's width


@dataclass
class SheetPlan:
    """Every value, look, merge, link and print setting of the error sheet."""

    rows: list[PlannedRow]
    links: list[tuple[int, str]]  # (row, location) of each cell address in column D that links to its cell
    heading_row: int

    def looks(self) -> list[Look]:
        """Every look used, once, in order of first use."""
        return list(dict.fromkeys(look for row in self.rows for _, _, look in row.cells))


def plan_result_sheet(report: Outcome, lang: str, sheet_names: list[str], *,
                      shown: Callable[[str], str] = str) -> SheetPlan:
    """The error sheet of ``report``; ``sheet_names`` are the sheets a link may point to."""
    receipt = getattr(report, "receipt", None)  # checked into a register: what changed since the last version
    rows = _heading_lines(report, lang, shown, receipt)
    top = len(rows) + 2
    rows.append(_table_row(top, text("annotate.heading", lang).split("|"), heading=True))
    links: list[tuple[int, str]] = []
    for i, finding in enumerate(report.findings, 1):
        row = _finding_row(top + i, i, finding, report, lang, shown)
        rows.append(row)
        if finding.sheet and finding.cell and finding.sheet in sheet_names and i <= MAX_LINKS:
            quoted = finding.sheet.replace("'", "''")
            links.append((top + i, f"'{quoted}'!{finding.cell}"))
            col, value, look = row.cells[LINK_COLUMN - 1]
            row.cells[LINK_COLUMN - 1] = (col, value, replace(look, link=True))
    if receipt is not None:
        rows += _receipt(top + len(report.findings) + 2, receipt.sheet_rows(lang))
    return SheetPlan(rows, links, top)


def _heading_lines(report: Outcome, lang: str, shown: Callable[[str], str], receipt: Any) -> list[PlannedRow]:
    """The lines above the table, each across the page's width."""
    counts = report.counts
    lines = [text("annotate.title", lang, file=shown(Path(report.file).name)),
             text("annotate.unit", lang, unit=shown(report.unit), unit_name=shown(report.unit_name)),
             text("annotate.period", lang, period=shown(report.period)),
             text("annotate.counts", lang, errors=counts["error"], warnings=counts["warning"]),
             text("annotate.help", lang), text("annotate.hashes", lang)]
    if receipt is not None:
        lines.append(receipt.summary(lang))
    rows = []
    for r, line in enumerate(lines, 1):
        size = TITLE_SIZE if r == 1 else FONT_SIZE
        rows.append(PlannedRow(r, _fit_height([(line, sum(WIDTHS))], size), [(1, line, Look(size, r == 1))],
                               merged=True))
    return rows


def _finding_row(r: int, number: int, f: Finding, report: Outcome, lang: str,
                 shown: Callable[[str], str]) -> PlannedRow:
    decimals = _decimals(report, f)
    label = shown(f.row_label) + (f" ({f.row})" if f.row and f.row_label else f.row)
    values = (number, text(f"severity.{f.severity}", lang), f.form, f.cell, label,
              shown(shown_number(f.value, decimals)), shown(expected_text(f, decimals)), shown(f.message(lang)),
              kind_name(f, lang), f.rule or f.code)
    row = _table_row(r, values)
    col, value, look = row.cells[1]
    row.cells[1] = (col, value, replace(look, fill=RED if f.severity == ERROR else AMBER))
    return row


def _table_row(r: int, values: tuple[Any, ...] | list[Any], *, heading: bool = False) -> PlannedRow:
    cells = []
    for c, value in enumerate(values, 1):
        numeric = c in (6, 7) and not heading and isinstance(value, str) and value[:1] in "0123456789-≤≥<>≠"
        cells.append((c, value, Look(CODE_SIZE if c == len(WIDTHS) else FONT_SIZE, heading,
                                     HEAD_FILL if heading else None, numeric or (c == 1 and not heading), True)))
    return PlannedRow(r, _fit_height([(str(v or ""), w) for v, w in zip(values, WIDTHS, strict=False)]), cells)


# a receipt row has the columns of the findings table the register first wrote it for; these are ours
_RECEIPT_COLUMNS = (0, 1, 2, 4, 6, 8, 9, 10, None, 11)


def _receipt(start: int, rows: list[tuple[Any, ...]]) -> list[PlannedRow]:
    """The register's receipt (what was fixed, what remains, what is new) below the findings."""
    planned = []
    for r, values in enumerate(rows, start):
        if len(values) <= 2:  # the receipt's title, or its one-line "nothing changed"
            line = " ".join(str(v) for v in values if v)
            planned.append(PlannedRow(r, _fit_height([(line, sum(WIDTHS))]),
                                      [(1, line, Look(FONT_SIZE, r == start, aligned=False))], merged=True))
            continue
        ours = tuple("" if i is None or i >= len(values) else values[i] for i in _RECEIPT_COLUMNS)
        planned.append(_table_row(r, ours, heading=r == start + 1))
    return planned
