"""Validation speed, measured side by side in one run.

Validating a fully filled 15-form return (report only), as a ratio to a bare
python-calamine read of all its cells (target ≤ 4), and the ratio of a naive
baseline: openpyxl load plus one cerberus document per row.

    python benchmarks/bench_validate.py [--repeat 21]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
from cerberus import Validator
from python_calamine import CalamineWorkbook

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.schemas import cell_schema
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.generate.writer import PackWriter
from gnbv_templates.report.validate import validate


def filled_return(path: Path) -> tuple[Path, list]:
    catalog, units, rules = load_catalog(), load_units(), load_rules()
    writer = PackWriter(catalog, make_issue(units, "20", "2025"))
    layouts = writer.layouts()
    values = consistent_values(layouts, rules, level="tinh", seed=1)
    for layout in layouts:  # every input cell filled, text notes included
        for cell in layout.inputs:
            if cell.measure.type == "choice":
                filler: object = layout.columns[[c.code for c in layout.columns].index(cell.col)].choices[0]
            else:
                filler = "ghi chú" if not cell.measure.numeric else 1
            values[layout.id].setdefault((cell.row, cell.col), filler)
    writer.write(path, values=values)
    return path, layouts


def bare_read(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names)


def naive(path: Path, layouts: list) -> int:
    """openpyxl load, then one cerberus document per table row."""
    book = openpyxl.load_workbook(path, data_only=True)
    errors = 0
    for layout in layouts:
        ws = book[layout.sheet]
        schema = {}
        for col in layout.columns:
            cell = next(c for c in layout.cells.values() if c.col == col.code)
            schema[col.code] = {k: v for k, v in cell_schema(cell).items()}
            schema[col.code]["nullable"] = True
            if schema[col.code].get("type") == "integer":
                schema[col.code]["type"] = "number"
        validator = Validator(schema, allow_unknown=True)
        for row in layout.rows:
            r = layout.row_index[row.code] + 1
            doc = {col.code: ws.cell(r, layout.col_index[col.code] + 1).value for col in layout.columns}
            errors += 0 if validator.validate(doc) else 1
    return errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    catalog, rules = load_catalog(), load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        path, layouts = filled_return(Path(tmp) / "filled.xlsx")
        report = validate(path, catalog=catalog, rules=rules)
        cells = sum(len(layout.cells) for layout in layouts)
        print(f"return: 15 forms, {cells} table cells, {report.counts['error']} errors, "
              f"{report.counts['warning']} warnings")
        runs = {"calamine": [], "gnbv": [], "naive": []}
        ratios, naive_ratios = [], []
        for i in range(args.repeat + 1):
            t0 = time.perf_counter()
            bare_read(path)
            t1 = time.perf_counter()
            validate(path, catalog=catalog, rules=rules)
            t2 = time.perf_counter()
            if i % 3 == 0:
                naive(path, layouts)
            t3 = time.perf_counter()
            if i == 0:
                continue  # warm-up
            runs["calamine"].append(t1 - t0)
            runs["gnbv"].append(t2 - t1)
            ratios.append((t2 - t1) / (t1 - t0))
            if i % 3 == 0:
                runs["naive"].append(t3 - t2)
                naive_ratios.append((t3 - t2) / (t1 - t0))
        med = {k: statistics.median(v) * 1000 for k, v in runs.items() if v}
        print(f"bare python-calamine read of every cell: {med['calamine']:.1f} ms")
        print(f"gnbv validate (report only):           {med['gnbv']:.1f} ms → ratio {statistics.median(ratios):.2f} "
              "(target ≤ 4)")
        print(f"naive openpyxl + cerberus per row:     {med['naive']:.1f} ms → ratio "
              f"{statistics.median(naive_ratios):.2f}")


if __name__ == "__main__":
    main()
