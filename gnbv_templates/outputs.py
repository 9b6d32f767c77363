"""Writing outputs safely: atomically, never over an input, with sane names."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


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
            raise OutputError(f"Không tạo được thư mục {target.parent}: {exc.strerror}") from exc
    fd, tmp = tempfile.mkstemp(prefix=".gnbv-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_name(text: str, default: str = "tep") -> str:
    """A file name from untrusted text: no separators, no traversal, not hidden."""
    text = unicodedata.normalize("NFC", str(text))
    text = _UNSAFE.sub("_", text).strip(" ._")
    return text[:100] or default
