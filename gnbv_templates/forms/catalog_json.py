"""The catalog as data for machines (``gnbv catalog --json``)."""

from __future__ import annotations

from typing import Any

from gnbv_templates.forms.a1 import xl_col_to_name
from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.context import sample_context
from gnbv_templates.forms.model import NA, Cell, ColumnDef, FormDefinition, FormLayout, Row


def layout_json(layout: FormLayout, *, expanded: bool = True) -> dict[str, Any]:
    """One form; unexpanded, repeated rows show once as their template."""
    d = layout.definition
    repeated = {row.code for row in layout.rows if row.repeated}
    out: dict[str, Any] = {
        "id": d.id,
        "title": d.title,
        "sheet": d.sheet,
        "file": d.path.name,
        "fingerprint": layout.fingerprint,
        "rows": [_row(layout, row) for row in layout.rows if expanded or row.code not in repeated],
        "columns": [_column(layout, col) for col in d.columns],
        "cells": [_cell(cell) for cell in layout.cells.values()
                  if cell.kind != NA and (expanded or cell.row not in repeated)],
    }
    if not expanded:
        _as_templates(out, d, repeated)
    return out


def _as_templates(out: dict[str, Any], d: FormDefinition, repeated: set[str]) -> None:
    """Repeated rows shown once, as the templates they are declared with."""
    templates = [
        {"code": r.code, "label": r.label, "stt": r.stt, "parent": r.parent,
         "repeat": {"over": r.repeat[0], "as": r.repeat[1]}}
        for r in d.rows if r.repeat
    ]
    if not templates:
        return
    out["rows"] += templates
    for cell in out["cells"]:
        if any(f"[{code}," in cell.get("declaration", "") for code in repeated):
            cell["declaration"] = "sum: children (tổng các dòng lặp theo đơn vị cấp dưới)"


def _row(layout: FormLayout, row: Row) -> dict[str, Any]:
    return {"code": row.code, "label": row.label, "stt": row.stt, "level": row.level, "parent": row.parent,
            "part_of": row.part_of, "measure": row.measure, "section": row.section, "repeated": row.repeated,
            "address": layout.row_index[row.code] + 1}


def _column(layout: FormLayout, col: ColumnDef) -> dict[str, Any]:
    d = layout.definition
    return {"code": col.code, "label": col.label, "heading": list(col.heading),
            "unit": col.measure or (None if d.row_measures else d.measure),
            "address": xl_col_to_name(layout.col_index[col.code])}


def _cell(cell: Cell) -> dict[str, Any]:
    return {"row": cell.row, "col": cell.col, "kind": cell.kind, "address": cell.address,
            "measure": cell.measure.name,
            **({"declaration": cell.declaration, "from": cell.axis} if cell.formula else {})}


def catalog_json(catalog: Catalog, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every form; with a unit's context, repeated rows are expanded as in its workbook."""
    ctx = context or sample_context(catalog)
    return {
        "version": catalog.version,
        "name": catalog.name,
        "content_hash": catalog.content_hash,
        "expanded_for": None if context is None else ctx["unit"]["code"],
        "forms": [
            layout_json(catalog.layout(f, ctx), expanded=context is not None) for f in catalog.forms
        ],
    }
