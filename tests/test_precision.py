"""Stated precision: a typed figure stands for the interval its decimals allow."""

from __future__ import annotations

import pytest

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.model import Measure
from gnbv_templates.forms.precision import Interval, evaluate, holds, rounded_like, stated, stated_decimals

MONEY, PERCENT, COUNT = Measure("triệu đồng", "money"), Measure("%", "percent"), Measure("công trình", "count")


@pytest.mark.parametrize("value,decimals", [(33.2, 1), (344961, 0), (344961.0, 0), (64.719, 3), (26.22, 2),
                                            (4055.47, 2), (1e-7, 6), (0.1 + 0.2, 6)])
def test_stated_decimals(value, decimals):
    assert stated_decimals(value) == decimals


def rate_holds(num: float, den: float, typed: float) -> bool:
    node = ex.parse("[n] / [d] * 100")
    values = {"n": stated(num, MONEY), "d": stated(den, MONEY)}
    computed = evaluate(node, lambda ref: values[ref.code])
    assert computed is not None
    return holds(stated(typed, PERCENT), "==", computed)


@pytest.mark.parametrize("num,den,typed", [
    (15400, 46435, 33.2),      # seed 004, Dự án 2: 33,165%
    (6185, 21982, 28.1),       # seed 004, Tiểu dự án 1 Dự án 6: 28,137%
    (35.752, 36.086, 99),      # seed 000, Tiểu dự án 2 Dự án 3: 99,074%
    (1700, 5748, 29.58),       # seed 004: 29,575%
    (838824, 1125628, 75),     # seed 003: 74,52%
])
def test_rounded_rates_are_right(num, den, typed):
    assert rate_holds(num, den, typed)


@pytest.mark.parametrize("num,den,typed", [
    (84422, 344961, 26.22),    # seed 004: the true rate is 24,47%
    (1443, 3024, 47.2),        # seed 004, Tiểu dự án 2 Dự án 6: 47,72%
    (15400, 46435, 33.1),
])
def test_wrong_rates_are_wrong(num, den, typed):
    assert not rate_holds(num, den, typed)


def test_sums_add_their_intervals_but_counts_are_exact():
    # seed 000: 4.148,473 = 4.055,47 + 93 holds within what was stated; 117,17 ≠ 31,17 + 85
    assert holds(stated(4148.473, MONEY), "==", stated(4055.47, MONEY) + stated(93, MONEY))
    assert not holds(stated(117.17, MONEY), "==", stated(31.17, MONEY) + stated(85, MONEY))
    # seed 003: 139 works, by type 143 — four works are four works, whatever the rounding of money
    by_type = sum((stated(n, COUNT) for n in (86, 10, 29, 5, 3, 5, 4, 1)), Interval.exact(0))
    assert not holds(stated(139, COUNT), "==", by_type)
    assert holds(stated(143, COUNT), "==", by_type)


def test_inequalities_and_zero_divisor():
    assert holds(stated(898, MONEY), "<=", stated(898.4, MONEY))
    assert not holds(stated(898, MONEY), "<=", stated(871, MONEY))
    assert Interval(1, 2).divide(Interval(-0.5, 0.5)) is None


def test_a_measure_may_declare_its_tolerance():
    class Loose:
        type, tolerance = "money", 2.0

    assert stated(100, Loose()) == Interval(98, 102)


def test_shown_with_the_stated_precision():
    assert rounded_like(84422 / 344961 * 100, 26.22) == 24.47
    assert rounded_like(15400 / 46435 * 100, 33.2) == 33.2
    assert rounded_like(None, 26.22) is None
    assert rounded_like(0.0027912, 26.22) == 0.0028  # tiny, not zero
