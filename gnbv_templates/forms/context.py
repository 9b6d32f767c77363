"""The data a pack is rendered with: unit, its parent and children, period, settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gnbv_templates.errors import DefinitionError
from gnbv_templates.forms import render
from gnbv_templates.forms.metaschema import SETTINGS, schema_problems
from gnbv_templates.forms.periods import Period, parse_period
from gnbv_templates.forms.resources import bundled_settings_path
from gnbv_templates.forms.units import Unit, Units
from gnbv_templates.forms.yamlsource import load_yaml


class Versioned(Protocol):
    """What a context needs of a catalog: its version (the catalog itself builds on contexts)."""

    @property
    def version(self) -> str: ...


@dataclass(frozen=True)
class Settings:
    receiving_agency: str
    preparer_title: str
    head_title: str
    literal: bool = False  # already rendered (read back from an issued workbook)


def load_settings(path: Path | str | None = None, **overrides: str | None) -> Settings:
    path = Path(path) if path else bundled_settings_path()
    doc = load_yaml(path)
    problems = schema_problems(path, doc, SETTINGS)
    if problems:
        raise DefinitionError(problems)
    values = {
        "receiving_agency": doc.get("receiving_agency", ""),
        "preparer_title": doc.get("preparer_title", "Người lập biểu"),
        "head_title": doc.get("head_title", "Thủ trưởng đơn vị"),
    }
    values.update({k: v for k, v in overrides.items() if v})
    return Settings(**values)


@dataclass(frozen=True)
class Issue:
    """Everything that identifies one unit's pack for one period."""

    unit: Unit
    period: Period
    issued: dt.date
    settings: Settings
    parent: Unit | None
    children: tuple[Unit, ...]

    def context(self, catalog: Versioned) -> dict[str, Any]:
        base = {
            "unit": self.unit.as_context(),
            "parent": self.parent.as_context() if self.parent else None,
            "children": [c.as_context() for c in self.children],
            "period": {
                "code": self.period.code,
                "label": self.period.label,
                "year": self.period.year,
                "kind": self.period.kind,
            },
            "issued": self.issued,
            "catalog": {"version": catalog.version},
        }
        names = ("receiving_agency", "preparer_title", "head_title")
        if self.settings.literal:
            settings = {n: getattr(self.settings, n) for n in names}
        else:
            settings = {n: render.render(getattr(self.settings, n), base) for n in names}
        return {**base, "settings": settings}


def make_issue(
    units: Units,
    unit_code: str,
    period: str | Period,
    settings: Settings | None = None,
    issued: dt.date | None = None,
) -> Issue:
    unit = units.get(unit_code)
    return Issue(
        unit=unit,
        period=period if isinstance(period, Period) else parse_period(period),
        issued=issued or dt.date.today(),
        settings=settings or load_settings(),
        parent=units.parent(unit.code),
        children=tuple(units.children(unit.code)),
    )


def sample_context(catalog: Versioned) -> dict[str, Any]:
    """A context with two children, used to check definitions."""
    unit = Unit("20", "Tỉnh mẫu", "tinh", None)
    kids = (Unit("178", "Huyện mẫu A", "huyen", "20"), Unit("180", "Huyện mẫu B", "huyen", "20"))
    issue = Issue(
        unit=unit,
        period=parse_period("2025"),
        issued=dt.date(2025, 1, 1),
        settings=Settings("Cơ quan mẫu", "Người lập biểu", "Thủ trưởng đơn vị"),
        parent=None,
        children=kids,
    )
    return issue.context(catalog)
