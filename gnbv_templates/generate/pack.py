"""Issuing template packs and filling them: the generator's public operations."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from gnbv_templates.errors import FillError, UsageError
from gnbv_templates.forms.catalog import Catalog, load_catalog
from gnbv_templates.forms.context import Issue, Settings, load_settings, make_issue
from gnbv_templates.forms.model import DERIVED, INPUT
from gnbv_templates.forms.periods import parse_period
from gnbv_templates.forms.units import Unit, Units, load_units
from gnbv_templates.generate.stamp import Stamper
from gnbv_templates.generate.writer import PackWriter
from gnbv_templates.outputs import safe_name
from gnbv_templates.parallel import ordered
from gnbv_templates.read.identify import issue_from_meta
from gnbv_templates.read.reader import ReturnFile, open_return

FormData = dict[str, dict[tuple[str, str], Any]]


def generate(
    unit: str,
    period: str,
    out: Path | str,
    *,
    units: Units | Path | str | None = None,
    forms: Iterable[str] | None = None,
    settings: Settings | Path | str | None = None,
    issued: dt.date | None = None,
    catalog: Catalog | None = None,
    key: bytes | None = None,
) -> Path:
    """Write the template pack of one unit for one period; returns the path written.

    With the issuing office's key (forms.signature.load_key) the metadata is signed."""
    catalog = catalog or load_catalog()
    units = units if isinstance(units, Units) else load_units(units)
    settings = settings if isinstance(settings, Settings) else load_settings(settings)
    issue = make_issue(units, unit, period, settings, issued)
    form_ids = [catalog.form(f).id for f in forms] if forms else None
    writer = PackWriter(catalog, issue)
    writer.signing_key = key
    return writer.write(out, form_ids=form_ids)


def pack_name(unit: Unit, period: str) -> str:
    return f"{safe_name(unit.code)}_{safe_name(unit.name)}_{safe_name(period)}.xlsx"


_WORKER: dict[str, Any] = {}


def _worker_catalog(directory: str | None) -> Catalog:
    return load_catalog(directory)  # kept per process (and on disk) by the catalog itself


def _worker_units(path: str | None) -> Units:
    key = f"units:{path}"
    if key not in _WORKER:
        _WORKER[key] = load_units(path)
    return _WORKER[key]


def _worker_settings(path: str | None) -> Settings:
    key = f"settings:{path}"
    if key not in _WORKER:
        _WORKER[key] = load_settings(path)
    return _WORKER[key]


def _worker_stamper(directory: str | None) -> Stamper:
    catalog = _worker_catalog(directory)
    # one per thread too: a thread-pool executor's threads share this process, and a stamper's
    # templates are its own
    key = f"stamper:{directory}:{threading.get_ident()}"
    found = _WORKER.get(key)
    if found is None or found.catalog is not catalog:
        found = _WORKER[key] = Stamper(catalog)
    return found


def _generate_some(args: tuple[Any, ...]) -> list[str]:
    """A few units' packs in one task (units of one shape together, so their packs are stamped)."""
    jobs, period, units_path, forms, settings_path, issued, catalog_dir = args
    units = _worker_units(units_path)
    stamper = _worker_stamper(catalog_dir)
    settings = _worker_settings(settings_path)
    form_ids = [stamper.catalog.form(f).id for f in forms] if forms else None
    out = []
    for unit_code, path in jobs:
        issue = make_issue(units, unit_code, period, settings, issued)
        out.append(str(stamper.write(issue, path, form_ids=form_ids)))
    return out


CHUNK = 4  # units per task: small enough to keep every process busy to the end


def generate_all(
    parent: str,
    period: str,
    outdir: Path | str,
    *,
    units_path: Path | str | None = None,
    forms: Iterable[str] | None = None,
    settings_path: Path | str | None = None,
    issued: dt.date | None = None,
    catalog_dir: Path | str | None = None,
    jobs: int | None = None,
    level: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """One pack for every unit under ``parent`` (its children, or all descendants at ``level``).

    Each pack is byte for byte what ``generate`` writes for that unit; packs of units of the same
    shape are stamped from one rendered workbook (see ``stamp.py``).  ``executor`` (any
    ``concurrent.futures.Executor``) runs the work, by default a local pool of ``jobs`` processes.
    """
    units_key = str(units_path) if units_path else None
    catalog_key = str(catalog_dir) if catalog_dir else None
    units = _worker_units(units_key)  # kept: a forked worker starts with it
    _worker_catalog(catalog_key)  # definition errors once, before any worker starts
    code = parse_period(period).code
    targets = _descendants(units, parent, level)
    if not targets:
        raise UsageError(f"Đơn vị {parent} không có đơn vị cấp dưới nào trong danh sách.",
                         english=f"Unit {parent} has no units below it.")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    issued = issued or dt.date.today()  # one date for the whole cycle, even across midnight
    # units of one shape next to each other: their packs come from one template
    ordered_units = sorted(targets, key=lambda u: (u.level, len(units.children(u.code))))
    paths = {u.code: str(outdir / pack_name(u, code)) for u in targets}
    chunks = [ordered_units[i : i + CHUNK] for i in range(0, len(ordered_units), CHUNK)]
    tasks = [([(u.code, paths[u.code]) for u in chunk], period, units_key, list(forms) if forms else None,
              str(settings_path) if settings_path else None, issued, catalog_key) for chunk in chunks]
    total, done = len(targets), 0

    def step(_done: int, _total: int) -> None:
        nonlocal done
        done += len(chunks[_done - 1])
        if progress:
            progress(done, total)

    for _ in ordered(_generate_some, tasks, executor=executor, jobs=jobs, progress=step):
        pass
    return [Path(paths[u.code]) for u in targets]


def _descendants(units: Units, parent: str, level: str | None) -> list[Unit]:
    units.get(parent)
    if level is None:
        return units.children(parent)
    out, stack = [], list(reversed(units.children(parent)))
    while stack:
        unit = stack.pop()
        if unit.level == level:
            out.append(unit)
        stack.extend(reversed(units.children(unit.code)))
    return out


# -- reading an issued workbook back ---------------------------------------
def issue_of(ret: ReturnFile, catalog: Catalog) -> Issue:
    """The Issue an issued workbook was made for, from its metadata sheet."""
    read = ret.metadata
    if read.meta is None or read.problem:
        raise FillError(
            f"Tệp {ret.path.name} không phải biểu mẫu do gnbv sinh ra (thiếu hoặc sai trang siêu dữ liệu).",
            english=f"{ret.path.name} was not issued by gnbv (metadata sheet missing or altered).",
        )
    meta = read.meta
    if meta.catalog_version != catalog.version:
        raise FillError(
            f"Tệp {ret.path.name} được sinh theo danh mục phiên bản {meta.catalog_version}; "
            f"danh mục hiện tại là {catalog.version}.",
            english=f"{ret.path.name} uses catalog {meta.catalog_version}, not {catalog.version}.",
        )
    return issue_from_meta(meta)  # one reading of the metadata, shared with validation


def current_inputs(ret: ReturnFile, writer: PackWriter, form_ids: list[str]) -> FormData:
    """The input values already in an issued workbook (so filling twice adds up)."""
    out: FormData = {}
    for layout in writer.layouts(form_ids):
        values: dict[tuple[str, str], Any] = {}
        for cell in layout.inputs:
            value = ret.value(layout.sheet, cell.r, cell.c)
            if value not in (None, ""):
                values[(cell.row, cell.col)] = value
        out[layout.id] = values
    return out


def parse_fill_data(data: Mapping[str, Any], writer: PackWriter, form_ids: list[str]) -> FormData:
    """Check data addressed by codes against the layouts; every problem is reported."""
    problems: list[str] = []
    layouts = {lay.id: lay for lay in writer.layouts(form_ids)}
    out: FormData = {}
    if not isinstance(data, Mapping):
        raise FillError("Dữ liệu điền phải là một bảng JSON dạng {\"B02\": {\"05\": {\"1\": 1501.0}}}.")
    for form_id, rows in data.items():
        layout = layouts.get(str(form_id).upper())
        if layout is None:
            problems.append(f"biểu {form_id!r} không có trong tệp mẫu")
            continue
        if not isinstance(rows, Mapping):
            problems.append(f"{form_id}: cần bảng theo mã dòng")
            continue
        values = out.setdefault(layout.id, {})
        for row, cols in rows.items():
            if str(row) not in layout.rows_by_code:
                problems.append(f"{layout.id}: không có dòng mã {row!r}")
                continue
            if not isinstance(cols, Mapping):
                problems.append(f"{layout.id} dòng {row}: cần bảng theo mã cột")
                continue
            for col, value in cols.items():
                problems += _check_fill_value(layout, str(row), str(col), value)
                values[(str(row), str(col))] = value
    if problems:
        raise FillError("Dữ liệu điền không hợp lệ: " + "; ".join(problems),
                        english="Invalid fill data: " + "; ".join(problems))
    return out


def _check_fill_value(layout: Any, row: str, col: str, value: Any) -> list[str]:
    cell = layout.cells.get((row, col))
    where = f"{layout.id} dòng {row} cột {col}"
    if cell is None:
        return [f"{layout.id}: không có cột mã {col!r}"]
    if cell.kind == DERIVED:
        return [f"{where} là ô tính bằng công thức, không điền được"]
    if cell.kind != INPUT:
        return [f"{where} không áp dụng cho dòng này"]
    if value is None:
        return []
    if cell.measure.numeric and (isinstance(value, bool) or not isinstance(value, int | float)):
        return [f"{where} cần một số, nhận {value!r}"]
    if not cell.measure.numeric and not isinstance(value, str):
        return [f"{where} cần chữ, nhận {value!r}"]
    return []


def fill(
    template: Path | str,
    data: Mapping[str, Any] | Path | str,
    out: Path | str,
    *,
    lock: bool = False,
    catalog: Catalog | None = None,
) -> Path:
    """Write a copy of an issued workbook with values filled in by code."""
    catalog = catalog or load_catalog()
    if not isinstance(data, Mapping):
        data = load_fill_json(data)
    ret = open_return(template)
    issue = issue_of(ret, catalog)
    meta = ret.metadata.meta
    form_ids = [f["id"] for f in meta.forms]  # type: ignore[union-attr]
    writer = PackWriter(catalog, issue)
    writer.signature = ret.metadata.signature if ret.metadata.problem is None else ""
    new = parse_fill_data(data, writer, form_ids)
    merged = current_inputs(ret, writer, form_ids)
    for form_id, values in new.items():
        merged.setdefault(form_id, {}).update(values)
    locked = {tuple(k.split("|")) for k in meta.locked}  # type: ignore[union-attr]
    if lock:
        locked |= {(f, r, c) for f, values in new.items() for (r, c), v in values.items() if v is not None}
    return writer.write(out, form_ids=form_ids, values=merged, locked=locked,
                        inputs=(template,))


def load_fill_json(path: Path | str) -> Mapping[str, Any]:
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise FillError(f"Không tìm thấy tệp dữ liệu {path.name}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FillError(f"Tệp dữ liệu {path.name} không phải JSON hợp lệ: {exc}.") from None
