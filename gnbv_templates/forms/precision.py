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
        products = [0.0 if math.isnan(p) else p  # 0 × ∞: an unbounded side times an exact zero
                    for p in (self.lo * other.lo, self.lo * other.hi, self.hi * other.lo, self.hi * other.hi)]
        return Interval(min(products), max(products))

    def divide(self, other: Interval) -> Interval | None:
        """None where the divisor may be zero: the quotient is then unbounded (not checkable)."""
        if other.lo <= 0 <= other.hi or not all(map(math.isfinite, (self.lo, self.hi, other.lo, other.hi))):
            return None
        quotients = (self.lo / other.lo, self.lo / other.hi, self.hi / other.lo, self.hi / other.hi)
        return Interval(min(quotients), max(quotients))

    def widen(self, slack: float) -> Interval:
        return Interval(self.lo - slack, self.hi + slack) if slack else self


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
    if declared is not None:
        return float(declared)
    kind = getattr(measure, "type", None)
    if kind == "count":
        return 0.0
    return 0.5 * 10.0 ** -stated_decimals(value)


def stated(value: float | int, measure: Any = None) -> Interval:
    """The interval a typed value stands for."""
    half = half_unit(value, measure)
    return Interval(value - half, value + half)


def evaluate(node: ex.Node, lookup: Callable[[ex.Ref], Interval | None]) -> Interval | None:
    """An expression's interval from its operands' intervals; None if an operand is missing
    or a divisor may be zero."""
    if isinstance(node, ex.Num):
        return Interval.exact(node.value)
    if isinstance(node, ex.Ref):
        return lookup(node)
    if isinstance(node, ex.Neg):
        inner = evaluate(node.operand, lookup)
        return None if inner is None else -inner
    left = evaluate(node.left, lookup)
    right = evaluate(node.right, lookup)
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return left.divide(right)


def holds(left: Interval, op: str, right: Interval, slack: float = 0.0) -> bool:
    """Whether some value in ``left`` and some value in ``right`` satisfy ``op`` (within slack).

    ``!=`` holds unless both sides are the same single value.
    """
    finite = [abs(x) for x in (left.lo, left.hi, right.lo, right.hi) if math.isfinite(x)]
    slack += _EPS * max([1.0, *finite])
    if op in ("==", "="):
        return left.lo <= right.hi + slack and right.lo <= left.hi + slack
    if op == "!=":
        return not (left.lo == left.hi == right.lo == right.hi)
    if op == "<=":
        return left.lo <= right.hi + slack
    if op == ">=":
        return left.hi >= right.lo - slack
    if op == "<":
        return left.lo < right.hi + slack
    return left.hi > right.lo - slack


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
