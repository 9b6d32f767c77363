"""Derived cells: every one recomputed from its single declaration in the form model, never trusted from the file.

The file's value is compared with ours only where the formula is gone (typed over) or cannot be seen (a file
saved without formulas); a formula present but different from ours is itself a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext, cell_finding
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, Phrase
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.compute import evaluator
from gnbv_templates.forms.model import Cell
from gnbv_templates.read.coerce import coerce


class DerivedCheck(Check):
    name = "derived"
    codes = ("derived.formula-altered", "derived.overwritten-same", "derived.sum-mismatch",
             "derived.ratio-mismatch", "derived.formula-mismatch")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for state in ctx.forms.values():
            numbers = {key: value for key, value in state.inputs.items() if isinstance(value, int | float)}
            state.derived = evaluator(state.layout).run(numbers)
            yield from _form(ctx, state)


def _form(ctx: CheckContext, state: FormState) -> Iterator[Finding]:
    sheet, layout = state.sheet, state.layout
    grid = ctx.ret.grid(sheet)
    formulas = ctx.ret.formula_cells(sheet)
    errors = ctx.ret.error_cells(sheet)
    rows, cols = state.located.rows, state.located.cols
    ours, in_place = layout.excel_formulas, state.located.in_place
    for cell in layout.derived_order:
        r, c = rows.get(cell.row), cols.get(cell.col)
        if r is None or c is None:
            continue
        text = formulas.get((r, c)) if formulas is not None else None
        if text is not None:
            want = ours[(cell.row, cell.col)]
            if text and in_place and not _same_formula(text, want):
                yield cell_finding(state, cell, "derived.formula-altered", value="=" + text.lstrip("="),
                                   expected=want)
            continue  # the formula is there: the spreadsheet computes it; our value is the truth anyway
        raw = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        if errors and (r, c) in errors:
            raw = errors[(r, c)]  # an error value where the formula was: read as text, so shown as it is
        found = _value(state, cell, raw, formulas is not None)
        if found is not None:
            yield found


def _value(state: FormState, cell: Cell, raw: Any, gone: bool) -> Finding | None:
    """The file's value where our formula is gone (``gone``) or cannot be seen, against ours."""
    found = coerce(raw, cell.measure).value
    want = state.derived.get((cell.row, cell.col))
    same = _close(found if isinstance(found, int | float) else None, want, cell)
    if same:
        return cell_finding(state, cell, "derived.overwritten-same", value=found, expected=want) if gone else None
    return cell_finding(state, cell, _mismatch(cell.formula), value=raw if found is None else found,
                        expected=want, params={"declaration": _declaration(state, cell),
                                               "hint": Phrase("hint.formula-gone") if gone else ""})


def _mismatch(formula: Any) -> str:
    if ex.has_division(formula):
        return "derived.ratio-mismatch"
    return "derived.sum-mismatch" if _only_additions(formula) else "derived.formula-mismatch"


def _only_additions(node: ex.Node) -> bool:
    if isinstance(node, ex.BinOp):
        return node.op == "+" and _only_additions(node.left) and _only_additions(node.right)
    return isinstance(node, ex.Ref)


def _declaration(state: FormState, cell: Cell) -> str:
    """The declaration in the sheet's own addresses: D14 = D15 + D16."""
    return ex.to_formula_text(cell.formula, lambda ref: state.address(ref.row or "", ref.col or ""))  # type: ignore[arg-type]


def _same_formula(found: str, ours: str) -> bool:
    return found == ours or _formula_key(found) == _formula_key(ours)


@lru_cache(maxsize=16_384)
def _formula_key(text: str) -> str:
    """A formula as compared: every return of one form repeats the same few thousand texts."""
    return text.lstrip("=").replace("$", "").replace(" ", "").replace("_xlfn.", "").upper()


def _close(found: float | None, want: float | None, cell: Cell) -> bool:
    if want is None:
        return found is None or found == 0
    if found is None:
        return abs(want) < 0.0005
    slack = 0.01 if cell.measure.type in ("percent", "points") else 0.0005
    return abs(found - want) <= slack + 1e-9 * max(abs(found), abs(want))
