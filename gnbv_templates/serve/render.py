"""Rendering pages and errors: the templates, the language of a request, one sentence for every failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.templating import Jinja2Templates

from gnbv_templates.errors import GnbvError

from .texts import LANGS, text
from .uploads import MAX_FILE_BYTES, MAX_FILES

HERE = Path(__file__).parent
LANG_COOKIE = "gnbv_lang"


@dataclass
class Settings:
    token: str | None = None  # required when serving beyond this computer
    lang: str = "vi"
    local: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class BodyTooLarge(Exception):
    pass


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

    @classmethod
    def keyed(cls, key: str) -> PageError:
        """The refusal whose sentence is a text of the pages, in both languages."""
        return cls(text(key, "vi"), text(key, "en"))


def error_response(request: Request, message_vi: str, message_en: str, status: int) -> Response:
    lang = lang_of(request)
    message = message_en if lang == "en" else message_vi
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    first = request.url.path.strip("/").split("/", 1)[0]
    back = f"/{first}" if first in ("kiem-tra", "tong-hop", "sinh-bieu") else "/"
    return page(request, "error.html", status=status, message=message, back=back)


def keyed(key: str, status: int, **p: Any) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        return error_response(request, text(key, "vi", **p), text(key, "en", **p), status)
    return handler


async def on_http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    key = {404: "error.not_found", 405: "error.method"}.get(code, "error.bad_form" if code < 500
                                                               else "error.unexpected")
    return keyed(key, code)(request)


async def on_page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return error_response(request, exc.message, exc.english, exc.status)


async def on_gnbv_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GnbvError)
    return error_response(request, exc.message.splitlines()[0], exc.english.splitlines()[0], 400)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, BodyTooLarge):
        return keyed("error.too_large", 413, mb=request.app.state.max_request_bytes // (1024 * 1024))(request)
    return keyed("error.unexpected", 500)(request)
