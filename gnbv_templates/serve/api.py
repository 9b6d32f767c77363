"""The JSON API beside the pages (validate, consolidate, generate), described by an OpenAPI schema."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.schemas import SchemaGenerator

from gnbv_templates.version import __version__

from . import jobs as jb
from .pages import consolidation_of, generate_response
from .render import PageError, page
from .submit import jobs_of, read_form, start_consolidation, start_validation


async def api_validate(request: Request) -> Response:
    """
    summary: Kiểm tra biểu (validate returned workbooks)
    description: >
      multipart/form-data with one or more `files` (.xlsx, .xlsm, .ods, .xls or a .zip of them).
      Waits until every file is checked; returns per file its unit, period, status, counts and findings,
      with links to download the annotated copy and the JSON report.
    responses:
      200: {description: "{job, files: [{index, file, status, unit, unit_name, period, counts, findings,
        annotated, json}], skipped, all}"}
      400: {description: "{error}: one sentence"}
    """
    job = await start_validation(request)
    await run_in_threadpool(jobs_of(request).wait, job)
    base = f"/kiem-tra/{job.id}"
    files = []
    for view in job.files:
        data = view.as_dict(job.lang)
        data["annotated"] = f"{base}/{view.index}.xlsx" if view.annotated else None
        data["json"] = f"{base}/{view.index}.json" if view.json else None
        files.append(data)
    return JSONResponse({"job": job.id, "state": job.state, "files": files, "skipped": job.skipped,
                         "all": f"{base}/tat-ca.zip", "message": job.message if job.lang == "vi" else job.message_en})


async def api_consolidate(request: Request) -> Response:
    """
    summary: Tổng hợp (consolidate the children's returns)
    description: >
      multipart/form-data with `unit` (the parent unit's code), `period` (2025 or 2025-H1) and the
      children's returns as `files`. Returns who has not returned, duplicates, other periods, what was
      added up, and a link to the consolidated return.
    responses:
      200: {description: "{job, parent, period, missing, duplicates, other_period, other_parent, unreadable,
        included, excluded, download}"}
      400: {description: "{error}: one sentence"}
    """
    job = await start_consolidation(request)
    await run_in_threadpool(jobs_of(request).wait, job)
    if job.state != jb.DONE:
        return JSONResponse({"error": job.message if job.lang == "vi" else job.message_en}, status_code=400)
    result = consolidation_of(job)
    c = result.completeness
    return JSONResponse({
        "job": job.id, "parent": {"code": c.parent.code, "name": c.parent.name}, "period": c.period,
        "missing": [{"code": u.code, "name": u.name} for u in c.missing],
        "duplicates": {code: [{"file": ch.result.name, "used": ch.used, "reason": ch.reason} for ch in choices]
                       for code, choices in c.duplicates.items()},
        "other_period": [{"file": r.name, "unit": r.unit, "period": r.period} for r in c.other_period],
        "other_parent": [{"file": r.name, "unit": r.unit} for r in c.other_parent],
        "unreadable": [{"file": r.name, "message": r.message} for r in c.unreadable],
        "included": [{"file": r.name, "unit": r.unit, "status": r.status} for r in result.included],
        "excluded": [{"file": r.name, "reason": why} for r, why in result.excluded],
        "download": f"/tong-hop/{job.id}/tong-hop.xlsx",
    })


async def api_generate(request: Request) -> Response:
    """
    summary: Sinh biểu (generate a pack)
    description: >
      application/json or form data: `unit`, `period`, optional `forms` (list of form ids, e.g. ["B01","B02"])
      and `action` = "children" for a .zip of the packs of every unit below `unit`.
      Returns the .xlsx (or .zip) itself.
    responses:
      200: {description: the workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet) or zip}
      400: {description: "{error}: one sentence"}
    """
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise PageError.keyed("error.bad_form") from None
        if not isinstance(body, dict):
            raise PageError.keyed("error.bad_form")
        return await generate_response(request, _JsonForm(body))
    return await generate_response(request, await read_form(request))


class _JsonForm:
    """A JSON body read like form data."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    def get(self, key: str) -> Any:
        value = self.body.get(key)
        return value if isinstance(value, str | int) else None

    def getlist(self, key: str) -> list[Any]:
        value = self.body.get(key)
        return [str(v) for v in value] if isinstance(value, list) else []


async def api_job(request: Request) -> Response:
    """
    summary: Tiến độ một việc (a job's progress)
    responses:
      200: {description: "{id, kind, state: running|done|failed, done, total}"}
    """
    job = jobs_of(request).get(request.path_params["job"])
    if job is None:
        raise HTTPException(404)
    return JSONResponse(job.as_dict())


SCHEMAS = SchemaGenerator({"openapi": "3.0.0", "info": {"title": "gnbv serve", "version": __version__}})


async def openapi(request: Request) -> Response:
    return JSONResponse(SCHEMAS.get_schema(routes=request.app.routes))


async def api_page(request: Request) -> Response:
    schema = SCHEMAS.get_schema(routes=request.app.routes)
    return page(request, "api.html", schema=schema)
