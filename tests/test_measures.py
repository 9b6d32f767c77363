"""A measure is declared once in the form model; which form lists child units is declared in its YAML."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gnbv_templates.errors import DefinitionError
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.model import CODE_COL, MEASURE_KINDS, Measure, MeasureKind, child_form
from gnbv_templates.forms.resources import templates_dir
from gnbv_templates.forms.schemas import cell_schema
from gnbv_templates.generate.pack import issue_of
from gnbv_templates.read.identify import issue_from_meta
from gnbv_templates.read.reader import open_return

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gnbv_templates"


def test_every_measure_of_the_catalog_has_a_declared_kind(catalog):
    for measure in catalog.measures.values():
        kind = MEASURE_KINDS[measure.type]
        assert measure.number_format == kind.number_format and measure.numeric == kind.numeric
        assert measure.decimals == kind.decimals and measure.additive == kind.additive


def test_every_stage_asks_the_measure(catalog):
    layout = catalog.layout("B11", None) if not catalog.forms["B11"].has_repeat else None
    assert layout is not None
    for cell in layout.inputs:
        kind = cell.measure.kind
        schema = cell_schema(cell)
        assert {k: v for k, v in schema.items() if k in ("type", "min", "max", "maxlength")} == {
            **kind.schema(), **({"max": cell.measure.max} if cell.measure.max is not None else {})}
        validation = kind.data_validation(cell.measure.name)
        assert (validation is None) == (not kind.numeric)
        if validation:
            assert validation["validate"] == ("integer" if kind.value == "integer" else "decimal")


def test_a_new_kind_of_measure_is_one_entry(monkeypatch):
    area = MeasureKind("area", "#,##0.0", "number", minimum=0, additive=True, decimals=1,
                       hint="Nhập diện tích ({unit}).", error="Diện tích không âm ({unit}).")
    monkeypatch.setitem(MEASURE_KINDS, "area", area)
    ha = Measure("ha", "area", tolerance=0.05)
    assert ha.numeric and ha.additive and ha.number_format == "#,##0.0" and ha.decimals == 1
    assert ha.kind.schema() == {"type": "number", "min": 0}
    assert ha.kind.data_validation("ha") == {"validate": "decimal", "criteria": ">=", "value": 0,
                                             "input_message": "Nhập diện tích (ha).",
                                             "error_message": "Diện tích không âm (ha)."}
    assert ha.tolerance == 0.05 and Measure("hộ", "count").tolerance is None


def test_the_form_listing_child_units_is_declared_in_its_yaml(catalog):
    child = child_form(catalog.forms.values())
    assert child is not None and child.id == "B15" and child.total_row == "00" and child.code_col == CODE_COL
    assert [d.id for d in catalog.forms.values() if d.rows_per_child] == ["B15"]


def test_rows_per_child_without_a_total_row_is_a_definition_error(tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(templates_dir(), folder, ignore=shutil.ignore_patterns("versions"))
    path = folder / "bieu_15.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("sum: children, ", ""), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_catalog(folder)
    assert any("rows_per_child" in p and "bieu_15.yaml" in p for p in caught.value.problems)


@pytest.mark.parametrize("module", ["batch/folder.py", "batch/consolidate.py", "read/identify.py",
                                    "generate/pack.py", "generate/synth.py", "read/structure.py"])
def test_no_stage_names_the_child_form_or_the_code_column(module):
    source = (PACKAGE / module).read_text(encoding="utf-8")
    assert '"B15"' not in source and "'B15'" not in source
    assert not re.search(r"row\[2\]|\b_text\(ws, r, 2,|CODE_COL = 2", source)


def test_fill_and_validate_read_the_metadata_the_same_way(catalog):
    path = ROOT / "examples" / "returns" / "huyen_chi_lang_2025-H1_sach.xlsx"
    ret = open_return(path)
    try:
        assert issue_of(ret, catalog) == issue_from_meta(ret.metadata.meta)
    finally:
        ret.close()
