from __future__ import annotations

import datetime as dt
import random
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gnbv_templates.forms.catalog import Catalog, load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.model import FormLayout
from gnbv_templates.forms.units import Units, load_units
from gnbv_templates.generate.writer import PackWriter

ISSUED = dt.date(2025, 7, 1)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def units() -> Units:
    return load_units()


def writer_for(catalog: Catalog, units: Units, unit: str = "20", period: str = "2025-H1") -> PackWriter:
    return PackWriter(catalog, make_issue(units, unit, period, issued=ISSUED))


def same_parts(a: Path, b: Path) -> None:
    """Two workbooks with the same parts, byte for byte (but for the creation time)."""
    with zipfile.ZipFile(a) as ours, zipfile.ZipFile(b) as theirs:
        assert ours.namelist() == theirs.namelist()
        for name in ours.namelist():
            if name != "docProps/core.xml":  # its creation time is the second it was written
                assert ours.read(name) == theirs.read(name), (a.name, name)


def random_inputs(layouts: list[FormLayout], seed: int = 0) -> dict[str, dict[tuple[str, str], Any]]:
    """A value for every input cell, of the kind its measure asks for."""
    rnd = random.Random(seed)
    out: dict[str, dict[tuple[str, str], Any]] = {}
    for layout in layouts:
        values: dict[tuple[str, str], Any] = {}
        for cell in layout.inputs:
            kind = cell.measure.type
            if kind == "count":
                value: Any = rnd.randint(0, 5000)
            elif kind == "money":
                value = round(rnd.uniform(0, 9000), 3)
            elif kind == "percent":
                value = round(rnd.uniform(0, 100), 2)
            elif kind == "points":
                value = round(rnd.uniform(-10, 10), 2)
            else:
                value = rnd.choice(["ghi chú", "=1+1", "+84 912", "@SUM(A1)"])
            values[(cell.row, cell.col)] = value
        out[layout.id] = values
    return out


@pytest.fixture(scope="session")
def pack(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, units: Units) -> Path:
    path = tmp_path_factory.mktemp("pack") / "lang_son.xlsx"
    writer_for(catalog, units).write(path)
    return path


@pytest.fixture(scope="session")
def filled(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, units: Units):
    """A pack with every input cell filled with random values: (path, writer, values)."""
    writer = writer_for(catalog, units)
    values = random_inputs(writer.layouts(), seed=7)
    path = tmp_path_factory.mktemp("filled") / "filled.xlsx"
    writer.write(path, values=values)
    return path, writer, values
