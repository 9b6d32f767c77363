"""What the disk cache gives back is what loading the definition files builds: the catalog with the layouts of
its forms (and what the checks ask of them), the rules, the units."""

from __future__ import annotations

import dataclasses
import io
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from gnbv_templates.forms import cache
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import sample_context
from gnbv_templates.forms.layout import build_layout
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units

T = TypeVar("T")


def _from_disk(monkeypatch: pytest.MonkeyPatch, folder: Path, load: Callable[[], T]) -> tuple[T, T]:
    """Loaded with an empty cache folder (built, then written), then read back from that folder."""
    monkeypatch.setenv("GNBV_CACHE_DIR", str(folder))
    cache.forget()
    built = load()
    cache.forget()
    read = load()
    cache.forget()
    assert read is not built  # the second really came from the disk
    return built, read


def test_the_catalog_read_back_has_every_layout_as_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built, read = _from_disk(monkeypatch, tmp_path, load_catalog)
    assert len(list(tmp_path.glob("catalog-*.pickle"))) == 1
    assert read.forms == built.forms and read.measures == built.measures and read.header == built.header
    static = [d for d in read.forms.values() if not d.has_repeat]
    assert static and set(read._static) == {d.id for d in static}  # kept on disk, not built again
    context = sample_context(read)
    for definition in static:
        layout, fresh = read._static[definition.id], build_layout(definition, read.measures, len(read.header), context)
        assert layout.definition is definition  # one object, as when built in the process
        assert layout.cells == fresh.cells and layout.rows == fresh.rows
        assert layout.derived_order == fresh.derived_order and layout.row_index == fresh.row_index
        assert layout.inputs == fresh.inputs and layout.excel_formulas == fresh.excel_formulas
        assert layout.fingerprint == fresh.fingerprint
        assert all(cell.measure is read.measures[cell.measure.name] for cell in layout.cells.values())
    repeated = next(d for d in read.forms.values() if d.has_repeat)
    assert read.layout(repeated.id, context).cells == built.layout(repeated.id, context).cells


def test_rules_and_units_read_back_as_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built, read = _from_disk(monkeypatch, tmp_path, load_rules)
    assert read.rules == built.rules and read.refinements == built.refinements
    built_units, read_units = _from_disk(monkeypatch, tmp_path, load_units)
    assert read_units.units == built_units.units and read_units.children("20") == built_units.children("20")


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    value: int
    double: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "double", self.value * 2)


@dataclasses.dataclass(frozen=True, slots=True)
class _Plain:
    name: str
    inner: _Checked | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class _Derived:
    name: str
    size: int = dataclasses.field(init=False, default=0)


@dataclasses.dataclass(frozen=True, slots=True)
class _Seeded:
    name: str
    seed: dataclasses.InitVar[int | None] = None


def test_only_plain_frozen_dataclasses_are_rebuilt_by_their_constructor() -> None:
    assert cache._by_constructor(_Plain) == ("name", "inner")
    assert cache._by_constructor(_Checked) is None  # __post_init__ would run again: pickled as usual
    assert cache._by_constructor(_Derived) is None and cache._by_constructor(_Seeded) is None  # other arguments
    assert cache._by_constructor(dict) is None
    value = _Plain("a", _Checked(3))
    out = io.BytesIO()
    cache._Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    assert pickle.loads(out.getvalue()) == value
