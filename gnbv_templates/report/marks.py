"""What the annotated copy marks, whichever way it is written: which cells, in which colour, with which note,
and which formulas of the file are not the form's own (never carried into the copy)."""

from __future__ import annotations

import copy
import re
from typing import Any

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.findings import ERROR, WARNING, Finding, Phrase, make
from gnbv_templates.forms.model import DERIVED, INPUT
from gnbv_templates.generate.writer import DERIVED_FILL, INPUT_FILL
from gnbv_templates.read.formulas import formula_key, harmless
from gnbv_templates.report.result_sheet import AMBER, RED

AUTHOR = "gnbv"
KEPT = "\n────────\n"  # between a comment the file already had and ours
BLUE = "DDEBF7"  # a note (a total stated instead of computed): marked, not a fault
MAX_OWN_COMMENT, MAX_COMMENT = 20_000, 30_000


def kinds(report: Outcome) -> dict[tuple[str, str], str]:
    """(sheet, A1) → kind of cell, so marks from an earlier run can be undone."""
    out: dict[tuple[str, str], str] = {}
    for state in report.forms.values():
        for cell in state.layout.cells.values():
            out[(state.sheet, state.address(cell.row, cell.col))] = cell.kind
    return out


def unmarked_fill(kind: str | None) -> str | None:
    """The fill a cell of this kind has in a pack as issued (RRGGBB), None for no fill."""
    color = INPUT_FILL if kind == INPUT else DERIVED_FILL if kind == DERIVED else None
    return color.lstrip("#") if color else None


def ours(author: str | None) -> bool:
    """A comment this program wrote (alone, or below a comment the file had)."""
    author = author or ""
    return author == AUTHOR or author.startswith(f"{AUTHOR} (")


def restored(text: str, author: str | None) -> tuple[str, str] | None:
    """The comment the file had under one of ours (text, author), or None if ours stood alone."""
    if KEPT not in text:
        return None
    return text.split(KEPT, 1)[0], (author or "")[len(AUTHOR) + 2 : -1]


def grouped(findings: list[Finding], sheets: list[str]) -> dict[tuple[str, str], list[Finding]]:
    """(sheet, address) → the findings on that cell, in order."""
    out: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet in sheets and f.cell:
            out.setdefault((f.sheet, f.cell), []).append(f)
    return out


def mark_fill(items: list[Finding]) -> str:
    severities = {f.severity for f in items}
    return RED if ERROR in severities else AMBER if WARNING in severities else BLUE


def note(items: list[Finding], lang: str, old: tuple[str, str] | None) -> tuple[str, str]:
    """(text, author) of the comment on a marked cell; ``old`` is the file's own comment (text, author)."""
    text = "\n".join(f"• {f.message(lang)}" for f in items)
    author = AUTHOR
    if old is not None:  # keep what the file's own comment says, above ours
        text = f"{old[0][:MAX_OWN_COMMENT]}{KEPT}{text}"
        author = f"{AUTHOR} ({old[1] or ''})"
    return text[:MAX_COMMENT], author


def note_height(items: list[Finding]) -> int:
    return min(60 + 40 * len(items), 400)


NOTE_WIDTH = 320


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


def plain_reference(text: str | None) -> bool:
    """A defined name or validation source that only points at cells of this workbook, or a constant."""
    if text is None:
        return True
    return _PLAIN_LIST.fullmatch(text.strip().lstrip("=")) is not None


def our_formulas(report: Outcome) -> dict[tuple[str, str], str]:
    """(sheet, address) → the form's own formula (as compared) of every derived cell found."""
    found: dict[tuple[str, str], str] = {}
    for state in report.forms.values():
        formulas = state.layout.excel_formulas
        for cell in state.layout.derived_order:
            found[(state.sheet, state.address(cell.row, cell.col))] = formula_key(formulas[(cell.row, cell.col)])
    return found


def kept_formula(where: tuple[str, str], formula: str, ours_: dict[tuple[str, str], str],
                 kinds_: dict[tuple[str, str], str]) -> bool:
    """The form's own formula, or one of its kind moved with its rows: it computes, no more."""
    return where in ours_ and (formula_key(formula) == ours_[where] or
                               (kinds_.get(where) == DERIVED and harmless(formula)))


def removed(sheet: str, address: str, formula: str, cached: Any, kind: str | None) -> Finding:
    """The finding that says a formula was replaced by the value the file had."""
    return make("file.formula-removed", sheet=sheet, cell=address, value="=" + str(formula).lstrip("="),
                expected="" if cached is None else cached,
                params={"kind": Phrase({INPUT: "cell-kind.input", DERIVED: "cell-kind.derived"}.get(
                    kind or "", "cell-kind.other"))})


def with_removed(report: Outcome, found: list[Finding]) -> Outcome:
    """The report with the replaced formulas added (said on the error sheet and on the cells, like any
    finding); the report itself is unchanged."""
    if not found:
        return report
    changed = copy.copy(report)
    changed.findings = [*report.findings, *found]
    return changed
