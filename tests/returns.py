"""Building returns for validator tests: clean ones, and ones a person has edited."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from conftest import ISSUED, writer_for

from gnbv_templates.forms.rules import load_rules
from gnbv_templates.generate.pack import fill, generate
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.report.validate import validate


def clean_data(catalog, units, unit: str, period: str = "2025-H1", forms=None, seed: int = 1):
    writer = writer_for(catalog, units, unit=unit, period=period)
    layouts = writer.layouts(forms)
    return consistent_values(layouts, load_rules(), level=units.get(unit).level, seed=seed)


def as_json(values: dict[str, dict[tuple[str, str], Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for form, cells in values.items():
        for (row, col), value in cells.items():
            out.setdefault(form, {}).setdefault(row, {})[col] = value
    return out


def build_return(tmp: Path, catalog, units, *, unit: str = "187", period: str = "2025-H1", forms=None,
                 seed: int = 1, change: dict | None = None, name: str = "return.xlsx") -> Path:
    """generate → fill (as an office does) with consistent values, optionally changed."""
    template = tmp / f"template_{unit}_{period}_{'-'.join(forms or ['all'])}.xlsx"
    if not template.exists():
        generate(unit, period, template, units=units, forms=forms, catalog=catalog, issued=ISSUED)
    values = clean_data(catalog, units, unit, period, forms, seed)
    for (form, row, col), value in (change or {}).items():
        values[form][(row, col)] = value
    data = tmp / f"{name}.json"
    data.write_text(json.dumps(as_json(values)), encoding="utf-8")
    out = tmp / name
    fill(template, data, out, catalog=catalog)
    return out


def edit(path: Path, out: Path, change: Callable[[Any], None]) -> Path:
    """What a person does in a spreadsheet program: open, change, save (here with openpyxl)."""
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(out)
    return out


def findings(path: Path, catalog, **kw):
    return validate(path, catalog=catalog, **kw).findings


def only(found, code_or_rule: str):
    return [f for f in found if f.code == code_or_rule or f.rule == code_or_rule]
