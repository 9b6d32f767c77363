"""Writing a unit's template pack with xlsxwriter: one sheet per form, metadata last."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from gnbv_templates.forms import render
from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.compute import evaluator, walked
from gnbv_templates.forms.context import Issue
from gnbv_templates.forms.metadata import META_SHEET, Metadata, identity_text
from gnbv_templates.forms.model import (
    CODE_COL,
    DERIVED,
    INPUT,
    LABEL_COL,
    MEASURE_COL,
    STT_COL,
    Cell,
    FormLayout,
    Measure,
)
from gnbv_templates.forms.signature import SIGNATURE_KEY, sign
from gnbv_templates.generate.bulkrows import BulkRows
from gnbv_templates.outputs import atomic_path

FONT = "Times New Roman"  # ships with every office suite and covers Vietnamese
INPUT_FILL = "#FFF9DB"
DERIVED_FILL = "#E8EEF7"
HEAD_FILL = "#D9E2F3"
NA_FILL = "#D9D9D9"

Key = tuple[str, str]
META_CHUNK = 30_000
FormValues = Mapping[str, Mapping[Key, Any]]

class _Formats:
    """xlsxwriter formats, made once per workbook and shared by every sheet."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._cells: dict[tuple[Any, ...], Any] = {}

    def get(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        found = self._cache.get(key)
        if found is None:
            found = self.book.add_format({"font_name": FONT, "font_size": 11, **props})
            self._cache[key] = found
        return found

    def cell(self, cell: Cell, *, bold: bool, locked_input: bool) -> Any:
        key = (cell.kind, cell.measure.type, bold, locked_input)
        found = self._cells.get(key)
        if found is None:
            found = self._cells[key] = self._cell(cell, bold=bold, locked_input=locked_input)
        return found

    def _cell(self, cell: Cell, *, bold: bool, locked_input: bool) -> Any:
        base = {"border": 1, "num_format": cell.measure.number_format, "valign": "vcenter"}
        if bold:
            base["bold"] = True
        if cell.kind == INPUT and not locked_input:
            return self.get(**base, bg_color=INPUT_FILL, locked=False,
                            text_wrap=not cell.measure.numeric)
        if cell.kind == DERIVED or locked_input:
            return self.get(**base, bg_color=DERIVED_FILL, locked=True)
        return self.get(**base, pattern=14, fg_color=NA_FILL, bg_color="#FFFFFF", locked=True)


# A4 landscape inside 0.4-inch margins, in pixels at 96 an inch; a column of width w is 7w + 5 pixels
# (the default font's digit, and padding), as Excel and LibreOffice with Calibri's metrics count it
PRINTABLE_PIXELS = 1045
MIN_PRINT_SCALE = 8 / 11  # the forms' 11 pt text may shrink to 8 pt on paper, no further


def pages_wide(widths: Iterable[float]) -> int:
    """The fewest pages across that print these columns at 8 pt or larger."""
    pixels = sum(7 * w + 5 for w in widths)
    return max(1, math.ceil(pixels * MIN_PRINT_SCALE / PRINTABLE_PIXELS))


def _set_widths(ws: Worksheet, layout: FormLayout) -> list[float]:
    """Column widths (STT, label, code, measure, then the data columns), set and returned for the page fit."""
    d = layout.definition
    wide = len(d.columns) > 10  # many columns: narrower text so the printed page stays legible
    widths = [5.0 if wide else 6.0, 36.0 if wide else 48.0, 6.0 if wide else 7.0] + ([11.0] if d.row_measures else [])
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    for col in d.columns:
        c = layout.col_index[col.code]
        width = col.width or (8 if col.measure == "%" else (10.5 if wide else 12))
        width = min(width, 12) if wide and col.measure == "text" else width
        ws.set_column(c, c, width)
        widths.append(width)
    return widths


def _heights(text: str, width: float) -> float:
    lines = max(1, math.ceil(len(text) * 1.1 / max(width, 1)))
    return 15.0 * lines


def _check(code: int, what: str) -> None:
    # xlsxwriter reports problems (a string too long, a bad range) by return code
    if code not in (0, None):
        raise ValueError(f"xlsxwriter không ghi được {what} (mã {code})")


def _blank_derived(layout: FormLayout) -> dict[Key, float | None]:
    """The derived cells' values when nothing is typed in: the same for every pack with this layout.

    Worked out once by walking each formula (a layout with rows per unit below is new for nearly
    every unit: compiling its evaluator would cost more than this one evaluation); the layout's
    evaluator gives the same values (tests/test_stamp.py)."""
    found = layout.memo.get(_blank_derived)
    if found is None:
        found = layout.memo[_blank_derived] = walked(layout, {})
    return found


def _blank_cells(layout: FormLayout) -> dict[str, list[tuple[Cell, str | None, float | str]]]:
    """By row code, each cell with its formula (None for a cell left blank) and its value, nothing typed in."""
    found = layout.memo.get(_blank_cells)
    if found is None:
        computed = _blank_derived(layout)
        found = layout.memo[_blank_cells] = {row.code: [_blank_cell(layout, layout.cells[(row.code, col.code)],
                                                                    computed) for col in layout.columns]
                                             for row in layout.rows}
    return found


def _blank_cell(layout: FormLayout, cell: Cell,
                computed: Mapping[Key, float | None]) -> tuple[Cell, str | None, float | str]:
    if cell.kind != DERIVED:
        return cell, None, ""
    value = computed.get((cell.row, cell.col))
    return cell, layout.excel_formulas[(cell.row, cell.col)], "" if value is None else value


def _write_blank_row(ws: Worksheet, fmt: _Formats, cells: list[tuple[Cell, str | None, float | str]],
                     bold: bool) -> None:
    for cell, formula, value in cells:
        style = fmt.cell(cell, bold=bold, locked_input=False)
        if formula is None:
            ws.write_blank(cell.r, cell.c, None, style)
        elif code := ws.write_formula(cell.r, cell.c, formula, style, value):
            _check(code, f"công thức {cell.address}")  # named only when refused: naming a cell costs


def _input_checks(layout: FormLayout) -> list[tuple[int, int, int, int, dict[str, Any]]]:
    """The data validations of the layout's input cells, none locked: the same in every pack."""
    found = layout.memo.get(_input_checks)
    if found is None:
        found = layout.memo[_input_checks] = _checks(layout, set())
    return found


def _checks(layout: FormLayout, locked: set[tuple[str, str, str]]) -> list[tuple[int, int, int, int, dict[str, Any]]]:
    """One data validation per run of input cells down a column with the same measure."""
    out = []
    for col in layout.columns:
        run: list[Cell] = []
        for row in [*layout.rows, None]:
            cell = layout.cells[(row.code, col.code)] if row else None
            if (cell and cell.kind == INPUT and (cell.form, cell.row, cell.col) not in locked
                    and (not run or run[-1].measure == cell.measure)
                    and (not run or cell.r == run[-1].r + 1)):
                run.append(cell)
                continue
            opts = _run_options(run[0].measure, col.choices) if run else None
            if opts is not None:
                out.append((run[0].r, run[0].c, run[-1].r, run[-1].c, opts))
            run = [cell] if cell and cell.kind == INPUT else []
    return out


def _run_options(measure: Measure, choices: tuple[str, ...]) -> dict[str, Any] | None:
    if choices:
        opts: dict[str, Any] = {"validate": "list", "source": list(choices),
                                "input_message": "Chọn một giá trị trong danh sách.",
                                "error_message": "Chỉ được chọn giá trị trong danh sách."}
    else:
        found = measure.kind.data_validation(measure.name)  # the measure's own, declared in the model
        if found is None:
            return None
        opts = found
    opts.update({"input_title": "Ô nhập liệu", "error_title": "Giá trị không hợp lệ",
                 "error_type": "stop", "ignore_blank": True})
    return opts


# a formula written from the form model: cell references, numbers, arithmetic, SUM(range) and IFERROR(…,"")
_MODEL_FORMULA = re.compile(r'=?(?:SUM\(|IFERROR\(|[A-Z]{1,3}[0-9]{1,7}|[0-9]+(?:\.[0-9]+)?|[-+*/(),:]|"")*')


class FormSheet(Worksheet):
    """A form's worksheet.  XlsxWriter runs some thirty substitutions over every formula, for functions newer
    versions of Excel prefix; the form model's formulas use none of them (only SUM and IFERROR), and a form's
    sheets hold thousands of formulas: those are kept as they are.  Any other formula (typed over a form, in an
    example) goes the library's way."""

    def _prepare_formula(self, formula: str, *args: Any, **kwargs: Any) -> str:
        if _MODEL_FORMULA.fullmatch(formula):
            return formula[1:] if formula.startswith("=") else formula
        prepared: str = super()._prepare_formula(formula, *args, **kwargs)
        return prepared


class PackWriter:
    def __init__(self, catalog: Catalog, issue: Issue) -> None:
        self.catalog = catalog
        self.issue = issue
        self.context = issue.context(catalog)
        self._overrides: FormValues = {}
        self.signing_key: bytes | None = None  # the issuing office's key: the metadata is signed with it
        self.signature = ""  # or a signature carried over as it was (filling a signed pack)
        self._rendered: dict[str, str] = {}  # the same header and signature lines head every sheet

    def render(self, text: str) -> str:
        """A definition's text rendered for this pack's unit and period, once per pack."""
        found = self._rendered.get(text)
        if found is None:
            found = self._rendered[text] = render.render(text, self.context)
        return found

    def layouts(self, form_ids: Iterable[str] | None = None) -> list[FormLayout]:
        ids = list(form_ids) if form_ids else list(self.catalog.forms)
        return [self.catalog.layout(i, self.context) for i in ids]

    def write(
        self,
        path: Path | str,
        *,
        form_ids: Iterable[str] | None = None,
        values: FormValues | None = None,
        locked: set[tuple[str, str, str]] | None = None,
        inputs: tuple[Path | str, ...] = (),
        overrides: FormValues | None = None,
        preface: Callable[[Workbook, _Formats], None] | None = None,
        bulk: BulkRows | None = None,
    ) -> Path:
        """Write the pack; ``overrides`` puts raw content in any cell, formula cells included,
        as a person typing over the form would (for examples and tests of the validator).
        ``bulk``: long tables of plain cells the preface left to be put in after the rest is written."""
        layouts = self.layouts(form_ids)
        values = values or {}
        self._overrides = overrides or {}
        locked = locked or set()
        with atomic_path(path, inputs=inputs) as tmp:
            book = xlsxwriter.Workbook(
                str(tmp),
                {
                    "strings_to_formulas": False,  # user text never becomes a formula
                    "strings_to_numbers": False,
                    "strings_to_urls": False,
                    "constant_memory": False,
                },
            )
            book.set_properties({"title": "GNBV", "comments": f"gnbv-templates {self.catalog.version}"})
            formats = _Formats(book)
            if preface is not None:  # a cover sheet first, e.g. a consolidation's provenance
                preface(book, formats)
            for layout in layouts:
                self._write_form(book, formats, layout, values.get(layout.id, {}), locked)
            self._write_meta(book, layouts, locked)
            book.close()
            if bulk is not None:
                bulk.put_into(Path(tmp))
        return Path(path)

    # -- one form ----------------------------------------------------------
    def _write_form(
        self,
        book: Workbook,
        fmt: _Formats,
        layout: FormLayout,
        values: Mapping[Key, Any],
        locked: set[tuple[str, str, str]],
    ) -> None:
        ws = book.add_worksheet(layout.definition.sheet, worksheet_class=FormSheet)
        widths = _set_widths(ws, layout)
        self._write_header(ws, fmt, layout)
        self._write_grid(ws, fmt, layout, widths, values, locked)
        self._write_signature(ws, fmt, layout)
        self._page_setup(ws, layout, widths)

    def _write_grid(
        self,
        ws: Worksheet,
        fmt: _Formats,
        layout: FormLayout,
        widths: list[float],
        values: Mapping[Key, Any],
        locked: set[tuple[str, str, str]],
    ) -> None:
        """The headings, the rows and their input checks: what the layout (and the values) decide."""
        d = layout.definition
        self._write_headings(ws, fmt, layout)
        blank = not values and not locked and not self._overrides.get(layout.id)
        computed = _blank_derived(layout) if not values else evaluator(layout).run(values)
        for row in layout.rows:
            r = layout.row_index[row.code]
            indent = min(row.level, 6)
            label_fmt = fmt.get(border=1, text_wrap=True, valign="vcenter", indent=indent,
                                bold=row.bold or row.section, italic=bool(row.part_of))
            centre = fmt.get(border=1, align="center", valign="vcenter", bold=row.bold or row.section)
            _text(ws, r, STT_COL, row.stt, centre)
            _text(ws, r, LABEL_COL, row.label, label_fmt)
            _text(ws, r, CODE_COL, row.code, centre)
            if d.row_measures:
                _text(ws, r, MEASURE_COL, "" if row.section else (row.measure or ""), centre)
            ws.set_row(r, _heights(row.label, widths[LABEL_COL] - 2 * indent))
            if blank:  # nothing typed in: each cell is a blank input or a formula, as in every such pack
                _write_blank_row(ws, fmt, _blank_cells(layout)[row.code], row.bold)
                continue
            for col in d.columns:
                cell = layout.cells[(row.code, col.code)]
                self._write_cell(ws, fmt, layout, cell, row.bold, values, computed, locked)
        self._write_validation(ws, layout, locked)

    @staticmethod
    def _page_setup(ws: Worksheet, layout: FormLayout, widths: list[float]) -> None:
        d, last_col = layout.definition, layout.last_col
        ws.freeze_panes(layout.first_data_row, d.first_data_col)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(pages_wide(widths), 0)  # more pages across rather than type under 8 pt
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.repeat_rows(layout.heading_top, layout.number_row)
        ws.print_area(0, 0, layout.last_data_row + 6, last_col)
        ws.set_footer(f"&L{d.sheet}&CTrang &P/&N")
        ws.protect("", {"format_columns": True, "format_rows": True,
                        "select_locked_cells": True, "select_unlocked_cells": True})

    def _write_cell(
        self,
        ws: Worksheet,
        fmt: _Formats,
        layout: FormLayout,
        cell: Cell,
        bold: bool,
        values: Mapping[Key, Any],
        computed: Mapping[Key, float | None],
        locked: set[tuple[str, str, str]],
    ) -> None:
        key = (cell.row, cell.col)
        is_locked = cell.kind == INPUT and (cell.form, cell.row, cell.col) in locked
        style = fmt.cell(cell, bold=bold, locked_input=is_locked)
        typed = self._overrides.get(cell.form, {})
        if key in typed:
            self._write_raw(ws, cell, typed[key], style)
            return
        if cell.kind == DERIVED:
            formula = layout.excel_formulas[key]
            value = computed.get(key)
            if code := ws.write_formula(cell.r, cell.c, formula, style, "" if value is None else value):
                _check(code, f"công thức {cell.address}")
            return
        value = values.get(key) if cell.kind == INPUT else None
        if value is None or value == "":
            ws.write_blank(cell.r, cell.c, None, style)
        elif isinstance(value, bool) or not isinstance(value, int | float):
            if code := ws.write_string(cell.r, cell.c, str(value), style):
                _check(code, f"ô {cell.address}")
        else:
            ws.write_number(cell.r, cell.c, value, style)

    @staticmethod
    def _write_raw(ws: Worksheet, cell: Cell, value: Any, style: Any) -> None:
        if value is None:
            ws.write_blank(cell.r, cell.c, None, style)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(cell.r, cell.c, value, style)
        else:
            _check(ws.write_string(cell.r, cell.c, str(value), style), f"ô {cell.address}")

    def _write_header(self, ws: Worksheet, fmt: _Formats, layout: FormLayout) -> None:
        d = layout.definition
        plain = fmt.get()
        for i, line in enumerate(self.catalog.header):
            ws.write_string(i, 0, self.render(line), plain)
        ident = identity_text(d.id, self.catalog.version, self.issue.unit.code,
                              self.issue.period.code, layout.fingerprint)
        ws.write_string(0, layout.last_col, ident, fmt.get(align="right", font_color="#7F7F7F", font_size=9))
        ws.write_string(1, layout.last_col, f"Biểu số {d.id[1:]}", fmt.get(align="right", bold=True))
        top = len(self.catalog.header)
        title = self.render(d.title)
        ws.merge_range(top + 1, 0, top + 1, layout.last_col, title,
                       fmt.get(bold=True, font_size=13, align="center", valign="vcenter", text_wrap=True))
        ws.set_row(top + 1, 36)
        if d.subtitle:
            ws.merge_range(top + 2, 0, top + 2, layout.last_col, self.render(d.subtitle),
                           fmt.get(italic=True, align="center"))
        if d.unit_note:
            ws.write_string(top + 3, layout.last_col, self.render(d.unit_note),
                            fmt.get(italic=True, align="right"))

    def _write_headings(self, ws: Worksheet, fmt: _Formats, layout: FormLayout) -> None:
        d = layout.definition
        head = fmt.get(bold=True, border=1, align="center", valign="vcenter", text_wrap=True,
                       bg_color=HEAD_FILL)
        top, bottom = layout.heading_top, layout.number_row - 1
        fixed = ["STT", d.label_heading, "Mã số"] + (["Đơn vị tính"] if d.row_measures else [])
        for c, text in enumerate(fixed):
            _merge(ws, top, c, bottom, c, text, head)
        paths = [(*col.heading, col.label) for col in d.columns]
        for level in range(d.heading_depth):
            j = 0
            while j < len(paths):
                path = paths[j]
                if level >= len(path):
                    j += 1
                    continue
                if level == len(path) - 1:  # the leaf reaches down to the last heading row
                    c = layout.col_index[d.columns[j].code]
                    _merge(ws, top + level, c, bottom, c, path[level], head)
                    j += 1
                    continue
                k = j
                while k + 1 < len(paths) and paths[k + 1][: level + 1] == path[: level + 1] \
                        and len(paths[k + 1]) > level + 1:
                    k += 1
                c0, c1 = layout.col_index[d.columns[j].code], layout.col_index[d.columns[k].code]
                _merge(ws, top + level, c0, top + level, c1, path[level], head)
                j = k + 1
        for level in range(d.heading_depth):
            ws.set_row(top + level, 32)
        numbers = fmt.get(italic=True, border=1, align="center", bg_color=HEAD_FILL)
        letters = ["A", "B", "C", "D"][: d.first_data_col]
        for c, text in enumerate(letters):
            ws.write_string(layout.number_row, c, text, numbers)
        for col in d.columns:
            ws.write_string(layout.number_row, layout.col_index[col.code], col.code, numbers)

    @staticmethod
    def _write_validation(ws: Worksheet, layout: FormLayout, locked: set[tuple[str, str, str]]) -> None:
        checks = _input_checks(layout) if not locked else _checks(layout, locked)
        for first_row, first_col, last_row, last_col, opts in checks:
            _check(ws.data_validation(first_row, first_col, last_row, last_col, dict(opts)), "kiểm tra dữ liệu")

    def _write_signature(self, ws: Worksheet, fmt: _Formats, layout: FormLayout) -> None:
        r = layout.last_data_row + 2
        centre = fmt.get(align="center", italic=True)
        bold = fmt.get(align="center", bold=True)
        ws.write_string(r, layout.last_col, "……, ngày …… tháng …… năm ……", fmt.get(italic=True, align="right"))
        for i, (left, right) in enumerate(self.catalog.signature):
            style = bold if i == 0 else centre
            ws.write_string(r + 1 + i, 1, self.render(left), style)
            ws.write_string(r + 1 + i, layout.last_col, self.render(right), style)

    # -- metadata ---------------------------------------------------------
    def metadata(self, layouts: list[FormLayout], locked: set[tuple[str, str, str]]) -> Metadata:
        issue, ctx = self.issue, self.context
        return Metadata(
            catalog_version=self.catalog.version,
            catalog_hash=self.catalog.content_hash,
            unit_code=issue.unit.code,
            unit_name=issue.unit.name,
            unit_level=issue.unit.level,
            parent_code=issue.parent.code if issue.parent else "",
            parent_name=issue.parent.name if issue.parent else "",
            period=issue.period.code,
            issued=issue.issued.isoformat(),
            receiving_agency=ctx["settings"]["receiving_agency"],
            preparer_title=ctx["settings"]["preparer_title"],
            head_title=ctx["settings"]["head_title"],
            children=[{"code": c.code, "name": c.name, "level": c.level} for c in issue.children],
            forms=[{"id": lay.id, "sheet": lay.sheet, "fingerprint": lay.fingerprint} for lay in layouts],
            locked=sorted("|".join(k) for k in locked),
        )

    def _write_meta(self, book: Workbook, layouts: list[FormLayout],
                    locked: set[tuple[str, str, str]]) -> None:
        ws = book.add_worksheet(META_SHEET)
        meta = self.metadata(layouts, locked)
        signed = [(SIGNATURE_KEY, sign(meta, self.signing_key))] if self.signing_key else (
            [(SIGNATURE_KEY, self.signature)] if self.signature else [])  # a filled pack keeps its signature
        # where each cell is, is the catalog's to say (the layout of the version named here), not the file's
        for r, (key, value) in enumerate([*meta.items(), ("meta_digest", meta.digest()), *signed]):
            ws.write_string(r, 0, key)
            # a cell holds at most 32,767 characters: long values (a province's units) span the row
            for i, start in enumerate(range(0, max(len(value), 1), META_CHUNK)):
                _check(ws.write_string(r, 1 + i, value[start : start + META_CHUNK]), f"siêu dữ liệu {key}")
        ws.protect("")
        ws.very_hidden()


def _text(ws: Worksheet, r: int, c: int, text: str, style: Any) -> None:
    """A string cell; an empty one is a formatted blank, as a spreadsheet program saves it."""
    if text:
        if code := ws.write_string(r, c, text, style):
            _check(code, f"ô {r + 1}:{c + 1}")
    else:
        ws.write_blank(r, c, None, style)


def _merge(ws: Worksheet, r0: int, c0: int, r1: int, c1: int, text: str, style: Any) -> None:
    if r0 == r1 and c0 == c1:
        ws.write_string(r0, c0, text, style)
    else:
        ws.merge_range(r0, c0, r1, c1, text, style)
