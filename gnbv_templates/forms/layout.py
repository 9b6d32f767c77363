"""From a form definition and a unit's context to a concrete FormLayout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import render
from gnbv_templates.forms.model import (
    DERIVED,
    INPUT,
    NA,
    Cell,
    ColumnDef,
    FormDefinition,
    FormLayout,
    Measure,
    Row,
    RowDef,
    row_level,
)


def expand_rows(definition: FormDefinition, context: dict[str, Any]) -> list[RowDef]:
    """Repeated rows become one row per item of their Jinja ``over`` expression."""
    out: list[RowDef] = []
    for row in definition.rows:
        if not row.repeat:
            out.append(row)
            continue
        over, name = row.repeat
        items = list(render.evaluate(over, context) or [])
        for index, item in enumerate(items):
            local = {**context, name: item, "loop": {"index": index + 1, "index0": index}}
            out.append(replace(
                row,
                code=render.render(row.code, local).strip(),
                label=render.render(row.label, local).strip(),
                stt=render.render(row.stt, local).strip(),
                repeat=None,
            ))
    return out


def _children_sum(code: str, rows: list[RowDef]) -> ex.Node | None:
    parts = [r.code for r in rows if r.parent == code and not r.part_of and not r.section]
    if not parts:
        return None  # nothing below: the row is typed in, not summed
    return balanced_sum([ex.Ref(None, None, None, code=part) for part in parts])


def balanced_sum(terms: list[ex.Node]) -> ex.Node:
    """a + b + c … as a balanced tree: a province's hundreds of units stay shallow to walk."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return ex.BinOp("+", balanced_sum(terms[:middle]), balanced_sum(terms[middle:]))


def concrete_rows(definition: FormDefinition, context: dict[str, Any]) -> list[Row]:
    defs = expand_rows(definition, context)
    by_code = {r.code: r for r in defs}
    repeated = set(by_code) - {r.code for r in definition.rows}
    rows = []
    for row in defs:
        formula = _children_sum(row.code, defs) if row.formula == "children" else row.formula
        rows.append(
            Row(
                code=row.code,
                label=row.label,
                stt=row.stt,
                level=row_level(by_code, row.code),
                parent=row.parent,
                part_of=row.part_of,
                measure=row.measure,
                formula=formula,  # type: ignore[arg-type]
                section=row.section,
                na=row.na,
                required=row.required,
                bold=row.bold,
                repeated=row.code in repeated,
            )
        )
    return rows


def _choose(row: Row, col_formula: ex.Node | None) -> tuple[str, ex.Node | None, str | None]:
    """Which declaration makes the cell: (kind, unbound formula, axis)."""
    rf, cf = row.formula, col_formula
    if rf is not None and cf is not None:
        row_linear, col_linear = ex.is_linear(rf), ex.is_linear(cf)
        if not row_linear and not col_linear:
            return NA, None, None  # a ratio of a ratio means nothing
        if not col_linear:
            return DERIVED, cf, "col"
        return DERIVED, rf, "row"
    if rf is not None:
        return DERIVED, rf, "row"
    if cf is not None:
        return DERIVED, cf, "col"
    return INPUT, None, None


def _kind(row: Row, col: ColumnDef, measure: Measure) -> tuple[str, ex.Node | None, str | None]:
    """A cell's kind, and for a derived cell its declaration bound to the cell (and which axis it is from)."""
    if row.section or col.code in row.na:
        return NA, None, None
    if not measure.numeric:  # text and choices are typed in, never computed
        return INPUT, None, None
    kind, formula, axis = _choose(row, col.formula)
    if formula is not None:
        formula = ex.bind(formula, axis=axis or "row", row=row.code, col=col.code)
    return kind, formula, axis


def build_layout(
    definition: FormDefinition,
    measures: dict[str, Measure],
    header_lines: int,
    context: dict[str, Any],
) -> FormLayout:
    rows = concrete_rows(definition, context)
    heading_top = header_lines + 4
    number_row = heading_top + definition.heading_depth
    first_data_row = number_row + 1
    first_col = definition.first_data_col
    col_index = {col.code: first_col + j for j, col in enumerate(definition.columns)}
    row_index = {row.code: first_data_row + i for i, row in enumerate(rows)}
    cells: dict[tuple[str, str], Cell] = {}
    for row in rows:
        for col in definition.columns:
            measure_name = col.measure or (row.measure if definition.row_measures else None)
            measure = measures[measure_name or definition.measure or "text"]
            kind, formula, axis = _kind(row, col, measure)
            cells[(row.code, col.code)] = Cell(
                form=definition.id,
                row=row.code,
                col=col.code,
                kind=kind,
                measure=measure,
                r=row_index[row.code],
                c=col_index[col.code],
                formula=formula,
                axis=axis,
                required=row.required and kind == INPUT and measure.numeric,
            )
    return FormLayout(
        definition=definition,
        rows=rows,
        cells=cells,
        row_index=row_index,
        col_index=col_index,
        heading_top=heading_top,
        number_row=number_row,
        first_data_row=first_data_row,
        derived_order=_topological(cells),
    )


def _topological(cells: dict[tuple[str, str], Cell]) -> list[Cell]:
    """Derived cells ordered so that each comes after the cells it uses (depth first, in the order each
    formula names them).  Walked with a stack of its own, not a recursive closure: a closure that calls
    itself holds itself, a cycle that would keep every cell of the layout alive after the layout is let go,
    until the cycle collector's next full pass."""
    order: list[Cell] = []
    state: dict[tuple[str, str], int] = {}  # 1: being visited, 2: placed
    for start, first in cells.items():
        if first.kind != DERIVED or start in state:
            continue
        state[start] = 1
        stack = [(start, _derived_uses(cells, start))]
        while stack:
            key, uses = stack[-1]
            for dep in uses:
                mark = state.get(dep)
                if mark == 1:
                    raise ValueError(f"vòng lặp công thức tại dòng {dep[0]}, cột {dep[1]}")
                if mark is None:
                    state[dep] = 1
                    stack.append((dep, _derived_uses(cells, dep)))
                    break
            else:
                stack.pop()
                state[key] = 2
                order.append(cells[key])
    return order


def _derived_uses(cells: dict[tuple[str, str], Cell], key: tuple[str, str]) -> Iterator[tuple[str, str]]:
    for ref in ex.refs(cells[key].formula):  # type: ignore[arg-type]
        dep = (ref.row, ref.col)
        if dep in cells and cells[dep].kind == DERIVED:
            yield dep
