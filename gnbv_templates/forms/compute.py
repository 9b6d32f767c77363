"""The values of derived cells, computed from their one declaration."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.model import FormLayout

Key = tuple[str, str]
Values = Mapping[Key, float | None]


class Evaluator:
    """Derived cells of one layout, compiled once and run for many inputs.

    It is kept in its layout's memo, and shared by every thread that asks for the layout's values (a
    thread-pool executor checks several returns of one form at once): each run has its own values, passed
    to the compiled steps, and the steps hold neither the layout nor the evaluator.  A reference back would
    make the layout, its cells and every compiled step one cycle, which outlives the layout until the cycle
    collector's next full pass (a province's Biểu 15 is a hundred thousand objects)."""

    def __init__(self, layout: FormLayout) -> None:
        derived = {(c.row, c.col) for c in layout.derived_order}

        def lookup(values: dict[Key, float | None], ref: ex.Ref) -> float | None:
            return _operand(values, derived, (ref.row, ref.col))  # type: ignore[arg-type]

        self._steps: list[tuple[Key, Callable[[dict[Key, float | None]], float | None]]] = [
            ((cell.row, cell.col), ex.compile_node(cell.formula, lookup))  # type: ignore[arg-type]
            for cell in layout.derived_order
        ]

    def run(self, inputs: Values) -> dict[Key, float | None]:
        """Input values by (row, col) → every derived cell's value (None if undefined)."""
        values: dict[Key, float | None] = {k: v for k, v in inputs.items() if isinstance(v, int | float)}
        out: dict[Key, float | None] = {}
        for key, step in self._steps:
            value = step(values)
            values[key] = value
            out[key] = value
        return out


def _operand(values: Mapping[Key, float | None], derived: set[Key], key: Key) -> float | None:
    value = values.get(key)
    if value is None:
        # a blank input counts as 0; an undefined derived cell stays undefined
        return None if key in derived else 0.0
    return value


def walked(layout: FormLayout, inputs: Values) -> dict[Key, float | None]:
    """What the layout's evaluator gives, by walking each formula once instead of compiling them: for a layout
    used once (Biểu 15 has rows of one unit's own units below, new for nearly every unit)."""
    values: dict[Key, float | None] = {k: v for k, v in inputs.items() if isinstance(v, int | float)}
    derived = {(c.row, c.col) for c in layout.derived_order}
    out: dict[Key, float | None] = {}
    for cell in layout.derived_order:
        key = (cell.row, cell.col)
        values[key] = out[key] = ex.evaluate(cell.formula,  # type: ignore[arg-type]
                                             lambda ref: _operand(values, derived, (ref.row, ref.col)))  # type: ignore[arg-type]
    return out


def evaluator(layout: FormLayout) -> Evaluator:
    """The layout's compiled evaluator, made on first use and kept with the layout."""
    found = layout.memo.get(Evaluator)
    if found is None:
        found = layout.memo[Evaluator] = Evaluator(layout)
    return found


def derived_values(layout: FormLayout, inputs: Values) -> dict[Key, float | None]:
    return evaluator(layout).run(inputs)

