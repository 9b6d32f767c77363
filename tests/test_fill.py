from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from gnbv_templates.errors import FillError, OutputError
from gnbv_templates.generate.pack import fill


def _grid(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def test_fill_by_codes_recomputes_derived(pack, tmp_path, catalog, units):
    from conftest import writer_for

    out = tmp_path / "out.xlsx"
    fill(pack, {"B02": {"05": {"3": 1000, "4": 501.25}, "03": {"17": 7}}}, out)
    layout = writer_for(catalog, units).layouts(["B02"])[0]
    grid = _grid(out, "Biểu 02")

    def at(row, col):
        cell = layout.cells[(row, col)]
        return grid[cell.r][cell.c]

    assert at("05", "3") == 1000 and at("05", "4") == 501.25
    assert at("05", "2") == pytest.approx(1501.25)
    assert at("05", "1") == pytest.approx(1501.25)
    assert at("01", "1") == pytest.approx(1501.25)
    assert at("02", "15") == pytest.approx(7)
    assert at("01", "28") == pytest.approx(7 / 1501.25 * 100)


def test_fill_twice_keeps_earlier_values_and_lock(pack, tmp_path):
    first = tmp_path / "first.xlsx"
    second = tmp_path / "second.xlsx"
    fill(pack, {"B02": {"05": {"3": 100}}}, first, lock=True)
    fill(first, {"B02": {"07": {"3": 5}}}, second)
    book = openpyxl.load_workbook(second)
    ws = book["Biểu 02"]
    from gnbv_templates.read.reader import open_return

    meta = open_return(second).metadata.meta
    assert meta.locked == ["B02|05|3"]
    locked = [c for row in ws.iter_rows() for c in row if c.value == 100]
    assert locked and locked[0].protection.locked
    five = [c for row in ws.iter_rows() for c in row if c.value == 5]
    assert five and not five[0].protection.locked


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"B77": {}}, "B77"),
        ({"B02": {"99": {"3": 1}}}, "'99'"),
        ({"B02": {"05": {"42": 1}}}, "'42'"),
        ({"B02": {"05": {"1": 1}}}, "công thức"),
        ({"B02": {"05": {"3": "nhiều"}}}, "cần một số"),
    ],
)
def test_fill_refuses_bad_addresses(pack, tmp_path, data, needle):
    with pytest.raises(FillError) as info:
        fill(pack, data, tmp_path / "x.xlsx")
    assert needle in info.value.message
    assert not (tmp_path / "x.xlsx").exists()


def test_fill_never_writes_over_its_input(pack, tmp_path):
    before = pack.read_bytes()
    with pytest.raises(OutputError):
        fill(pack, {"B02": {"05": {"3": 1}}}, pack)
    assert pack.read_bytes() == before


def test_fill_cli(pack, tmp_path):
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"B15": {"178": {"1": 25000, "2": 1200}}}), encoding="utf-8")
    out = tmp_path / "cli.xlsx"
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "fill", str(pack), str(data),
                           "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    bad = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "fill", str(pack), str(tmp_path / "none.json"),
                          "-o", str(out)], capture_output=True, text=True)
    assert bad.returncode == 5 and "Traceback" not in bad.stderr and len(bad.stderr.splitlines()) == 1
