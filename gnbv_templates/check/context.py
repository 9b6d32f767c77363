"""What the checks share while one return is checked: the read file, the catalog, the rules, the forms found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, make
from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.model import Cell
from gnbv_templates.forms.rules import RuleSet
from gnbv_templates.read.identify import Identified
from gnbv_templates.read.reader import ReturnFile


@dataclass
class CheckContext:
    ret: ReturnFile
    catalog: Catalog
    ruleset: RuleSet
    identified: Identified
    expect_unit: str | None = None
    expect_period: str | None = None
    forms: dict[str, FormState] = field(default_factory=dict)  # filled by the sheets check
    stop: bool = False  # set where the file cannot be trusted any further (e.g. another catalog version)
    key: bytes | None = None  # the issuing office's signing key, if the return is to be checked against it
    _issue_context: dict[str, Any] | None = None

    @property
    def issue_context(self) -> dict[str, Any]:
        """The template context of the unit and period the return was issued for."""
        if self._issue_context is None:
            self._issue_context = self.identified.issue.context(self.catalog)
        return self._issue_context


def cell_finding(state: FormState, cell: Cell, code: str, **fields: Any) -> Finding:
    """A finding placed on one cell of a form, where the file has it (rows may have moved)."""
    params = dict(fields.pop("params", None) or {})
    params.setdefault("measure", cell.measure.name)
    return make(code, **state.place(cell.row, cell.col), params=params, **fields)
