"""The one model of a form: rows, columns, codes, and each cell's kind.

A ``FormDefinition`` is what a YAML file declares (its repeated rows still
templates).  ``FormLayout`` is that definition made concrete for one unit:
every row, every cell with its kind, its A1 address and, for a derived
cell, its one declaration.  The generator, the reader, the validator and
the consolidator all work from ``FormLayout``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from gnbv_templates.forms import expressions as ex

INPUT, DERIVED, NA = "input", "derived", "na"

NUMBER_FORMATS = {
    "count": "#,##0",
    "money": "#,##0.000",
    "decimal": "#,##0.00",
    "percent": "0.00",
    "points": "0.00",
    "text": "@",
    "choice": "@",
}


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    type: str
    max: float | None = None

    @property
    def numeric(self) -> bool:
        return self.type not in ("text", "choice")

    @property
    def number_format(self) -> str:
        return NUMBER_FORMATS[self.type]


@dataclass(frozen=True, slots=True)
class ColumnDef:
    code: str
    label: str
    heading: tuple[str, ...] = ()
    measure: str | None = None
    formula: ex.Node | None = None
    choices: tuple[str, ...] = ()
    width: float | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class RowDef:
    """A row as declared; with ``repeat`` its text fields are Jinja templates."""

    code: str
    label: str
    stt: str = ""
    measure: str | None = None
    parent: str | None = None
    part_of: str | None = None
    formula: ex.Node | str | None = None  # "children" until expanded
    section: bool = False
    na: frozenset[str] = frozenset()
    required: bool = False
    bold: bool = False
    repeat: tuple[str, str] | None = None  # (expression, loop variable)
    line: int = 0


@dataclass(frozen=True, slots=True)
class Row:
    code: str
    label: str
    stt: str
    level: int
    parent: str | None
    part_of: str | None
    measure: str | None
    formula: ex.Node | None
    section: bool
    na: frozenset[str]
    required: bool
    bold: bool
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class Cell:
    form: str
    row: str
    col: str
    kind: str
    measure: Measure
    r: int  # 0-based sheet row
    c: int  # 0-based sheet column
    formula: ex.Node | None = None  # bound: every reference is [row, col]
    axis: str | None = None  # "row" or "col": which declaration the formula comes from
    required: bool = False

    @property
    def address(self) -> str:
        return xl_rowcol_to_cell(self.r, self.c)

    @property
    def declaration(self) -> str | None:
        return None if self.formula is None else ex.to_text(self.formula)


@dataclass
class FormDefinition:
    id: str
    sheet: str
    title: str
    subtitle: str | None
    unit_note: str | None
    measure: str | None
    row_measures: bool
    label_heading: str
    columns: tuple[ColumnDef, ...]
    rows: tuple[RowDef, ...]
    path: Path
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def has_repeat(self) -> bool:
        return any(row.repeat for row in self.rows)

    @property
    def first_data_col(self) -> int:
        return 4 if self.row_measures else 3

    @cached_property
    def heading_depth(self) -> int:
        return 1 + max((len(col.heading) for col in self.columns), default=0)


@dataclass
class FormLayout:
    """A form made concrete: rows expanded, every cell placed and classified."""

    definition: FormDefinition
    rows: list[Row]
    cells: dict[tuple[str, str], Cell]
    row_index: dict[str, int]
    col_index: dict[str, int]
    heading_top: int
    number_row: int
    first_data_row: int
    derived_order: list[Cell]
    # what other modules derive once from this layout (its evaluator, rules bound to its rows);
    # kept here so it lives exactly as long as the layout does
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def sheet(self) -> str:
        return self.definition.sheet

    @property
    def columns(self) -> tuple[ColumnDef, ...]:
        return self.definition.columns

    @property
    def last_data_row(self) -> int:
        return self.first_data_row + len(self.rows) - 1

    @property
    def last_col(self) -> int:
        return self.definition.first_data_col + len(self.columns) - 1

    @cached_property
    def inputs(self) -> list[Cell]:
        return [cell for cell in self.cells.values() if cell.kind == INPUT]

    @cached_property
    def rows_by_code(self) -> dict[str, Row]:
        return {row.code: row for row in self.rows}

    @cached_property
    def excel_formulas(self) -> dict[tuple[str, str], str]:
        """The Excel formula of every derived cell, made once per layout."""

        def address(ref: ex.Ref) -> str:
            return xl_rowcol_to_cell(self.row_index[ref.row], self.col_index[ref.col])  # type: ignore[index]

        return {
            (cell.row, cell.col): "=" + ex.to_excel(cell.formula, address)  # type: ignore[arg-type]
            for cell in self.derived_order
        }

    @cached_property
    def fingerprint(self) -> str:
        """Hash of the structure: codes, kinds, addresses and declarations."""
        digest = hashlib.sha256(self.id.encode())
        for cell in self.cells.values():
            digest.update(f"|{cell.row},{cell.col},{cell.kind},{cell.address},".encode())
            if cell.formula is not None:  # what the formula says, not how its tree happens to be built
                digest.update(ex.to_formula_text(cell.formula, lambda r: f"[{r.row},{r.col}]").encode())
        return digest.hexdigest()[:16]


def row_level(row_defs: list[RowDef] | list[Row], code: str) -> int:
    by_code = {r.code: r for r in row_defs}
    level, seen = 0, {code}
    current = by_code.get(code)
    while current is not None:
        up = current.part_of or current.parent
        if not up or up in seen or up not in by_code:
            break
        seen.add(up)
        level += 1
        current = by_code[up]
    return level
