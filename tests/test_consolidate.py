"""Batch validation, completeness and consolidation, checked against sums computed apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import libreoffice
import pytest
from conftest import writer_for
from python_calamine import CalamineWorkbook
from returns import clean_data

from gnbv_templates.batch.consolidate import PROVENANCE_SHEET, RunningSums, _take_out, consolidate
from gnbv_templates.batch.folder import check_one
from gnbv_templates.batch.results import HAS_ERRORS, VALID
from gnbv_templates.errors import UnreadableFile
from gnbv_templates.forms.compute import derived_values
from gnbv_templates.forms.resources import examples_dir
from gnbv_templates.report.validate import validate

FOLDER = examples_dir() / "district_returns"
EXPECTED = json.loads((FOLDER / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lang_son(tmp_path_factory):
    out = tmp_path_factory.mktemp("cons") / "lang_son.xlsx"
    return consolidate(FOLDER, "20", "2025-H1", out, jobs=2)


def _grid(path: Path, sheet: str):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def test_completeness_is_exact(lang_son):
    c = lang_son.completeness
    assert [u.code for u in c.missing] == EXPECTED["missing"]
    assert list(c.duplicates) == [EXPECTED["twice"]]
    used = [choice for choice in c.duplicates[EXPECTED["twice"]] if choice.used]
    assert len(used) == 1 and used[0].result.name.endswith("_lan2_da_sua.xlsx") and used[0].result.status == VALID
    assert [Path(r.path).name for r in c.other_period] == [f"{EXPECTED['other_period']}_Huyện_Văn_Quan_2025.xlsx"]
    assert sorted(r.unit for r in c.chosen.values() if r.status == HAS_ERRORS) == sorted(EXPECTED["with_errors"])
    assert c.other_parent == [] and c.unreadable == []


def test_consolidation_equals_independent_sums(lang_son, catalog):
    clean = [code for code, item in EXPECTED["units"].items() if item["clean"]]
    assert sorted(r.unit for r in lang_son.included) == sorted(clean)
    layouts = {lay.id: lay for lay in writer_for(catalog, _units(), unit="20").layouts()}
    checked = 0
    for form, layout in layouts.items():
        if form == "B15":
            continue
        grid = _grid(lang_son.path, layout.sheet)
        for cell in layout.inputs:
            if cell.measure.type not in ("count", "money"):
                continue
            want = sum(EXPECTED["units"][u]["values"].get(form, {}).get(f"{cell.row}|{cell.col}", 0) or 0
                       for u in clean)
            got = grid[cell.r][cell.c]
            assert (got or 0) == pytest.approx(want, abs=1e-6), (form, cell.address)
            checked += 1
    assert checked > 1000


def test_biểu15_has_a_row_per_district_from_its_own_total(lang_son, catalog):
    layout = writer_for(catalog, _units(), unit="20").layouts(["B15"])[0]
    grid = _grid(lang_son.path, layout.sheet)
    for code in EXPECTED["units"]:
        if not EXPECTED["units"][code]["clean"]:
            continue
        district = EXPECTED["units"][code]["values"]["B15"]
        households = sum(v for k, v in district.items() if k.endswith("|1"))
        cell = layout.cells[(code, "1")]
        assert grid[cell.r][cell.c] == households
    missing = layout.cells[(EXPECTED["missing"][0], "1")]
    assert grid[missing.r][missing.c] in ("", None)


def test_rates_are_recomputed_never_summed(lang_son, catalog):
    layout = writer_for(catalog, _units(), unit="20").layouts(["B02"])[0]
    grid = _grid(lang_son.path, layout.sheet)
    plan, spent, rate = (layout.cells[("01", c)] for c in ("1", "15", "28"))
    assert grid[rate.r][rate.c] == pytest.approx(grid[spent.r][spent.c] / grid[plan.r][plan.c] * 100)


def test_non_additive_inputs_are_blank_and_listed(lang_son, catalog):
    layout = writer_for(catalog, _units(), unit="20").layouts(["B01"])[0]
    grid = _grid(lang_son.path, layout.sheet)
    rate = layout.cells[("31", "3")]  # % người nghèo có BHYT, typed by each district
    assert grid[rate.r][rate.c] in ("", None)
    listed = {(u, f, r, c) for u, f, r, c, _ in lang_son.non_additive}
    assert ("178", "B01", "31", "3") in listed
    sheet = _grid(lang_son.path, PROVENANCE_SHEET)
    assert any("không cộng được" in str(v) for row in sheet for v in row)
    # every unit's value on the provenance sheet, in the order listed (all but the first put in as XML)
    start = next(i for i, row in enumerate(sheet) if row[:5] == ["Đơn vị", "Biểu", "Mã dòng", "Mã cột", "Giá trị"])
    shown = [tuple(row[:5]) for row in sheet[start + 1 : start + 1 + len(lang_son.non_additive)]]
    assert len(lang_son.non_additive) > 2
    assert shown == [(u, f, r, c, "" if v is None else v) for u, f, r, c, v in lang_son.non_additive]


def test_provenance_names_every_file_with_its_hash(lang_son):
    sheet = _grid(lang_son.path, PROVENANCE_SHEET)
    text = "\n".join(str(v) for row in sheet for v in row)
    for path in FOLDER.glob("*.xlsx"):
        assert path.name in text
    for read in lang_son.included:
        assert read.sha256 in text
    assert "CẢNH BÁO" not in text


def test_include_errors_says_so_on_the_first_sheet(tmp_path):
    result = consolidate(FOLDER, "20", "2025-H1", tmp_path / "with_errors.xlsx", include_errors=True, jobs=1)
    assert sorted(r.unit for r in result.with_errors) == sorted(EXPECTED["with_errors"])
    book = CalamineWorkbook.from_path(str(result.path))
    assert book.sheet_names[0] == PROVENANCE_SHEET
    first = book.get_sheet_by_index(0).to_python()
    assert any("CẢNH BÁO" in str(v) for row in first[:5] for v in row)


@pytest.fixture(scope="module")
def complete_city(tmp_path_factory, catalog):
    """Every commune of Thành phố Lạng Sơn returns a clean return."""
    units = _units()
    folder = tmp_path_factory.mktemp("city")
    sums: dict = {}
    for i, unit in enumerate(units.children("178")):
        writer = writer_for(catalog, units, unit=unit.code)
        values = clean_data(catalog, units, unit.code, seed=40 + i)
        writer.write(folder / f"{unit.code}.xlsx", values=values)
        for form, cells in values.items():
            for key, value in cells.items():
                sums.setdefault(form, {}).setdefault(key, 0)
                if isinstance(value, int | float):
                    sums[form][key] += value
    out = folder.parent / "city_total.xlsx"
    return consolidate(folder, "178", "2025-H1", out, jobs=2), sums


def test_consolidated_return_of_clean_inputs_validates_clean(complete_city, catalog):
    result, _ = complete_city
    assert result.completeness.missing == [] and len(result.included) == 8
    report = validate(result.path, catalog=catalog)
    assert report.findings == [], [f.message() for f in report.findings]


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_consolidated_return_the_same(complete_city, catalog, tmp_path):
    result, _ = complete_city
    saved = libreoffice.convert(result.path, "xlsx", tmp_path)
    writer = writer_for(catalog, _units(), unit="178")
    original = CalamineWorkbook.from_path(str(result.path))
    resaved = CalamineWorkbook.from_path(str(saved))
    for layout in writer.layouts():
        a = original.get_sheet_by_name(layout.sheet).to_python(skip_empty_area=False)
        b = resaved.get_sheet_by_name(layout.sheet).to_python(skip_empty_area=False)
        inputs = {(c.row, c.col): a[c.r][c.c] for c in layout.inputs if isinstance(a[c.r][c.c], int | float)}
        expected = derived_values(layout, inputs)
        for cell in layout.derived_order:
            want = expected[(cell.row, cell.col)]
            got = b[cell.r][cell.c]
            assert (got in ("", None)) if want is None else got == pytest.approx(want), (layout.id, cell.address)


def test_validate_folder_cli_writes_summary_and_annotated_copies(tmp_path):
    out = tmp_path / "kq"
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(FOLDER), "-o", str(out),
                           "--unit", "20", "--period", "2025-H1", "--jobs", "2"], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # some returns have errors: the worst wins
    data = json.loads((out / "tong_hop_kiem_tra.json").read_text(encoding="utf-8"))
    by_unit = {}
    for row in data["units"]:
        by_unit.setdefault(row["unit"], []).append(row)
    assert by_unit["189"][0]["status"] == "chưa nộp"
    assert {r["status"] for r in by_unit["182"]} == {"có lỗi"} and by_unit["182"][0]["annotated"]
    assert Path(by_unit["182"][0]["annotated"]).exists()
    assert by_unit["178"][0]["status"] == "hợp lệ" and not by_unit["178"][0]["annotated"]
    assert data["scope"]["missing"] == ["189"]
    assert (out / "tong_hop_kiem_tra.xlsx").exists()


def test_consolidate_cli(tmp_path):
    out = tmp_path / "tong.xlsx"
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "consolidate", str(FOLDER), "--unit", "20",
                           "--period", "2025-H1", "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Chưa nộp (1): 189 Huyện Đình Lập" in done.stdout


def _units():
    from gnbv_templates.forms.units import load_units

    return load_units()


def test_python_api_for_folders(tmp_path):
    import gnbv_templates as gnbv

    folder = gnbv.validate_folder(FOLDER, parent="20", period="2025-H1", outdir=tmp_path / "kq", jobs=1)
    assert [u.code for u in folder.completeness.missing] == ["189"]
    assert folder.exit_code == 1 and folder.summary_json.exists()
    inferred = gnbv.validate_folder(FOLDER, outdir=tmp_path / "kq2", jobs=1)  # parent and period guessed
    assert inferred.completeness.parent.code == "20" and inferred.completeness.period == "2025-H1"


def test_a_return_replaced_while_being_consolidated_is_refused(tmp_path):
    """Consolidation reads each file once; a copy read again to be taken out must be the file it counted."""
    first, other = sorted(FOLDER.glob("181_*"))
    copy = tmp_path / first.name
    copy.write_bytes(first.read_bytes())
    counted = check_one((str(copy), None, True, None, None))
    copy.write_bytes(other.read_bytes())  # the sender's corrected copy lands on the same name meanwhile
    with pytest.raises(UnreadableFile) as caught:
        _take_out(RunningSums.__new__(RunningSums), counted, None, None)
    assert caught.value.reason == "changed" and first.name in caught.value.message
