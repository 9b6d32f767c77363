"""Checks made before any parser sees a workbook from outside.

A return may be corrupt, foreign, encrypted or built to hurt: a zip bomb, an
XML entity bomb, a sheet whose one cell far away makes a reader allocate
gigabytes.  Everything here is cheap and bounded; a refusal is an
``UnreadableFile`` with a one-line Vietnamese message and a stable reason.
"""

from __future__ import annotations

import html
import lzma
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from gnbv_templates.errors import UnreadableFile, os_error_text
from gnbv_templates.forms.a1 import xl_rowcol_to_cell

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_ENTRIES = 5_000
MAX_RATIO = 400  # a sheet of repeated cells compresses well, but not 1000:1
# The largest block of cells a reader may build for one sheet.  python-calamine allocates the whole
# rectangle from A1 to the farthest cells holding a value (one value in XFD1048576 asks for 17 billion
# cells and aborts the process), so that rectangle is measured before it reads a sheet.  3 million
# cells is about 100 MB; a form is a few hundred rows by at most 26 columns, the metadata sheet a few
# thousand rows by two.
MAX_SHEET_CELLS = 3_000_000

# what reading a damaged zip member can raise (beside BadZipFile): all mean "corrupt"
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, NotImplementedError, EOFError,
              OSError, RuntimeError, ValueError, UnicodeDecodeError, struct.error)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")
_PROLOG_LIMIT = 1_048_576
# with a half character: a file name's byte that is not UTF-8, as the OS hands it over (it cannot be written out)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

@dataclass(frozen=True)
class Sniffed:
    kind: str  # "xlsx" | "xlsm" | "ods"
    entries: tuple[str, ...]

    @property
    def macros(self) -> bool:
        """VBA in an Excel file; Basic or scripts in an OpenDocument file."""
        return any(n.lower().endswith("vbaproject.bin") or n.startswith(("Basic/", "Scripts/")) for n in self.entries)

    @property
    def external_links(self) -> tuple[str, ...]:
        return tuple(n for n in self.entries if n.lower().startswith("xl/externallinks/") and n.endswith(".xml"))


def refuse(reason: str, message: str, english: str) -> UnreadableFile:
    return UnreadableFile(message, reason=reason, english=english)


def shown_name(name: str | Path, limit: int = 80) -> str:
    """A file name fit for a one-line message: no control characters, not endless."""
    text = _CONTROL.sub("?", unicodedata.normalize("NFC", Path(name).name if isinstance(name, Path) else str(name)))
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SHOWN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u061c\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def printable(text: str) -> str:
    """Text from a file as the program shows it (terminal, error sheet, summary): every control or
    bidirectional-override character written as ``<U+202E>``, so it can neither reorder nor hide what
    follows; JSON keeps the raw text."""
    return _SHOWN.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text) if _SHOWN.search(text) else text


def sniff(path: Path) -> Sniffed:
    """Identify a workbook and check it is safe to parse; raise UnreadableFile if not."""
    name = shown_name(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise refuse("directory", f"{name} là thư mục, không phải tệp.", f"{name} is a directory.")
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block or never end
            raise refuse("not-a-file", f"{name} không phải tệp thông thường.", f"{name} is not a regular file.")
        size = info.st_size
        # opened without blocking, and looked at again once open: a pipe put in its place meanwhile
        # would otherwise wait for a writer forever
        handle = os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)),
                           "rb")
        with handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise refuse("not-a-file", f"{name} không phải tệp thông thường.", f"{name} is not a regular file.")
            head = handle.read(512)
    except FileNotFoundError:
        raise refuse("not-found", f"Không tìm thấy tệp {name}.", f"File not found: {name}.") from None
    except OSError as exc:
        raise refuse("os-error", f"Không mở được tệp {name}: {os_error_text(exc)}.",
                     f"Cannot open {name}: {os_error_text(exc, 'en')}.") from None
    if size > MAX_FILE_BYTES:
        raise refuse("too-large", f"Tệp {name} quá lớn ({size // 1_048_576} MB, tối đa 50 MB).",
                     f"{name} is too large.")
    if size == 0:
        raise refuse("empty", f"Tệp {name} rỗng (0 byte): hãy gửi lại tệp.", f"{name} is empty.")
    if head[:8] == OLE_MAGIC:
        raise _ole_refusal(path, name)
    if head[:4] != ZIP_MAGIC:
        if _looks_like_text(head):
            raise refuse("text-file", f"Tệp {name} là tệp văn bản (HTML, XML hoặc CSV), không phải bảng tính .xlsx: "
                         "hãy mở bằng Excel hoặc LibreOffice và lưu lại dạng .xlsx.",
                         f"{name} is a text file (HTML, XML or CSV): open it and save it as .xlsx.")
        raise refuse("not-zip", f"Tệp {name} không phải bảng tính Excel (.xlsx) hay .ods.",
                     f"{name} is not an .xlsx or .ods workbook.")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_entries(name, infos)
            names = tuple(i.filename for i in infos)
            kind = _kind(name, archive, names)
            _check_xml(name, archive, infos)
    except UnreadableFile:
        raise
    except zipfile.BadZipFile:
        raise refuse("bad-zip", f"Tệp {name} bị hỏng (không giải nén được).", f"{name} is corrupt.") from None
    except ZIP_ERRORS:
        raise refuse("bad-zip", f"Tệp {name} bị hỏng hoặc nén theo cách không hỗ trợ.",
                     f"{name} is corrupt or uses unsupported compression.") from None
    return Sniffed(kind=kind, entries=names)


def _looks_like_text(head: bytes) -> bool:
    """HTML or XML (what many programs call an "Excel export"), or CSV: readable text, not bytes."""
    wide = head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]
    body = (head.replace(b"\x00", b"") if wide else head).lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
    text = body.decode("utf-8", "replace")[:400]
    if not text or "\ufffd" in text[:-3]:  # not UTF-8 (the last character may be cut by the 512-byte read)
        return False
    if not all(ch.isprintable() or ch in "\t\r\n" for ch in text[:-3]):
        return False
    return text.startswith("<") or any(sep in text for sep in ",;\t")


def _check_entries(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if not infos:
        raise refuse("foreign-zip", f"Tệp {name} là tệp nén rỗng, không phải bảng tính.", f"{name} is an empty zip.")
    if len(infos) > MAX_ENTRIES:
        raise refuse("zip-bomb", f"Tệp {name} chứa quá nhiều thành phần ({len(infos)}).",
                     f"{name} has too many zip entries.")
    total = 0
    seen: set[str] = set()
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > MAX_RATIO:
            raise refuse("zip-bomb", f"Tệp {name} có thành phần nén bất thường (nghi bom nén).",
                         f"{name} looks like a zip bomb.")
        if info.flag_bits & 0x1:
            raise refuse("encrypted", f"Tệp {name} được mã hóa: hãy bỏ mật khẩu và lưu lại.",
                         f"{name} is encrypted: remove the password and save it again.")
        key = info.filename.lower()
        if key in seen:  # two parts of one name: programs would disagree on which one is read
            raise refuse("bad-zip", f"Tệp {name} bị hỏng (có hai thành phần trùng tên {shown_name(info.filename)}).",
                         f"{name} is corrupt (duplicate entry {info.filename}).")
        seen.add(key)
    if total > MAX_UNCOMPRESSED:
        raise refuse("zip-bomb", f"Tệp {name} quá lớn khi giải nén (nghi bom nén).",
                     f"{name} is too large uncompressed.")


def _kind(name: str, archive: zipfile.ZipFile, names: tuple[str, ...]) -> str:
    if "mimetype" in names:
        with archive.open("mimetype") as handle:
            mime = handle.read(100)
        if b"opendocument.spreadsheet" in mime:
            if "META-INF/manifest.xml" in names and _manifest_encrypted(archive):
                raise refuse("encrypted", f"Tệp {name} có mật khẩu mở tệp (.ods đã mã hóa): hãy mở tệp, bỏ "
                             "mật khẩu rồi lưu lại và gửi lại.",
                             f"{name} is a password-protected .ods: remove the password.")
            return "ods"
        if b"opendocument" in mime:
            raise refuse("foreign-zip", f"Tệp {name} là văn bản OpenDocument nhưng không phải bảng tính.",
                         f"{name} is an OpenDocument file but not a spreadsheet.")
    if "xl/workbook.xml" in names:
        return "xlsm" if any(n.lower() == "xl/vbaproject.bin" for n in names) else "xlsx"
    if "xl/workbook.bin" in names:
        raise refuse("xlsb", f"Tệp {name} là dạng nhị phân .xlsb: hãy mở bằng Excel và lưu lại dạng .xlsx "
                     "(Sổ làm việc Excel).", f"{name} is .xlsb: open it in Excel and save it as .xlsx.")
    raise refuse("foreign-zip", f"Tệp {name} không phải bảng tính Excel (.xlsx) hay .ods.",
                 f"{name} is a zip archive but not a workbook.")


def _manifest_encrypted(archive: zipfile.ZipFile) -> bool:
    info = archive.getinfo("META-INF/manifest.xml")
    if info.file_size > 5_000_000:
        return False
    return b"encryption-data" in archive.read(info)


def _check_xml(name: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """No DTD anywhere: no entities, so no billion laughs, whatever parser reads it later.

    Every part is looked at, whatever its name: a reader finds a sheet through the relationships, so a
    sheet stored as ``sheet1.dat`` is parsed all the same.  Parts that are not XML (images, VBA) are
    told by their first bytes and skipped."""
    for info in infos:
        if info.file_size == 0 or info.is_dir():
            continue
        if _prolog_has_dtd(archive, info):
            raise refuse("xml-dtd", f"Tệp {name} chứa khai báo XML nguy hiểm (DTD/ENTITY): từ chối đọc.",
                         f"{name} contains an XML DTD or entity declaration.")


def _prolog_has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DTD can only stand before the root element: read up to it, and no further.

    UTF-16 and UTF-32 text is read with its zero bytes dropped, so ``<!DOCTYPE`` is seen in any encoding.
    """
    seen = b""
    wide = False
    with archive.open(info) as handle:
        while len(seen) < _PROLOG_LIMIT:
            chunk = handle.read(4096 if not seen else 65536)
            if not chunk:
                break
            if not seen:
                wide = b"\x00" in chunk[:4]
                if not _may_be_xml(chunk, wide):
                    return False
            seen += chunk
            text = seen.replace(b"\x00", b"") if wide else seen
            root = _ROOT.search(text)
            if root:
                return bool(_DTD.search(text, 0, root.start()))
    text = seen.replace(b"\x00", b"") if wide else seen
    return bool(_DTD.search(text)) or len(seen) >= _PROLOG_LIMIT


def _may_be_xml(head: bytes, wide: bool) -> bool:
    """Whether a part could be read as XML: its first non-blank character (after a byte order mark) is ``<``.

    An XML parser rejects anything else before the first markup, so a part that does not start so
    cannot carry a DTD that a parser would act on."""
    text = head.replace(b"\x00", b"") if wide else head
    for mark in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if text.startswith(mark):
            text = text[len(mark):]
            break
    return text.lstrip(b" \t\r\n")[:1] == b"<"


# -- OLE compound files: .xls, or a workbook encrypted with a password to open ------------------------------


def _ole_refusal(path: Path, name: str) -> UnreadableFile:
    streams = _ole_streams(path)
    if streams is not None and {"encryptioninfo", "encryptedpackage"} & streams:
        return refuse("encrypted", f"Tệp {name} có mật khẩu mở tệp (đã mã hóa): hãy mở tệp, bỏ mật khẩu "
                      "rồi lưu lại dạng .xlsx và gửi lại.",
                      f"{name} is protected by a password to open: remove the password and save it as .xlsx.")
    if streams is not None and {"workbook", "book"} & streams:
        return refuse("xls", f"Tệp {name} là dạng Excel 97–2003 (.xls): hãy mở bằng Excel hoặc LibreOffice "
                      "và lưu lại dạng .xlsx (Sổ làm việc Excel).",
                      f"{name} is an Excel 97-2003 (.xls) file: open it and save it as .xlsx.")
    if streams:
        return refuse("foreign-ole", f"Tệp {name} là tài liệu Office dạng cũ nhưng không phải bảng tính Excel.",
                      f"{name} is an old-style Office document but not a workbook.")
    return refuse("ole", f"Tệp {name} là Excel 97–2003 (.xls) hoặc có mật khẩu mở tệp: hãy bỏ mật khẩu "
                  "và lưu lại dạng .xlsx.",
                  f"{name} is an .xls (Excel 97-2003) or password-protected file: remove the password and save "
                  "as .xlsx.")


class _Ole:
    """The sectors of an OLE compound file, read within its bounds."""

    def __init__(self, data: bytes) -> None:
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        if shift not in (9, 12):
            raise ValueError("not a sector size of OLE")
        self.data, self.size = data, 1 << shift
        self.base = 512 if shift == 9 else self.size
        self.count = (len(data) - self.base) // self.size

    def sector(self, n: int) -> bytes:
        if not 0 <= n < self.count:
            raise ValueError("sector out of range")
        return self.data[self.base + n * self.size : self.base + (n + 1) * self.size]

    def fat(self) -> list[int]:
        """The sector chain table, from the header's list and the DIFAT chain (never more than needed)."""
        words = self.size // 4
        needed = self.count // words + 1  # FAT sectors enough to chain every sector of the file
        fat_sectors = [s for s in struct.unpack_from("<109I", self.data, 0x4C) if s < 0xFFFFFFFA]
        difat, hops = struct.unpack_from("<I", self.data, 0x44)[0], 0
        while difat < 0xFFFFFFFA and hops < self.count and len(fat_sectors) < needed:
            chain = struct.unpack(f"<{words}I", self.sector(difat))
            fat_sectors += [s for s in chain[:-1] if s < 0xFFFFFFFA]
            difat, hops = chain[-1], hops + 1
        fat: list[int] = []
        for s in fat_sectors[:needed]:
            fat += struct.unpack(f"<{words}I", self.sector(s))
        return fat

    def names(self) -> set[str]:
        """Lower-cased names of the directory's entries, following the directory's chain."""
        fat = self.fat()
        names: set[str] = set()
        current, hops = struct.unpack_from("<I", self.data, 0x30)[0], 0
        while current < 0xFFFFFFFA and hops < self.count:
            block = self.sector(current)
            for offset in range(0, self.size, 128):
                length = struct.unpack_from("<H", block, offset + 0x40)[0]
                if 2 <= length <= 64 and block[offset + 0x42] in (1, 2, 5):
                    names.add(block[offset : offset + length - 2].decode("utf-16-le", "replace").lower())
            current = fat[current] if current < len(fat) else 0xFFFFFFFE
            hops += 1
        return names


def _ole_streams(path: Path) -> set[str] | None:
    """Lower-cased names in an OLE compound file's directory; None if it cannot be read (bounded)."""
    try:
        data = path.read_bytes()  # at most MAX_FILE_BYTES, checked by the caller
        return _Ole(data).names() if len(data) >= 512 else None
    except (OSError, ValueError, struct.error, IndexError):
        return None


# -- the farthest cells of a sheet ----------------------------------------------------------------------------

# Two boxes, each well under MAX_SHEET_CELLS, that a plain ``<c r="A1"`` tag can be known to fall in by one
# search: tall (a one-letter column, a row up to 99999: the cell map that packs of earlier releases kept below
# their metadata) and wide (columns up
# to DZ, rows up to 9999: a form past column Z).  Any other cell tag is looked at closely.
_TALL = (re.compile(rb'<c(?! r="[A-Z][1-9]\d{0,4}")'), 99_999, 26)
_WIDE = (re.compile(rb'<c(?! r="[A-D]?[A-Z][1-9]\d{0,3}")'), 9_999, 130)
_TWO_LETTERS = re.compile(rb'<c r="[A-Z][A-Z]')  # a sheet past column Z: the wide box
_BOX_COLS = 26  # a far cell right of this column is named in the refusal
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_CELL_TAG = re.compile(rb"<c[\s/>]")
_REF_ATTR = re.compile(rb"""(?<![\w:.-])r\s*=\s*(["'])([^"'<>]*)\1""")
_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.:-]*)([^>]*)>")
_A1 = re.compile(r"([A-Za-z]+)(\d+)")


@dataclass(frozen=True)
class FarCell:
    """A sheet too big to read: the cells holding a value farthest down and farthest right."""

    rows: int
    cols: int
    addresses: tuple[str, ...]


class Extent:
    """The rows and columns up to the farthest cell holding a value, and which cells those are."""

    def __init__(self, rows: int = 0, cols: int = 0) -> None:
        self.rows, self.cols = rows, cols
        self.bottom = self.right = ""

    def add(self, row: int, col: int, address: str) -> None:
        if row + 1 > self.rows:
            self.rows, self.bottom = row + 1, address
        if col + 1 > self.cols:
            self.cols, self.right = col + 1, address

    def far(self) -> FarCell | None:
        if self.rows * self.cols <= MAX_SHEET_CELLS:
            return None
        named = [a for a, far in ((self.bottom, self.rows > 10_000), (self.right, self.cols > _BOX_COLS)) if far and a]
        addresses = tuple(dict.fromkeys(named or [a for a in (self.bottom, self.right) if a]))
        return FarCell(self.rows, self.cols, addresses)


def far_cell(data: bytes) -> FarCell | None:
    """The sheet's value-holding rectangle, if larger than MAX_SHEET_CELLS (None if it fits).

    Written by Excel, LibreOffice or openpyxl, a cell tag reads ``<c r="A1"``: one fast search finds
    the few that could reach past the box (_TALL or _WIDE) the sheet's shape suggests.  Anything else
    (prefixed tags, other quoting, no reference, character references) and any sheet that might be too
    big is measured exactly, tag by tag.
    """
    if _PREFIXED_CELL.search(data):
        return _far_cell_exact(data)
    odd, rows, cols = _WIDE if _TWO_LETTERS.search(data) else _TALL
    extent = Extent(rows, cols)
    for match in odd.finditer(data):
        start = match.start()
        tag_end = data.find(b">", start)
        if tag_end < 0:
            return _far_cell_exact(data)
        tag = data[start : tag_end + 1]
        if not _CELL_TAG.match(tag):
            continue  # <col>, <cols>, <cfRule>, <conditionalFormatting>… are not cells
        ref = _REF_ATTR.search(tag)
        if ref is None or b"&" in ref.group(2):
            return _far_cell_exact(data)
        address = ref.group(2).decode("ascii", "replace")  # no character references: plain ASCII
        found = _position(address)
        if found is None:
            return _far_cell_exact(data)
        if _holds_value(data, tag, tag_end):
            extent.add(*found, address.strip().upper())
    return None if extent.far() is None else _far_cell_exact(data)


def _holds_value(data: bytes, tag: bytes, tag_end: int) -> bool:
    if tag.endswith(b"/>"):
        return False  # formatting only
    close = data.find(b"</c>", tag_end)
    body = data[tag_end + 1 : close if close >= 0 else tag_end + 4096]
    return b"<v" in body or b"<is" in body or b":v" in body or b":is" in body


def _position(ref: str) -> tuple[int, int] | None:
    match = _A1.fullmatch(ref.strip())
    if not match:
        return None
    letters, digits = match.group(1).upper(), match.group(2).lstrip("0") or "0"
    if len(letters) > 4 or len(digits) > 9:
        return 10**9, 10**9  # far beyond any sheet
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _far_cell_exact(data: bytes) -> FarCell | None:
    """Walk every row and cell tag as a lenient reader does: references where given, counting where not.

    Tags are found by pattern, not by an XML parser, so that XML a strict parser rejects (and a lenient
    reader accepts) is measured too.
    """
    scan = _TagScan()
    for match in _TAG.finditer(data):
        closing, qname, attrs = match.group(1), match.group(2), match.group(3)
        local = qname.rsplit(b":", 1)[-1].lower()
        if closing:
            if local == b"c":
                scan.cell_end()
        elif local == b"row":
            scan.row_tag(attrs)
        elif local == b"c":
            scan.cell_tag(attrs)
        elif local in (b"v", b"is") and scan.pending is not None:
            scan.has_value = True
    return scan.extent.far()


class _TagScan:
    """Where a lenient reader would put each cell: references where given, counting where not."""

    def __init__(self) -> None:
        self.extent = Extent()
        self.row, self.col = -1, -1
        self.pending: tuple[int, int, str] | None = None
        self.has_value = False

    def row_tag(self, attrs: bytes) -> None:
        ref = _REF_ATTR.search(attrs)
        text = html.unescape(ref.group(2).decode("ascii", "replace")).strip() if ref else ""
        self.row = int(text) - 1 if text.isdigit() and len(text) < 10 else self.row + 1
        self.col = -1

    def cell_tag(self, attrs: bytes) -> None:
        ref = _REF_ATTR.search(attrs)
        text = html.unescape(ref.group(2).decode("ascii", "replace")) if ref else ""
        found = _position(text)
        self.row, self.col = found if found is not None else (self.row, self.col + 1)
        self.pending, self.has_value = (self.row, self.col, text.strip().upper()), False
        if attrs.endswith(b"/"):
            self.pending = None

    def cell_end(self) -> None:
        if self.pending and self.has_value:
            row, col, address = self.pending
            self.extent.add(row, col, address or xl_rowcol_to_cell(row, col))
        self.pending = None


def far_cell_refusal(name: str, sheet: str, far: FarCell) -> UnreadableFile:
    where = " và ".join(f"ô {a}" for a in far.addresses) or "ô rất xa"
    return refuse("far-cells",
                  f"Trang «{shown_name(sheet, 40)}» của tệp {name} có dữ liệu ở {where}, rất xa ngoài vùng biểu "
                  f"mẫu ({far.rows} dòng × {far.cols} cột): hãy xóa các dòng, cột thừa ở cuối trang rồi lưu lại.",
                  f"Sheet {sheet!r} of {name} holds data in {', '.join(far.addresses)}, far outside the form "
                  f"({far.rows} rows × {far.cols} columns): delete the extra rows and columns and save again.")
