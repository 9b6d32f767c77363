"""Administrative units: a list with levels as data.

The file is YAML (see docs/units.md): ``levels`` from the top down and
``units`` with code, name, level and parent.  Both the three-level hierarchy
(tỉnh–huyện–xã) and the two-level one of 2025 (tỉnh–xã) are just data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.errors import DefinitionError, UsageError
from gnbv_templates.forms.cache import cached
from gnbv_templates.forms.metaschema import UNITS, schema_problems
from gnbv_templates.forms.resources import bundled_units_path
from gnbv_templates.forms.yamlsource import load_yaml


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    level: str
    parent: str | None

    def as_context(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "level": self.level, "parent": self.parent}


@dataclass
class Units:
    levels: list[tuple[str, str]]
    units: dict[str, Unit]
    sample: bool = False
    note: str = ""
    source: str = ""
    _children: dict[str, list[Unit]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for unit in self.units.values():
            if unit.parent:
                self._children.setdefault(unit.parent, []).append(unit)

    def get(self, code: str) -> Unit:
        try:
            return self.units[str(code).strip()]
        except KeyError:
            raise UsageError(
                f"Không có đơn vị mã {code!r} trong danh sách đơn vị {self.source}.",
                english=f"No unit with code {code!r} in {self.source}.",
            ) from None

    def children(self, code: str) -> list[Unit]:
        return list(self._children.get(code, []))

    def parent(self, code: str) -> Unit | None:
        parent = self.get(code).parent
        return self.units.get(parent) if parent else None

    def level_name(self, level: str) -> str:
        return dict(self.levels).get(level, level)


def load_units(path: Path | str | None = None) -> Units:
    """Load and check a units list; kept per process and on disk, keyed by the file's content.

    A country's list has tens of thousands of units: checking it takes seconds, so it is done once.
    The list returned is shared; treat it as read-only.
    """
    path = Path(path) if path else bundled_units_path()
    return cached("units", path.parent, [path], lambda: _load_units(path), Units)


def _load_units(path: Path) -> Units:
    doc = load_yaml(path)
    if not isinstance(doc, dict):
        raise DefinitionError([f"{path}:1: tệp danh sách đơn vị phải là một bảng YAML"])
    problems = schema_problems(path, doc, UNITS)
    if problems:
        raise DefinitionError(problems)
    level_ids = [lv["id"] for lv in doc["levels"]]
    units: dict[str, Unit] = {}
    for index, raw in enumerate(doc["units"]):
        line = doc["units"].lines[index]
        unit = Unit(
            code=raw["code"],
            name=unicodedata.normalize("NFC", raw["name"]),
            level=raw["level"],
            parent=raw.get("parent") or None,
        )
        if unit.code in units:
            problems.append(f"{path}:{line}: mã đơn vị {unit.code} bị trùng")
        if unit.level not in level_ids:
            problems.append(f"{path}:{line}: cấp {unit.level!r} không có trong levels")
        units[unit.code] = unit
    for index, unit in enumerate(units.values()):
        if unit.parent and unit.parent not in units:
            line = doc["units"].lines[index]
            problems.append(f"{path}:{line}: đơn vị cấp trên {unit.parent} của {unit.code} không có")
    if problems:
        raise DefinitionError(problems)
    return Units(
        levels=[(lv["id"], lv["name"]) for lv in doc["levels"]],
        units=units,
        sample=bool(doc.get("sample")),
        note=doc.get("note", ""),
        source=str(path),
    )
