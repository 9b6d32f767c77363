"""Checks made before any parser sees a workbook from outside.

A return may be corrupt, foreign, encrypted or built to hurt: a zip bomb, an
XML entity bomb.  Everything here is cheap and bounded; a refusal is an
``UnreadableFile`` with a one-line Vietnamese message and a stable reason.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import defusedxml
import openpyxl

from .errors import UnreadableFile

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_ENTRIES = 5_000
MAX_RATIO = 400  # a sheet of repeated cells compresses well, but not 1000:1

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")
_PROLOG_LIMIT = 1_048_576

if not getattr(openpyxl, "DEFUSEDXML", False):  # pragma: no cover - import-time guard
    raise ImportError("openpyxl must run with defusedxml installed (XML bomb protection)")
assert defusedxml  # imported for openpyxl's protection; keep the dependency explicit


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "xlsx" | "xlsm" | "ods"
    entries: tuple[str, ...]


def refuse(reason: str, message: str, english: str) -> UnreadableFile:
    return UnreadableFile(message, reason=reason, english=english)


def sniff(path: Path) -> Sniffed:
    """Identify a workbook and check it is safe to parse; raise UnreadableFile if not."""
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise refuse("not-found", f"Không tìm thấy tệp {name}.", f"File not found: {name}.") from None
    except OSError as exc:
        raise refuse("os-error", f"Không mở được tệp {name}: {exc.strerror}.", str(exc)) from None
    if path.is_dir():
        raise refuse("directory", f"{name} là thư mục, không phải tệp.", f"{name} is a directory.")
    if size > MAX_FILE_BYTES:
        raise refuse("too-large", f"Tệp {name} quá lớn ({size // 1_048_576} MB, tối đa 50 MB).",
                     f"{name} is too large.")
    if head == OLE_MAGIC:
        raise refuse(
            "ole",
            f"Tệp {name} là Excel 97–2003 (.xls) hoặc có mật khẩu mở tệp: hãy bỏ mật khẩu và lưu lại dạng .xlsx.",
            f"{name} is an .xls (Excel 97-2003) or password-protected file: remove the password and save as .xlsx.",
        )
    if head[:4] != ZIP_MAGIC:
        raise refuse("not-zip", f"Tệp {name} không phải bảng tính Excel (.xlsx) hay .ods.",
                     f"{name} is not an .xlsx or .ods workbook.")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_entries(name, infos)
            names = tuple(i.filename for i in infos)
            kind = _kind(name, archive, names)
            _check_xml(name, archive, infos)
    except zipfile.BadZipFile:
        raise refuse("bad-zip", f"Tệp {name} bị hỏng (không giải nén được).", f"{name} is corrupt.") from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError):
        raise refuse("bad-zip", f"Tệp {name} bị hỏng hoặc nén theo cách không hỗ trợ.",
                     f"{name} is corrupt or uses unsupported compression.") from None
    return Sniffed(kind=kind, entries=names)


def _check_entries(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise refuse("zip-bomb", f"Tệp {name} chứa quá nhiều thành phần ({len(infos)}).",
                     f"{name} has too many zip entries.")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > MAX_RATIO:
            raise refuse("zip-bomb", f"Tệp {name} có thành phần nén bất thường (nghi bom nén).",
                         f"{name} looks like a zip bomb.")
        if info.flag_bits & 0x1:
            raise refuse("encrypted", f"Tệp {name} được mã hóa: hãy bỏ mật khẩu và lưu lại.",
                         f"{name} is encrypted.")
    if total > MAX_UNCOMPRESSED:
        raise refuse("zip-bomb", f"Tệp {name} quá lớn khi giải nén (nghi bom nén).",
                     f"{name} is too large uncompressed.")


def _kind(name: str, archive: zipfile.ZipFile, names: tuple[str, ...]) -> str:
    if "mimetype" in names:
        mime = archive.read("mimetype")[:100]
        if b"opendocument.spreadsheet" in mime:
            return "ods"
    if "xl/workbook.xml" in names:
        return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"
    if "xl/workbook.bin" in names:
        raise refuse("xlsb", f"Tệp {name} là dạng nhị phân .xlsb: hãy mở và lưu lại dạng .xlsx.",
                     f"{name} is .xlsb: save it as .xlsx.")
    raise refuse("foreign-zip", f"Tệp {name} không phải bảng tính Excel (.xlsx) hay .ods.",
                 f"{name} is a zip archive but not a workbook.")


def _check_xml(name: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """No DTD anywhere: no entities, so no billion laughs, whatever parser reads it later."""
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")) or info.file_size == 0:
            continue
        if _prolog_has_dtd(archive, info):
            raise refuse("xml-dtd", f"Tệp {name} chứa khai báo XML nguy hiểm (DTD/ENTITY): từ chối đọc.",
                         f"{name} contains an XML DTD or entity declaration.")


def _prolog_has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DTD can only stand before the root element: read up to it, and no further."""
    seen = b""
    with archive.open(info) as handle:
        while len(seen) < _PROLOG_LIMIT:
            chunk = handle.read(4096 if not seen else 65536)
            if not chunk:
                break
            seen += chunk
            root = _ROOT.search(seen)
            if root:
                return bool(_DTD.search(seen, 0, root.start()))
    return bool(_DTD.search(seen)) or len(seen) >= _PROLOG_LIMIT
