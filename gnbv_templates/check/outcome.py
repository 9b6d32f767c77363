"""What the checks leave: the findings, and the values of every form read (for reports and consolidation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gnbv_templates.findings import ERROR, WARNING, Finding
from gnbv_templates.forms.a1 import xl_rowcol_to_cell
from gnbv_templates.forms.compute import evaluator
from gnbv_templates.forms.figures import Figure, Figures
from gnbv_templates.forms.model import FormLayout
from gnbv_templates.read.identify import Identified
from gnbv_templates.read.structure import Located

Key = tuple[str, str]


@dataclass
class FormState:
    layout: FormLayout
    sheet: str
    located: Located
    inputs: dict[Key, Any] = field(default_factory=dict)  # coerced input values (numbers and text)
    # the figures as the report states them (empty is not zero; totals typed over their formulas)
    figures: Figures | None = None
    _derived: dict[Key, float | None] | None = field(default=None, repr=False)

    @property
    def derived(self) -> dict[Key, float | None]:
        """Every derived cell recomputed from the inputs (an empty input counts as zero, as a sheet does).

        Computed when first asked for, once the inputs are read: the checks themselves use the figures, and
        only reports, consolidation and the register need these."""
        if self._derived is None:
            numbers = {key: value for key, value in self.inputs.items() if isinstance(value, int | float)}
            self._derived = evaluator(self.layout).run(numbers)
        return self._derived

    @cached_property
    def as_issued(self) -> bool:
        """Every row and column of the form where the layout puts it: the layout's own positions read the
        right cells (checks may then compare whole rows, or the sheet's formulas at once)."""
        layout, located = self.layout, self.located
        return layout.row_index.items() <= located.rows.items() and layout.col_index.items() <= located.cols.items()

    def figure(self, key: Key) -> Figure | None:
        """A cell's figure as the report states it (None if empty, or before the figures are read)."""
        return self.figures.get(key) if self.figures is not None else None

    def number(self, key: Key) -> float | None:
        """A cell's number: an input; a derived cell as the report states it (a stated total where one was
        typed, and what depends on it computed from it), else as recomputed from the inputs."""
        figure = self.figure(key)
        if figure is not None and (figure.stated or key in self.derived):
            return figure.value
        value = self.derived.get(key) if key in self.derived else self.inputs.get(key)
        return value if isinstance(value, int | float) else None

    def place(self, row: str, col: str) -> dict[str, str]:
        """Where a finding on one cell of this form goes: the form, its sheet, the cell where the file has it
        now (rows may have moved), the codes and the row's label."""
        found = self.layout.rows_by_code.get(row)
        return {"form": self.layout.id, "sheet": self.sheet, "cell": self.address(row, col), "row": row, "col": col,
                "row_label": found.label if found else ""}

    def address(self, row: str, col: str) -> str:
        found = self.located.cell(row, col)
        if found is None:
            cell = self.layout.cells.get((row, col))
            return cell.address if cell else ""
        return xl_rowcol_to_cell(*found)



@dataclass
class Outcome:
    """One return, checked: who sent it, for which period, what was found, and what it holds."""

    file: str
    unit: str
    unit_name: str
    unit_level: str
    period: str
    catalog_version: str
    findings: list[Finding] = field(default_factory=list)
    forms: dict[str, FormState] = field(default_factory=dict, repr=False)
    identified: Identified | None = field(default=None, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        errors = sum(1 for f in self.findings if f.severity == ERROR)
        warnings = sum(1 for f in self.findings if f.severity == WARNING)
        return {"error": errors, "warning": warnings, "total": len(self.findings)}

    @property
    def ok(self) -> bool:
        return self.counts["error"] == 0

    def inputs(self) -> dict[str, dict[Key, Any]]:
        """The coerced input values of every form read (for consolidation)."""
        return {form: dict(state.inputs) for form, state in self.forms.items()}
