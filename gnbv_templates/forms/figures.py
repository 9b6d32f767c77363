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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import precision as pr
from gnbv_templates.forms.model import DERIVED, Cell, FormLayout

Key = tuple[str, str]
INF = math.inf
_NEW = tuple.__new__  # a Figure from a ready tuple, without the named tuple's own constructor call
Step = Callable[[Mapping[Key, "Figure"]], "pr.Span | None"]


class Figure(NamedTuple):
    """A figure: the number shown (typed, or computed with empty parts counted as zero, as a sheet shows it),
    the interval it stands for (unbounded where parts are missing), and whether it is a typed value in a
    derived cell, used as the figure.

    A tuple whose first three items are a ``precision.Span``: one is made for every cell of every return, and
    compiled declarations and rules read it as it is."""

    value: float
    lo: float
    hi: float
    stated: bool = False

    @classmethod
    def of(cls, value: float, interval: pr.Interval, stated: bool = False) -> Figure:
        return cls(value, interval.lo, interval.hi, stated)

    @property
    def interval(self) -> pr.Interval:
        return pr.Interval(self.lo, self.hi)

    @property
    def bounded(self) -> bool:
        return -INF < self.lo < INF and -INF < self.hi < INF


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


def _unknown(cell: Cell | None) -> tuple[float, float]:
    """What an empty part may be: nothing below its kind's minimum where that is zero (amounts, counts)."""
    minimum = None if cell is None else cell.measure.kind.minimum
    if minimum is not None and minimum >= 0:
        return 0.0, INF
    return -INF, INF


def _evaluate(layout: FormLayout, formula: ex.Node, figures: Mapping[Key, Figure]) -> pr.Span | None:
    """(value, lo, hi) of a declaration from the figures so far; None if nothing is known."""
    return _step(layout, formula)(figures)


def _step(layout: FormLayout, formula: ex.Node) -> Step:
    """A declaration compiled once per layout: a plain sum is a loop, anything else one function of spans."""
    memo = layout.memo.setdefault(_step, {})
    found = memo.get(id(formula))
    if found is None or found[0] is not formula:
        found = memo[id(formula)] = (formula, _compile(layout, formula))
    return found[1]


def _compile(layout: FormLayout, formula: ex.Node, *, shapes: bool = True) -> Step:
    """The declaration's step; ``shapes=False`` gives the general one only (the reference, in tests)."""
    keys: list[Key] = [(r.row or "", r.col or "") for r in ex.refs(formula)]  # bound: both are set
    parts = tuple((key, *_unknown(layout.cells.get(key))) for key in keys)
    if shapes and _plain_sum(formula):  # a sum of cells, the common case: no tree to walk
        return _sum_step(parts)
    ratio = _ratio(formula) if shapes else None
    if ratio is not None:  # a rate: the other common case
        return _ratio_step(*ratio)
    linear = ex.is_linear(formula)

    def leaf(ref: ex.Ref) -> pr.SpanFn:
        key = (ref.row or "", ref.col or "")
        unknown = (0.0, *_unknown(layout.cells.get(key)))

        def operand(figures: Mapping[Key, Figure]) -> pr.Span:
            fig = figures.get(key)
            return unknown if fig is None else fig  # type: ignore[return-value]  # a figure is a span
        return operand

    span = pr.compile_span(formula, leaf)

    def step(figures: Mapping[Key, Figure]) -> pr.Span | None:
        seen, known = False, True  # known: every part there and bounded
        for key in keys:
            fig = figures.get(key)
            if fig is None:
                known = False
            else:
                seen = True
                known = known and -INF < fig.lo < INF and -INF < fig.hi < INF
        if not seen:
            return None
        if not linear and not known:
            return None  # a ratio of what is not fully known is not known at all
        computed = span(figures)
        if computed is None or math.isnan(computed[1]) or math.isnan(computed[2]):
            return None
        return computed
    return step


def _ratio(node: ex.Node) -> tuple[Key, Key, float | None] | None:
    """``[a] / [b]`` or ``[a] / [b] * k``: the cells and the factor; None for any other shape."""
    factor = None
    if isinstance(node, ex.BinOp) and node.op == "*" and isinstance(node.right, ex.Num):
        factor = node.right.value
        node = node.left
    if isinstance(node, ex.BinOp) and node.op == "/" and isinstance(node.left, ex.Ref) and \
            isinstance(node.right, ex.Ref):
        a, b = node.left, node.right
        return (a.row or "", a.col or ""), (b.row or "", b.col or ""), factor
    return None


def _ratio_step(top: Key, bottom: Key, factor: float | None) -> Step:
    """What the general step gives for a rate, without its tree: both parts there, bounded, the divisor's
    interval clear of zero; then the quotient's interval (and the factor's product, as multiplication does)."""
    def ratio(figures: Mapping[Key, Figure]) -> pr.Span | None:
        a, b = figures.get(top), figures.get(bottom)
        if a is None or b is None or b.value == 0:
            return None
        found = pr.quotient_bounds(a.lo, a.hi, b.lo, b.hi)  # None also where a part is unbounded
        if found is None:
            return None
        value, (lo, hi) = a.value / b.value, found
        if factor is not None:
            value, (lo, hi) = value * factor, pr.product_bounds(lo, hi, factor, factor)
        return None if math.isnan(lo) or math.isnan(hi) else (value, lo, hi)
    return ratio


def _sum_step(parts: tuple[tuple[Key, float, float], ...]) -> Step:
    def plain_sum(figures: Mapping[Key, Figure]) -> pr.Span | None:
        value = lo = hi = 0.0
        seen = False
        for key, unknown_lo, unknown_hi in parts:
            fig = figures.get(key)
            if fig is None:
                lo, hi = lo + unknown_lo, hi + unknown_hi
            else:
                seen = True
                value += fig.value
                lo, hi = lo + fig.lo, hi + fig.hi
        return (value, lo, hi) if seen else None
    return plain_sum


def _plain_sum(node: ex.Node) -> bool:
    if isinstance(node, ex.BinOp):
        return node.op == "+" and _plain_sum(node.left) and _plain_sum(node.right)
    return isinstance(node, ex.Ref)


def _columns(layout: FormLayout) -> dict[str, Any]:
    found = layout.memo.get(_columns)
    if found is None:
        found = layout.memo[_columns] = {c.code: c for c in layout.columns}
    return found


def _other_declaration(layout: FormLayout, cell: Cell) -> ex.Node | None:
    """The other declaration of a derived cell (its column's where its row's makes it, and the reverse)."""
    if cell.formula is None or not ex.is_linear(cell.formula):
        return None  # a rate on a row of totals is the rate of the totals, never a sum of rates
    row = layout.rows_by_code.get(cell.row)
    column = _columns(layout).get(cell.col)
    if row is None or column is None:
        return None
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


def _compare(key: Key, typed: float, cell: Cell, formula: ex.Node, computed: pr.Span) -> Mismatch | None:
    value, lo, hi = computed
    mine = pr.stated(typed, cell.measure)
    if pr.holds_span(mine.lo, mine.hi, "==", lo, hi):
        return None
    complete = math.isfinite(lo) and math.isfinite(hi)
    return Mismatch(key, complete, typed, value, formula)


def figures(layout: FormLayout, inputs: Mapping[Key, Any], typed: Mapping[Key, float] | None = None) -> Figures:
    """Every figure of one form: its inputs, its derived cells (computed, or stated where typed over)."""
    typed = {key: float(value) for key, value in (typed or {}).items() if _number(value)}
    out = _typed_figures(layout, inputs)
    mismatches: dict[Key, Mismatch] = {}
    steps = _derived_steps(layout)
    for key, cell, step in steps:
        if typed and key in typed:
            _own(key, cell, step(out), typed[key], out, mismatches)
        elif (computed := step(out)) is not None:
            out[key] = _NEW(Figure, (*computed, False))
    # a cell declared both ways (a column total on a row of totals): the other way too, once all is known
    for key, cell, other in _declared_twice(layout):
        mine = out.get(key)
        if mine is not None and key not in typed and mine.bounded:
            continue  # known from its own parts: the other way can only say the same
        _other_way(layout, key, cell, other, mine, typed.get(key), out, mismatches)
    return Figures(out, list(mismatches.values()))


def _declared_twice(layout: FormLayout) -> list[tuple[Key, Cell, ex.Node]]:
    """The derived cells with another declaration, in the order they are computed: once per layout."""
    found = layout.memo.get(_declared_twice)
    if found is None:
        found = layout.memo[_declared_twice] = [
            ((cell.row, cell.col), cell, other) for cell in layout.derived_order
            if (other := _other_declaration(layout, cell)) is not None]
    return found


def _typed_figures(layout: FormLayout, inputs: Mapping[Key, Any]) -> dict[Key, Figure]:
    """The input cells' figures, each with the interval its stated precision allows.

    Every input of every return passes here: plain floats and ints are taken inline (what ``half_width``
    says of them), anything else through ``half_width`` itself."""
    measures = _input_measures(layout)
    out: dict[Key, Figure] = {}
    for key, value in inputs.items():
        found = measures.get(key)
        if found is None:
            continue
        kind = type(value)
        if (kind is not float or not -INF < value < INF) and kind is not int:
            if _number(value):
                half = pr.half_width(value, *found)
                out[key] = Figure(float(value), value - half, value + half)
            continue
        tolerance, count = found
        if tolerance is not None:
            half = tolerance
        elif count:
            exact = float(value)
            out[key] = _NEW(Figure, (exact, exact, exact, False))  # counts are exact
            continue
        elif kind is int or value.is_integer():
            half = 0.5
        else:
            half = 0.5 * 10.0 ** -pr.stated_decimals(value)
        out[key] = _NEW(Figure, (float(value), value - half, value + half, False))
    return out


def _input_measures(layout: FormLayout) -> dict[Key, tuple[float | None, bool]]:
    """Each non-derived cell's declared tolerance and whether it counts (exact): once per layout."""
    found = layout.memo.get(_input_measures)
    if found is None:
        found = layout.memo[_input_measures] = {
            key: (None if cell.measure.tolerance is None else float(cell.measure.tolerance),
                  cell.measure.type == "count")
            for key, cell in layout.cells.items() if cell.kind != DERIVED}
    return found


def _derived_steps(layout: FormLayout) -> list[tuple[Key, Cell, Step]]:
    found = layout.memo.get(_derived_steps)
    if found is None:
        found = layout.memo[_derived_steps] = [
            ((cell.row, cell.col), cell, _step(layout, cell.formula))  # type: ignore[arg-type]
            for cell in layout.derived_order]
    return found


def _own(key: Key, cell: Cell, computed: pr.Span | None, typed: float, out: dict[Key, Figure],
         mismatches: dict[Key, Mismatch]) -> None:
    """A value typed over a derived cell's formula, checked against its parts."""
    found = None if computed is None else _compare(key, typed, cell, cell.formula, computed)  # type: ignore[arg-type]
    if found is not None:
        mismatches[key] = found
    if found is not None and found.complete and computed is not None:
        out[key] = Figure(*computed)  # the parts are the figure: no mistake twice
    else:
        out[key] = Figure.of(typed, pr.stated(typed, cell.measure), stated=True)


def _other_way(layout: FormLayout, key: Key, cell: Cell, other: ex.Node, mine: Figure | None, typed: float | None,
               out: dict[Key, Figure], mismatches: dict[Key, Mismatch]) -> None:
    computed = _evaluate(layout, other, out)
    if computed is None:
        return
    if typed is not None:
        if key not in mismatches and (found := _compare(key, typed, cell, other, computed)) is not None:
            mismatches[key] = found
        return
    _, lo, hi = computed
    if mine is None or (not mine.bounded and math.isfinite(lo) and math.isfinite(hi)):
        out[key] = Figure(*computed)  # the tighter of the two declarations


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
