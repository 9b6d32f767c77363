"""Figures of a form as a report states them: empty is not zero, stated totals, both declarations."""

from __future__ import annotations

import math

import pytest
from conftest import writer_for
from hypothesis import given, settings
from hypothesis import strategies as st
from test_seed_figures import CITY_2024, DISTRICT_2023, LANG_SON_2023_H1, LANG_SON_2023_H1_WRONG

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.figures import Figure, _compile, figures


@pytest.fixture(scope="module")
def layouts(catalog, units):
    return {unit: writer_for(catalog, units, unit=unit).layouts(["B02"])[0] for unit in ("20", "178", "187")}


def split(layout, typed_figures):
    inputs, typed = {}, {}
    for (_, row, col), value in typed_figures.items():
        (typed if layout.cells[(row, col)].kind == "derived" else inputs)[(row, col)] = value
    return inputs, typed


def test_lang_son_mismatches_are_the_reports_own(layouts):
    lay = layouts["20"]
    found = figures(lay, *split(lay, LANG_SON_2023_H1))
    assert {m.key for m in found.mismatches} == {(r, c) for _, _, r, c in LANG_SON_2023_H1_WRONG}
    assert all(m.complete for m in found.mismatches)
    # the stated total plan and disbursement are the figures; the wrong NSTW of Tiểu dự án 3 gives way to its parts
    assert found.get(("01", "1")).stated and found.get(("01", "1")).value == 344961
    assert found.get(("12", "2")).value == 9896 and not found.get(("12", "2")).stated
    # a sum over projects that were not all reported is known from below only
    assert found.get(("02", "1")) is None
    assert found.get(("01", "3")).stated


def test_filled_parts_above_a_stated_total(layouts):
    lay = layouts["187"]
    [m] = figures(lay, *split(lay, DISTRICT_2023)).mismatches
    assert (m.key, m.complete, m.typed, m.computed) == (("06", "1"), False, 871, 898)


def test_empty_parts_are_not_zero(layouts):
    lay = layouts["178"]
    found = figures(lay, *split(lay, CITY_2024))
    total = found.get(("01", "15"))  # disbursed over the projects that reported it
    assert total.value == pytest.approx(279.601) and total.interval.hi == float("inf")
    assert not total.stated
    assert [m.key for m in found.mismatches] == [("19", "28")]


def test_a_total_typed_over_both_declarations(layouts):
    lay = layouts["20"]
    wrong_column = {**LANG_SON_2023_H1, ("B02", "01", "1"): 344691}  # digits swapped: ≠ 334.913 + 10.048
    found = figures(lay, *split(lay, wrong_column))
    [m] = [m for m in found.mismatches if m.key == ("01", "1")]
    assert m.complete and m.computed == 344961


FIGURE = st.one_of(
    st.none(),
    st.builds(lambda v, below, above, unbounded: Figure(v, -math.inf if unbounded else v - below, v + above),
              st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, 0.005, 0.5]),
              st.sampled_from([0.0, 0.005, 0.5, math.inf]), st.booleans()),
    st.sampled_from([Figure(0.0, 0.0, 0.0), Figure(0.0, -0.5, 0.5), Figure(2.0, 1.5, 2.5)]))


@settings(max_examples=300, deadline=None)
@given(a=FIGURE, b=FIGURE, c=FIGURE, shape=st.sampled_from(["[1] / [2] * 100", "[1] / [2]", "[1] + [2] + [3]",
                                                             "[1] / [2] * 0.5"]))
def test_shortcut_steps_give_what_the_general_step_gives(layouts, a, b, c, shape):
    # sums and rates skip the expression tree: on any figures they must say exactly what the tree says
    lay = layouts["20"]
    keys = [("01", "1"), ("01", "2"), ("01", "3")]
    formula = ex.parse(shape.replace("[1]", "[01, 1]").replace("[2]", "[01, 2]").replace("[3]", "[01, 3]"))
    found = {key: fig for key, fig in zip(keys, (a, b, c), strict=True) if fig is not None}
    fast, general = _compile(lay, formula)(found), _compile(lay, formula, shapes=False)(found)
    assert (fast is None) == (general is None)
    if fast is not None:
        assert fast == general
