"""What a page or the API submits: the form, its uploads, the job started from them, and the choices offered."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from gnbv_templates.errors import UsageError
from gnbv_templates.forms.resources import examples_dir

from . import jobs as jb
from .render import BodyTooLarge, PageError, lang_of
from .texts import text
from .uploads import MAX_FILES, Intake, UploadRefused


async def read_form(request: Request) -> Any:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > request.app.state.max_request_bytes:
        raise BodyTooLarge
    try:
        return await request.form(max_files=MAX_FILES, max_fields=100, max_part_size=64 * 1024)
    except (MultiPartException, HTTPException) as exc:
        if "Too many files" in str(getattr(exc, "message", "") or getattr(exc, "detail", "")):
            raise PageError(f"Quá nhiều tệp trong một lần gửi: tối đa {MAX_FILES} biểu.",
                            f"Too many files in one upload: at most {MAX_FILES} workbooks.") from None
        raise PageError.keyed("error.bad_form") from None


async def take_uploads(form: Any, folder: Path) -> Intake:
    intake = Intake(folder)
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    if not uploads:
        raise PageError.keyed("error.no_files")
    try:
        for upload in uploads:
            await intake.add(upload)
    except UploadRefused as exc:
        raise PageError(exc.message, exc.english) from None
    finally:
        for upload in uploads:
            await upload.close()
    return intake


def jobs_of(request: Request) -> jb.Jobs:
    return request.app.state.jobs


def job_of(request: Request, kind: str) -> jb.Job:
    job = jobs_of(request).get(request.path_params["job"])
    if job is None or job.kind != kind:
        raise HTTPException(404)
    return job


async def _uploaded_job(request: Request, form: Any, kind: str) -> tuple[jb.Job, Intake]:
    """A new job holding the form's uploads; no job is left behind when they are refused."""
    job = jobs_of(request).new(kind, lang_of(request))
    try:
        intake = await take_uploads(form, job.folder / "bieu_nhan")
    except BaseException:
        jobs_of(request).drop(job)
        raise
    job.total, job.skipped = len(intake.stored), intake.skipped
    return job, intake


async def start_validation(request: Request) -> jb.Job:
    form = await read_form(request)
    job, intake = await _uploaded_job(request, form, "validate")
    jobs_of(request).start(job, lambda j: jb.validate_files(j, intake.stored))
    return job


async def start_consolidation(request: Request) -> jb.Job:
    form = await read_form(request)
    parent, period = str(form.get("unit") or "").strip(), str(form.get("period") or "").strip()
    units = request.app.state.units
    try:
        units.get(parent)
        if not units.children(parent):
            raise PageError(f"Đơn vị {parent} không có đơn vị cấp dưới để tổng hợp.",
                            f"Unit {parent} has no units below it to consolidate.")
    except UsageError as exc:
        raise PageError(exc.message, exc.english) from None
    check_period(period)
    job, intake = await _uploaded_job(request, form, "consolidate")
    jobs_of(request).start(job, lambda j: jb.consolidate_files(j, intake.folder, parent, period))
    return job


def sample_returns() -> list[Path]:
    """The bundled faulty return, to try the Kiểm tra page without a file of one's own."""
    return sorted((examples_dir() / "returns").glob("*_co_loi.xlsx"))


def sample_district_returns() -> tuple[list[Path], str, str]:
    """The bundled returns of Lạng Sơn's districts, with the parent unit and period they are for."""
    folder = examples_dir() / "district_returns"
    try:
        scope = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        return sorted(folder.glob("*.xlsx")), str(scope["parent"]), str(scope["period"])
    except (OSError, ValueError, KeyError, TypeError):
        return [], "", ""


async def start_sample(request: Request, kind: str) -> jb.Job:
    """A job on the bundled sample returns (no upload): what a new user tries first."""
    if kind == "validate":
        paths, parent, period = sample_returns(), "", ""
    else:
        paths, parent, period = sample_district_returns()
    if not paths:
        raise PageError("Bản cài đặt này không có dữ liệu mẫu.", "This installation has no sample data.")
    job = jobs_of(request).new(kind, lang_of(request))
    intake = Intake(job.folder / "bieu_nhan")
    for path in paths:
        intake.add_file(path)
    job.total = len(intake.stored)
    if kind == "validate":
        jobs_of(request).start(job, lambda j: jb.validate_files(j, intake.stored))
    else:
        jobs_of(request).start(job, lambda j: jb.consolidate_files(j, intake.folder, parent, period))
    return job


_INDENT = "\u2003\u2003"  # em spaces: a select cannot be styled, but keeps spaces


def unit_choices(units: Any) -> list[tuple[str, str]]:
    """Units in tree order, indented by level, for a select."""
    out: list[tuple[str, str]] = []

    def walk(code: str, depth: int) -> None:
        unit = units.get(code)
        out.append((code, f"{_INDENT * depth}{unit.name} ({unit.code})"))
        for child in units.children(code):
            walk(child.code, depth + 1)

    for unit in units.units.values():
        if not unit.parent or unit.parent not in units.units:
            walk(unit.code, 0)
    return out


def periods(lang: str, today: dt.date | None = None) -> list[tuple[str, str]]:
    year = (today or dt.date.today()).year
    out = []
    for y in range(year + 1, year - 4, -1):
        out.append((str(y), text("period.year", lang, y=y)))
        out.append((f"{y}-H1", text("period.half", lang, y=y)))
    return out


def check_period(period: str) -> None:
    """A period the pages offer, or the sentence refusing it."""
    if period not in {p for p, _ in periods("vi")}:
        raise PageError(f"Kỳ báo cáo không hợp lệ: {period[:20]!r}.", f"Invalid period {period[:20]!r}.")


def default_period(today: dt.date | None = None) -> str:
    """The period most recently ended: the first half from July, the previous year before."""
    today = today or dt.date.today()
    return f"{today.year}-H1" if today.month >= 7 else str(today.year - 1)
