"""Which entries of a folder are returns to read, and why each other one is not read.

The walk never follows a link out of the folder, never opens a pipe or a device (opening a FIFO
waits for a writer forever), and names every entry it passes over, so that a unit's return cannot
go unread without anyone being told.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from gnbv_templates.batch.results import EXTENSIONS
from gnbv_templates.read.safety import os_error_text


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str  # stable: special-file, link-outside, link-broken, link-to-folder, vanished, os-error, not-a-workbook,
    #                      hidden (our own earlier outputs are passed over without a word)
    message: str  # in Vietnamese
    message_en: str


_WHY = {
    "special-file": ("là tệp đặc biệt (ống dẫn, thiết bị hoặc socket), không phải tệp thông thường",
                     "is a special file (pipe, device or socket), not a regular file"),
    "link-outside": ("là liên kết tới tệp nằm ngoài thư mục: không đọc",
                     "is a link to a file outside the folder: not read"),
    "link-broken": ("là liên kết hỏng (tệp đích không còn)", "is a broken link (its target is gone)"),
    "link-to-folder": ("là liên kết tới thư mục: không đi theo", "is a link to a folder: not followed"),
    "vanished": ("đã bị xóa hoặc chuyển đi trong khi đọc thư mục", "was deleted or moved while the folder was read"),
    "not-a-workbook": ("không phải tệp bảng tính (.xlsx, .xlsm, .ods, .xls, .xlsb)",
                       "is not a workbook (.xlsx, .xlsm, .ods, .xls, .xlsb)"),
    "hidden": ("là tệp ẩn hoặc tệp tạm của Excel (~$…)", "is a hidden file or an Excel lock file (~$…)"),
}


def _skip(path: Path, reason: str, detail: str = "", detail_en: str = "") -> Skipped:
    if reason == "os-error":
        return Skipped(str(path), reason, f"không đọc được: {detail}", f"cannot be read: {detail_en}")
    return Skipped(str(path), reason, *_WHY[reason])


def scan(folder: Path, exclude: Path | None = None) -> tuple[list[Path], list[Skipped]]:
    """Returns to read (sorted) and every other entry with why it is not read."""
    root = Path(os.path.realpath(folder))
    found: list[Path] = []
    skipped: list[Skipped] = []
    excluded = Path(os.path.realpath(exclude)) if exclude is not None else None

    def walk_error(exc: OSError) -> None:
        skipped.append(_skip(Path(exc.filename or folder), "os-error", os_error_text(exc), os_error_text(exc, "en")))

    for top, dirs, files in os.walk(folder, onerror=walk_error, followlinks=False):
        here = Path(top)
        if excluded is not None and Path(os.path.realpath(here)) == excluded:
            dirs[:] = []
            continue  # our own outputs from an earlier run
        for name in list(dirs):
            path = here / name
            if path.is_symlink():  # os.walk lists a link to a folder among the folders, and does not enter it
                dirs.remove(name)
                skipped.append(_skip(path, "link-to-folder"))
        for name in files:
            path = here / name
            entry = _entry(path, root)
            if isinstance(entry, Skipped):
                skipped.append(entry)
            elif excluded is not None and excluded in Path(os.path.realpath(path)).parents:
                continue
            else:
                found.append(path)
        dirs.sort()
    return sorted(found), sorted(skipped, key=lambda s: s.path)


def _entry(path: Path, root: Path) -> Path | Skipped:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return _skip(path, "vanished")
    except OSError as exc:
        return _skip(path, "os-error", os_error_text(exc), os_error_text(exc, "en"))
    if stat.S_ISLNK(info.st_mode):
        target = Path(os.path.realpath(path))
        if not target.exists():
            return _skip(path, "link-broken")
        if root not in target.parents:
            return _skip(path, "link-outside")
        try:
            info = target.stat()
        except OSError as exc:
            return _skip(path, "os-error", os_error_text(exc), os_error_text(exc, "en"))
        if stat.S_ISDIR(info.st_mode):
            return _skip(path, "link-to-folder")
    if not stat.S_ISREG(info.st_mode):
        return _skip(path, "special-file")
    if path.name.startswith(("~$", ".")):
        return _skip(path, "hidden")
    if path.suffix.lower() not in EXTENSIONS:
        return _skip(path, "not-a-workbook")
    return path
