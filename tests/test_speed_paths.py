"""The fast paths give the same results as the plain ones: stamped packs, cached definitions,
running sums, any executor."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import math
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import weakref
import zipfile
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from conftest import same_parts, writer_for
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from gnbv_templates import parallel
from gnbv_templates.batch.consolidate import RunningSums, consolidate
from gnbv_templates.batch.folder import _total_row, validate_folder
from gnbv_templates.batch.results import packed_inputs
from gnbv_templates.errors import UsageError
from gnbv_templates.forms import cache
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.model import child_form
from gnbv_templates.forms.resources import examples_dir, rules_dir, templates_dir
from gnbv_templates.forms.rules import RuleSet, load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.pack import generate, generate_all
from gnbv_templates.generate.stamp import Stamper
from gnbv_templates.report.validate import validate

ISSUED = dt.date(2025, 7, 1)
DISTRICTS = examples_dir() / "district_returns"


def _created(path: Path) -> dt.datetime:
    core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
    text = re.search(r"<dcterms:created[^>]*>([^<]+)<", core).group(1)  # type: ignore[union-attr]
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def test_stamped_packs_are_byte_for_byte_what_generate_writes(tmp_path, catalog, units):
    stamper = Stamper(catalog)
    communes = [u.code for u in units.children("178")][:4]  # the same shape: no units below them
    districts = [u.code for u in units.children("20")][:3]  # Biểu 15 rows of their own communes
    for code in [*communes, *districts]:
        plain = generate(code, "2025-H1", tmp_path / f"plain_{code}.xlsx", units=units, issued=ISSUED)
        before = stamper.stamped
        ours = stamper.write(make_issue(units, code, "2025-H1", issued=ISSUED), tmp_path / f"st_{code}.xlsx",
                             created=_created(plain))
        if stamper.stamped > before:  # the creation time is the only thing a caller could not know
            assert ours.read_bytes() == plain.read_bytes(), code
        else:
            same_parts(ours, plain)
    assert stamper.stamped >= len(communes) - 1  # stamped, not merely written again
    assert stamper.written >= 2


def test_generate_all_writes_what_generate_writes(tmp_path, units):
    paths = generate_all("178", "2025-H1", tmp_path / "all", issued=ISSUED, jobs=1)
    assert len(paths) == len(units.children("178"))
    for path in paths:
        code = path.name.split("_")[0]
        same_parts(path, generate(code, "2025-H1", tmp_path / "one.xlsx", units=units, issued=ISSUED))


def test_generate_all_on_a_given_executor_reports_progress(tmp_path):
    seen: list[tuple[int, int]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        paths = generate_all("178", "2025-H1", tmp_path, issued=ISSUED, executor=pool,
                             progress=lambda done, total: seen.append((done, total)))
    assert all(p.is_file() for p in paths) and seen[-1] == (len(paths), len(paths))


def test_definitions_are_loaded_once_and_reloaded_when_edited(tmp_path):
    templates, rules = tmp_path / "templates", tmp_path / "rules"
    shutil.copytree(templates_dir(), templates)
    shutil.copytree(rules_dir(), rules)
    first = load_catalog(templates)
    assert load_catalog(templates) is first
    b01 = templates / "bieu_01.yaml"
    b01.write_text(b01.read_text(encoding="utf-8").replace("title: ", "title: SỬA ", 1), encoding="utf-8")
    edited = load_catalog(templates)
    assert edited is not first and edited.forms["B01"].title.startswith("SỬA ")
    ruleset = load_rules(rules)
    assert load_rules(rules) is ruleset
    (rules / "b02_von.yaml").unlink()
    assert len(load_rules(rules).rules) < len(ruleset.rules)


def test_disk_cache_is_used_only_when_private(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GNBV_CACHE_DIR", str(folder))
    cache.forget()
    rules = load_rules()
    files = sorted(folder.glob("rules-*.pickle"))
    assert len(files) == 1 and (folder.stat().st_mode & 0o777) == 0o700
    # a planted file in its place is read only while the folder is ours alone
    files[0].write_bytes(pickle.dumps(RuleSet()))
    cache.forget()
    assert load_rules().rules == []
    if hasattr(os, "getuid"):
        folder.chmod(0o777)
        cache.forget()
        assert len(load_rules().rules) == len(rules.rules)
    cache.forget()


def test_a_fresh_process_reads_the_disk_cache(tmp_path):
    env = {**os.environ, "GNBV_CACHE_DIR": str(tmp_path)}
    code = "from gnbv_templates.forms.catalog import load_catalog; print(len(load_catalog().forms))"
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "15"
    assert len(list(tmp_path.glob("catalog-*.pickle"))) == 1


def test_running_sums_are_exact_in_any_order_and_after_taking_one_out(catalog, units):
    issue = make_issue(units, "20", "2025-H1", issued=ISSUED)
    layouts = {i: catalog.layout(i, issue.context(catalog)) for i in catalog.forms}
    money = next(c for c in layouts["B02"].inputs if c.measure.type == "money")
    count = next(c for c in layouts["B01"].inputs if c.measure.type == "count")
    rnd = random.Random(3)
    returns = [{"B02": {(money.row, money.col): round(rnd.uniform(0, 9999), 3)},
                "B01": {(count.row, count.col): rnd.randint(0, 5000)}} for _ in range(60)]
    exact = sum(Fraction(r["B02"][(money.row, money.col)]) for r in returns)
    orders = []
    for seed in range(3):
        shuffled = returns[:]
        random.Random(seed).shuffle(shuffled)
        sums = RunningSums(layouts)
        for i, values in enumerate(shuffled):
            sums.add(f"u{i}", values, None)
        sums.add("extra", {"B02": {(money.row, money.col): 0.1}}, None)
        sums.remove("extra", {"B02": {(money.row, money.col): 0.1}}, None)
        orders.append(sums.values())
    assert orders[0] == orders[1] == orders[2]
    assert orders[0]["B02"][(money.row, money.col)] == float(exact)  # rounded once, from the exact sum
    total = orders[0]["B01"][(count.row, count.col)]
    assert isinstance(total, int) and total == sum(r["B01"][(count.row, count.col)] for r in returns)


def test_folder_and_consolidation_on_a_given_executor_match_the_default(tmp_path):
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = validate_folder(DISTRICTS, outdir=tmp_path / "a", executor=pool)
        joined = consolidate(DISTRICTS, "20", "2025-H1", tmp_path / "a.xlsx", executor=pool,
                             report_dir=tmp_path / "a_report")
    plain = validate_folder(DISTRICTS, outdir=tmp_path / "b", jobs=1)
    alone = consolidate(DISTRICTS, "20", "2025-H1", tmp_path / "b.xlsx", jobs=1)
    assert [(r.path, r.status, r.errors) for r in threaded.results] == \
        [(r.path, r.status, r.errors) for r in plain.results]
    assert [r.path for r in joined.included] == [r.path for r in alone.included]
    assert [(r.path, why) for r, why in joined.excluded] == [(r.path, why) for r, why in alone.excluded]
    assert joined.non_additive == alone.non_additive
    def values(path: Path) -> list:
        book = CalamineWorkbook.from_path(str(path))
        return [book.get_sheet_by_name(n).to_python() for n in book.sheet_names if n.startswith("Biểu")]

    assert values(tmp_path / "a.xlsx") == values(tmp_path / "b.xlsx")
    assert joined.summary is not None and joined.summary[1].is_file()  # one pass: validated and summed
    assert sorted(p.name for p in (tmp_path / "a_report" / "annotated").iterdir()) == \
        sorted(p.name for p in (tmp_path / "a" / "annotated").iterdir())


def _where(item: int) -> tuple[int, int]:
    return item, os.getpid()


def _fails_on_seven(item: int) -> int:
    if item == 7:
        raise ValueError(item)
    return item


def _collector(_: int) -> tuple[int, ...]:
    return gc.get_threshold()


def test_local_workers_collect_cycles_less_often_and_leave_the_caller_as_it_was(monkeypatch):
    monkeypatch.setattr(parallel, "RECYCLE", 3)
    mine = gc.get_threshold()
    seen = list(parallel.ordered(_collector, range(8), jobs=2))
    assert seen[0] == mine  # the first item runs here
    assert {threshold[0] for threshold in seen[1:]} == {parallel.WORKER_THRESHOLD} != {mine[0]}
    assert gc.get_threshold() == mine and gc.isenabled()


def test_a_batch_run_inside_another_leaves_the_outer_one_frozen(monkeypatch):
    """While workers forked from this process run, it stays set aside from the cycle collector, even when a
    second batch starts and ends inside the first (a loop over consolidate_each that validates a folder)."""
    monkeypatch.setattr(parallel, "RECYCLE", 50)
    frozen_during: list[int] = []
    for index, _ in enumerate(parallel.ordered(_where, range(12), jobs=2)):
        if index == 3:
            assert [item for item, _ in parallel.ordered(_where, range(5), jobs=2)] == list(range(5))
            frozen_during.append(gc.get_freeze_count())
    assert frozen_during and frozen_during[0] > 0
    assert gc.get_freeze_count() == 0


def test_local_batches_keep_their_order_across_sets_of_workers(monkeypatch):
    monkeypatch.setattr(parallel, "RECYCLE", 5)
    seen: list[tuple[int, int]] = []
    out = list(parallel.ordered(_where, range(23), jobs=2, progress=lambda done, total: seen.append((done, total))))
    assert [item for item, _ in out] == list(range(23))
    assert out[0][1] == os.getpid()  # the first item here, before the workers are forked
    workers = {pid for _, pid in out[1:]}
    assert os.getpid() not in workers and len(workers) >= 5  # 22 items, a new set of workers every 5
    assert seen == [(done, 23) for done in range(1, 24)]
    assert list(parallel.ordered(_where, [], jobs=2)) == []
    assert [item for item, _ in parallel.ordered(_where, [4], jobs=2)] == [4]


def test_a_failing_item_stops_a_local_batch(monkeypatch):
    monkeypatch.setattr(parallel, "RECYCLE", 4)
    with pytest.raises(ValueError):
        list(parallel.ordered(_fails_on_seven, range(20), jobs=2))


def test_running_sums_of_whole_and_fractional_numbers_are_exact(catalog, units):
    issue = make_issue(units, "20", "2025-H1", issued=ISSUED)
    layouts = {i: catalog.layout(i, issue.context(catalog)) for i in catalog.forms}
    money = next(c for c in layouts["B02"].inputs if c.measure.type == "money")
    count = next(c for c in layouts["B01"].inputs if c.measure.type == "count")
    figures = [3, 2.0, 0.1, -1, 0.2, 5.5]
    sums = RunningSums(layouts)
    for i, value in enumerate(figures):
        sums.add(f"u{i}", {"B02": {(money.row, money.col): value}, "B01": {(count.row, count.col): [4, 6.0][i % 2]}},
                 None)
    values = sums.values()
    assert values["B02"][(money.row, money.col)] == float(sum(Fraction(v) for v in figures))
    whole = values["B01"][(count.row, count.col)]
    assert isinstance(whole, int) and whole == 30
    for i, value in enumerate(figures):
        sums.remove(f"u{i}", {"B02": {(money.row, money.col): value}}, None)
    assert (money.row, money.col) not in sums.values()["B02"]  # every return taken out: no value, not a zero


def test_a_returns_total_row_for_consolidation_is_its_figures(tmp_path, catalog, units):
    """The child form's total row, taken from the figures the checks computed, is what ``number`` gives."""
    typed = tmp_path / "181.xlsx"
    generate("181", "2025-H1", typed, units=units, catalog=catalog, issued=ISSUED)
    layout = writer_for(catalog, units, unit="181").layouts(["B15"])[0]
    total = next(c for c in layout.cells.values() if c.row == layout.definition.total_row and c.kind != "input")
    book = openpyxl.load_workbook(typed)
    book[layout.sheet][total.address] = 123  # a total stated over its formula
    book.save(typed)
    for path in [typed, *sorted(DISTRICTS.glob("*.xlsx"))]:
        report = validate(path, catalog=catalog)
        child = child_form(state.layout.definition for state in report.forms.values())
        if child is None:
            continue
        state = report.forms[child.id]
        expected = {k: state.number(k) for k in state.layout.cells if k[0] == child.total_row}
        assert _total_row(state, child.total_row) == expected
        if path == typed:
            assert expected[(total.row, total.col)] == 123


@settings(deadline=None, max_examples=200)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
                | st.floats(min_value=-1e-300, max_value=1e-300, allow_nan=False), min_size=1, max_size=30),
       st.data())
def test_running_sums_equal_the_exact_sum_rounded_once(figures, data):
    """Whatever the magnitudes (counts, money with decimals, values far below one): the one rounding of
    the exact sum, also after some returns are taken out again."""
    layouts, key = _money_layouts()
    sums = RunningSums(layouts)
    for i, value in enumerate(figures):
        sums.add(f"u{i}", {"B02": {key: value}}, None)
    out = data.draw(st.sets(st.integers(0, len(figures) - 1), max_size=len(figures) - 1))
    for i in out:
        sums.remove(f"u{i}", {"B02": {key: figures[i]}}, None)
    kept = [v for i, v in enumerate(figures) if i not in out]
    exact = sum(Fraction(v) for v in kept)
    assert sums.values()["B02"][key] == float(exact)


@functools.cache
def _money_layouts() -> tuple[dict, tuple[str, str]]:
    catalog = load_catalog()
    issue = make_issue(load_units(), "20", "2025-H1", issued=ISSUED)
    layouts = {i: catalog.layout(i, issue.context(catalog)) for i in catalog.forms}
    money = next(c for c in layouts["B02"].inputs if c.measure.type == "money")
    return layouts, (money.row, money.col)


def test_values_sent_in_order_sum_as_values_sent_by_cell(catalog, units):
    """A form laid out alike for every unit travels as its values in order (a fraction of the bytes);
    summed, they are what the same values by cell give, and values laid out for another form are refused."""
    layouts, _ = _money_layouts()
    rnd = random.Random(5)
    by_cell = {}
    for form, layout in layouts.items():
        cells = {}
        for cell in layout.inputs:
            if rnd.random() < 0.7:
                cells[(cell.row, cell.col)] = rnd.choice([rnd.randint(0, 900), round(rnd.uniform(0, 99), 2), "ghi chú"])
        by_cell[form] = cells
    packed = {form: packed_inputs(layouts[form], cells) for form, cells in by_cell.items()}
    assert isinstance(packed["B01"], tuple) and isinstance(packed["B15"], dict)  # B15: a row per unit below
    assert len(pickle.dumps(packed)) < len(pickle.dumps(by_cell)) / 2
    a, b = RunningSums(layouts), RunningSums(layouts)
    a.add("u1", by_cell, None)
    b.add("u1", packed, None)
    assert a.values() == b.values() and a.non_additive == b.non_additive
    b.remove("u1", packed, None)
    assert not any(b.values().values())
    with pytest.raises(UsageError, match="phiên bản định nghĩa khác"):
        b.add("u2", {"B01": ("0" * 16, packed["B01"][1])}, None)


def test_a_layout_let_go_is_freed_at_once_without_the_cycle_collector(catalog, units):
    """A province's Biểu 15 (a row per district) with all that is compiled for it: nothing in it may point back
    at itself, or the whole of it stays in memory, unseen by reference counting, until a full collection."""
    from gnbv_templates.check.values import blocks
    from gnbv_templates.forms.compute import evaluator
    from gnbv_templates.forms.figures import figures
    from gnbv_templates.forms.layout import build_layout

    context = make_issue(units, "20", "2025-H1", issued=ISSUED).context(catalog)
    rules = load_rules()
    was = gc.isenabled()
    gc.disable()
    gc.collect()
    try:
        layout = build_layout(catalog.form("B15"), catalog.measures, len(catalog.header), context)
        assert len(layout.rows) > 5
        inputs = {key: 7 for key in layout.input_keys}
        evaluator(layout).run(inputs)
        figures(layout, inputs)
        blocks(rules, layout)
        assert layout.fingerprint and layout.excel_formulas
        gone = weakref.ref(layout)
        del layout
        assert gone() is None
        assert gc.collect() == 0  # and no part of it (its cells, its compiled steps) is left in a cycle
    finally:
        if was:
            gc.enable()


def test_one_layouts_evaluator_gives_each_thread_its_own_values(catalog, units):
    """A thread-pool executor checks several returns of one form at once, through the one evaluator kept with
    the layout."""
    from gnbv_templates.forms.compute import Evaluator, evaluator

    layout = catalog.layout("B15", make_issue(units, "20", "2025-H1", issued=ISSUED).context(catalog))
    inputs = [{key: value for key in layout.input_keys} for value in (1, 2)]
    wanted = [Evaluator(layout).run(values) for values in inputs]
    assert wanted[0] != wanted[1]
    shared = evaluator(layout)
    wrong: list[int] = []

    def runs(which: int) -> None:
        for _ in range(150):
            if shared.run(inputs[which]) != wanted[which]:
                wrong.append(which)

    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(runs, (0, 1)))
    finally:
        sys.setswitchinterval(switching)
    assert wrong == []


def test_layouts_kept_for_units_with_many_units_below_are_bounded_by_their_cells(tmp_path, catalog):
    """Each province's Biểu 15 (a row per unit below) is megabytes: a run over many provinces keeps few of them,
    while the small ones of districts are kept as before."""
    lines = ["sample: true", "levels: [{id: tinh, name: Tỉnh}, {id: xa, name: Xã}]", "units:"]
    communes = iter(range(10000, 99999))
    for province, count in (("01", 300), ("02", 300), ("03", 300), ("04", 5), ("05", 5), ("06", 5)):
        lines.append(f'  - {{code: "{province}", name: "Tỉnh {province}", level: tinh}}')
        lines += [f'  - {{code: "{next(communes)}", name: "Xã {i}", level: xa, parent: "{province}"}}'
                  for i in range(count)]
    (tmp_path / "units.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    many = load_units(tmp_path / "units.yaml")

    def b15(code: str):
        return catalog.layout("B15", make_issue(many, code, "2025-H1", issued=ISSUED).context(catalog))

    big = [b15(code) for code in ("01", "02", "03")]
    assert all(len(layout.cells) > 6000 for layout in big)
    assert b15("03") is big[2] and b15("01") is not big[0]  # the newest is kept, the oldest let go
    small = [b15(code) for code in ("04", "05", "06")]
    assert [b15(code) for code in ("04", "05", "06")] == small and all(
        again is first for again, first in zip((b15(code) for code in ("04", "05", "06")), small, strict=True))


def test_running_sums_list_what_cannot_be_summed_as_it_was_typed(catalog, units):
    from decimal import Decimal

    issue = make_issue(units, "20", "2025-H1", issued=ISSUED)
    layouts = {i: catalog.layout(i, issue.context(catalog)) for i in catalog.forms}
    count = next(c for c in layouts["B01"].inputs if c.measure.type == "count")
    rate = next(c for c in layouts["B01"].inputs if c.measure.numeric and not c.measure.additive)
    odd = [math.nan, math.inf, -math.inf, True, "12", Decimal("1.5")]
    sums = RunningSums(layouts)
    for i, value in enumerate([*odd, 4.0, 2, 0.5, 0.25]):
        sums.add(f"u{i}", {"B01": {(count.row, count.col): value, (rate.row, rate.col): 7.0}}, None)
    listed = [(unit, value) for unit, entries in sums.non_additive.items() for _, _, row, col, value in entries
              if (row, col) == (count.row, count.col)]
    # the same values, of the same types (nan is not equal to itself: compared as written)
    assert [repr(value) for _, value in listed] == [repr(value) for value in odd]
    assert [type(value) for _, value in listed] == [type(value) for value in odd]
    rates = [value for entries in sums.non_additive.values() for _, _, row, col, value in entries
             if (row, col) == (rate.row, rate.col)]
    assert rates == [7.0] * 10 and all(type(value) is float for value in rates)  # listed as typed, never summed
    total = sums.values()["B01"][(count.row, count.col)]
    assert total == 6.75  # 4.0 + 2 + 0.5 + 0.25, exactly
