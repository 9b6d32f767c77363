"""The values of derived cells, computed from their one declaration."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.model import FormLayout

Key = tuple[str, str]
Values = Mapping[Key, float | None]


class Evaluator:
    """Derived cells of one layout, compiled once and run for many inputs."""

    def __init__(self, layout: FormLayout) -> None:
        self.layout = layout
        self._values: dict[Key, float | None] = {}
        self._steps: list[tuple[Key, Callable[[], float | None]]] = [
            ((cell.row, cell.col), ex.compile_node(cell.formula, self._lookup))  # type: ignore[arg-type]
            for cell in layout.derived_order
        ]
        self._derived = {(c.row, c.col) for c in layout.derived_order}

    def _lookup(self, ref: ex.Ref) -> float | None:
        return _operand(self._values, self._derived, (ref.row, ref.col))  # type: ignore[arg-type]

    def run(self, inputs: Values) -> dict[Key, float | None]:
        """Input values by (row, col) → every derived cell's value (None if undefined)."""
        self._values = {k: v for k, v in inputs.items() if isinstance(v, int | float)}
        out: dict[Key, float | None] = {}
        for key, step in self._steps:
            value = step()
            self._values[key] = value
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

