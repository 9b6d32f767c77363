"""Several consolidations in one stream of files give what each gives alone, and are checked before any
file is read."""

from __future__ import annotations

import gc
import json
import multiprocessing
from pathlib import Path

import pytest
from conftest import writer_for
from python_calamine import CalamineWorkbook
from returns import clean_data

import gnbv_templates as gnbv
from gnbv_templates.batch import consolidate as consolidate_module
from gnbv_templates.errors import UnreadableFile, UsageError
from gnbv_templates.forms.resources import examples_dir

DISTRICTS = examples_dir() / "district_returns"


@pytest.fixture(scope="module")
def communes(tmp_path_factory, catalog, units) -> Path:
    """Three communes of Thành phố Lạng Sơn return; one return has a total that does not add up."""
    folder = tmp_path_factory.mktemp("communes")
    for i, unit in enumerate(units.children("178")[:3]):
        values = clean_data(catalog, units, unit.code, seed=70 + i)
        overrides = None
        if i == 1:
            layout = writer_for(catalog, units, unit=unit.code).layouts(["B01"])[0]
            total = layout.derived_order[0]
            overrides = {"B01": {(total.row, total.col): 123_456}}
        writer_for(catalog, units, unit=unit.code).write(folder / f"{unit.code}.xlsx", values=values,
                                                         overrides=overrides)
    return folder


def _sheets(path: Path) -> dict[str, list]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _seen(result: gnbv.Consolidation) -> tuple:
    c = result.completeness
    return ([r.path for r in result.included], [(r.path, why) for r, why in result.excluded],
            [u.code for u in c.missing], result.non_additive, result.stated, result.reread)


def test_each_task_gives_what_it_gives_alone(tmp_path, communes):
    tasks = [gnbv.ConsolidationTask(DISTRICTS, "20", tmp_path / "each" / "20.xlsx", tmp_path / "each" / "kt20"),
             gnbv.ConsolidationTask(communes, "178", tmp_path / "each" / "178.xlsx", tmp_path / "each" / "kt178")]
    consumed: list[int] = []
    results = []
    for result in gnbv.consolidate_each(tasks, "2025-H1", jobs=2,
                                        progress=lambda done, total: consumed.append(done)):
        results.append((result, consumed[-1]))
    files = [len(result.included) + len(result.excluded) for result, _ in results]
    assert files[0] >= 10 and files[1] == 3
    # streamed: the first result once its own files are read (the progress of the last one is told when the
    # stream goes on), before the second task's files
    assert files[0] - 1 <= results[0][1] <= files[0] and consumed[-1] == sum(files)
    alone = [gnbv.consolidate(task.folder, task.parent, "2025-H1", tmp_path / "alone" / f"{task.parent}.xlsx",
                              jobs=1, report_dir=tmp_path / "alone" / f"kt{task.parent}") for task in tasks]
    for (together, _), single, task in zip(results, alone, tasks, strict=True):
        assert together.parent == task.parent and together.path == Path(task.out)
        assert _seen(together) == _seen(single)
        assert _sheets(together.path) == _sheets(single.path)
        mine = Path(task.report_dir)
        assert together.summary is not None and together.summary[1].parent == mine
        summary = json.loads(together.summary[1].read_text(encoding="utf-8"))
        alone_summary = json.loads(single.summary[1].read_text(encoding="utf-8"))  # type: ignore[index]
        assert (summary["scope"], summary["counts"]) == (alone_summary["scope"], alone_summary["counts"])
        assert sorted(p.name for p in (mine / "annotated").iterdir()) == \
            sorted(p.name for p in (tmp_path / "alone" / f"kt{task.parent}" / "annotated").iterdir())
    # the commune with a total that does not add up: its copy among its own district's, and left out
    city = results[1][0]
    assert len(city.included) == 2 and len(city.excluded) == 1
    assert len(list((tmp_path / "each" / "kt178" / "annotated").iterdir())) == 1


def test_every_task_is_checked_before_any_file_is_read(tmp_path, communes):
    good = gnbv.ConsolidationTask(DISTRICTS, "20", tmp_path / "20.xlsx", tmp_path / "kt")
    inside = tmp_path / "copy_of_communes"
    inside.mkdir()
    for bad, words in (
        (gnbv.ConsolidationTask(tmp_path / "nowhere", "178", tmp_path / "178.xlsx"), "Không có thư mục"),
        (gnbv.ConsolidationTask(communes, "178", tmp_path / "20.xlsx"), "cùng ghi vào"),
        (gnbv.ConsolidationTask(communes, "178", tmp_path / "178.xlsx", tmp_path / "kt"), "cùng ghi vào"),
        # a district's return written where its province's task reads: that one would miss it
        (gnbv.ConsolidationTask(communes, "178", DISTRICTS / "178_tong_hop.xlsx"), "mà một lần tổng hợp khác đọc"),
        (gnbv.ConsolidationTask(communes, "178", tmp_path / "178.xlsx", DISTRICTS / "kt"), "khác đọc"),
    ):
        with pytest.raises(UsageError) as caught:
            gnbv.consolidate_each([good, bad], "2025-H1", jobs=1)  # at the call, not at the first result
        assert words in caught.value.message
        assert not (tmp_path / "20.xlsx").exists() and not (tmp_path / "kt").exists()
    with pytest.raises(gnbv.GnbvError):
        gnbv.consolidate_each([good, gnbv.ConsolidationTask(communes, "99999", tmp_path / "x.xlsx")], "2025-H1")
    assert not (tmp_path / "20.xlsx").exists()
    # a task's own reports inside its own folder are fine: they are not read as returns
    (own,) = gnbv.consolidate_each([gnbv.ConsolidationTask(communes, "178", inside / "t.xlsx", communes / "kt")],
                                   "2025-H1", jobs=1)
    assert len(own.included) + len(own.excluded) == 3


def test_an_error_in_the_middle_stops_the_workers_at_once(tmp_path, monkeypatch, communes):
    """Whatever stops the run (here a return changed while being summed), the workers are gone and the
    collector is back to normal when the caller sees the error, even while the caller keeps the error."""
    taken = []
    real = consolidate_module._Pass.take

    def take(self, read):
        taken.append(read.path)
        if len(taken) == 3:
            raise UnreadableFile("đã thay đổi", reason="changed", english="changed")
        real(self, read)

    monkeypatch.setattr(consolidate_module._Pass, "take", take)
    tasks = [gnbv.ConsolidationTask(DISTRICTS, "20", tmp_path / "20.xlsx"),
             gnbv.ConsolidationTask(communes, "178", tmp_path / "178.xlsx")]
    with pytest.raises(UnreadableFile) as caught:
        list(gnbv.consolidate_each(tasks, "2025-H1", jobs=2))
    assert caught.value.reason == "changed"
    assert multiprocessing.active_children() == [] and gc.get_freeze_count() == 0
    assert not (tmp_path / "20.xlsx").exists()
    # leaving the loop early stops them too
    taken.clear()
    monkeypatch.setattr(consolidate_module._Pass, "take", real)
    results = gnbv.consolidate_each(tasks, "2025-H1", jobs=2)
    first = next(results)
    assert first.parent == "20"
    results.close()
    assert multiprocessing.active_children() == [] and gc.get_freeze_count() == 0
    assert not (tmp_path / "178.xlsx").exists()


def test_a_unit_code_with_spaces_is_the_unit(tmp_path):
    spaced = gnbv.consolidate(DISTRICTS, " 20 ", "2025-H1", tmp_path / "a.xlsx", jobs=1)
    plain = gnbv.consolidate(DISTRICTS, "20", "2025-H1", tmp_path / "b.xlsx", jobs=1)
    assert spaced.parent == "20" and _seen(spaced) == _seen(plain)


def test_a_task_without_returns_is_written_empty_with_every_unit_missing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (only,) = gnbv.consolidate_each([gnbv.ConsolidationTask(empty, "178", tmp_path / "178.xlsx")], "2025-H1", jobs=2)
    assert only.included == [] and only.path.is_file()
    assert len(only.completeness.missing) == len(gnbv.load_units().children("178"))
