from __future__ import annotations

import json
import subprocess
import sys

import libreoffice
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gnbv_templates.forms.notation import format_vn, parse_text
from gnbv_templates.forms.resources import examples_dir
from gnbv_templates.forms.schemas import cerberus_errors, compile_schema, passing_numbers
from gnbv_templates.report.validate import validate

RETURNS = examples_dir() / "returns"
FAULTY = RETURNS / "huyen_chi_lang_2025-H1_co_loi.xlsx"
CLEAN = RETURNS / "huyen_chi_lang_2025-H1_sach.xlsx"


def test_every_planted_mistake_is_flagged_at_its_cell(catalog):
    planted = json.loads((RETURNS / "planted.json").read_text(encoding="utf-8"))
    report = validate(FAULTY, catalog=catalog)
    for item in planted:
        hits = [f for f in report.findings if (f.form, f.cell) == (item["form"], item["cell"])
                and item["expect"] in (f.code, f.rule)]
        assert len(hits) == 1, item
    assert len(report.findings) == len(planted)  # nothing else, nothing twice
    assert all(f.message() and f.message("en") for f in report.findings)


def test_bundled_clean_return_passes(catalog):
    report = validate(CLEAN, catalog=catalog)
    assert report.findings == [] and report.exit_code == 0


@pytest.mark.libreoffice
def test_libreoffice_resave_validates_the_same(catalog, tmp_path):
    saved = libreoffice.convert(FAULTY, "xlsx", tmp_path)
    before = sorted((f.code, f.rule, f.form, f.cell) for f in validate(FAULTY, catalog=catalog).findings)
    after = sorted((f.code, f.rule, f.form, f.cell) for f in validate(saved, catalog=catalog).findings)
    assert after == before


def test_json_report_fields(tmp_path):
    out = tmp_path / "r.json"
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(FAULTY), "--json", str(out),
                           "--lang", "en"], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {"file", "unit", "period", "counts", "findings"} <= set(data)
    assert data["unit"] == "187" and data["period"] == "2025-H1"
    for finding in data["findings"]:
        assert {"form", "cell", "row", "col", "rule", "severity", "message", "value", "expected", "code",
                "row_label"} <= set(finding)
    assert data["counts"]["error"] == sum(f["severity"] == "error" for f in data["findings"])


@pytest.mark.parametrize(("path", "code"), [(CLEAN, 0), (FAULTY, 1)])
def test_exit_codes(path, code):
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == code, done.stderr


def test_unusable_file_exit_2(tmp_path):
    bad = tmp_path / "not.xlsx"
    bad.write_text("hello", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(bad)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("text", "value", "status"),
    [("1.234", 1234, "text-number"), ("1.234,5", 1234.5, "text-number"), ("12,5%", 12.5, "text-number"),
     (" 3", 3, "text-number"), ("'3", 3, "text-number"), ("3 hộ", 3, "text-number"),
     ("1\u00a0234", 1234, "text-number"), ("-", None, "placeholder"), ("không", None, "placeholder"),
     ("N/A", None, "placeholder"), ("12.5", 12.5, "ambiguous"), ("abc", None, "not-number")],
)
def test_vietnamese_notation(text, value, status):
    parsed = parse_text(text)
    assert (parsed.value, parsed.status) == (value, status)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_format_and_parse_round_trip(n):
    assert parse_text(format_vn(n)).value == n


SCHEMAS = st.fixed_dictionaries(
    {"type": st.sampled_from(["integer", "number", "string"]), "nullable": st.booleans()},
    optional={"min": st.integers(-5, 5), "max": st.integers(50, 150),
              "allowed": st.lists(st.sampled_from(["a", "b", 1, 2]), min_size=1, max_size=3, unique=True)},
)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10, 200), st.floats(-10, 200, allow_nan=False),
                   st.sampled_from(["a", "b", "x", ""]))


@settings(max_examples=400, deadline=None)
@given(schema=SCHEMAS, value=VALUES)
def test_compiled_checks_agree_with_cerberus(schema, value):
    if schema["type"] == "string" and ("min" in schema or "max" in schema):
        schema = {k: v for k, v in schema.items() if k not in ("min", "max")}
    if "allowed" in schema and schema["type"] != "string":
        schema["allowed"] = [a for a in schema["allowed"] if not isinstance(a, str)] or [1]
    assert compile_schema(schema)(value) == cerberus_errors(schema, value)


@settings(max_examples=400, deadline=None)
@given(schema=SCHEMAS, value=st.one_of(st.integers(-10, 200), st.floats(-10, 200, allow_nan=False)))
def test_numbers_passed_without_a_call_are_numbers_the_check_passes(schema, value):
    # values.py skips the compiled check for a number inside passing_numbers: it must be one the check passes
    passing = passing_numbers(schema)
    if passing is None:
        assert set(schema) - {"type", "min", "max", "nullable"} or schema["type"] == "string"
        return
    low, high, whole = passing
    if (type(value) is int or (type(value) is float and not whole)) and low <= value <= high:
        assert compile_schema(schema)(value) == ()
    else:
        assert compile_schema(schema)(value) != ()
