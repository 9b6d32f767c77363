"""docs/extending.md stays true: its worked example of a new check runs as written."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from gnbv_templates.check import pipeline as pl
from gnbv_templates.findings import CODES, WARNING, Code
from gnbv_templates.findings.messages import en, vi
from gnbv_templates.forms.model import MEASURE_KINDS
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.generate.pack import fill, generate
from gnbv_templates.read.reader import open_return

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "extending.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, re.S)


def _block(lang: str, containing: str) -> str:
    [found] = [code for kind, code in BLOCKS if kind == lang and containing in code]
    return found


def test_the_worked_example_of_a_new_check_runs(tmp_path, catalog, monkeypatch):
    module_path = tmp_path / "zeros.py"
    module_path.write_text(_block("python", "class ZerosCheck"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("zeros_example", module_path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code_line = _block("python", 'Code("form.all-zero"')
    assert code_line.strip() == 'Code("form.all-zero", WARNING),'
    vi_text, en_text = (re.search(r': "(.*)",', _block("python", f'"form.all-zero": "{start}')).group(1)
                        for start in ("{form}: cả", "{form}: all"))
    monkeypatch.setitem(CODES, "form.all-zero", Code("form.all-zero", WARNING))
    monkeypatch.setitem(vi.FINDINGS, "form.all-zero", vi_text)
    monkeypatch.setitem(en.FINDINGS, "form.all-zero", en_text)
    checks = list(pl.CHECKS)
    checks.insert(next(i for i, c in enumerate(checks) if c.name == "values") + 1, module.ZerosCheck())

    issued = generate("187", "2025-H1", tmp_path / "a.xlsx")
    layout = catalog.layout("B11", None)
    zeros: dict[str, dict[str, int]] = {}
    for cell in layout.inputs:
        if cell.measure.numeric:
            zeros.setdefault(cell.row, {})[cell.col] = 0
    (tmp_path / "zeros.json").write_text(json.dumps({"B11": zeros}), encoding="utf-8")
    filled = fill(issued, tmp_path / "zeros.json", tmp_path / "b.xlsx")
    ret = open_return(filled)
    try:
        outcome = pl.Pipeline(ret, catalog, load_rules(), checks=tuple(checks)).run()
    finally:
        ret.close()
    [found] = [f for f in outcome.findings if f.code == "form.all-zero"]
    assert found.form == "B11" and found.severity == WARNING and found.params["count"] == sum(
        len(row) for row in zeros.values())
    assert found.message().startswith("B11: cả") and found.message("en").startswith("B11: all")


def test_the_example_measure_kind_fits_the_model():
    entry = _block("python", 'MeasureKind("area"')
    assert entry.strip().startswith('MeasureKind("area", "#,##0.00", "number"')
    fields = set(re.findall(r"(\w+)=", entry))
    assert fields <= set(type(MEASURE_KINDS["count"]).__dataclass_fields__), fields
