"""Many units' packs from one rendered workbook: write a shape once, stamp each unit's strings into it.

Units of the same level with as many units below them have packs that differ only in text: the
unit's name and code in the headers, the names of the units below on Biểu 15, the metadata.  An
xlsx file keeps text apart from the sheets, in the shared-string table (``xl/sharedStrings.xml``);
the sheets refer to its entries by number.  So the second unit's pack is the first unit's zip with
that one part (and the creation time) replaced; every other part is copied as it is, still compressed.

Whether that holds is checked for every unit, not assumed: the writer's own code lays out the unit's
pack against a recorder that keeps every call it makes, with formats known by their properties and
strings set apart in the order they are written (that order numbers the shared-string table).  Only
when that skeleton is the template's, call for call, and its strings repeat one another exactly where
the template's do, is the unit stamped; otherwise (a longer name that wraps onto another line, two
texts that happen to be equal) its pack is written in full.  Either way the file is byte for byte what
``generate`` writes for that unit.

What a sheet's grid records depends on its layout alone (when nothing is typed in), so
it is recorded once per layout and reused for the next unit (``_Segments``): a unit's skeleton costs
its headers, its signature lines and its metadata.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable
from xlsxwriter.worksheet import Worksheet

from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.context import Issue
from gnbv_templates.forms.model import FormLayout
from gnbv_templates.generate.writer import Key, PackWriter, _Formats
from gnbv_templates.outputs import atomic_path

SHARED_STRINGS = "xl/sharedStrings.xml"
CORE = "docProps/core.xml"
_DATE = re.compile(rb"(<dcterms:(?:created|modified) [^>]*>)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)(<)")
_PER_KEY = 4
_COPY_CHUNK = 8192  # how zipfile.write copies a part from the file xlsxwriter wrote: the same deflate calls
_LOCAL_HEADER = 30  # bytes of a zip member's local header before its name and extra field
_SEGMENTS_KEPT = 48  # a pack's layouts, with room for a few shapes


class _Sheet:
    """Stands in for an xlsxwriter worksheet: remembers the calls; strings go to the recorder's list."""

    def __init__(self, recorder: _Recorder, name: str) -> None:
        self._calls = recorder.calls
        self._strings = recorder.strings
        self._calls.append(("sheet", name))
        self.name = name

    def write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        self._calls.append(("s", row, col, cell_format))
        self._strings.append(string)
        return 0

    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int, data: Any,
                    cell_format: Any = None) -> int:
        if isinstance(data, str) and data:
            self._strings.append(data)
            data = "string"
        else:  # xlsxwriter writes an empty text in a merged range as a blank cell, not an entry
            data = ("value", data)
        self._calls.append(("merge", first_row, first_col, last_row, last_col, data, cell_format))
        return 0

    # the calls made once per cell, spelled out (a generic stand-in would build a function per call)
    def write_formula(self, row: int, col: int, formula: str, cell_format: Any = None, value: Any = 0) -> int:
        self._calls.append(("f", row, col, formula, cell_format, value))
        return 0

    def write_blank(self, row: int, col: int, blank: Any, cell_format: Any = None) -> int:
        self._calls.append(("b", row, col, cell_format))
        return 0

    def write_number(self, row: int, col: int, number: float, cell_format: Any = None) -> int:
        self._calls.append(("n", row, col, number, cell_format))
        return 0

    def set_row(self, row: int, height: float | None = None, cell_format: Any = None, options: Any = None) -> int:
        self._calls.append(("row", row, height, cell_format, options))
        return 0

    def __getattr__(self, method: str) -> Any:
        calls = self._calls

        def call(*args: Any, **kwargs: Any) -> int:
            calls.append((method, args, tuple(sorted(kwargs.items())) if kwargs else ()))
            return 0

        return call


class _Recorder:
    """Stands in for an xlsxwriter workbook, for PackWriter's own layout code."""

    def __init__(self, formats: dict[tuple, int]) -> None:
        self.calls: list[tuple] = []
        self.strings: list[str] = []
        # a format is known by its properties, the same number in every pack: xlsxwriter numbers
        # the formats of a file in the order the sheets first use them, so equal calls, equal styles
        self._formats = formats

    def add_worksheet(self, name: str, worksheet_class: Any = None) -> _Sheet:
        return _Sheet(self, name)

    def add_format(self, properties: dict[str, Any]) -> int:
        return self._formats.setdefault(tuple(sorted(properties.items())), len(self._formats))

    def table(self) -> tuple[list[int], list[str]]:
        """Each string's entry in the shared-string table, and the table's entries."""
        # as xlsxwriter numbers them: in the order first written (write_string makes an entry even
        # of an empty text)
        index: dict[str, int] = {}
        numbers = [index.setdefault(s, len(index)) for s in self.strings]
        return numbers, list(index)


class _Segments:
    """Calls and strings of the parts of a pack that depend on a layout only, by layout and place."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple, tuple[FormLayout, tuple[tuple, ...], tuple[str, ...], Any]] = OrderedDict()

    def record(self, recorder: _Recorder, what: str, layout: FormLayout, where: Any,
               write: Callable[[], Any]) -> Any:
        """What ``write`` records and returns, recorded by running it only the first time."""
        key = (what, id(layout), where)
        found = self._kept.get(key)
        if found is not None and found[0] is layout:  # the layout itself, kept here: its id is not reused
            self._kept.move_to_end(key)
            recorder.calls.extend(found[1])
            recorder.strings.extend(found[2])
            return found[3]
        calls, strings = len(recorder.calls), len(recorder.strings)
        result = write()
        self._kept[key] = (layout, tuple(recorder.calls[calls:]), tuple(recorder.strings[strings:]), result)
        while len(self._kept) > _SEGMENTS_KEPT:
            self._kept.popitem(last=False)
        return result


class _RecordingWriter(PackWriter):
    """The writer's own code against a recorder, the parts decided by a layout recorded once."""

    def __init__(self, writer: PackWriter, recorder: _Recorder, segments: _Segments) -> None:
        super().__init__(writer.catalog, writer.issue)
        self._recorder = recorder
        self._segments = segments

    def _write_grid(self, ws: Worksheet, fmt: _Formats, layout: FormLayout, widths: list[float],
                    values: Mapping[Key, Any], locked: set[tuple[str, str, str]]) -> None:
        def write() -> None:
            super(_RecordingWriter, self)._write_grid(ws, fmt, layout, widths, values, locked)

        if not values and not locked and not self._overrides:  # then the grid is its layout's alone
            self._segments.record(self._recorder, "grid", layout, None, write)
        else:
            write()


def _skeleton(writer: PackWriter, form_ids: list[str] | None, values: Mapping[str, Any] | None,
              formats: dict[tuple, int], segments: _Segments) -> _Recorder:
    """Everything the writer would do for this pack, without writing it."""
    recorder = _Recorder(formats)
    recording = _RecordingWriter(writer, recorder, segments)
    style = _Formats(recorder)  # the recorder stands in for the workbook
    layouts = recording.layouts(form_ids)
    for layout in layouts:
        recording._write_form(recorder, style, layout, (values or {}).get(layout.id, {}), set())
    recording._write_meta(recorder, layouts, set())
    return recorder


class _Strings:
    """A pack's shared-string table as xlsxwriter writes it, entry by entry: units of one shape share
    most of their strings, and only the entries that differ are written again."""

    def __init__(self, strings: list[str], count: int) -> None:
        table = SharedStringTable()
        for text in strings:
            table._get_shared_string_index(text)
        table.count = count
        table._sort_string_data()
        self.strings: list[str] = table.string_array
        self._writer = SharedStrings()
        self._writer.string_table = table
        self.head = self._capture(lambda w: (w._xml_declaration(), w._write_sst()))
        self.entries = [self._entry(text) for text in self.strings]
        self.tail = self._capture(lambda w: w._xml_end_tag("sst"))

    def _capture(self, write: Any) -> str:
        self._writer.fh = io.StringIO()
        write(self._writer)
        return self._writer.fh.getvalue()

    def _entry(self, text: str) -> str:
        return self._capture(lambda w: w._write_si(text))

    def xml(self, strings: list[str] | None = None) -> bytes:
        entries = self.entries
        if strings is not None:
            changed = [i for i, (text, was) in enumerate(zip(strings, self.strings, strict=True)) if text != was]
            entries = entries.copy()
            for i, entry in zip(changed, self._entries([strings[i] for i in changed]), strict=True):
                entries[i] = entry
        return (self.head + "".join(entries) + self.tail).encode("utf-8")

    def _entries(self, texts: list[str]) -> list[str]:
        """Entries of several texts, written in one go (an entry ends at its only ``</si>``: text is escaped)."""
        pieces = self._capture(lambda w: [w._write_si(text) for text in texts]).split("</si>")
        if len(pieces) != len(texts) + 1:  # a rich string, written by xlsxwriter as it is: one by one
            return [self._entry(text) for text in texts]
        return [piece + "</si>" for piece in pieces[:-1]]


class _Part:
    """One member of the template's zip: its entry, and its local header and data exactly as stored."""

    def __init__(self, info: zipfile.ZipInfo, data: bytes, stored: bytes) -> None:
        self.info = info
        self.data = data  # uncompressed: for the members a unit changes
        self.stored = stored


class _Template:
    def __init__(self, calls: list[tuple], numbers: list[int], parts: list[_Part], strings: _Strings) -> None:
        self.calls = calls
        self.numbers = numbers
        self.parts = parts
        self.strings = strings


def _parts(path: Path) -> list[_Part]:
    raw = path.read_bytes()
    parts = []
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        for info in book.infolist():
            start = info.header_offset
            name_len, extra_len = int.from_bytes(raw[start + 26 : start + 28], "little"), \
                int.from_bytes(raw[start + 28 : start + 30], "little")
            end = start + _LOCAL_HEADER + name_len + extra_len + info.compress_size
            changed = info.filename in (SHARED_STRINGS, CORE)
            parts.append(_Part(info, book.read(info) if changed else b"", raw[start:end]))
    return parts


class Stamper:
    """Writes packs like ``PackWriter.write``, stamping where a pack of the same shape was written."""

    def __init__(self, catalog: Catalog, *, kept: int = 16) -> None:
        self.catalog = catalog
        self.kept = kept
        # by a cheap key, the few skeletons seen with it (units whose names wrap differently, say)
        self._templates: OrderedDict[tuple, list[_Template]] = OrderedDict()
        self._formats: dict[tuple, int] = {}
        self._segments = _Segments()
        self.stamped = 0
        self.written = 0

    def write(self, issue: Issue, path: Path | str, *, form_ids: list[str] | None = None,
              values: Mapping[str, Any] | None = None, created: datetime | None = None) -> Path:
        writer = PackWriter(self.catalog, issue)
        recorder = _skeleton(writer, form_ids, values, self._formats, self._segments)
        numbers, strings = recorder.table()
        key = (tuple(form_ids or ()), len(recorder.calls), len(strings))
        candidates = self._templates.get(key, [])
        for template in candidates:
            if template.calls == recorder.calls and template.numbers == numbers:
                self._templates.move_to_end(key)
                self._stamp(template, strings, Path(path), created)
                self.stamped += 1
                return Path(path)
        written = writer.write(path, form_ids=form_ids, values=values)
        self.written += 1
        parts = _parts(written)
        table = _Strings(strings, len(numbers))
        # stamped only where the table, rebuilt here, is the very part xlsxwriter wrote
        if any(p.info.filename == SHARED_STRINGS and p.data == table.xml() for p in parts):
            template = _Template(recorder.calls, numbers, parts, table)
            self._templates[key] = [*candidates[-(_PER_KEY - 1):], template]
            self._templates.move_to_end(key)
            while len(self._templates) > self.kept:
                self._templates.popitem(last=False)
        return written

    def _stamp(self, template: _Template, strings: list[str], path: Path, created: datetime | None) -> None:
        when = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                                                       allowZip64=True) as out:
            for part in template.parts:
                name = part.info.filename
                if name == SHARED_STRINGS:
                    _write_part(out, part.info, template.strings.xml(strings))
                elif name == CORE:
                    _write_part(out, part.info, _DATE.sub(lambda m: m.group(1) + when + m.group(3), part.data))
                else:
                    _copy_part(out, part)


def _write_part(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    with out.open(_copy_info(info), "w") as dest:
        view = memoryview(data)
        for start in range(0, len(data), _COPY_CHUNK):
            dest.write(view[start : start + _COPY_CHUNK])


def _copy_part(out: zipfile.ZipFile, part: _Part) -> None:
    """A member the unit does not change: its stored bytes as they are, not compressed again."""
    fp = out.fp
    assert fp is not None  # an open archive
    fp.seek(out.start_dir)
    info = _copy_info(part.info)
    info.flag_bits = part.info.flag_bits
    info.CRC, info.compress_size, info.file_size = part.info.CRC, part.info.compress_size, part.info.file_size
    info.header_offset = fp.tell()
    fp.write(part.stored)
    out.start_dir = fp.tell()
    out.filelist.append(info)
    out.NameToInfo[info.filename] = info


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    part = zipfile.ZipInfo(info.filename, info.date_time)
    part.compress_type = info.compress_type
    part.external_attr = info.external_attr
    part.create_system = info.create_system
    part.create_version = info.create_version
    part.extract_version = info.extract_version
    part.flag_bits = info.flag_bits & ~0x08  # sizes go in the header, as for a seekable file
    part.internal_attr = info.internal_attr
    part.extra = info.extra
    part.comment = info.comment
    return part
