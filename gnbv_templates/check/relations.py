"""Relations the form model declares between cells: an "of which" row never exceeds its whole.

Compared as stated (each figure within its stated precision); an empty whole is not zero: nothing to compare.
"""

from __future__ import annotations

from collections.abc import Iterator

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext, cell_finding
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding
from gnbv_templates.forms import precision as pr
from gnbv_templates.forms.model import DERIVED, INPUT, Cell, FormLayout

Key = tuple[str, str]

_VALUED = (INPUT, DERIVED)


class RelationsCheck(Check):
    name = "relations"
    codes = ("relation.part-exceeds-whole",)

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for state in ctx.forms.values():
            yield from _parts(state)


def _parts(state: FormState) -> Iterator[Finding]:
    values = state.figures.values if state.figures is not None else {}
    for part, key, whole_key, whole_row in _pairs(state.layout):
        a, b = values.get(key), values.get(whole_key)
        if a is not None and b is not None and not pr.holds_span(a.lo, a.hi, "<=", b.lo, b.hi):
            yield cell_finding(state, part, "relation.part-exceeds-whole", value=a.value, expected=b.value,
                               params={"whole": whole_row})


def _pairs(layout: FormLayout) -> list[tuple[Cell, Key, Key, str]]:
    """Each "of which" cell with its whole: once per layout."""
    found = layout.memo.get(_pairs)
    if found is not None:
        return found
    found = []
    for row in layout.rows:
        if not row.part_of or row.part_of not in layout.rows_by_code:
            continue
        for col in layout.columns:
            part = layout.cells.get((row.code, col.code))
            whole = layout.cells.get((row.part_of, col.code))
            if not part or not whole or part.kind not in _VALUED or whole.kind not in _VALUED:
                continue
            if not part.measure.numeric or part.measure.type == "percent":
                continue
            found.append((part, (row.code, col.code), (row.part_of, col.code), row.part_of))
    layout.memo[_pairs] = found
    return found
