"""The web application: pages for officers, a JSON API beside them.

Pages are rendered on the server (Jinja2, autoescaped); the only script is a
small progress poller shipped in the package.  Every failure a user can
cause ends on a page with one sentence, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.schemas import SchemaGenerator
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gnbv_templates.batch import results
from gnbv_templates.batch.consolidate import Consolidation
from gnbv_templates.errors import GnbvError, UsageError
from gnbv_templates.findings import Finding
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.pack import generate, generate_all
from gnbv_templates.outputs import safe_name
from gnbv_templates.register import Register
from gnbv_templates.report.result_sheet import kind_name
from gnbv_templates.version import __version__

from . import jobs as jb
from .texts import LANGS, text
from .uploads import MAX_FILE_BYTES, MAX_FILES, MAX_REQUEST_BYTES, Intake, UploadRefused

HERE = Path(__file__).parent
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
ACCESS_COOKIE = "gnbv_access"
LANG_COOKIE = "gnbv_lang"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Settings:
    token: str | None = None  # required when serving beyond this computer
    lang: str = "vi"
    local: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class BodyTooLarge(Exception):
    pass


class _Limits:
    """ASGI middleware: a request body larger than the cap is cut off while it streams in, and every
    response says what it is and may not run anything from elsewhere."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; "
                     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cache-control", b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, counted, headed)


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)


TEMPLATES = Jinja2Templates(env=_env())


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else request.app.state.settings.lang


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    lang = lang_of(request)
    context.update(
        lang=lang, t=lambda key, **p: text(key, lang, **p), path=request.url.path,
        settings=request.app.state.settings, nav=name.split(".")[0].split("_")[0],
        limits=text("limits", lang, files=MAX_FILES, mb=MAX_FILE_BYTES // (1024 * 1024)),
    )
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


class PageError(Exception):
    """A request that cannot be served: one sentence for the page, a status for the browser."""

    def __init__(self, message: str, english: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.english, self.status = message, english or message, status


def _error(request: Request, message_vi: str, message_en: str, status: int) -> Response:
    lang = lang_of(request)
    message = message_en if lang == "en" else message_vi
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    first = request.url.path.strip("/").split("/", 1)[0]
    back = f"/{first}" if first in ("kiem-tra", "tong-hop", "sinh-bieu") else "/"
    return page(request, "error.html", status=status, message=message, back=back)


def _keyed(key: str, status: int, **p: Any) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        return _error(request, text(key, "vi", **p), text(key, "en", **p), status)
    return handler


async def on_http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    key = {404: "error.not_found", 405: "error.method"}.get(code, "error.bad_form" if code < 500
                                                               else "error.unexpected")
    return _keyed(key, code)(request)


async def on_page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return _error(request, exc.message, exc.english, exc.status)


async def on_gnbv_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GnbvError)
    return _error(request, exc.message.splitlines()[0], exc.english.splitlines()[0], 400)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, BodyTooLarge):
        return _keyed("error.too_large", 413, mb=request.app.state.max_request_bytes // (1024 * 1024))(request)
    return _keyed("error.unexpected", 500)(request)


# ── access: a token beyond this computer, and no posts from other sites ────────────────────────────


def _same_origin(request: Request) -> bool:
    """A browser names the page a post comes from; a post from another site's page is refused."""
    origin = request.headers.get("origin")
    if origin is None:  # not a browser (a portal calling the API)
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


class _Access:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        settings: Settings = scope["app"].state.settings
        if request.method not in ("GET", "HEAD") and not _same_origin(request):
            response = _keyed("error.origin", 403)(request)
            await response(scope, receive, send)
            return
        token = settings.token
        path = request.url.path
        if token and not path.startswith(("/static/", "/dang-nhap")):
            given = request.query_params.get("token")
            bearer = request.headers.get("authorization", "")
            offered = request.cookies.get(ACCESS_COOKIE) or (bearer[7:] if bearer.startswith("Bearer ") else "")
            if given and secrets.compare_digest(given.encode(), token.encode()):
                response = RedirectResponse(path, status_code=303)
                response.set_cookie(ACCESS_COOKIE, token, httponly=True, samesite="strict")
                await response(scope, receive, send)
                return
            if not (offered and secrets.compare_digest(offered.encode(), token.encode())):
                if path.startswith("/api/"):
                    response = JSONResponse({"error": text("login.title", lang_of(request))}, status_code=401)
                else:
                    response = RedirectResponse(f"/dang-nhap?next={path}", status_code=303)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def login(request: Request) -> Response:
    wrong = False
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
        code = str(form.get("code") or "")
        token = request.app.state.settings.token or ""
        if token and secrets.compare_digest(code.encode(), token.encode()):
            response = RedirectResponse(_local_next(str(form.get("next") or "/")), status_code=303)
            response.set_cookie(ACCESS_COOKIE, token, httponly=True, samesite="strict")
            return response
        wrong = True
    return page(request, "login.html", status=401 if wrong else 200, wrong=wrong,
                next=_local_next(request.query_params.get("next", "/")))


def _local_next(target: str) -> str:
    """Only a path on this server (never //elsewhere or a scheme)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    response = RedirectResponse(_local_next(request.query_params.get("next", "/")), status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict")
    return response


# ── reading uploads ───────────────────────────────────────────────────────────────────────────────


async def _form(request: Request) -> Any:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > request.app.state.max_request_bytes:
        raise BodyTooLarge
    try:
        return await request.form(max_files=MAX_FILES, max_fields=100, max_part_size=64 * 1024)
    except (MultiPartException, HTTPException) as exc:
        if "Too many files" in str(getattr(exc, "message", "") or getattr(exc, "detail", "")):
            raise PageError(f"Quá nhiều tệp trong một lần gửi: tối đa {MAX_FILES} biểu.",
                            f"Too many files in one upload: at most {MAX_FILES} workbooks.") from None
        raise PageError(text("error.bad_form", "vi"), text("error.bad_form", "en")) from None


async def _intake(form: Any, folder: Path) -> Intake:
    intake = Intake(folder)
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    if not uploads:
        raise PageError(text("error.no_files", "vi"), text("error.no_files", "en"))
    try:
        for upload in uploads:
            await intake.add(upload)
    except UploadRefused as exc:
        raise PageError(exc.message, exc.english) from None
    finally:
        for upload in uploads:
            await upload.close()
    return intake


def _jobs(request: Request) -> jb.Jobs:
    return request.app.state.jobs


def _job(request: Request, kind: str) -> jb.Job:
    job = _jobs(request).get(request.path_params["job"])
    if job is None or job.kind != kind:
        raise HTTPException(404)
    return job


async def _start_validation(request: Request) -> jb.Job:
    form = await _form(request)
    job = _jobs(request).new("validate", lang_of(request))
    try:
        intake = await _intake(form, job.folder / "bieu_nhan")
    except BaseException:
        _jobs(request).drop(job)
        raise
    job.total, job.skipped = len(intake.stored), intake.skipped
    _jobs(request).start(job, lambda j: jb.validate_files(j, intake.stored))
    return job


async def _start_consolidation(request: Request) -> jb.Job:
    form = await _form(request)
    parent, period = str(form.get("unit") or "").strip(), str(form.get("period") or "").strip()
    units = request.app.state.units
    try:
        units.get(parent)
        if not units.children(parent):
            raise PageError(f"Đơn vị {parent} không có đơn vị cấp dưới để tổng hợp.",
                            f"Unit {parent} has no units below it to consolidate.")
    except UsageError as exc:
        raise PageError(exc.message, exc.english) from None
    if period not in {p for p, _ in periods("vi")}:
        raise PageError(f"Kỳ báo cáo không hợp lệ: {period[:20]!r}.", f"Invalid period {period[:20]!r}.")
    job = _jobs(request).new("consolidate", lang_of(request))
    try:
        intake = await _intake(form, job.folder / "bieu_nhan")
    except BaseException:
        _jobs(request).drop(job)
        raise
    job.total, job.skipped = len(intake.stored), intake.skipped
    _jobs(request).start(job, lambda j: jb.consolidate_files(j, intake.folder, parent, period))
    return job


# ── Kiểm tra ──────────────────────────────────────────────────────────────────────────────────────


async def validate_page(request: Request) -> Response:
    if request.method == "POST":
        job = await _start_validation(request)
        return RedirectResponse(f"/kiem-tra/{job.id}", status_code=303)
    return page(request, "validate.html")


async def validate_result(request: Request) -> Response:
    job = _job(request, "validate")
    return page(request, "validate_result.html", job=job, basis_of=basis_text)


def basis_text(finding: Finding, lang: str) -> str:
    """What a finding rests on: the kind of check in words (a rule's basis with it), then its stable code."""
    return f"{kind_name(finding, lang)} · {finding.rule or finding.code}"


async def validate_download(request: Request) -> Response:
    job = _job(request, "validate")
    index, kind = request.path_params["index"], request.path_params["kind"]
    view = next((v for v in job.files if v.index == index), None)
    path = None if view is None else view.annotated if kind == "xlsx" else view.json
    if view is None or path is None:
        raise HTTPException(404)
    media = XLSX if kind == "xlsx" else "application/json"
    return FileResponse(path, media_type=media, filename=f"{view.download_stem}_KIEM_TRA.{kind}")


async def validate_zip(request: Request) -> Response:
    job = _job(request, "validate")
    if job.state != jb.DONE:
        raise HTTPException(404)
    archive = await run_in_threadpool(jb.zip_results, job)
    return FileResponse(archive, media_type="application/zip", filename="ket_qua_kiem_tra.zip")


# ── Tổng hợp ──────────────────────────────────────────────────────────────────────────────────────


async def consolidate_page(request: Request) -> Response:
    if request.method == "POST":
        job = await _start_consolidation(request)
        return RedirectResponse(f"/tong-hop/{job.id}", status_code=303)
    units = request.app.state.units
    parents = [(code, label) for code, label in unit_choices(units) if units.children(code)]
    return page(request, "consolidate.html", parents=parents, periods=periods(lang_of(request)),
                default_period=default_period())


async def consolidate_result(request: Request) -> Response:
    job = _job(request, "consolidate")
    return page(request, "consolidate_result.html", job=job, units=request.app.state.units,
                children=_children_rows(request, job) if job.state == jb.DONE else [])


def _done(job: jb.Job) -> Consolidation:
    if job.consolidation is None:
        raise HTTPException(404)
    return job.consolidation


def _children_rows(request: Request, job: jb.Job) -> list[dict[str, Any]]:
    c = _done(job).completeness
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
    job = _job(request, "consolidate")
    if job.state != jb.DONE or job.output is None:
        raise HTTPException(404)
    return FileResponse(job.output, media_type=XLSX, filename=job.output.name)


# ── Sinh biểu ─────────────────────────────────────────────────────────────────────────────────────


async def generate_page(request: Request) -> Response:
    if request.method == "POST":
        form = await _form(request)
        return await _generate(request, form)
    units, catalog = request.app.state.units, request.app.state.catalog
    return page(request, "generate.html", units=unit_choices(units), periods=periods(lang_of(request)),
                default_period=default_period(), forms=[(f.id, _plain_title(f.title)) for f in catalog.forms.values()],
                sample=units.sample)


async def _generate(request: Request, form: Any) -> Response:
    unit, period = str(form.get("unit") or "").strip(), str(form.get("period") or "").strip()
    forms = [str(f) for f in form.getlist("forms")] or None
    children = str(form.get("action") or "") == "children"
    units = request.app.state.units
    try:
        head = units.get(unit)
    except UsageError as exc:
        raise PageError(exc.message, exc.english) from None
    if period not in {p for p, _ in periods("vi")}:
        raise PageError(f"Kỳ báo cáo không hợp lệ: {period[:20]!r}.", f"Invalid period {period[:20]!r}.")
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


def default_period(today: dt.date | None = None) -> str:
    """The period most recently ended: the first half from July, the previous year before."""
    today = today or dt.date.today()
    return f"{today.year}-H1" if today.month >= 7 else str(today.year - 1)


# ── JSON API ──────────────────────────────────────────────────────────────────────────────────────


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
    job = await _start_validation(request)
    await run_in_threadpool(_jobs(request).wait, job)
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
    job = await _start_consolidation(request)
    await run_in_threadpool(_jobs(request).wait, job)
    if job.state != jb.DONE:
        return JSONResponse({"error": job.message if job.lang == "vi" else job.message_en}, status_code=400)
    result = _done(job)
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
            raise PageError(text("error.bad_form", "vi"), text("error.bad_form", "en")) from None
        if not isinstance(body, dict):
            raise PageError(text("error.bad_form", "vi"), text("error.bad_form", "en"))
        return await _generate(request, _JsonForm(body))
    return await _generate(request, await _form(request))


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
    job = _jobs(request).get(request.path_params["job"])
    if job is None:
        raise HTTPException(404)
    return JSONResponse(job.as_dict())


SCHEMAS = SchemaGenerator({"openapi": "3.0.0", "info": {"title": "gnbv serve", "version": __version__}})


async def openapi(request: Request) -> Response:
    return JSONResponse(SCHEMAS.get_schema(routes=request.app.routes))


async def api_page(request: Request) -> Response:
    schema = SCHEMAS.get_schema(routes=request.app.routes)
    return page(request, "api.html", schema=schema)


async def home(request: Request) -> Response:
    return RedirectResponse("/kiem-tra", status_code=303)


# ── the application ───────────────────────────────────────────────────────────────────────────────


def create_app(*, token: str | None = None, lang: str = "vi", local: bool = True,
               register: Path | str | None = None,
               max_request_bytes: int = MAX_REQUEST_BYTES) -> Starlette:
    """The application; ``token`` is required unless it only answers this computer. With ``register``,
    every return checked is recorded in that register (see docs/register.md)."""
    if not local and not token:
        raise UsageError("Phục vụ cho máy khác cần mã truy cập.", english="Serving the network needs a token.")
    if register is not None:
        Register(register).close()  # a register this version must refuse is refused now, not on the first upload

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        app.state.jobs.close()

    routes = [
        Route("/", home),
        Route("/kiem-tra", validate_page, methods=["GET", "POST"]),
        Route("/kiem-tra/{job}", validate_result),
        Route("/kiem-tra/{job}/tat-ca.zip", validate_zip),
        Route("/kiem-tra/{job}/{index:int}.{kind:str}", validate_download),
        Route("/tong-hop", consolidate_page, methods=["GET", "POST"]),
        Route("/tong-hop/{job}", consolidate_result),
        Route("/tong-hop/{job}/tong-hop.xlsx", consolidate_download),
        Route("/sinh-bieu", generate_page, methods=["GET", "POST"]),
        Route("/ngon-ngu/{lang}", set_lang),
        Route("/dang-nhap", login, methods=["GET", "POST"]),
        Route("/api", api_page, include_in_schema=False),
        Route("/api/openapi.json", openapi, include_in_schema=False),
        Route("/api/validate", api_validate, methods=["POST"]),
        Route("/api/consolidate", api_consolidate, methods=["POST"]),
        Route("/api/generate", api_generate, methods=["POST"]),
        Route("/api/jobs/{job}", api_job),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(_Limits, limit=max_request_bytes)]
    if local:  # a page on this computer only answers to its own names (no DNS rebinding)
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]"]))
    middleware.append(Middleware(_Access))
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        HTTPException: on_http_error, PageError: on_page_error, GnbvError: on_gnbv_error,
        Exception: on_unexpected, BodyTooLarge: on_unexpected,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)
    app.state.settings = Settings(token=token, lang=lang if lang in LANGS else "vi", local=local)
    app.state.root = Path(tempfile.mkdtemp(prefix="gnbv-serve-"))
    app.state.max_request_bytes = max_request_bytes
    app.state.jobs = jb.Jobs(app.state.root, register=Path(register) if register else None)  # removed at stop
    app.state.units = load_units()
    app.state.catalog = load_catalog()
    return app
