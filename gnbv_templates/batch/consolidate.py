"""Consolidating clean returns of the units below into the return of the level above.

Additive input cells (counts, money) are summed; every derived cell is then
recomputed from its declaration, so a rate is the summed numerator over the
summed denominator — never a sum or a mean of rates.  Rates and other
non-additive values typed as inputs (``percent``, ``points``, text) cannot be
summed: they are left blank in the consolidated return, and each unit's
value is listed on the provenance sheet for the officer to weigh.
Biểu 15 gets one row per unit below, from that unit's own total row.
A total a unit stated without its breakdown counts as stated: the consolidated total is the sum of the
parts plus what each stated total adds beyond its own parts, typed into the consolidated return as a stated
total too, and the provenance sheet lists which units stated which totals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from gnbv_templates.batch import summary
from gnbv_templates.batch.completeness import Completeness, _rank, assess
from gnbv_templates.batch.folder import check_one, find_returns, run
from gnbv_templates.batch.results import HAS_ERRORS, VALID, FileResult, FormInputs, status_label
from gnbv_templates.errors import UnreadableFile, UsageError
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.catalog import Catalog, load_catalog
from gnbv_templates.forms.context import Issue, Settings, load_settings, make_issue
from gnbv_templates.forms.model import INPUT, FormLayout, child_form
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import Units, load_units
from gnbv_templates.generate.bulkrows import BulkRows
from gnbv_templates.generate.writer import PackWriter
from gnbv_templates.read.safety import printable

PROVENANCE_SHEET = "Nguồn tổng hợp"
Stated = dict[str, dict[tuple[str, str], tuple[float, float]]]  # form → cell → (stated total, beyond its parts)


@dataclass
class Consolidation:
    path: Path
    parent: str
    period: str
    completeness: Completeness
    included: list[FileResult] = field(default_factory=list)
    excluded: list[tuple[FileResult, str]] = field(default_factory=list)
    non_additive: list[tuple[str, str, str, str, Any]] = field(default_factory=list)  # unit, form, row, col, value
    stated: list[tuple[str, str, str, str, Any]] = field(default_factory=list)  # totals units typed, same order
    include_errors: bool = False
    summary: tuple[Path, Path] | None = None  # with report_dir: the validation summary (xlsx, json)
    reread: int = 0  # files read a second time: an earlier copy of a unit's return, taken out of the sums

    @property
    def with_errors(self) -> list[FileResult]:
        return [r for r in self.included if r.status == HAS_ERRORS]


@dataclass(frozen=True)
class ConsolidationTask:
    """One consolidated return to make: the returns in ``folder`` summed into ``parent``'s return at ``out``;
    with ``report_dir``, what a folder validation writes there too (annotated copies, the summary)."""

    folder: Path | str
    parent: str
    out: Path | str
    report_dir: Path | str | None = None


def consolidate(
    folder: Path | str,
    parent: str,
    period: str,
    out: Path | str,
    *,
    units: Units | Path | str | None = None,
    include_errors: bool = False,
    jobs: int | None = None,
    catalog: Catalog | None = None,
    settings: Settings | None = None,
    issued: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    templates: str | None = None,
    rules: str | None = None,
    executor: Executor | None = None,
    report_dir: Path | str | None = None,
) -> Consolidation:
    """Sum the clean returns of the units below ``parent`` into its own return, in one pass over the files.

    Each file is read and checked once; only running sums stay in memory, not the returns.
    ``executor`` (any ``concurrent.futures.Executor``) runs the files, by default a local process pool
    of ``jobs`` processes.  With ``report_dir``, the same pass also writes what a folder validation
    writes there: an annotated copy of every return with findings, and the summary.
    """
    (result,) = consolidate_each([ConsolidationTask(folder, parent, out, report_dir)], period, units=units,
                                 include_errors=include_errors, jobs=jobs, catalog=catalog, settings=settings,
                                 issued=issued, progress=progress, templates=templates, rules=rules,
                                 executor=executor)
    return result


def consolidate_each(
    tasks: Iterable[ConsolidationTask],
    period: str,
    *,
    units: Units | Path | str | None = None,
    include_errors: bool = False,
    jobs: int | None = None,
    catalog: Catalog | None = None,
    settings: Settings | None = None,
    issued: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    templates: str | None = None,
    rules: str | None = None,
    executor: Executor | None = None,
) -> Iterator[Consolidation]:
    """Several consolidations (a country's provinces, a province's districts) in one stream of files.

    What ``consolidate`` does for each task, in the tasks' order, each result yielded once its return is
    written.  The files of all tasks go through one set of workers: while this process writes one
    task's return, the workers already read the next task's files, and the workers are started once
    rather than once per task.  The tasks are independent: none may write into a folder another reads
    (consolidate a district, then its province, with two calls).

    Every task is checked here, before any file is read: its folder, its unit, where it writes.  The files
    are read as the results are asked for; the workers stay until the last result is taken, or the loop
    is left (or an error stops it), when they are stopped at once.
    """
    tasks = _checked(list(tasks))
    catalog = catalog or load_catalog(templates)
    load_rules(rules)  # definition errors once, before the workers start
    units = units if isinstance(units, Units) else load_units(units)
    settings = settings or load_settings()
    issues = [make_issue(units, task.parent, period, settings, issued) for task in tasks]
    plans = _plans(tasks)
    stream = run([p for plan in plans for p in plan.paths], jobs=jobs, keep_inputs=True, templates=templates,
                 rules=rules, progress=progress, executor=executor,
                 outdirs=[plan.reports for plan in plans for _ in plan.paths])
    return _each(list(zip(plans, issues, strict=True)), stream, _Run(units, catalog, include_errors, templates, rules))


class _Plan(NamedTuple):
    task: ConsolidationTask
    reports: Path | None
    paths: list[Path]


class _Run(NamedTuple):
    units: Units
    catalog: Catalog
    include_errors: bool
    templates: str | None
    rules: str | None


def _each(planned: list[tuple[_Plan, Issue]], stream: Generator[FileResult, None, None], how: _Run
          ) -> Iterator[Consolidation]:
    try:
        for index, (plan, issue) in enumerate(planned):
            writer = PackWriter(how.catalog, issue)
            one_pass = _Pass(writer, {u.code for u in how.units.children(issue.unit.code)}, issue.period.code,
                             how.include_errors, how.templates, how.rules)
            for read in islice(stream, len(plan.paths)):
                one_pass.take(read)
            if index == len(planned) - 1:
                for _ in stream:  # its end: the workers shut down, and the progress told of the last file
                    pass
            yield _written(one_pass, writer, Path(plan.task.out), plan.reports, how.units, how.catalog)
    finally:
        # an error, or the caller leaving the loop: the workers stop now, not once the traceback is let go
        stream.close()


def _plans(tasks: list[ConsolidationTask]) -> list[_Plan]:
    """Each task's files to read, and where its reports go."""
    plans = []
    for task in tasks:
        reports = None if task.report_dir is None else Path(task.report_dir)
        plans.append(_Plan(task, reports, _returns_in(Path(task.folder), Path(task.out), reports)))
    return plans


def _checked(tasks: list[ConsolidationTask]) -> list[ConsolidationTask]:
    """The tasks, if each has its folder, and none writes where another writes or reads."""
    readers: dict[Path, list[int]] = {}
    for index, task in enumerate(tasks):
        if not Path(task.folder).is_dir():
            raise UsageError(f"Không có thư mục {task.folder}.", english=f"No folder {task.folder}.")
        readers.setdefault(Path(task.folder).resolve(), []).append(index)
    written: set[Path] = set()
    for index, task in enumerate(tasks):
        for place in (task.out, task.report_dir):
            if place is None:
                continue
            at = Path(place).resolve()
            if at in written:
                raise UsageError(f"Hai lần tổng hợp cùng ghi vào {place}.",
                                 english=f"Two consolidations write to {place}.")
            written.add(at)
            for folder in (at, *at.parents):
                if any(other != index for other in readers.get(folder, ())):
                    raise UsageError(
                        f"{place} nằm trong thư mục {folder} mà một lần tổng hợp khác đọc: hãy ghi kết quả ra "
                        "ngoài thư mục đó, hoặc tổng hợp cấp dưới và cấp trên bằng hai lệnh riêng.",
                        english=f"{place} is inside {folder}, which another consolidation reads: write outside "
                                "it, or consolidate the lower level and the upper level in two runs.")
    return tasks


def _written(one_pass: _Pass, writer: PackWriter, out: Path, reports: Path | None, units: Units,
             catalog: Catalog) -> Consolidation:
    """The pass's consolidated return, written; what went into it and what did not."""
    issue = writer.issue
    completeness = assess(one_pass.summaries, units, issue.unit.code, issue.period.code)
    result = Consolidation(out, issue.unit.code, issue.period.code, completeness,
                           include_errors=one_pass.include_errors, reread=one_pass.reread)
    chosen = {r.path for r in completeness.chosen.values() if one_pass.usable(r)}
    if chosen != {r.path for r in one_pass.counted.values()}:  # only if files were touched while being read
        raise UnreadableFile("Các tệp biểu đã thay đổi trong khi tổng hợp; hãy chạy lại lệnh.", reason="changed",
                             english="Returns changed while being consolidated; run the command again.")
    for r in one_pass.summaries:
        if r.path in chosen:
            result.included.append(r)
            result.non_additive += one_pass.sums.non_additive.get(r.unit, [])
        else:
            result.excluded.append((r, _excluded_because(r, completeness, one_pass.include_errors)))
    if reports is not None:
        result.summary = summary.write(one_pass.summaries, completeness, reports)
    result.stated = one_pass.sums.stated_of(result.included)
    sums = one_pass.sums.values()
    bulk = BulkRows()
    writer.write(out, values=sums, overrides=one_pass.sums.overrides(sums),
                 preface=lambda book, fmt: _provenance(book, fmt, result, catalog, bulk), bulk=bulk)
    return result


def _returns_in(folder: Path, out: Path, reports: Path | None) -> list[Path]:
    """The returns to read: not our own outputs, whether kept beside the returns or below them.  Each path
    is resolved once: a country's folders hold ten thousand files."""
    out_at = out.resolve()
    inside = folder.resolve() in out_at.parent.parents
    paths = find_returns(folder, exclude=out_at.parent if inside else None)
    reports_at = reports.resolve() if reports is not None else None
    kept = []
    for path in paths:
        at = path.resolve()
        if at != out_at and (reports_at is None or reports_at not in at.parents):
            kept.append(path)
    return kept


class _Pass:
    """The one pass: every file's summary kept, its values added to the sums if it is the one that counts."""

    def __init__(self, writer: PackWriter, children: set[str], period: str, include_errors: bool,
                 templates: str | None, rules: str | None) -> None:
        self.sums = RunningSums({layout.id: layout for layout in writer.layouts()})
        self.children, self.period, self.include_errors = children, period, include_errors
        self.templates, self.rules = templates, rules
        self.summaries: list[FileResult] = []
        self.counted: dict[str, FileResult] = {}  # unit → the return whose values are in the sums now
        self.reread = 0

    def usable(self, r: FileResult) -> bool:
        return ((r.status == VALID or (self.include_errors and r.status == HAS_ERRORS))
                and r.period == self.period and r.unit in self.children)

    def take(self, read: FileResult) -> None:
        inputs, totals, stated = read.inputs, read.totals, read.stated
        read.inputs = read.totals = read.stated = None  # the summary is kept, the values go into the sums
        self.summaries.append(read)
        if not self.usable(read):
            return
        current = self.counted.get(read.unit)
        if current is not None:
            if _rank(current) <= _rank(read):
                return
            _take_out(self.sums, current, self.templates, self.rules)
            self.reread += 1
        self.sums.add(read.unit, inputs, totals, stated)
        self.counted[read.unit] = read


def _take_out(sums: RunningSums, r: FileResult, templates: str | None, rules: str | None) -> None:
    """A better copy of a unit's return came after this one: read this one again, subtract it.

    Two copies of one unit's return are rare; keeping every return's values in case one turns up
    is what made consolidation grow with the size of the country.
    """
    again = check_one((r.path, None, True, templates, rules))
    if again.sha256 != r.sha256:
        raise UnreadableFile(f"Tệp {r.name} đã thay đổi trong khi tổng hợp; hãy chạy lại lệnh.", reason="changed",
                             english=f"{r.name} changed while being consolidated; run the command again.")
    sums.remove(r.unit, again.inputs, again.totals, again.stated)


def _excluded_because(r: FileResult, c: Completeness, include_errors: bool) -> str:
    if r in c.unreadable:
        return f"không đọc được: {r.message}"
    if r in c.other_period:
        return f"khác kỳ báo cáo ({r.period})"
    if r in c.other_parent:
        return f"đơn vị {r.unit} không thuộc {c.parent.code}"
    for choices in c.duplicates.values():
        for choice in choices:
            if choice.result is r and not choice.used:
                return choice.reason
    if r.status == HAS_ERRORS and not include_errors:
        return f"có {r.errors} lỗi (dùng --include-errors để vẫn tổng hợp)"
    return "không được chọn"


_SHIFT = 1074  # 2**-1074 is the smallest double: every double is an integer multiple of it


class RunningSums:
    """The consolidated values, summed as returns arrive: exact, so neither the order the returns
    arrive in nor a return taken out again (see _take_out) changes a single bit of the result.

    Every number is kept as an integer count of 2**-1074 (what any double is a multiple of); the total
    is rounded to a double once, at the end.  Whole numbers (most figures are counts) are summed as they
    are and shifted once at the end: the same exact total, without a thousand-bit integer per cell.
    """

    def __init__(self, layouts: dict[str, FormLayout]) -> None:
        self.layouts = layouts
        # form → (row, col) → [whole numbers' total, returns with a value, of which non-integers,
        #                       exact total of the non-integers in 2**-1074]
        self.cells: dict[str, dict[tuple[str, str], list[int]]] = {form: {} for form in layouts}
        # form → its input cells → whether they add up: what each return's values are looked up in
        self._inputs = {form: {key: cell.measure.additive for key, cell in layout.cells.items() if cell.kind == INPUT}
                        for form, layout in layouts.items()}
        # form → (fingerprint, its input cells in order, whether each adds up): for values sent in that order
        self._order = {form: (layout.fingerprint, layout.input_keys, tuple(map(self._inputs[form].get,
                                                                                 layout.input_keys)))
                       for form, layout in layouts.items()}
        # the form listing child units (Biểu 15): each child's total row becomes its row there
        child = child_form(layout.definition for layout in layouts.values())
        self.child_form = child.id if child else None
        self.b15: dict[str, dict[tuple[str, str], Any]] = {}  # unit → its row of that form
        self.non_additive: dict[str, list[tuple[str, str, str, str, Any]]] = {}
        # totals stated without their breakdown: what each adds beyond its parts, summed exactly like the cells
        self.deltas: dict[str, dict[tuple[str, str], list[int]]] = {}
        self.stated: dict[str, list[tuple[str, str, str, str, Any]]] = {}  # unit → its stated totals

    def add(self, unit: str, inputs: dict[str, FormInputs] | None,
            totals: dict[tuple[str, str], Any] | None, stated: Stated | None = None) -> None:
        self._take(unit, inputs, totals, 1)
        self._stated(unit, stated, 1)

    def remove(self, unit: str, inputs: dict[str, FormInputs] | None,
               totals: dict[tuple[str, str], Any] | None, stated: Stated | None = None) -> None:
        self._take(unit, inputs, totals, -1)
        self._stated(unit, stated, -1)

    def _stated(self, unit: str, stated: Stated | None, sign: int) -> None:
        listed = []
        for form, cells in (stated or {}).items():
            for (row, col), (value, delta) in cells.items():
                exact = _exact(delta)
                if exact is not None and form in self.layouts:
                    _count_into(self.deltas.setdefault(form, {}), (row, col), exact, sign)
                    listed.append((unit, form, row, col, value))
        if sign < 0:
            self.stated.pop(unit, None)
        elif listed:
            self.stated[unit] = listed

    def stated_of(self, included: list[FileResult]) -> list[tuple[str, str, str, str, Any]]:
        """The totals the included units stated, in the order of the units."""
        return [entry for r in included for entry in self.stated.get(r.unit, [])]

    def overrides(self, values: dict[str, dict[tuple[str, str], Any]]) -> dict[str, dict[tuple[str, str], Any]]:
        """Totals the units stated: the sum of the parts plus what the stated totals add beyond them."""
        added: dict[str, dict[tuple[str, str], float]] = {}
        for form, cells in self.deltas.items():
            for key, slot in cells.items():
                added.setdefault(form, {})[key] = _total(slot) / (1 << _SHIFT)
        return {form: _with_stated(self.layouts[form], values.get(form, {}), extra) for form, extra in added.items()}

    def _take(self, unit: str, inputs: dict[str, FormInputs] | None,
              totals: dict[tuple[str, str], Any] | None, sign: int) -> None:
        listed: list[tuple[str, str, str, str, Any]] = []
        for form, values in (inputs or {}).items():
            additive = self._inputs.get(form)
            if additive is None:
                continue
            if isinstance(values, dict):
                self._add_form(unit, form, values.keys(), map(additive.get, values), values.values(), sign, listed)
                continue
            fingerprint, keys, adds = self._order[form]
            if values[0] != fingerprint:  # a worker elsewhere (a cluster's executor) runs other definitions
                raise UsageError(f"Tiến trình kiểm tra đã đọc biểu {form} theo một phiên bản định nghĩa khác: mọi máy "
                                 "tham gia tổng hợp cần cùng phiên bản gnbv-templates và cùng thư mục biểu mẫu.",
                                 english=f"A worker read form {form} by other definitions: every machine taking part "
                                         "needs the same gnbv-templates and the same templates.")
            self._add_form(unit, form, keys, adds, values[1], sign, listed)
        if sign < 0:
            self.non_additive.pop(unit, None)
            self.b15.pop(unit, None)
            return
        if listed:
            self.non_additive[unit] = listed
        row = self._b15_row(unit, totals)
        if row:
            self.b15[unit] = row

    def _add_form(self, unit: str, form: str, keys: Iterable[tuple[str, str]], additive: Iterable[bool | None],
                  values: Iterable[Any], sign: int, listed: list[tuple[str, str, str, str, Any]]) -> None:
        """One form's input values into the sums; the values that do not add up into ``listed``.

        ``keys``, ``additive`` (whether the cell adds up; None: not an input cell here) and ``values`` side by side."""
        cells = self.cells[form]
        for key, adds, value in zip(keys, additive, values, strict=True):
            if adds is None or value is None:
                continue
            if not adds:
                listed.append((unit, form, key[0], key[1], value))
                continue
            kind = type(value)
            if kind is float and value.is_integer():  # a whole number (so finite), typed or read as a float
                value, kind = int(value), int
            if kind is int:  # most figures: a count, added as it is
                slot = cells.get(key)
                if slot is None:
                    slot = cells[key] = [0, 0, 0, 0]
                slot[0] += sign * value
                slot[1] += sign
                if not slot[1]:
                    del cells[key]
                continue
            exact = value if kind is float and math.isfinite(value) else _exact(value)  # the common case first
            if exact is None:
                listed.append((unit, form, key[0], key[1], value))
            else:
                _count_into(cells, key, exact, sign)

    def _b15_row(self, unit: str, totals: dict[tuple[str, str], Any] | None) -> dict[tuple[str, str], Any]:
        """The form listing the units below (Biểu 15) has a row per unit: that unit's own total row."""
        b15 = self.layouts.get(self.child_form) if self.child_form else None
        if b15 is None or not totals or unit not in b15.rows_by_code:
            return {}
        row = {}
        for (_, col), value in totals.items():
            cell = b15.cells.get((unit, col))
            if cell is not None and cell.kind == INPUT and value is not None:
                row[(unit, col)] = value
        return row

    def values(self) -> dict[str, dict[tuple[str, str], Any]]:
        out: dict[str, dict[tuple[str, str], Any]] = {form: {} for form in self.layouts}
        for form, cells in self.cells.items():
            found = out[form]
            for key, slot in cells.items():
                found[key] = _total(slot) / (1 << _SHIFT) if slot[2] else slot[0]
        if self.child_form in out:
            for cells in self.b15.values():
                out[self.child_form].update(cells)
        return out


def _count_into(table: dict[tuple[str, str], list[int]], key: tuple[str, str], exact: int | float,
                sign: int) -> None:
    """One value into its slot: a whole number as it is, any other in exact counts of 2**-1074."""
    slot = table.get(key)
    if slot is None:
        slot = table[key] = [0, 0, 0, 0]
    if isinstance(exact, int):
        slot[0] += sign * exact
    else:
        slot[2] += sign
        slot[3] += sign * _fraction(exact)
    slot[1] += sign
    if not slot[1]:
        del table[key]


def _total(slot: list[int]) -> int:
    """A slot's exact total, in counts of 2**-1074."""
    return (slot[0] << _SHIFT) + slot[3]


def _with_stated(layout: FormLayout, inputs: dict[tuple[str, str], Any], added: dict[tuple[str, str], float]
                 ) -> dict[tuple[str, str], float]:
    """The stated totals of the consolidated form, in the order the form computes them."""
    known = {k: float(v) for k, v in inputs.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    out: dict[tuple[str, str], float] = {}
    for cell in layout.derived_order:
        key = (cell.row, cell.col)
        value = ex.evaluate(cell.formula, lambda ref: known.get((ref.row, ref.col), 0.0))  # type: ignore[arg-type]
        if key in added:
            value = (value or 0.0) + added[key]
            out[key] = round(value, 9)
        if value is not None:
            known[key] = value
    return out


def _exact(value: Any) -> int | float | None:
    """A number to sum: a whole number as an int, any other as the float it is; None if not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if not value.is_integer():
            return value
    return int(value)


def _fraction(value: float) -> int:
    """A float as an exact count of 2**-1074 (what every double is a multiple of)."""
    numerator, denominator = value.as_integer_ratio()
    return numerator << (_SHIFT + 1 - denominator.bit_length())


def _provenance(book: Any, fmt: Any, result: Consolidation, catalog: Catalog, bulk: BulkRows) -> None:
    ws = book.add_worksheet(PROVENANCE_SHEET)
    bold, red = fmt.get(bold=True), fmt.get(bold=True, font_color="#C00000", font_size=13)
    head = fmt.get(bold=True, border=1, bg_color="#D9E2F3", text_wrap=True)
    cell = fmt.get(border=1, text_wrap=True, valign="top")
    c = result.completeness
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 3, 12)
    ws.set_column(4, 6, 14)
    ws.set_column(7, 7, 60)
    ws.write_string(0, 0, f"NGUỒN SỐ LIỆU TỔNG HỢP — {c.parent.name} ({c.parent.code}), kỳ {result.period}",
                    fmt.get(bold=True, font_size=13))
    ws.write_string(1, 0, f"Tổng hợp {len(result.included)} biểu của {len(result.included)} đơn vị; "
                          f"chưa nộp: {len(c.missing)}; danh mục biểu phiên bản {catalog.version}.")
    row = 2
    if result.with_errors:
        ws.write_string(row, 0, f"CẢNH BÁO: đã tổng hợp cả {len(result.with_errors)} biểu còn lỗi "
                                "(--include-errors). Số liệu tổng hợp chưa đáng tin cậy.", red)
        row += 1
    row += 1
    files = [(r, "Có", f"SHA-256 {r.sha256}") for r in result.included]
    files += [(r, "Không", f"{why} · SHA-256 {r.sha256}") for r, why in result.excluded]
    row = _table(ws, row, ("Tệp", "Đơn vị", "Mã", "Kỳ", "Trạng thái", "Số lỗi", "Được dùng", "Lý do / SHA-256"),
                 [(r.name, r.unit_name, r.unit, r.period, status_label(r.status), r.errors, used, note)
                  for r, used, note in files], head, cell, bulk)
    row += 2
    ws.write_string(row, 0, "Đơn vị chưa nộp", bold)
    for unit in c.missing:
        row += 1
        _row(ws, row, (unit.name, unit.code), cell)
    row += 2
    ws.write_string(row, 0, "Chỉ tiêu không cộng được (tỷ lệ, điểm %, ghi chú nhập tay): để trống trong biểu "
                            "tổng hợp; giá trị của từng đơn vị dưới đây để cán bộ tổng hợp tự tính theo quyền số.",
                    bold)
    row = _table(ws, row + 1, ("Đơn vị", "Biểu", "Mã dòng", "Mã cột", "Giá trị"), result.non_additive, head, cell,
                 bulk)
    if result.stated:
        row += 2
        ws.write_string(row, 0, "Tổng do đơn vị ghi tay khi chưa đủ số liệu thành phần: đã cộng vào biểu tổng hợp "
                                "như đơn vị ghi (ô tổng tương ứng của biểu tổng hợp cũng là số ghi tay).", bold)
        _table(ws, row + 1, ("Đơn vị", "Biểu", "Mã dòng", "Mã cột", "Tổng ghi tay"), result.stated, head, cell, bulk)


def _table(ws: Any, row: int, titles: tuple[str, ...], rows: list, head: Any, style: Any, bulk: BulkRows) -> int:
    """A heading row then one row per entry; returns the last row written.

    The first entry is written here, which puts its format in the workbook; the rest (a province lists tens of
    thousands of values) are put in after, as plain XML (see generate.bulkrows)."""
    for col, title in enumerate(titles):
        ws.write_string(row, col, title, head)
    for i, values in enumerate(rows):
        row += 1
        if i:
            bulk.add(ws.name, row, [_shown(value) for value in values], style)
        else:
            _row(ws, row, tuple(values), style)
    return row


def _row(ws: Any, row: int, values: tuple, style: Any) -> None:
    for col, value in enumerate(values):
        shown = _shown(value)
        if isinstance(shown, str):  # file and unit names come from outside: strings, never formulas
            ws.write_string(row, col, shown, style)
        else:
            ws.write_number(row, col, shown, style)


def _shown(value: Any) -> int | float | str:
    """A number as a number, anything else as the program shows text from files (a value that is not finite too)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return "" if value is None else printable(str(value))
