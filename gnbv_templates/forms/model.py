"""The one model of a form: rows, columns, codes, and each cell's kind.

A ``FormDefinition`` is what a YAML file declares (its repeated rows still
templates).  ``FormLayout`` is that definition made concrete for one unit:
every row, every cell with its kind, its A1 address and, for a derived
cell, its one declaration.  The generator, the reader, the validator and
the consolidator all work from ``FormLayout``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.a1 import xl_rowcol_to_cell

INPUT, DERIVED, NA = "input", "derived", "na"
# the sheet columns before a form's data columns: STT, the item's label, its code, its measure (row_measures)
STT_COL, LABEL_COL, CODE_COL, MEASURE_COL = 0, 1, 2, 3

@dataclass(frozen=True, slots=True)
class MeasureKind:
    """What a kind of measure means, declared once: every stage asks it (the writer's number format and Excel
    data validation, the cerberus schema of the validator, the consolidator's sums, the precision a figure is
    stated with). A new kind of measure is one entry in ``MEASURE_KINDS``; catalog.yaml names it as ``type``."""

    type: str
    number_format: str
    value: str  # cerberus type of a value: integer | number | string
    minimum: float | None = None
    maximum: float | None = None
    maxlength: int | None = None
    additive: bool = False  # a parent's figure is the sum of its children's (consolidation)
    decimals: int | None = None  # decimals the sheet shows (None: not a number)
    hint: str = ""  # Excel input message; {unit} is the measure's name
    error: str = ""  # Excel error message

    @property
    def numeric(self) -> bool:
        return self.value != "string"

    def schema(self) -> dict[str, Any]:
        """The cerberus schema of a value of this kind."""
        bounds = {"min": self.minimum, "max": self.maximum, "maxlength": self.maxlength}
        return {"type": self.value, **{k: v for k, v in bounds.items() if v is not None}}

    def data_validation(self, unit: str) -> dict[str, Any] | None:
        """XlsxWriter's data validation for an input cell of this kind (None: no numeric check)."""
        if not self.numeric:
            return None
        rule: dict[str, Any] = {"validate": "integer" if self.value == "integer" else "decimal"}
        if self.maximum is None:
            rule.update({"criteria": ">=", "value": self.minimum})
        else:
            rule.update({"criteria": "between", "minimum": self.minimum, "maximum": self.maximum})
        return {**rule, "input_message": self.hint.format(unit=unit), "error_message": self.error.format(unit=unit)}


MEASURE_KINDS: dict[str, MeasureKind] = {k.type: k for k in (
    MeasureKind("count", "#,##0", "integer", minimum=0, additive=True, decimals=0,
                hint="Nhập số nguyên không âm ({unit}).", error="Phải là số nguyên, không âm ({unit})."),
    MeasureKind("money", "#,##0.000", "number", minimum=0, additive=True, decimals=3,
                hint="Nhập số tiền bằng triệu đồng, không âm, tối đa 3 chữ số thập phân.",
                error="Phải là số không âm, đơn vị triệu đồng (không nhập bằng đồng)."),
    MeasureKind("decimal", "#,##0.00", "number", minimum=0, additive=True, decimals=2,
                hint="Nhập số không âm ({unit}).", error="Phải là số không âm ({unit})."),
    MeasureKind("percent", "0.00", "number", minimum=0, maximum=100, decimals=2,
                hint="Nhập tỷ lệ phần trăm từ 0 đến 100 (không kèm dấu %).",
                error="Tỷ lệ phải nằm trong khoảng 0 đến 100."),
    MeasureKind("points", "0.00", "number", minimum=-100, maximum=100, decimals=2,
                hint="Nhập số điểm phần trăm (có thể âm), từ -100 đến 100.",
                error="Số điểm phần trăm phải nằm trong khoảng -100 đến 100."),
    MeasureKind("text", "@", "string", maxlength=2000),
    MeasureKind("choice", "@", "string"),
)}
NUMBER_FORMATS = {kind.type: kind.number_format for kind in MEASURE_KINDS.values()}


@dataclass(frozen=True, slots=True)
class Measure:
    """A unit of measure of catalog.yaml (hộ, triệu đồng, %…) and its kind."""

    name: str
    type: str
    max: float | None = None
    tolerance: float | None = None  # declared half-width a stated figure stands for; None: from its decimals

    @property
    def kind(self) -> MeasureKind:
        return MEASURE_KINDS[self.type]

    @property
    def numeric(self) -> bool:
        return self.kind.numeric

    @property
    def number_format(self) -> str:
        return self.kind.number_format

    @property
    def additive(self) -> bool:
        return self.kind.additive

    @property
    def decimals(self) -> int | None:
        return self.kind.decimals


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
    rows_per_child: bool = False  # one row per child unit under a total row (``sum: children``), e.g. Biểu 15

    @property
    def has_repeat(self) -> bool:
        return any(row.repeat for row in self.rows)

    @property
    def code_col(self) -> int:
        return CODE_COL

    @property
    def label_col(self) -> int:
        return LABEL_COL

    @property
    def first_data_col(self) -> int:
        return MEASURE_COL + 1 if self.row_measures else MEASURE_COL

    @property
    def total_row(self) -> str | None:
        """The row that adds up the child units' rows (``sum: children``), if the form has one."""
        return next((row.code for row in self.rows if row.formula == "children"), None)

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
    def code_col(self) -> int:
        return self.definition.code_col

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
    def input_keys(self) -> tuple[tuple[str, str], ...]:
        """(row, col) of the input cells, in order: what a form's values listed in order are the values of."""
        return tuple((cell.row, cell.col) for cell in self.inputs)

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


def child_form(definitions: Iterable[FormDefinition]) -> FormDefinition | None:
    """The form that lists the child units, one row each (declared ``rows_per_child: true`` in its YAML)."""
    return next((d for d in definitions if d.rows_per_child), None)


def row_level(by_code: Mapping[str, RowDef | Row], code: str) -> int:
    """How deep a row sits under its parents (rows by code, made once by the caller: a form may have hundreds)."""
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
