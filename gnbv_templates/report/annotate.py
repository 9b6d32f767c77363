"""The annotated copy: an error sheet first, offending cells highlighted, a comment on each.

openpyxl keeps values, formulas, plain data validation, protection and hidden
sheets, but drops every formula's cached value when it saves; the values the
file had are written back into the saved sheet XML, so the copy reads the
same in programs that do not recalculate.  Macros are never kept.  The input
is never modified; annotating an annotated copy replaces its marks.
"""

from __future__ import annotations

import copy
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import defusedxml
import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.errors import OutputError
from gnbv_templates.findings import ERROR, WARNING, Finding, Phrase, make
from gnbv_templates.forms.model import DERIVED, INPUT
from gnbv_templates.generate.writer import DERIVED_FILL, INPUT_FILL
from gnbv_templates.outputs import atomic_path
from gnbv_templates.read.formulas import formula_key, harmless
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.read.reader import MAX_COLS, MAX_ROWS, open_return, sheet_parts
from gnbv_templates.read.safety import printable, refuse, shown_name
from gnbv_templates.read.sheetxml import formula_cells
from gnbv_templates.report.result_sheet import AMBER, RED, write_cell, write_result_sheet

AUTHOR = "gnbv"
_KEPT = "\n────────\n"  # between a comment the file already had and ours
BLUE = "DDEBF7"  # a note (a total stated instead of computed): marked, not a fault

# openpyxl parses the return itself here: only with defusedxml does it refuse an XML entity bomb
if not getattr(openpyxl, "DEFUSEDXML", False):  # pragma: no cover - import-time guard
    raise ImportError("openpyxl must run with defusedxml installed (XML bomb protection)")
assert defusedxml  # imported for openpyxl's protection; keep the dependency explicit


def annotate(report: Outcome, out: Path | str, *, lang: str = "vi") -> Path:
    source = Path(report.file)
    original = open_return(source)
    if original.kind == "ods":
        original.close()
        raise OutputError(
            f"Không tạo được bản sao đánh dấu lỗi cho tệp .ods {shown_name(source)}: hãy lưu tệp dạng .xlsx rồi "
            "kiểm tra lại (kết quả kiểm tra vẫn in ra và ghi được vào báo cáo JSON).",
            english="An annotated copy cannot be made of an .ods file: save it as .xlsx and validate again.",
        )
    try:  # macros and links to other files are dropped here, never carried into the copy
        # a file object: whatever the file's name ends with; openpyxl's notes on what it drops are not for
        # the user ("Unknown extension is not supported")
        with source.open("rb") as handle, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(handle, keep_vba=False, keep_links=False)
    except Exception as exc:  # the second parser of an untrusted file: any failure means the same thing
        original.close()
        raise refuse("annotate-unreadable",
                     f"Không tạo được bản sao đánh dấu lỗi: tệp {shown_name(source)} có cấu trúc không đọc được "
                     "để ghi lại. Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi kiểm tra lại.",
                     f"Cannot make an annotated copy of {source.name}: {type(exc).__name__}.") from None
    if RESULT_SHEET in book.sheetnames:
        del book[RESULT_SHEET]
    kinds = _kinds(report)
    _clear_marks(book, kinds)
    removed = disarm(book, report, original, kinds)
    if removed:  # said on the error sheet and on the cells, like any finding (the report itself is unchanged)
        report = copy.copy(report)
        report.findings = [*report.findings, *removed]
    write_result_sheet(book, report, lang, shown=printable)
    _mark(book, report.findings, lang)
    book.active = 0
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = ws.title == RESULT_SHEET
    book.calculation.fullCalcOnLoad = True
    try:
        with atomic_path(out, inputs=(source,)) as tmp:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                book.save(tmp)
            _restore_cached_values(tmp, original)
    finally:
        original.close()
    return Path(out)


def _kinds(report: Outcome) -> dict[tuple[str, str], str]:
    """(sheet, A1) → kind of cell, so marks from an earlier run can be undone."""
    out: dict[tuple[str, str], str] = {}
    for state in report.forms.values():
        for cell in state.layout.cells.values():
            out[(state.sheet, state.address(cell.row, cell.col))] = cell.kind
    return out


def _existing_cells(ws: Any) -> list[Any]:
    """The cells a sheet really has (iter_rows would create every cell of the used range)."""
    cells = getattr(ws, "_cells", None)
    if isinstance(cells, dict):
        return [cell for (r, c), cell in cells.items() if r <= MAX_ROWS and c <= MAX_COLS]
    return [cell for row in ws.iter_rows(max_row=min(ws.max_row, MAX_ROWS), max_col=min(ws.max_column, MAX_COLS))
            for cell in row]


def _ours(comment: Any) -> bool:
    author = comment.author or ""
    return author == AUTHOR or author.startswith(f"{AUTHOR} (")


def _clear_marks(book: Any, kinds: dict[tuple[str, str], str]) -> None:
    for ws in book.worksheets:
        for cell in _existing_cells(ws):
            comment = cell.comment
            if comment is not None and _ours(comment):
                cell.comment = None
                if _KEPT in comment.text:  # give the comment the file had back
                    author = (comment.author or "")[len(AUTHOR) + 2 : -1]
                    cell.comment = Comment(comment.text.split(_KEPT, 1)[0], author)
                kind = kinds.get((ws.title, cell.coordinate))
                color = INPUT_FILL if kind == INPUT else DERIVED_FILL if kind == DERIVED else None
                cell.fill = PatternFill("solid", fgColor=color.lstrip("#")) if color else PatternFill(None)


def _mark(book: Any, findings: list[Finding], lang: str) -> None:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet in book.sheetnames and f.cell:
            grouped.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, address), items in grouped.items():
        ws = book[sheet]
        address = _top_left(ws, address)
        cell = ws[address]
        severities = {f.severity for f in items}
        fill = RED if ERROR in severities else AMBER if WARNING in severities else BLUE
        cell.fill = PatternFill("solid", fgColor=fill)
        text = "\n".join(f"• {f.message(lang)}" for f in items)
        author = AUTHOR
        old = cell.comment
        if old is not None and not _ours(old):  # keep what the file's own comment says, above ours
            text = f"{old.text[:20000]}{_KEPT}{text}"
            author = f"{AUTHOR} ({old.author or ''})"
        comment = Comment(text[:30000], author)
        comment.width, comment.height = 320, min(60 + 40 * len(items), 400)
        cell.comment = comment


def _top_left(ws: Any, address: str) -> str:
    """Comments and fills on a merged cell go on its top-left cell."""
    for merged in ws.merged_cells.ranges:
        if address in merged:
            return merged.start_cell.coordinate
    return address


# -- nothing executable leaves the program ---------------------------------------------------------------------
# A formula is kept in the copy only where the form has one and the file's is the form's own: anything else
# (typed into an input cell, DDE ``cmd|' /C calc'!A0``, a link to another file, HYPERLINK, a formula on a
# sheet the form does not have) is replaced by the value the file had, and the error sheet says so.
_PLAIN_REF = re.compile(
    r"(?:(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!)?"
    r"(?:\$?[A-Z]{1,3}\$?\d{1,7}(?::\$?[A-Z]{1,3}\$?\d{1,7})?|\$?\d{1,7}:\$?\d{1,7}|\$?[A-Z]{1,3}:\$?[A-Z]{1,3})")
_LITERAL = re.compile(r'-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"]|"")*"')
_ITEM = f"\\s*(?:{_PLAIN_REF.pattern}|{_LITERAL.pattern})\\s*"
_PLAIN_LIST = re.compile(f"{_ITEM}(?:,{_ITEM})*")


def _plain_reference(text: str | None) -> bool:
    """A defined name or validation source that only points at cells of this workbook, or a constant."""
    if text is None:
        return True
    return _PLAIN_LIST.fullmatch(text.strip().lstrip("=")) is not None


def disarm(book: Any, report: Outcome, original: Any, kinds: dict[tuple[str, str], str]) -> list[Finding]:
    """Replace every formula that is not the form's own by the value the file had; drop links out.

    Returns one finding per replaced formula, for the error sheet."""
    ours = _our_formulas(report)
    removed: list[Finding] = []
    for ws in book.worksheets:
        grid = original.grid(ws.title) if ws.title in original.sheet_names else []
        for cell in _existing_cells(ws):
            if cell.hyperlink is not None and cell.hyperlink.target:  # a link out of the workbook
                cell.hyperlink = None
            found = _disarm_cell(ws.title, cell, grid, ours, kinds)
            if found is not None:
                removed.append(found)
        _drop_outside_formulas(ws)
    _drop_names(book.defined_names)
    return removed


def _our_formulas(report: Outcome) -> dict[tuple[str, str], str]:
    """(sheet, address) → the form's own formula (as compared) of every derived cell found."""
    ours: dict[tuple[str, str], str] = {}
    for state in report.forms.values():
        formulas = state.layout.excel_formulas
        for cell in state.layout.derived_order:
            ours[(state.sheet, state.address(cell.row, cell.col))] = formula_key(formulas[(cell.row, cell.col)])
    return ours


def _disarm_cell(sheet: str, cell: Any, grid: list[list[Any]], ours: dict[tuple[str, str], str],
                 kinds: dict[tuple[str, str], str]) -> Finding | None:
    value = cell.value
    if cell.data_type != "f" and not isinstance(value, ArrayFormula | DataTableFormula):
        return None
    text = value.text if isinstance(value, ArrayFormula) else value if isinstance(value, str) else ""
    where = (sheet, cell.coordinate)
    if isinstance(value, str) and where in ours and (formula_key(value) == ours[where] or
                                                       (kinds.get(where) == DERIVED and harmless(value))):
        return None  # the form's own formula, or one of its kind moved with its rows: it computes, no more
    r, c = cell.row - 1, cell.column - 1
    cached = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    write_cell(cell, cached)  # the file's own value, as a value: text stays text, raw
    return _removed(sheet, cell.coordinate, text or "=…", cached, kinds.get(where))


def _drop_names(names: Any) -> None:
    """Defined names that run or fetch something (DDE, other files, functions) are not kept."""
    for name in list(names):
        if not _plain_reference(names[name].value):
            del names[name]


def _removed(sheet: str, address: str, formula: str, cached: Any, kind: str | None) -> Finding:
    return make("file.formula-removed", sheet=sheet, cell=address, value="=" + str(formula).lstrip("="),
                expected="" if cached is None else cached,
                params={"kind": Phrase({INPUT: "cell-kind.input", DERIVED: "cell-kind.derived"}.get(
                    kind or "", "cell-kind.other"))})


def _drop_outside_formulas(ws: Any) -> None:
    """Validation lists and conditional formats that point outside the workbook or call a function."""
    validations = ws.data_validations.dataValidation
    validations[:] = [v for v in validations if _plain_reference(v.formula1) and _plain_reference(v.formula2)]
    _drop_names(ws.defined_names)
    formatting = ws.conditional_formatting
    for entry in list(formatting):
        entry.rules[:] = [rule for rule in entry.rules if all(_plain_reference(f) for f in rule.formula or ())]


# -- the values the file had, back under the formulas openpyxl wrote -------------------------------------------


def _restore_cached_values(path: Path, original: Any) -> None:
    """Put the original file's cached formula values back into what openpyxl saved.

    The saved sheets are read with an XML parser (sheetxml's expat, no DTD); each formula cell is
    written anew with its value."""
    tmp = path.with_suffix(".patch")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {part: sheet for sheet, part in sheet_parts(zin).items()}  # what openpyxl just wrote
        for info in zin.infolist():
            data = zin.read(info)
            sheet = parts.get(info.filename)
            if sheet and sheet in original.sheet_names:
                data = _with_values(data, original.grid(sheet))
            zout.writestr(info, data)
    tmp.replace(path)


def _with_values(data: bytes, grid: list[list[Any]]) -> bytes:
    pieces: list[bytes] = []
    last = 0
    for start, end, attrs, formula_attrs, formula, at in formula_cells(data):
        r, c = at
        value = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        attrs = {k: v for k, v in attrs.items() if k != "t"}
        if isinstance(value, bool):
            attrs["t"], shown = "b", ("1" if value else "0")
        elif isinstance(value, int | float):
            shown = repr(float(value))
        else:
            attrs["t"], shown = "str", "" if value is None else str(value)
        head = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
        fhead = "".join(f" {k}={quoteattr(v)}" for k, v in formula_attrs.items())
        element = f"<c{head}><f{fhead}>{escape(formula)}</f><v>{escape(shown)}</v></c>"
        pieces += [data[last:start], element.encode()]
        last = end
    pieces.append(data[last:])
    return b"".join(pieces)
