"""Builders of bad, odd and hostile workbooks, made at test time from a good return.

Everything here writes new files (in a test's tmp directory); nothing is committed as a binary
fixture.  Edits are made the way the files arrive: in the zip and its XML (as another program
would write them), or with openpyxl (as a person editing in a spreadsheet program would).
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from gnbv_templates.forms.resources import examples_dir

RETURNS = examples_dir() / "returns"
FAULTY = RETURNS / "huyen_chi_lang_2025-H1_co_loi.xlsx"
CLEAN = RETURNS / "huyen_chi_lang_2025-H1_sach.xlsx"

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


# -- zip level ---------------------------------------------------------------------------------------------------
def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(out, parts: Iterable[tuple[str, bytes]], *, level: int = zipfile.ZIP_DEFLATED):
    """Write parts (a path or a binary file object), in order, duplicates and all."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are made on purpose
        with zipfile.ZipFile(out, "w", level) as archive:
            for name, data in parts:
                archive.writestr(name, data)
    return out


def rezip(src: Path, out: Path, *, replace: dict[str, bytes] | None = None, drop: Iterable[str] = (),
          add: dict[str, bytes] | None = None) -> Path:
    parts = entries(src)
    for name in drop:
        parts.pop(name, None)
    parts.update(replace or {})
    parts.update(add or {})
    return write_zip(out, parts.items())


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member holding a sheet's XML."""
    parts = entries(path)
    book = ElementTree.fromstring(parts["xl/workbook.xml"])
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_NS_PKG}Relationship")}
    for element in book.iter(f"{_NS_MAIN}sheet"):
        if element.get("name") == sheet:
            target = targets[element.get(f"{_NS_REL}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet)


def edit_sheet_xml(src: Path, out: Path, sheet: str, change: Callable[[bytes], bytes]) -> Path:
    part = sheet_part(src, sheet)
    data = entries(src)[part]
    changed = change(data)
    assert changed != data, "the edit changed nothing"
    return rezip(src, out, replace={part: changed})


def _cell_pattern(address: str) -> re.Pattern[bytes]:
    return re.compile(rb'<c r="' + address.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)


def replace_cell(src: Path, out: Path, sheet: str, address: str, inner: str, t: str | None = None) -> Path:
    """Rewrite one cell's XML, keeping its style: ``inner`` is what goes between <c> and </c>."""

    def change(data: bytes) -> bytes:
        pattern = _cell_pattern(address)
        match = pattern.search(data)
        assert match, address
        style = re.search(rb'\ss="\d+"', match.group(1))
        head = f'<c r="{address}"'.encode() + (style.group(0) if style else b"") + (f' t="{t}"'.encode() if t else b"")
        return data[: match.start()] + head + b">" + inner.encode() + b"</c>" + data[match.end() :]

    return edit_sheet_xml(src, out, sheet, change)


def text_cell(src: Path, out: Path, sheet: str, address: str, text: str) -> Path:
    """A string typed into a cell, written inline (no sharedStrings entry)."""
    return replace_cell(src, out, sheet, address, f'<is><t xml:space="preserve">{escape(text)}</t></is>', "inlineStr")


def shared_text_cell(src: Path, out: Path, sheet: str, address: str, text: str) -> Path:
    """A string typed into a cell, written as Excel does: an index into sharedStrings.xml."""
    parts = entries(src)
    strings = parts["xl/sharedStrings.xml"]
    index = strings.count(b"<si>")
    strings = strings.replace(b"</sst>", f"<si><t>{escape(text)}</t></si></sst>".encode())
    tmp = rezip(src, out.with_suffix(".strings.xlsx"), replace={"xl/sharedStrings.xml": strings})
    return replace_cell(tmp, out, sheet, address, f"<v>{index}</v>", "s")


def number_cell(src: Path, out: Path, sheet: str, address: str, value: float) -> Path:
    return replace_cell(src, out, sheet, address, f"<v>{value!r}</v>")


def empty_cell(src: Path, out: Path, sheet: str, address: str) -> Path:
    return replace_cell(src, out, sheet, address, "")


def add_cell_xml(src: Path, out: Path, sheet: str, cell_xml: str, row: int, *, dimension: str | None = None) -> Path:
    """Append a row holding ``cell_xml`` at the end of a sheet's data (and optionally claim a dimension)."""

    def change(data: bytes) -> bytes:
        data = data.replace(b"</sheetData>", f'<row r="{row}">{cell_xml}</row></sheetData>'.encode())
        if dimension:
            data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data)
        return data

    return edit_sheet_xml(src, out, sheet, change)


# -- whole files of other kinds -----------------------------------------------------------------------------------
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) holding the given streams.

    That is the container of an .xls workbook (stream "Workbook") and of an .xlsx encrypted with a
    password to open (streams "EncryptionInfo" and "EncryptedPackage")."""
    names = list(streams)
    assert len(names) <= 3
    sector = 512
    data_sectors: list[bytes] = []
    starts: list[int] = []
    fat = [_FATSECT, _END]  # sector 0: the FAT, sector 1: the directory
    for name in names:
        body = streams[name].ljust(4096, b"\0")  # ≥ 4096 bytes: kept in regular sectors, not the mini stream
        count = -(-len(body) // sector)
        start = 2 + len(data_sectors)
        starts.append(start)
        for i in range(count):
            data_sectors.append(body[i * sector : (i + 1) * sector].ljust(sector, b"\0"))
            fat.append(start + i + 1 if i < count - 1 else _END)
    assert len(fat) <= sector // 4
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [_FREE] * (sector // 4 - len(fat))))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", _FREE, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, 1 if names else _FREE, _FREE, _END, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else _FREE
        directory += entry(name, 2, _FREE, right, starts[i], len(streams[name]))
    directory = directory.ljust(sector, b"\0")
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([_FREE] * 108))
    return bytes(header) + fat_sector + directory + b"".join(data_sectors)


def encrypted_xlsx(out: Path) -> Path:
    """What Excel writes for "Encrypt with password": an OLE file, not a zip."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<?xml version=\"1.0\"?><encryption/>"
    out.write_bytes(ole_file({"EncryptionInfo": info, "EncryptedPackage": b"\x10\x00" * 300}))
    return out


def fake_xls(out: Path) -> Path:
    out.write_bytes(ole_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\0" * 200}))
    return out


def fake_doc(out: Path) -> Path:
    out.write_bytes(ole_file({"WordDocument": b"\xec\xa5" + b"\0" * 200}))
    return out


def xlsb(out: Path) -> Path:
    return write_zip(out, [("[Content_Types].xml", b"<Types/>"), ("xl/workbook.bin", b"\x83\x01\x00"),
                           ("xl/worksheets/sheet1.bin", b"\x81\x01\x00")])


def encrypted_ods(out: Path) -> Path:
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                b'opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" '
                b'manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/>'
                b"</manifest:file-entry></manifest:manifest>")
    return write_zip(out, [("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
                           ("META-INF/manifest.xml", manifest), ("content.xml", b"\x8f\x02" * 500)])


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                             .encode() for i in range(1, 10))
                  + b"]>\n")


def xml_bomb(src: Path, out: Path, part: str) -> Path:
    """The part's XML with a billion-laughs DTD in front of its root, and the entity used inside."""
    data = entries(src)[part]
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    body = body.replace(b"<t>", b"<t>&lol9;", 1) if b"<t>" in body else body.replace(b"<v>", b"<v>&lol9;", 1)
    return rezip(src, out, replace={part: BILLION_LAUGHS + body})


def utf16_bomb(src: Path, out: Path, part: str) -> Path:
    """The same DTD, hidden from a byte-level search by UTF-16 encoding."""
    data = entries(src)[part]
    body = data.split(b"?>", 1)[1].decode("utf-8")
    text = BILLION_LAUGHS.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>') + body
    return rezip(src, out, replace={part: b"\xff\xfe" + text.encode("utf-16-le")})


def zip_bomb_ratio(out: Path, size: int = 60 * 1024 * 1024) -> Path:
    """One entry of zeros: 60 MB that deflate to about 60 KB."""
    parts = entries(CLEAN)
    parts["xl/media/padding.xml"] = b"\0" * size
    return write_zip(out, parts.items())


def zip_bomb_entries(out: Path, count: int = 5_001) -> Path:
    parts = list(entries(CLEAN).items()) + [(f"xl/extra/{i}.xml", b"<a/>") for i in range(count)]
    return write_zip(out, parts, level=zipfile.ZIP_STORED)


def zip_bomb_declared(out: Path) -> Path:
    """A zip whose directory declares 350 MB for a 1 MB entry: no entry looks like a bomb, the total does."""
    import os

    parts = entries(CLEAN)
    parts["xl/media/image1.png"] = os.urandom(1_048_576)  # does not compress: ratio 350 after the patch
    raw = bytearray(write_zip(out, parts.items()).read_bytes())
    at = raw.find(b"PK\x01\x02")
    while at >= 0:  # central directory records: uncompressed size at offset 24, name at 46
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + length] == b"xl/media/image1.png":
            struct.pack_into("<I", raw, at + 24, 350 * 1024 * 1024)
        at = raw.find(b"PK\x01\x02", at + 4)
    out.write_bytes(bytes(raw))
    return out


# -- things added to a good workbook -------------------------------------------------------------------------------
def with_macros(src: Path, out: Path) -> Path:
    """An .xlsm: a VBA project and the macro-enabled content type."""
    parts = entries(src)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
        b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
    parts["xl/vbaProject.bin"] = ole_file({"VBA": b"Attribute VB_Name = \"Auto_Open\"\nShell \"calc.exe\""})
    return write_zip(out, parts.items())


def with_external_link(src: Path, out: Path, target: str = "file:///C:/secret/other.xlsx") -> Path:
    """A link to another workbook, as Excel writes one when a formula refers to another file."""
    parts = entries(src)
    parts["xl/externalLinks/externalLink1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b'<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>5</v></cell></row></sheetData>'
        b"</sheetDataSet></externalBook></externalLink>")
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="'
        + target.encode() + b'" TargetMode="External"/></Relationships>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdExt1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
        b"</Relationships>")
    book = parts["xl/workbook.xml"]
    book = re.sub(rb"(</sheets>)", rb'\1<externalReferences><externalReference r:id="rIdExt1"/>'
                  rb"</externalReferences>", book, count=1)
    if b'xmlns:r="' not in book.split(b">", 2)[1]:
        book = book.replace(b"<workbook ", b'<workbook xmlns:r="http://schemas.openxmlformats.org/'
                            b'officeDocument/2006/relationships" ', 1)
    parts["xl/workbook.xml"] = book
    return write_zip(out, parts.items())
