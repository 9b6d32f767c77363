"""The figures of a filled form as a report states them: typed, computed, or stated totals.

An empty cell is not zero.  A derived cell whose parts are all empty is empty
too; one whose parts are partly filled is known only from below (the parts
that are there, and nothing about the others): for a sum of amounts that
cannot be negative, ``[sum of the filled parts, ∞)``.  A derived cell may also
hold a typed value where its formula was typed over (a report states the total
plan without every project's figure): that stated figure is then what other
checks use, and it is checked against its parts —

- fully when every part is filled: the intervals of the typed value (by its
  stated precision) and of the parts must overlap, otherwise a mismatch, and
  the parts are then the figure the other checks use;
- from below when some parts are empty: a mismatch only where the filled
  parts already exceed it (seed 002: Dự án 3 "871" with its Tiểu dự án 1 at 898).

Both declarations of a cell that has two (a column total on a row of totals)
are checked.  Everything here is arithmetic on the form model; which findings
to make of a mismatch is the validator's business.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import precision as pr
from gnbv_templates.forms.model import DERIVED, Cell, FormLayout

Key = tuple[str, str]
INF = math.inf


@dataclass(frozen=True, slots=True)
class Figure:
    value: float  # the number shown: typed, or computed with empty parts counted as zero (as a sheet shows it)
    interval: pr.Interval  # what it stands for; unbounded where parts are missing
    stated: bool = False  # a typed value in a derived cell, used as the figure

    @property
    def bounded(self) -> bool:
        return math.isfinite(self.interval.lo) and math.isfinite(self.interval.hi)


@dataclass(frozen=True, slots=True)
class Mismatch:
    key: Key
    complete: bool  # every part filled: the typed value differs; else the filled parts already exceed it
    typed: float
    computed: float  # the parts' value (complete), or the sum of the filled parts (not complete)
    formula: ex.Node  # the declaration the typed value was checked against


@dataclass
class Figures:
    values: dict[Key, Figure]
    mismatches: list[Mismatch]

    @property
    def stated(self) -> list[Key]:
        return [key for key, fig in self.values.items() if fig.stated]

    def get(self, key: Key) -> Figure | None:
        return self.values.get(key)


def _unknown(cell: Cell | None) -> pr.Interval:
    """What an empty part may be: nothing below its kind's minimum where that is zero (amounts, counts)."""
    minimum = None if cell is None else cell.measure.kind.minimum
    if minimum is not None and minimum >= 0:
        return pr.Interval(0.0, INF)
    return pr.Interval(-INF, INF)


def _evaluate(layout: FormLayout, formula: ex.Node, figures: Mapping[Key, Figure]
              ) -> tuple[float, pr.Interval] | None:
    """(point, interval) of a declaration from the figures so far; None if nothing is known."""
    keys, linear, plain = _shape(layout, formula)
    found = [figures.get(key) for key in keys]
    if all(f is None for f in found):
        return None
    if plain:  # a sum of cells, the common case: no tree to walk
        return _sum(layout, keys, found)
    if not linear and any(f is None or not f.bounded for f in found):
        return None  # a ratio of what is not fully known is not known at all

    def point(ref: ex.Ref) -> float:
        fig = figures.get((ref.row, ref.col))  # type: ignore[arg-type]
        return 0.0 if fig is None else fig.value

    def interval(ref: ex.Ref) -> pr.Interval:
        fig = figures.get((ref.row, ref.col))  # type: ignore[arg-type]
        return _unknown(layout.cells.get((ref.row, ref.col))) if fig is None else fig.interval  # type: ignore[arg-type]

    value = ex.evaluate(formula, point)
    span = pr.evaluate(formula, interval)
    if value is None or span is None or any(math.isnan(x) for x in (span.lo, span.hi)):
        return None
    return value, span


def _shape(layout: FormLayout, formula: ex.Node) -> tuple[list[Key], bool, bool]:
    """The cells a declaration reads, whether it is linear, whether it is a plain sum: once per layout."""
    memo = layout.memo.setdefault(_shape, {})
    found = memo.get(id(formula))
    if found is None or found[0] is not formula:
        keys = [(r.row, r.col) for r in ex.refs(formula)]
        found = memo[id(formula)] = (formula, keys, ex.is_linear(formula), _plain_sum(formula))
    return found[1], found[2], found[3]


def _plain_sum(node: ex.Node) -> bool:
    if isinstance(node, ex.BinOp):
        return node.op == "+" and _plain_sum(node.left) and _plain_sum(node.right)
    return isinstance(node, ex.Ref)


def _sum(layout: FormLayout, keys: list[Key], found: list[Figure | None]) -> tuple[float, pr.Interval]:
    value, lo, hi = 0.0, 0.0, 0.0
    for key, fig in zip(keys, found, strict=True):
        span = fig.interval if fig is not None else _unknown(layout.cells.get(key))
        value += fig.value if fig is not None else 0.0
        lo, hi = lo + span.lo, hi + span.hi
    return value, pr.Interval(lo, hi)


def _alternate(layout: FormLayout, cell: Cell) -> ex.Node | None:
    memo = layout.memo.setdefault(_alternate, {})
    key = (cell.row, cell.col)
    if key not in memo:
        memo[key] = _other_declaration(layout, cell)
    return memo[key]


def _other_declaration(layout: FormLayout, cell: Cell) -> ex.Node | None:
    """The other declaration of a derived cell (its column's where its row's makes it, and the reverse)."""
    row = layout.rows_by_code.get(cell.row)
    column = next((c for c in layout.columns if c.code == cell.col), None)
    if row is None or column is None or cell.formula is None or not ex.is_linear(cell.formula):
        return None  # a rate on a row of totals is the rate of the totals, never a sum of rates
    if cell.axis == "row":
        other, axis = column.formula, "col"
    else:
        other = row.formula if isinstance(row.formula, ex.Num | ex.Ref | ex.Neg | ex.BinOp) else None
        axis = "row"
    if other is None or not ex.is_linear(other):
        return None
    bound = ex.bind(other, axis=axis, row=cell.row, col=cell.col)
    for ref in ex.refs(bound):
        if layout.cells.get((ref.row, ref.col)) is None:  # type: ignore[arg-type]
            return None
    return bound


def _compare(key: Key, typed: float, cell: Cell, formula: ex.Node, computed: tuple[float, pr.Interval]
             ) -> Mismatch | None:
    value, span = computed
    if pr.holds(pr.stated(typed, cell.measure), "==", span):
        return None
    complete = math.isfinite(span.lo) and math.isfinite(span.hi)
    return Mismatch(key, complete, typed, value, formula)


def figures(layout: FormLayout, inputs: Mapping[Key, Any], typed: Mapping[Key, float] | None = None) -> Figures:
    """Every figure of one form: its inputs, its derived cells (computed, or stated where typed over)."""
    typed = {key: float(value) for key, value in (typed or {}).items() if _number(value)}
    out: dict[Key, Figure] = {}
    for key, value in inputs.items():
        cell = layout.cells.get(key)
        if cell is not None and cell.kind != DERIVED and _number(value):
            out[key] = Figure(float(value), pr.stated(value, cell.measure))
    mismatches: dict[Key, Mismatch] = {}
    for cell in layout.derived_order:
        _own(layout, cell, typed, out, mismatches)
    # a cell declared both ways (a column total on a row of totals): the other way too, once all is known
    for cell in layout.derived_order:
        _other_way(layout, cell, typed, out, mismatches)
    return Figures(out, list(mismatches.values()))


def _own(layout: FormLayout, cell: Cell, typed: Mapping[Key, float], out: dict[Key, Figure],
         mismatches: dict[Key, Mismatch]) -> None:
    """A derived cell by its own declaration: computed, or the typed value checked against its parts."""
    key = (cell.row, cell.col)
    computed = _evaluate(layout, cell.formula, out)  # type: ignore[arg-type]
    t = typed.get(key)
    if t is None:
        if computed is not None:
            out[key] = Figure(computed[0], computed[1])
        return
    found = None if computed is None else _compare(key, t, cell, cell.formula, computed)  # type: ignore[arg-type]
    if found is not None:
        mismatches[key] = found
    if found is not None and found.complete and computed is not None:
        out[key] = Figure(computed[0], computed[1])  # the parts are the figure: no mistake twice
    else:
        out[key] = Figure(t, pr.stated(t, cell.measure), stated=True)


def _other_way(layout: FormLayout, cell: Cell, typed: Mapping[Key, float], out: dict[Key, Figure],
               mismatches: dict[Key, Mismatch]) -> None:
    key = (cell.row, cell.col)
    mine = out.get(key)
    if key not in typed and mine is not None and mine.bounded:
        return  # known from its own parts: the other way can only say the same
    other = _alternate(layout, cell)
    computed = None if other is None else _evaluate(layout, other, out)
    if computed is None or other is None:
        return
    t = typed.get(key)
    if t is not None:
        if key not in mismatches and (found := _compare(key, t, cell, other, computed)) is not None:
            mismatches[key] = found
        return
    span = computed[1]
    if mine is None or (not mine.bounded and math.isfinite(span.lo) and math.isfinite(span.hi)):
        out[key] = Figure(computed[0], span)  # the tighter of the two declarations


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def stated_deltas(layout: FormLayout, found: Figures) -> dict[Key, tuple[float, float]]:
    """Stated totals that add up, with what each adds beyond the parts that are there: (stated, stated − parts).

    Consolidation sums the parts of every unit, then adds these differences back to each stated total, so a
    unit that stated a total without its breakdown counts with its total.  Rates are never summed: they are
    recomputed from the consolidated figures.
    """
    out: dict[Key, tuple[float, float]] = {}
    for key in found.stated:
        cell = layout.cells.get(key)
        if cell is None or cell.formula is None or not ex.is_linear(cell.formula):
            continue
        if not cell.measure.additive:
            continue
        computed = _evaluate(layout, cell.formula, {k: v for k, v in found.values.items() if k != key})
        stated = found.values[key].value
        out[key] = (stated, stated - (computed[0] if computed is not None else 0.0))
    return out
