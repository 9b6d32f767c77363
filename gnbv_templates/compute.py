"""The values of derived cells, computed from their one declaration."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from . import expressions as ex
from .model import DERIVED, FormLayout

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
        key = (ref.row, ref.col)
        value = self._values.get(key)  # type: ignore[arg-type]
        if value is None:
            # a blank input counts as 0; an undefined derived cell stays undefined
            return None if key in self._derived else 0.0
        return value

    def run(self, inputs: Values) -> dict[Key, float | None]:
        """Input values by (row, col) → every derived cell's value (None if undefined)."""
        self._values = {k: v for k, v in inputs.items() if isinstance(v, int | float)}
        out: dict[Key, float | None] = {}
        for key, step in self._steps:
            value = step()
            self._values[key] = value
            out[key] = value
        return out


_CACHE: dict[int, Evaluator] = {}


def evaluator(layout: FormLayout) -> Evaluator:
    """One compiled evaluator per layout; layouts of repeated rows come and go."""
    found = _CACHE.get(id(layout))
    if found is not None and found.layout is layout:
        return found
    if len(_CACHE) >= 64:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(layout)] = made = Evaluator(layout)
    return made


def derived_values(layout: FormLayout, inputs: Values) -> dict[Key, float | None]:
    return evaluator(layout).run(inputs)


def is_derived(layout: FormLayout, key: Key) -> bool:
    cell = layout.cells.get(key)
    return cell is not None and cell.kind == DERIVED
