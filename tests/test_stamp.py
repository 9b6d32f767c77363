"""Stamped packs (generate/stamp.py) are what ``generate`` writes, whatever the units are called.

A stamped pack copies another unit's pack with its own strings put in; these tests hold it to the
bytes ``generate`` writes for the unit, for units whose names could mislead a careless stamper: a name
equal to a text printed on the sheets, one with characters XML escapes, one long enough to wrap.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import libreoffice
import pytest
from conftest import ISSUED, random_inputs, same_parts
from python_calamine import CalamineWorkbook

from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.compute import derived_values, evaluator
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.units import Units, load_units
from gnbv_templates.generate.pack import generate, generate_all
from gnbv_templates.generate.stamp import Stamper
from gnbv_templates.generate.writer import PackWriter, _blank_derived

LONG = "Xã có một cái tên rất dài " * 8  # wraps onto more lines of Biểu 15 than its neighbours' names


@pytest.fixture(scope="module")
def odd_units_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A province whose units' names test the stamper: equal to a heading, XML-special, long."""
    lines = ["levels: [{id: tinh, name: Tỉnh}, {id: huyen, name: Huyện}, {id: xa, name: Xã}]", "units:",
             '  - {code: "99", name: "Tỉnh thử nghiệm", level: tinh}']
    communes = {"901": ["Xã Một", "Xã Hai", "Xã Ba"], "902": ["Xã Bốn", LONG, "Xã Sáu"],
                "903": ["Xã Bảy", "Xã Tám", "Xã Chín"],
                "904": ["Xã Mười", "Mã số", ' Xã <Đông> & "Tây" ', "Xã Mười Một"]}
    code = 90000
    for district, names in communes.items():
        lines.append(f'  - {{code: "{district}", name: "Huyện {district}", level: huyen, parent: "99"}}')
        for name in names:
            code += 1
            quoted = name.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'  - {{code: "{code}", name: "{quoted}", level: xa, parent: "{district}"}}')
    path = tmp_path_factory.mktemp("units") / "units.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def odd_units(odd_units_path: Path) -> Units:
    return load_units(odd_units_path)


def _created(path: Path) -> dt.datetime:
    core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
    text = re.search(r"<dcterms:created[^>]*>([^<]+)<", core).group(1)  # type: ignore[union-attr]
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _stamp_each(stamper: Stamper, units: Units, codes: list[str], tmp_path: Path,
                forms: list[str] | None = None) -> dict[str, bool]:
    """Each unit's pack by the stamper beside ``generate``'s: whether it was stamped."""
    stamped = {}
    for code in codes:
        plain = generate(code, "2025-H1", tmp_path / f"plain_{code}.xlsx", units=units, issued=ISSUED, forms=forms)
        before = stamper.stamped
        ours = stamper.write(make_issue(units, code, "2025-H1", issued=ISSUED), tmp_path / f"st_{code}.xlsx",
                             form_ids=forms, created=_created(plain))
        stamped[code] = stamper.stamped > before
        if stamped[code]:
            assert ours.read_bytes() == plain.read_bytes(), code
        else:
            same_parts(ours, plain)
    return stamped


def test_units_named_like_the_sheets_text_or_with_markup_get_their_own_pack(odd_units, catalog, tmp_path):
    stamper = Stamper(catalog)
    names = {u.code: u.name for u in odd_units.children("904")}
    stamped = _stamp_each(stamper, odd_units, list(names), tmp_path)
    by_name = {names[code]: done for code, done in stamped.items()}
    # "Mã số" is also a column heading: its metadata cell shares that entry of the string table,
    # so its pack is not the others' with the name swapped, and is written in full
    assert by_name["Mã số"] is False
    assert by_name[' Xã <Đông> & "Tây" '] is True and by_name["Xã Mười Một"] is True


def test_districts_provinces_and_a_few_forms_are_stamped_byte_for_byte(odd_units, units, catalog, tmp_path):
    stamper = Stamper(catalog)
    districts = _stamp_each(stamper, odd_units, ["901", "902", "903"], tmp_path)
    # the long commune name wraps: Biểu 15's row is taller, the skeleton differs, the pack is written
    assert districts == {"901": False, "902": False, "903": True}
    provinces = _stamp_each(stamper, units, ["20", "20"], tmp_path / "p")  # metadata with empty texts
    assert provinces["20"] is True
    few = _stamp_each(stamper, units, [u.code for u in units.children("178")][:3], tmp_path / "f", ["B03", "B15"])
    assert sum(few.values()) == 2


def test_stamped_filled_packs_are_what_the_writer_writes(catalog, units, tmp_path):
    stamper = Stamper(catalog)
    first, second = [u.code for u in units.children("178")][:2]
    values = random_inputs(PackWriter(catalog, make_issue(units, first, "2025-H1", issued=ISSUED)).layouts(), seed=3)
    for code in (first, second):
        issue = make_issue(units, code, "2025-H1", issued=ISSUED)
        plain = PackWriter(catalog, issue).write(tmp_path / f"plain_{code}.xlsx", values=values)
        ours = stamper.write(issue, tmp_path / f"st_{code}.xlsx", values=values, created=_created(plain))
        if code == first:
            same_parts(ours, plain)
    assert stamper.stamped == 1  # the second, from the first
    assert ours.read_bytes() == plain.read_bytes()


def test_blank_packs_carry_the_values_the_evaluator_computes(catalog, units):
    for code in ("20", "178", units.children("178")[0].code):
        for layout in PackWriter(catalog, make_issue(units, code, "2025-H1", issued=ISSUED)).layouts():
            assert _blank_derived(layout) == evaluator(layout).run({}), (code, layout.id)


def test_generate_all_on_two_processes_writes_what_generate_writes(tmp_path, odd_units, odd_units_path):
    out = tmp_path / "all"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("gnbv_templates.generate.pack.CHUNK", 2)  # several tasks for each process
        paths = generate_all("99", "2025-H1", out, units_path=odd_units_path, issued=ISSUED, jobs=2, level="xa")
    assert len(paths) == 13
    for path in paths:
        code = path.name.split("_")[0]
        same_parts(path, generate(code, "2025-H1", tmp_path / "one.xlsx", units=odd_units, issued=ISSUED))


@pytest.mark.libreoffice
def test_libreoffice_recalculates_a_stamped_pack_to_our_values(catalog: Catalog, units: Units, tmp_path):
    stamper = Stamper(catalog)
    first, second = [u.code for u in units.children("178")][:2]
    values = random_inputs(PackWriter(catalog, make_issue(units, first, "2025-H1", issued=ISSUED)).layouts(), seed=5)
    for code in (first, second):
        stamper.write(make_issue(units, code, "2025-H1", issued=ISSUED), tmp_path / f"{code}.xlsx", values=values)
    assert stamper.stamped == 1
    saved = libreoffice.convert(tmp_path / f"{second}.xlsx", "xlsx", tmp_path / "resaved")
    book = CalamineWorkbook.from_path(str(saved))
    writer = PackWriter(catalog, make_issue(units, second, "2025-H1", issued=ISSUED))
    checked = 0
    for layout in writer.layouts():
        grid = book.get_sheet_by_name(layout.sheet).to_python(skip_empty_area=False)
        expected = derived_values(layout, values[layout.id])
        for cell in layout.derived_order:
            want, got = expected[(cell.row, cell.col)], grid[cell.r][cell.c]
            if want is None:
                assert got in ("", None), (layout.id, cell.address, got)
            else:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (layout.id, cell.address)
            checked += 1
        assert grid[1][0] == f"Mã đơn vị: {second}"  # the unit's own header, stamped in
    assert checked > 500
