"""A running `gnbv serve` for tests: the real server on 127.0.0.1, a free port, in a thread."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from gnbv_templates.serve.app import create_app
from gnbv_templates.serve.server import bind


@contextmanager
def running(apps: list[Any] | None = None, **options: Any) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) of a server that stops when the block ends; the
    application is added to ``apps`` for a test to look inside."""
    app = create_app(**options)
    if apps is not None:
        apps.append(app)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body: fields, and (field, filename, content) files."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, content in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request(url: str, *, data: bytes | None = None, content_type: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers, body; an HTTP error status is returned, not raised."""
    req = urllib.request.Request(url, data=data, headers=dict(headers or {}))
    if content_type:
        req.add_header("Content-Type", content_type)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=300) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def upload(base: str, path: str, files: list[Path | tuple[str, bytes]], fields: dict[str, str] | None = None,
           ) -> tuple[int, dict[str, str], bytes]:
    items = [("files", f.name, f.read_bytes()) if isinstance(f, Path) else ("files", f[0], f[1]) for f in files]
    body, ctype = multipart(fields or {}, items)
    return request(base + path, data=body, content_type=ctype)


def as_json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))
