"""Consolidating clean returns of the units below into the return of the level above.

Additive input cells (counts, money) are summed; every derived cell is then
recomputed from its declaration, so a rate is the summed numerator over the
summed denominator — never a sum or a mean of rates.  Rates and other
non-additive values typed as inputs (``percent``, ``points``, text) cannot be
summed: they are left blank in the consolidated return, and each unit's
value is listed on the provenance sheet for the officer to weigh.
Biểu 15 gets one row per unit below, from that unit's own total row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.batch.completeness import Completeness, assess
from gnbv_templates.batch.folder import find_returns, run
from gnbv_templates.batch.results import HAS_ERRORS, VALID, FileResult
from gnbv_templates.errors import UsageError
from gnbv_templates.forms.catalog import Catalog, load_catalog
from gnbv_templates.forms.context import Settings, load_settings, make_issue
from gnbv_templates.forms.model import INPUT, FormLayout
from gnbv_templates.forms.units import Units, load_units
from gnbv_templates.generate.writer import PackWriter

ADDITIVE = ("count", "money", "decimal")
PROVENANCE_SHEET = "Nguồn tổng hợp"


@dataclass
class Consolidation:
    path: Path
    parent: str
    period: str
    completeness: Completeness
    included: list[FileResult] = field(default_factory=list)
    excluded: list[tuple[FileResult, str]] = field(default_factory=list)
    non_additive: list[tuple[str, str, str, str, Any]] = field(default_factory=list)  # unit, form, row, col, value
    include_errors: bool = False

    @property
    def with_errors(self) -> list[FileResult]:
        return [r for r in self.included if r.status == HAS_ERRORS]


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
) -> Consolidation:
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise UsageError(f"Không có thư mục {folder}.", english=f"No folder {folder}.")
    catalog = catalog or load_catalog(templates)
    units = units if isinstance(units, Units) else load_units(units)
    issue = make_issue(units, parent, period, settings or load_settings(), issued)
    inside = folder.resolve() in out.resolve().parent.parents  # outputs kept in a subfolder of the returns
    paths = find_returns(folder, exclude=out.resolve().parent if inside else None)
    paths = [p for p in paths if p.resolve() != out.resolve()]
    # pass 1: what each file is (summaries only), then which return counts for each unit
    summaries = list(run(paths, jobs=jobs, templates=templates, rules=rules, progress=progress))
    completeness = assess(summaries, units, parent, issue.period.code)
    result = Consolidation(out, parent, issue.period.code, completeness, include_errors=include_errors)
    chosen = {r.path for r in completeness.chosen.values()
              if r.status == VALID or (include_errors and r.status == HAS_ERRORS)}
    for r in summaries:
        if r.path not in chosen:
            result.excluded.append((r, _excluded_because(r, completeness, include_errors)))
    # pass 2: the chosen returns' values, summed as they arrive
    writer = PackWriter(catalog, issue)
    layouts = {layout.id: layout for layout in writer.layouts()}
    sums: dict[str, dict[tuple[str, str], Any]] = {form: {} for form in layouts}
    expected = {r.path: r.sha256 for r in summaries}
    for read in run([Path(p) for p in sorted(chosen)], jobs=jobs, keep_inputs=True, templates=templates,
                    rules=rules):
        if read.sha256 != expected.get(read.path):
            result.excluded.append((read, "tệp đã thay đổi trong khi tổng hợp"))
            continue
        result.included.append(read)
        _add(sums, layouts, read, result)
    writer.write(out, values=sums, preface=lambda book, fmt: _provenance(book, fmt, result, catalog))
    return result


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


def _add(sums: dict[str, dict[tuple[str, str], Any]], layouts: dict[str, FormLayout], read: FileResult,
         result: Consolidation) -> None:
    for form, values in (read.inputs or {}).items():
        layout = layouts.get(form)
        if layout is None:
            continue
        target = sums[form]
        for key, value in values.items():
            cell = layout.cells.get(key)
            if cell is None or cell.kind != INPUT or value is None:
                continue
            if cell.measure.type in ADDITIVE and isinstance(value, int | float):
                target[key] = target.get(key, 0) + value
            else:
                result.non_additive.append((read.unit, form, key[0], key[1], value))
    b15 = layouts.get("B15")
    if b15 is not None and read.totals and read.unit in b15.rows_by_code:
        for (_, col), value in read.totals.items():
            cell = b15.cells.get((read.unit, col))
            if cell is not None and cell.kind == INPUT and value is not None:
                sums["B15"][(read.unit, col)] = value


def _provenance(book: Any, fmt: Any, result: Consolidation, catalog: Catalog) -> None:
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
    titles = ("Tệp", "Đơn vị", "Mã", "Kỳ", "Trạng thái", "Số lỗi", "Được dùng", "Lý do / SHA-256")
    for col, title in enumerate(titles):
        ws.write_string(row, col, title, head)
    for read in result.included:
        row += 1
        values = (read.name, read.unit_name, read.unit, read.period, read.status, read.errors, "Có",
                  f"SHA-256 {read.sha256}")
        _row(ws, row, values, cell)
    for read, why in result.excluded:
        row += 1
        _row(ws, row, (read.name, read.unit_name, read.unit, read.period, read.status, read.errors, "Không",
                       f"{why} · SHA-256 {read.sha256}"), cell)
    row += 2
    ws.write_string(row, 0, "Đơn vị chưa nộp", bold)
    for unit in c.missing:
        row += 1
        _row(ws, row, (unit.name, unit.code), cell)
    row += 2
    ws.write_string(row, 0, "Chỉ tiêu không cộng được (tỷ lệ, điểm %, ghi chú nhập tay): để trống trong biểu "
                            "tổng hợp; giá trị của từng đơn vị dưới đây để cán bộ tổng hợp tự tính theo quyền số.",
                    bold)
    row += 1
    for col, title in enumerate(("Đơn vị", "Biểu", "Mã dòng", "Mã cột", "Giá trị")):
        ws.write_string(row, col, title, head)
    for unit, form, r, col_code, value in result.non_additive:
        row += 1
        _row(ws, row, (unit, form, r, col_code, value), cell)


def _row(ws: Any, row: int, values: tuple, style: Any) -> None:
    for col, value in enumerate(values):
        if isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(row, col, value, style)
        else:  # file and unit names come from outside: strings, never formulas
            ws.write_string(row, col, "" if value is None else str(value), style)
