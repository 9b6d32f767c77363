from __future__ import annotations

import json
import subprocess
import sys

import pytest


def gnbv(*args, **kw):
    return subprocess.run([sys.executable, "-m", "gnbv_templates.cli", *args], capture_output=True,
                          text=True, **kw)


def test_generate_one_unit(tmp_path):
    out = tmp_path / "p.xlsx"
    done = gnbv("generate", "--unit", "187", "--period", "2025", "--forms", "B02,B15", "-o", str(out))
    assert done.returncode == 0, done.stderr
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(out)).sheet_names == ["Biểu 02", "Biểu 15", "_gnbv_meta"]


def test_generate_all_units(tmp_path):
    done = gnbv("generate", "--unit", "178", "--period", "2025-H1", "--all-units", "--jobs", "2",
                "-o", str(tmp_path / "packs"))
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "packs").iterdir())
    assert len(names) == 8 and names[0].startswith("06124_Phường_Hoàng_Văn_Thụ_2025-H1")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["generate", "--unit", "99999", "--period", "2025", "-o", "x.xlsx"], 4),
        (["generate", "--unit", "20", "--period", "2025-Q3", "-o", "x.xlsx"], 4),
        (["generate", "--unit", "20", "--period", "2025", "--forms", "B99", "-o", "x.xlsx"], 4),
        (["generate", "--unit", "20"], 4),
        (["frobnicate"], 4),
    ],
)
def test_usage_errors_are_one_line(args, code, tmp_path):
    done = gnbv(*args, cwd=tmp_path)
    assert done.returncode == code
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_catalog_json_for_machines():
    data = json.loads(gnbv("catalog", "--json").stdout)
    assert data["version"]
    forms = {f["id"]: f for f in data["forms"]}
    assert list(forms) == [f"B{i:02d}" for i in range(1, 16)]
    b02 = forms["B02"]
    assert {"code", "label"} <= set(b02["rows"][0]) and {"code", "label", "unit"} <= set(b02["columns"][0])
    derived = [c for c in b02["cells"] if c["kind"] == "derived"]
    assert all("declaration" in c and c["address"] for c in derived)
    assert any(r.get("repeat") for r in forms["B15"]["rows"])  # unexpanded without a unit


def test_catalog_json_expands_for_a_unit(units):
    data = json.loads(gnbv("catalog", "--json", "--unit", "178", "--period", "2025").stdout)
    b15 = next(f for f in data["forms"] if f["id"] == "B15")
    codes = [r["code"] for r in b15["rows"]]
    assert codes == ["00"] + [u.code for u in units.children("178")]
    total = next(c for c in b15["cells"] if c["row"] == "00" and c["col"] == "1")
    assert total["kind"] == "derived" and "06124" in total["declaration"]


def test_catalog_listing():
    done = gnbv("catalog")
    assert done.returncode == 0 and done.stdout.count("Biểu ") >= 15


def test_version_and_module_entry_point():
    import gnbv_templates

    done = subprocess.run([sys.executable, "-m", "gnbv_templates", "--version"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"gnbv {gnbv_templates.__version__}"

