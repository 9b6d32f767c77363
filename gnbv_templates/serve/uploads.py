"""Uploaded files: bounded, stored under names we choose, zip archives opened with care.

An upload is never kept under the name it came with: the file on disk is
``NNN.xlsx`` in a temporary folder, the name the user gave is display text
only (escaped by the page templates).  Zip archives are opened member by
member with limits on count, size and compression ratio; only workbook
members are taken, flattened, and nothing in them is ever run.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gnbv_templates.errors import UsageError
from gnbv_templates.outputs import safe_name

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls", ".xlsb")
MAX_FILES = 200  # workbooks in one request, after opening archives
MAX_FILE_BYTES = 50 * 1024 * 1024  # the command line's own limit on one workbook
MAX_REQUEST_BYTES = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 1_000
MAX_ZIP_TOTAL = 300 * 1024 * 1024
MAX_ZIP_RATIO = 100  # a workbook is itself compressed: a zip of workbooks barely shrinks
_CHUNK = 1 << 20


class UploadRefused(UsageError):
    """An upload we will not take; the message is the one sentence the page shows."""

    exit_code = 4


@dataclass
class Stored:
    """One workbook taken from an upload: where we put it and what the user called it."""

    index: int
    path: Path
    shown: str  # the name as uploaded (or archive/member), for display only


def _suffix(name: str) -> str:
    return Path(name.replace("\\", "/")).suffix.lower()


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1][:200] or "?"


class Intake:
    """Collects the workbooks of one request into a folder, refusing what is too much."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.stored: list[Stored] = []
        self.skipped: list[str] = []
        self._archives = 0

    def _target(self, name: str) -> Path:
        """A folder of our own per workbook, holding it under a safe form of its name (the name shows in the
        annotated copy and on the consolidation's provenance sheet)."""
        if len(self.stored) >= MAX_FILES:
            raise UploadRefused(f"Quá nhiều tệp trong một lần gửi: tối đa {MAX_FILES} biểu.",
                                english=f"Too many files in one upload: at most {MAX_FILES} workbooks.")
        place = self.folder / f"{len(self.stored) + 1:03d}"
        place.mkdir()
        return place / f"{safe_name(Path(name).stem, default='bieu')}{_suffix(name)}"

    async def add(self, upload: Any) -> None:
        """Take one uploaded file (a starlette UploadFile)."""
        name = _base(upload.filename or "")
        suffix = _suffix(name)
        if suffix not in (*WORKBOOK_SUFFIXES, ".zip"):
            raise UploadRefused(
                f"Tệp “{name}” không phải biểu Excel (.xlsx, .xlsm, .ods, .xls) hay tệp nén .zip của các biểu: "
                "không nhận.",
                english=f"“{name}” is neither a workbook (.xlsx, .xlsm, .ods, .xls) nor a .zip of workbooks.")
        if suffix == ".zip":
            self._archives += 1
            target = self.folder / f"archive-{self._archives}.zip"
        else:
            target = self._target(name)
        size = 0
        limit = MAX_FILE_BYTES if suffix != ".zip" else MAX_ZIP_TOTAL
        with target.open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    out.close()
                    target.unlink()
                    raise UploadRefused(
                        f"Tệp “{name}” quá lớn (quá {limit // (1024 * 1024)} MB): không nhận.",
                        english=f"“{name}” is too large (over {limit // (1024 * 1024)} MB).")
                out.write(chunk)
        if size == 0:
            target.unlink()
            raise UploadRefused(f"Tệp “{name}” rỗng.", english=f"“{name}” is empty.")
        if suffix == ".zip":
            try:
                self._open_zip(target, name)
            finally:
                target.unlink()
        else:
            self.stored.append(Stored(len(self.stored) + 1, target, name))

    def add_file(self, path: Path) -> None:
        """Take one of the program's own files (the bundled sample returns)."""
        target = self._target(path.name)
        shutil.copyfile(path, target)
        self.stored.append(Stored(len(self.stored) + 1, target, path.name))

    def _open_zip(self, archive: Path, name: str) -> None:
        try:
            zf = zipfile.ZipFile(archive)
        except (zipfile.BadZipFile, OSError):
            raise UploadRefused(f"Tệp nén “{name}” hỏng, không mở được.",
                                english=f"The archive “{name}” is damaged.") from None
        with zf:
            for info, member in self._members(zf, name):
                target = self._target(member)
                try:
                    _unpack(zf, info, target, f"“{member}” (“{name}”)")
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                    target.unlink(missing_ok=True)
                    raise UploadRefused(f"Tệp nén “{name}” hỏng hoặc có mật khẩu, không mở được.",
                                        english=f"The archive “{name}” is damaged or encrypted.") from None
                self.stored.append(Stored(len(self.stored) + 1, target, f"{name} › {member}"))

    def _members(self, zf: zipfile.ZipFile, name: str) -> list[tuple[zipfile.ZipInfo, str]]:
        """The workbooks of an archive, once its declared sizes and ratios are found sane; others are skipped."""
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise UploadRefused(f"Tệp nén “{name}” có quá nhiều tệp ({len(infos)}): không mở.",
                                english=f"The archive “{name}” holds too many files ({len(infos)}).")
        wanted = []
        for info in (i for i in infos if not i.is_dir()):
            member = _base(info.filename)
            if _suffix(member) not in WORKBOOK_SUFFIXES or member.startswith(("~$", ".")):
                self.skipped.append(f"{name}/{member}")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_FILE_BYTES or (info.file_size > 1_000_000 and ratio > MAX_ZIP_RATIO):
                raise UploadRefused(
                    f"Tệp nén “{name}” chứa tệp “{member}” có kích thước hoặc tỷ lệ nén bất thường "
                    "(có thể là tệp nén độc hại): không mở.",
                    english=f"The archive “{name}” holds “{member}” with an abnormal size or compression ratio.")
            wanted.append((info, member))
        if sum(info.file_size for info, _ in wanted) > MAX_ZIP_TOTAL:
            raise UploadRefused(f"Tệp nén “{name}” quá lớn khi giải nén: không mở.",
                                english=f"The archive “{name}” is too large once unpacked.")
        return wanted


def _unpack(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, shown: str) -> None:
    """One member into target, counting what really comes out: the declared size can lie."""
    written = 0
    with zf.open(info) as source, target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > MAX_FILE_BYTES or written > info.file_size:
                raise UploadRefused(f"Tệp nén chứa tệp {shown} lớn hơn kích thước khai báo: không mở.",
                                    english=f"{shown} is larger than it claims.")
            out.write(chunk)
