"""The three pages: Kiểm tra, Tổng hợp, Sinh biểu, and their downloads."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from gnbv_templates.batch import results
from gnbv_templates.batch.consolidate import Consolidation
from gnbv_templates.errors import UsageError
from gnbv_templates.findings import Finding
from gnbv_templates.generate.pack import generate, generate_all
from gnbv_templates.outputs import safe_name
from gnbv_templates.report.result_sheet import kind_name

from . import jobs as jb
from .render import PageError, lang_of, page
from .submit import (
    check_period,
    default_period,
    job_of,
    periods,
    read_form,
    sample_district_returns,
    sample_returns,
    start_consolidation,
    start_sample,
    start_validation,
    unit_choices,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def home(request: Request) -> Response:
    return RedirectResponse("/kiem-tra", status_code=303)


async def validate_page(request: Request) -> Response:
    if request.method == "POST":
        job = await start_validation(request)
        return RedirectResponse(f"/kiem-tra/{job.id}", status_code=303)
    return page(request, "validate.html", samples=[p.name for p in sample_returns()])


async def validate_sample(request: Request) -> Response:
    job = await start_sample(request, "validate")
    return RedirectResponse(f"/kiem-tra/{job.id}", status_code=303)


async def consolidate_sample(request: Request) -> Response:
    job = await start_sample(request, "consolidate")
    return RedirectResponse(f"/tong-hop/{job.id}", status_code=303)


async def validate_result(request: Request) -> Response:
    job = job_of(request, "validate")
    return page(request, "validate_result.html", job=job, basis_of=basis_text)


def basis_text(finding: Finding, lang: str) -> str:
    """What a finding rests on: the kind of check in words (a rule's basis with it), then its stable code."""
    return f"{kind_name(finding, lang)} · {finding.rule or finding.code}"


async def validate_download(request: Request) -> Response:
    job = job_of(request, "validate")
    index, kind = request.path_params["index"], request.path_params["kind"]
    view = next((v for v in job.files if v.index == index), None)
    path = None if view is None else view.annotated if kind == "xlsx" else view.json
    if view is None or path is None:
        raise HTTPException(404)
    media = XLSX if kind == "xlsx" else "application/json"
    return FileResponse(path, media_type=media, filename=f"{view.download_stem}_KIEM_TRA.{kind}")


async def validate_zip(request: Request) -> Response:
    job = job_of(request, "validate")
    if job.state != jb.DONE:
        raise HTTPException(404)
    archive = await run_in_threadpool(jb.zip_results, job)
    return FileResponse(archive, media_type="application/zip", filename="ket_qua_kiem_tra.zip")


async def consolidate_page(request: Request) -> Response:
    if request.method == "POST":
        job = await start_consolidation(request)
        return RedirectResponse(f"/tong-hop/{job.id}", status_code=303)
    units = request.app.state.units
    parents = [(code, label) for code, label in unit_choices(units) if units.children(code)]
    samples, sample_parent, sample_period = sample_district_returns()
    sample = f"{units.get(sample_parent).name}, {sample_period}" if samples and sample_parent in units.units else ""
    return page(request, "consolidate.html", parents=parents, periods=periods(lang_of(request)),
                default_period=default_period(), sample=sample, sample_count=len(samples))


async def consolidate_result(request: Request) -> Response:
    job = job_of(request, "consolidate")
    return page(request, "consolidate_result.html", job=job, units=request.app.state.units,
                children=_children_rows(request, job) if job.state == jb.DONE else [])


def consolidation_of(job: jb.Job) -> Consolidation:
    if job.consolidation is None:
        raise HTTPException(404)
    return job.consolidation


def _children_rows(request: Request, job: jb.Job) -> list[dict[str, Any]]:
    c = consolidation_of(job).completeness
    units = request.app.state.units
    rows = []
    for unit in units.children(c.parent.code):
        chosen = c.chosen.get(unit.code)
        rows.append({"unit": unit, "file": chosen.name if chosen else "",
                     "status": _status(chosen.status) if chosen else "missing",
                     "errors": chosen.errors if chosen else 0, "warnings": chosen.warnings if chosen else 0})
    return rows


def _status(batch_status: str) -> str:
    return {results.VALID: jb.VALID, results.HAS_ERRORS: jb.HAS_ERRORS}.get(batch_status, jb.UNREADABLE)


async def consolidate_download(request: Request) -> Response:
    job = job_of(request, "consolidate")
    if job.state != jb.DONE or job.output is None:
        raise HTTPException(404)
    return FileResponse(job.output, media_type=XLSX, filename=job.output.name)


async def generate_page(request: Request) -> Response:
    if request.method == "POST":
        form = await read_form(request)
        return await generate_response(request, form)
    units, catalog = request.app.state.units, request.app.state.catalog
    return page(request, "generate.html", units=unit_choices(units), periods=periods(lang_of(request)),
                default_period=default_period(), forms=[(f.id, _plain_title(f.title)) for f in catalog.forms.values()],
                sample=units.sample)


async def generate_response(request: Request, form: Any) -> Response:
    unit, period = str(form.get("unit") or "").strip(), str(form.get("period") or "").strip()
    forms = [str(f) for f in form.getlist("forms")] or None
    children = str(form.get("action") or "") == "children"
    units = request.app.state.units
    try:
        head = units.get(unit)
    except UsageError as exc:
        raise PageError(exc.message, exc.english) from None
    check_period(period)
    folder = Path(tempfile.mkdtemp(prefix="sinh-", dir=request.app.state.root))
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    try:
        if children:
            if not units.children(unit):
                raise PageError(f"Đơn vị {unit} không có đơn vị cấp dưới.", f"Unit {unit} has no units below it.")
            packs = await run_in_threadpool(generate_all, unit, period, folder / "packs", forms=forms, jobs=1)
            archive = folder / "bo_bieu.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
                for pack in packs:
                    zf.write(pack, pack.name)
            name = f"{safe_name(head.code)}_{safe_name(head.name)}_{period}_cap_duoi.zip"
            return FileResponse(archive, media_type="application/zip", filename=name, background=cleanup)
        name = f"{safe_name(head.code)}_{safe_name(head.name)}_{period}.xlsx"
        out = await run_in_threadpool(generate, unit, period, folder / name, forms=forms,
                                      catalog=request.app.state.catalog)
        return FileResponse(out, media_type=XLSX, filename=name, background=cleanup)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _plain_title(title: str) -> str:
    """A form's title without the template parts filled in per unit and period."""
    return " ".join(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", title).split())
