"""Starting the web application: bind, say where it is, open the browser, stop on Ctrl+C."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable

import uvicorn

from gnbv_templates.errors import UsageError
from gnbv_templates.serve import DEFAULT_PORT

from .app import create_app
from .guard import LOCAL_HOSTS


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, opened before the server starts so a busy port is one clear sentence."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family)
    except OSError as exc:
        raise UsageError(
            f"Không mở được cổng {port} trên {host} ({exc.strerror}): hãy chọn cổng khác bằng --port.",
            english=f"Cannot listen on {host} port {port} ({exc.strerror}): choose another with --port.",
        ) from None


def graphical() -> bool:
    """Whether opening a browser shows a window: on a Linux console or over ssh it would start a text browser
    in this terminal instead (unless the user named one in $BROWSER)."""
    if not sys.platform.startswith("linux") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _say(line: str) -> None:
    print(line, flush=True)  # seen at once even when the output goes to a pipe or a log


def _announce(url: str, token: str | None, en: bool, say: Callable[[str], None]) -> None:
    """Where the page is, and (when other computers may connect) the access code they need."""
    if token is None:
        say(f"Serving at {url} (this computer only). Press Ctrl+C to stop." if en else
            f"Đang chạy tại {url} (chỉ máy này truy cập được). Bấm Ctrl+C để dừng.")
        return
    say(f"Serving at {url} for other computers too: they need the access code {token}" if en else
        f"Đang chạy tại {url}, mở cho cả máy khác trong mạng: cần mã truy cập {token}")
    say(f"Give them this address, which carries the code: {url}?token={token}" if en else
        f"Gửi địa chỉ có sẵn mã cho người dùng: {url}?token={token}")
    say("Anyone with the code can use the page. Press Ctrl+C to stop." if en else
        "Ai có mã này đều dùng được trang. Bấm Ctrl+C để dừng.")


def _open_when_up(server: uvicorn.Server, target: str) -> None:
    for _ in range(200):
        if server.started:
            webbrowser.open(target)
            return
        time.sleep(0.05)


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, token: str | None = None,
          open_browser: bool = True, lang: str = "vi", say: Callable[[str], None] | None = None,
          register: str | None = None) -> int:
    """Serve until Ctrl+C; says where (and the access code, when other computers may connect)."""
    say = say or _say
    local = host in LOCAL_HOSTS
    if not local and not token:
        token = secrets.token_urlsafe(9)
    app = create_app(token=token, lang=lang, local=local, register=register)
    sock = bind(host, port)
    port = sock.getsockname()[1]
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    en = lang == "en"
    _announce(url, token, en, say)  # no token only when serving this computer alone
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    if open_browser and not graphical():
        say("No graphical screen here: open the address above in a browser." if en else
            "Máy này không có màn hình đồ họa: hãy mở địa chỉ trên bằng trình duyệt.")
    elif open_browser:
        threading.Thread(target=_open_when_up, args=(server, f"{url}?token={token}" if token else url),
                         daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how this command ends; the server has shut down
        server.run(sockets=[sock])
    say("Stopped." if en else "Đã dừng.")
    return 0
