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
from gnbv_templates.forms.model import DERIVED, INPUT

_VALUED = (INPUT, DERIVED)


class RelationsCheck(Check):
    name = "relations"
    codes = ("relation.part-exceeds-whole",)

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for state in ctx.forms.values():
            yield from _parts(state)


def _parts(state: FormState) -> Iterator[Finding]:
    layout = state.layout
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
            a, b = state.figure((row.code, col.code)), state.figure((row.part_of, col.code))
            if a is not None and b is not None and not pr.holds(a.interval, "<=", b.interval):
                yield cell_finding(state, part, "relation.part-exceeds-whole", value=a.value, expected=b.value,
                                   params={"whole": row.part_of})
