"""Writing outputs safely: atomically, never over an input, with sane names."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from gnbv_templates.errors import OutputError, os_error_text


@contextlib.contextmanager
def atomic_path(target: Path | str, *, inputs: tuple[Path | str, ...] = ()) -> Iterator[Path]:
    """Yield a temporary path beside target; move it into place only on success."""
    target = Path(target)
    for source in inputs:
        source_path = Path(source)
        if source_path.exists() and target.exists() and target.resolve() == source_path.resolve():
            raise OutputError(
                f"Không ghi đè lên tệp đầu vào {source_path.name}: hãy chọn tên tệp kết quả khác.",
                english=f"Refusing to overwrite the input file {source_path.name}.",
            )
    if not target.parent.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"Không tạo được thư mục {target.parent}: {os_error_text(exc)}.",
                              english=f"Cannot create the folder {target.parent}: {os_error_text(exc, 'en')}.") from exc
    if target.is_dir():
        raise OutputError(f"{target} là thư mục: hãy cho tên tệp kết quả.", english=f"{target} is a directory.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".gnbv-", suffix=target.suffix[:20], dir=target.parent)
    except OSError as exc:
        raise OutputError(f"Không ghi được vào thư mục {target.parent}: {os_error_text(exc)}.",
                          english=f"Cannot write in {target.parent}: {os_error_text(exc, 'en')}.") from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            os.chmod(tmp_path, file_mode(target))
            os.replace(tmp_path, target)
        except OSError as exc:
            raise OutputError(f"Không ghi được tệp {target.name}: {os_error_text(exc)}.",
                              english=f"Cannot write {target.name}: {os_error_text(exc, 'en')}.") from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def file_mode(target: Path) -> int:
    """The mode any program would give the file: the one it has already, or 0666 less the user's umask
    (a temporary file is made 0600, and a pack put on a shared folder must be readable by others)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~umask()


def umask() -> int:
    try:  # Linux says it without changing it
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it, and put it back at once
    os.umask(mask)
    return mask


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_DOTS = re.compile(r"\.{2,}")
# names Windows keeps for devices, with or without an extension
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?", re.IGNORECASE)
MAX_NAME_BYTES = 150  # a file system allows 255; room is left for the suffix a caller adds


def safe_name(text: str, default: str = "tep") -> str:
    """A file name from untrusted text: one path component, no traversal, not hidden, not an option, not
    a device name, not too long for the file system (counted in bytes, not letters)."""
    text = unicodedata.normalize("NFC", str(text))
    text = _UNSAFE.sub("_", text)
    text = _DOTS.sub(".", text).strip(" ._-")
    text = text[:100]
    while len(text.encode("utf-8")) > MAX_NAME_BYTES:
        text = text[:-1]
    text = text.rstrip(" ._-")
    if not text:
        return default
    if _RESERVED.fullmatch(text):
        text = f"_{text}"
    return text
