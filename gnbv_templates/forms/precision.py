"""What a typed figure stands for: the interval its stated precision allows.

A report rounds: 33,2% is written for 33,165%, 99% for 99,074%, money in whole
triệu đồng.  A figure typed with k decimals therefore stands for every value
within ±0,5·10⁻ᵏ of it (the idea behind XBRL's ``decimals`` and EBA's
interval arithmetic).  A check holds when the intervals of its two sides
overlap; sums add their intervals and a ratio's interval is computed from its
operands' intervals, so a rate stated as 33,2 is right for 15.400 / 46.435 and
26,22 is wrong for 84.422 / 344.961 (24,47).

Counts are exact: 143 works are 143, not 142,5 to 143,5.  A measure may
declare its own tolerance (``Measure.tolerance``) which then replaces the
half unit of the last stated decimal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gnbv_templates.forms import expressions as ex

INF = math.inf
MAX_DECIMALS = 6  # a float's noise beyond this is not something a person typed
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Interval:
    lo: float
    hi: float

    @classmethod
    def exact(cls, value: float) -> Interval:
        return cls(value, value)

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: Interval) -> Interval:
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def __mul__(self, other: Interval) -> Interval:
        return Interval(*product_bounds(self.lo, self.hi, other.lo, other.hi))

    def divide(self, other: Interval) -> Interval | None:
        """None where the divisor may be zero: the quotient is then unbounded (not checkable)."""
        found = quotient_bounds(self.lo, self.hi, other.lo, other.hi)
        return None if found is None else Interval(*found)

    def widen(self, slack: float) -> Interval:
        return Interval(self.lo - slack, self.hi + slack) if slack else self


def product_bounds(alo: float, ahi: float, blo: float, bhi: float) -> tuple[float, float]:
    """The bounds of a product of two intervals."""
    products = [0.0 if math.isnan(p) else p  # 0 × ∞: an unbounded side times an exact zero
                for p in (alo * blo, alo * bhi, ahi * blo, ahi * bhi)]
    return min(products), max(products)


def quotient_bounds(alo: float, ahi: float, blo: float, bhi: float) -> tuple[float, float] | None:
    """The bounds of a quotient of two intervals; None where the divisor may be zero or a bound is not finite
    (the quotient is then unbounded: not checkable)."""
    if blo <= 0 <= bhi or not (-INF < alo < INF and -INF < ahi < INF and -INF < blo < INF and -INF < bhi < INF):
        return None
    quotients = (alo / blo, alo / bhi, ahi / blo, ahi / bhi)
    return min(quotients), max(quotients)


def stated_decimals(value: float | int) -> int:
    """How many decimals a typed number carries: 33.2 → 1, 344961 → 0, 64.719 → 3."""
    if isinstance(value, int) or float(value).is_integer():
        return 0
    text = repr(float(value))  # the shortest text that reads back as this float: what was typed
    if "e" in text or "E" in text:
        mantissa, _, exponent = text.lower().partition("e")
        digits = len(mantissa.partition(".")[2].rstrip("0"))
        return max(0, min(MAX_DECIMALS, digits - int(exponent)))
    return min(MAX_DECIMALS, len(text.partition(".")[2].rstrip("0")))


def half_unit(value: float | int, measure: Any = None) -> float:
    """The half-width of the interval a typed value stands for, by its measure."""
    declared = getattr(measure, "tolerance", None)
    return half_width(value, None if declared is None else float(declared), getattr(measure, "type", None) == "count")


def half_width(value: float | int, tolerance: float | None, count: bool) -> float:
    """``half_unit`` with the measure looked at beforehand: the loop over every typed figure of a return."""
    if tolerance is not None:
        return tolerance
    if count:
        return 0.0
    if isinstance(value, int) or value.is_integer():
        return 0.5
    return 0.5 * 10.0 ** -stated_decimals(value)


def stated(value: float | int, measure: Any = None) -> Interval:
    """The interval a typed value stands for."""
    half = half_unit(value, measure)
    return Interval(value - half, value + half)


def evaluate(node: ex.Node, lookup: Callable[[ex.Ref], Interval | None]) -> Interval | None:
    """An expression's interval from its operands' intervals; None if an operand is missing
    or a divisor may be zero.  (The compiled arithmetic below, each operand standing at its interval's middle.)"""
    def leaf(ref: ex.Ref) -> SpanFn:
        def operand(_: Any) -> Span | None:
            found = lookup(ref)
            return None if found is None else (found.mid, found.lo, found.hi)
        return operand

    span = compile_span(node, leaf)(None)
    return None if span is None else Interval(span[1], span[2])


# -- the same arithmetic compiled: a declaration evaluated many times, value and interval at once -----------

Span = tuple[float, float, float]  # a figure and the interval it stands for: (value, lo, hi)
SpanFn = Callable[[Any], "Span | None"]


def compile_span(node: ex.Node, leaf: Callable[[ex.Ref], SpanFn]) -> SpanFn:
    """One function giving what ``expressions.evaluate`` and ``evaluate`` give together: (value, lo, hi),
    or None where either is None.  ``leaf`` makes the function of one reference from what the caller passes.

    Rules and derived cells are evaluated for every cell of every return: walking the tree and building an
    Interval per node cost most of a validation."""
    if isinstance(node, ex.Num):
        constant = (node.value, node.value, node.value)
        return lambda _: constant
    if isinstance(node, ex.Ref):
        return leaf(node)
    if isinstance(node, ex.Neg):
        return _negate(compile_span(node.operand, leaf))
    return _BINARY[node.op](compile_span(node.left, leaf), compile_span(node.right, leaf))


def _negate(inner: SpanFn) -> SpanFn:
    def negate(x: Any) -> Span | None:
        s = inner(x)
        return None if s is None else (-s[0], -s[2], -s[1])
    return negate


def _add(left: SpanFn, right: SpanFn) -> SpanFn:
    def add(x: Any) -> Span | None:
        a, b = left(x), right(x)
        if a is None or b is None:
            return None
        return a[0] + b[0], a[1] + b[1], a[2] + b[2]
    return add


def _subtract(left: SpanFn, right: SpanFn) -> SpanFn:
    def subtract(x: Any) -> Span | None:
        a, b = left(x), right(x)
        if a is None or b is None:
            return None
        return a[0] - b[0], a[1] - b[2], a[2] - b[1]
    return subtract


def _multiply(left: SpanFn, right: SpanFn) -> SpanFn:
    def multiply(x: Any) -> Span | None:
        a, b = left(x), right(x)
        if a is None or b is None:
            return None
        return a[0] * b[0], *product_bounds(a[1], a[2], b[1], b[2])
    return multiply


def _divide(left: SpanFn, right: SpanFn) -> SpanFn:
    def divide(x: Any) -> Span | None:
        a, b = left(x), right(x)
        if a is None or b is None or b[0] == 0:
            return None
        found = quotient_bounds(a[1], a[2], b[1], b[2])
        return None if found is None else (a[0] / b[0], *found)
    return divide


_BINARY: dict[str, Callable[[SpanFn, SpanFn], SpanFn]] = {
    "+": _add, "-": _subtract, "*": _multiply, "/": _divide}


def holds_span(lo_a: float, hi_a: float, op: str, lo_b: float, hi_b: float, slack: float = 0.0) -> bool:
    """``holds`` on bare bounds, without building the two Intervals."""
    big = 1.0
    for x in (lo_a, hi_a, lo_b, hi_b):
        if -INF < x < INF and abs(x) > big:
            big = abs(x)
    slack += _EPS * big
    if op in ("==", "="):
        return lo_a <= hi_b + slack and lo_b <= hi_a + slack
    if op == "!=":
        return not (lo_a == hi_a == lo_b == hi_b)
    if op == "<=":
        return lo_a <= hi_b + slack
    if op == ">=":
        return hi_a >= lo_b - slack
    if op == "<":
        return lo_a < hi_b + slack
    return hi_a > lo_b - slack


def holds(left: Interval, op: str, right: Interval, slack: float = 0.0) -> bool:
    """Whether some value in ``left`` and some value in ``right`` satisfy ``op`` (within slack).

    ``!=`` holds unless both sides are the same single value.
    """
    return holds_span(left.lo, left.hi, op, right.lo, right.hi, slack)


def rounded_like(value: float | None, like: float | int | None) -> float | None:
    """A computed value shown with the precision the compared figure was stated in
    (26,22 stated → 24,47 computed; 33,2 stated → 33,2).  None stays None."""
    if value is None or not math.isfinite(value):
        return None
    if like is None:
        return value
    shown = round(value, stated_decimals(like))
    if shown == 0 and value != 0:  # a tiny value is not zero: its first two significant digits
        return round(value, 1 - math.floor(math.log10(abs(value))))
    return shown
