"""Who may use the pages: a size cap on requests, an access code beyond this computer, no posts from other sites."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .render import LANG_COOKIE, BodyTooLarge, Settings, keyed, lang_of, page
from .texts import LANGS, text

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
ACCESS_COOKIE = "gnbv_access"


class BodyLimit:
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


def same_origin(request: Request) -> bool:
    """A browser names the page a post comes from; a post from another site's page is refused."""
    origin = request.headers.get("origin")
    if origin is None:  # not a browser (a portal calling the API)
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


class Access:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        settings: Settings = scope["app"].state.settings
        if request.method not in ("GET", "HEAD") and not same_origin(request):
            response = keyed("error.origin", 403)(request)
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
            response = RedirectResponse(local_next(str(form.get("next") or "/")), status_code=303)
            response.set_cookie(ACCESS_COOKIE, token, httponly=True, samesite="strict")
            return response
        wrong = True
    return page(request, "login.html", status=401 if wrong else 200, wrong=wrong,
                next=local_next(request.query_params.get("next", "/")))


def local_next(target: str) -> str:
    """Only a path on this server (never //elsewhere or a scheme)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    response = RedirectResponse(local_next(request.query_params.get("next", "/")), status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict")
    return response
