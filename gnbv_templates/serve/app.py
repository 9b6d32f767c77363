"""The web application: pages for officers, a JSON API beside them.

Pages are rendered on the server (Jinja2, autoescaped); the only script is a
small progress poller shipped in the package.  Every failure a user can
cause ends on a page with one sentence, never a traceback.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gnbv_templates.errors import GnbvError, UsageError
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.units import load_units
from gnbv_templates.register import Register

from . import jobs as jb
from .api import api_consolidate, api_generate, api_job, api_page, api_validate, openapi
from .guard import Access, BodyLimit, login, set_lang
from .pages import (
    consolidate_download,
    consolidate_page,
    consolidate_result,
    consolidate_sample,
    generate_page,
    home,
    validate_download,
    validate_page,
    validate_result,
    validate_sample,
    validate_zip,
)
from .render import HERE, BodyTooLarge, PageError, Settings, on_gnbv_error, on_http_error, on_page_error, on_unexpected
from .texts import LANGS
from .uploads import MAX_REQUEST_BYTES


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
        Route("/kiem-tra/mau", validate_sample, methods=["POST"]),
        Route("/kiem-tra/{job}", validate_result),
        Route("/kiem-tra/{job}/tat-ca.zip", validate_zip),
        Route("/kiem-tra/{job}/{index:int}.{kind:str}", validate_download),
        Route("/tong-hop", consolidate_page, methods=["GET", "POST"]),
        Route("/tong-hop/mau", consolidate_sample, methods=["POST"]),
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
    middleware = [Middleware(BodyLimit, limit=max_request_bytes)]
    if local:  # a page on this computer only answers to its own names (no DNS rebinding)
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]"]))
    middleware.append(Middleware(Access))
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
