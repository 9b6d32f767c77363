"""Derived cells: every one recomputed from its declaration in the form model, never trusted from the file.

The file's value is compared with ours only where the formula is gone (typed over) or cannot be seen (a file
saved without formulas); a formula present but different from ours is itself a finding.

A value typed over a formula is what the report states.  Where every part is filled it is checked against the
parts within the precision it was stated with (33,2% stands for 33,15–33,25%), and a different figure is refused
as before.  Where some parts are empty it is a stated total: the figure the other checks and consolidation use,
checked only against the parts that are there (they may not exceed it), and noted on the error sheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext, cell_finding
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, Phrase
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.figures import Figures, Mismatch, figures
from gnbv_templates.forms.model import Cell, FormLayout
from gnbv_templates.forms.precision import rounded_like
from gnbv_templates.read.coerce import coerce
from gnbv_templates.read.formulas import formula_key

Key = tuple[str, str]


class DerivedCheck(Check):
    name = "derived"
    codes = ("derived.formula-altered", "derived.overwritten-same", "derived.sum-mismatch",
             "derived.ratio-mismatch", "derived.formula-mismatch", "derived.parts-exceed-total",
             "derived.stated-total")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for state in ctx.forms.values():
            yield from _form(ctx, state)


def _form(ctx: CheckContext, state: FormState) -> Iterator[Finding]:
    sheet, layout = state.sheet, state.layout
    grid = ctx.ret.grid(sheet)
    formulas = ctx.ret.formula_cells(sheet)
    errors = ctx.ret.error_cells(sheet)
    rows, cols = state.located.rows, state.located.cols
    inputs = {key: value for key, value in state.inputs.items() if isinstance(value, int | float)}
    if formulas is not None and state.as_issued and _sheet_formulas(layout).items() <= formulas.items():
        state.figures = figures(layout, inputs)  # every formula there as written: nothing typed over
        return
    gone = formulas is not None  # the formula is known to be gone, not merely unseen
    ours = _bare_formulas(layout)
    typed: dict[Key, float] = {}
    unusable: dict[Key, Any] = {}  # text or an error value where the formula was
    for cell in layout.derived_order:
        r, c = rows.get(cell.row), cols.get(cell.col)
        if r is None or c is None:
            continue
        text = formulas.get((r, c)) if formulas is not None else None
        if text is not None:  # the formula is there: the spreadsheet computes it; our value is the truth anyway
            if text != ours[(cell.row, cell.col)] and (found := _altered(state, cell, text)) is not None:
                yield found
            continue
        _read(cell, _raw(grid, errors, r, c), gone, typed, unusable)
    state.figures = figures(layout, inputs, typed)
    if typed or unusable:
        yield from _verdicts(state, state.figures, typed, unusable, gone)


def _bare_formulas(layout: FormLayout) -> dict[Key, str]:
    """The form's formulas as a sheet's XML holds them (without "="): the same text needs no closer look."""
    found = layout.memo.get(_bare_formulas)
    if found is None:
        found = layout.memo[_bare_formulas] = {key: text.lstrip("=") for key, text in layout.excel_formulas.items()}
    return found


def _sheet_formulas(layout: FormLayout) -> dict[tuple[int, int], str]:
    """The form's formulas by the sheet position the layout gives them, as the sheet's XML holds them."""
    found = layout.memo.get(_sheet_formulas)
    if found is None:
        ours = _bare_formulas(layout)
        found = layout.memo[_sheet_formulas] = {(c.r, c.c): ours[(c.row, c.col)] for c in layout.derived_order}
    return found


def _raw(grid: list[list[Any]], errors: dict[tuple[int, int], str], r: int, c: int) -> Any:
    """What a cell holds: its error value shown as it is, or its value."""
    if errors and (r, c) in errors:
        return errors[(r, c)]
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def _altered(state: FormState, cell: Cell, text: str) -> Finding | None:
    """A formula present but not ours (where the rows are in place to compare it)."""
    want = state.layout.excel_formulas[(cell.row, cell.col)]
    if text and state.located.in_place and not _same_formula(text, want):
        return cell_finding(state, cell, "derived.formula-altered", value="=" + text.lstrip("="), expected=want)
    return None


def _read(cell: Cell, raw: Any, gone: bool, typed: dict[Key, float], unusable: dict[Key, Any]) -> None:
    """What the file holds where our formula should be: a number it states, or something unusable."""
    found = coerce(raw, cell.measure).value
    if isinstance(found, int | float) and not isinstance(found, bool):
        if gone or found != 0:  # a file without formulas shows 0 where nothing was filled
            typed[(cell.row, cell.col)] = found
    elif raw not in (None, ""):
        unusable[(cell.row, cell.col)] = raw


def _verdicts(state: FormState, found: Figures, typed: dict[Key, float], unusable: dict[Key, Any],
              gone: bool) -> Iterator[Finding]:
    mismatches = {m.key: m for m in found.mismatches}
    for cell in state.layout.derived_order:
        key = (cell.row, cell.col)
        if key in unusable:
            want = state.derived.get(key)
            yield cell_finding(state, cell, _mismatch(cell.formula), value=unusable[key], expected=want,
                               params=_params(state, cell, cell.formula, gone))  # type: ignore[arg-type]
        elif key in mismatches:
            yield _refusal(state, cell, mismatches[key], gone)
        elif key in typed and gone:
            figure = found.get(key)
            if figure is not None and figure.stated and not _complete(state, cell):
                yield cell_finding(state, cell, "derived.stated-total", value=typed[key],
                                   params={"declaration": _declaration(state, cell.formula)})  # type: ignore[arg-type]
            else:
                yield cell_finding(state, cell, "derived.overwritten-same", value=typed[key],
                                   expected=_shown(figure.value if figure else None, typed[key]))


def _refusal(state: FormState, cell: Cell, mismatch: Mismatch, gone: bool) -> Finding:
    expected = _shown(mismatch.computed, mismatch.typed)
    params = _params(state, cell, mismatch.formula, gone)
    if not mismatch.complete:
        return cell_finding(state, cell, "derived.parts-exceed-total", value=mismatch.typed, expected=expected,
                            params=params)
    return cell_finding(state, cell, _mismatch(mismatch.formula), value=mismatch.typed, expected=expected,
                        params=params)


def _complete(state: FormState, cell: Cell) -> bool:
    """Whether every part of the cell's declaration is filled (a figure of its own)."""
    values = state.figures.values if state.figures is not None else {}
    return all((ref.row, ref.col) in values for ref in ex.refs(cell.formula))  # type: ignore[arg-type]


def _shown(value: float | None, like: float) -> float | None:
    """The computed value as the typed one was stated: 24,47 beside a stated 26,22."""
    return rounded_like(value, like)


def _params(state: FormState, cell: Cell, formula: ex.Node, gone: bool) -> dict[str, Any]:
    return {"declaration": _declaration(state, formula), "hint": Phrase("hint.formula-gone") if gone else ""}


def _mismatch(formula: Any) -> str:
    if ex.has_division(formula):
        return "derived.ratio-mismatch"
    return "derived.sum-mismatch" if _only_additions(formula) else "derived.formula-mismatch"


def _only_additions(node: ex.Node) -> bool:
    if isinstance(node, ex.BinOp):
        return node.op == "+" and _only_additions(node.left) and _only_additions(node.right)
    return isinstance(node, ex.Ref)


def _declaration(state: FormState, formula: ex.Node) -> str:
    """The declaration in the sheet's own addresses: D14 = D15 + D16."""
    return ex.to_formula_text(formula, lambda ref: state.address(ref.row or "", ref.col or ""))


def _same_formula(found: str, ours: str) -> bool:
    return found == ours or formula_key(found) == formula_key(ours)
