"""Many units' packs from one rendered workbook: write a shape once, stamp each unit's strings into it.

Units of the same level with as many units below them have packs that differ only in text: the
unit's name and code in the headers, the names of the units below on Biểu 15, the metadata.  An
xlsx file keeps text apart from the sheets, in the shared-string table (``xl/sharedStrings.xml``);
the sheets refer to its entries by number.  So the second unit's pack is the first unit's zip with
that one part (and the creation time) replaced.

Whether that holds is checked for every unit, not assumed: the writer's own code lays out the unit's
pack against a recorder that keeps every call it makes, with strings replaced by their number in the
shared-string table.  Only when that skeleton is the template's, call for call, is the unit stamped;
otherwise (a longer name that wraps onto another line, two texts that happen to be equal) its pack is
written in full.  Either way the file is byte for byte what ``generate`` writes for that unit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable

from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.context import Issue
from gnbv_templates.generate.writer import PackWriter, _Formats
from gnbv_templates.outputs import atomic_path

SHARED_STRINGS = "xl/sharedStrings.xml"
CORE = "docProps/core.xml"
_DATE = re.compile(rb"(<dcterms:(?:created|modified) [^>]*>)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)(<)")
_PER_KEY = 4
_COPY_CHUNK = 8192  # how zipfile.write copies a part from the file xlsxwriter wrote: the same deflate calls


class _Sheet:
    """Stands in for an xlsxwriter worksheet: remembers the calls, strings by their table number."""

    def __init__(self, recorder: _Recorder, name: str) -> None:
        self._recorder = recorder
        self._calls = recorder.calls
        self._calls.append(("sheet", name))
        self.name = name

    def write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        self._calls.append(("s", row, col, self._recorder.index(string), cell_format))
        return 0

    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int, data: Any,
                    cell_format: Any = None) -> int:
        text = self._recorder.index(data) if isinstance(data, str) else ("value", data)
        self._calls.append(("merge", first_row, first_col, last_row, last_col, text, cell_format))
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

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.table = SharedStringTable()
        self._formats: dict[tuple, int] = {}

    def index(self, string: str) -> int | None:
        # as xlsxwriter does: an empty string is a blank cell, not an entry of the table
        return self.table._get_shared_string_index(string) if string != "" else None

    def add_worksheet(self, name: str) -> _Sheet:
        return _Sheet(self, name)

    def add_format(self, properties: dict[str, Any]) -> int:
        return self._formats.setdefault(tuple(sorted(properties.items())), len(self._formats))


def _skeleton(writer: PackWriter, form_ids: list[str] | None, values: Mapping[str, Any] | None) -> _Recorder:
    """Everything the writer would do for this pack, without writing it."""
    recorder = _Recorder()
    formats = _Formats(recorder)
    layouts = writer.layouts(form_ids)
    writer._overrides = {}
    for layout in layouts:
        writer._write_form(recorder, formats, layout, (values or {}).get(layout.id, {}), set())
    writer._write_meta(recorder, layouts, set())
    return recorder


class _Strings:
    """A pack's shared-string table as xlsxwriter writes it, entry by entry: units of one shape share
    most of their strings, and only the entries that differ are written again."""

    def __init__(self, table: SharedStringTable) -> None:
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
        if strings is None:
            entries = self.entries
        else:
            old = self.strings
            entries = [self.entries[i] if text == old[i] else self._entry(text) for i, text in enumerate(strings)]
        return (self.head + "".join(entries) + self.tail).encode("utf-8")


class _Template:
    def __init__(self, calls: list[tuple], parts: list[tuple[zipfile.ZipInfo, bytes]], strings: _Strings) -> None:
        self.calls = calls
        self.parts = parts
        self.strings = strings


class Stamper:
    """Writes packs like ``PackWriter.write``, stamping where a pack of the same shape was written."""

    def __init__(self, catalog: Catalog, *, kept: int = 16) -> None:
        self.catalog = catalog
        self.kept = kept
        # by a cheap key, the few skeletons seen with it (units whose names wrap differently, say)
        self._templates: OrderedDict[tuple, list[_Template]] = OrderedDict()
        self.stamped = 0
        self.written = 0

    def write(self, issue: Issue, path: Path | str, *, form_ids: list[str] | None = None,
              values: Mapping[str, Any] | None = None, created: datetime | None = None) -> Path:
        writer = PackWriter(self.catalog, issue)
        recorder = _skeleton(writer, form_ids, values)
        key = (tuple(form_ids or ()), len(recorder.calls), recorder.table.count)
        candidates = self._templates.get(key, [])
        for template in candidates:
            if template.calls == recorder.calls:
                self._templates.move_to_end(key)
                self._stamp(template, recorder.table, Path(path), created)
                self.stamped += 1
                return Path(path)
        written = writer.write(path, form_ids=form_ids, values=values)
        self.written += 1
        with zipfile.ZipFile(written) as book:
            parts = [(info, book.read(info)) for info in book.infolist()]
        strings = _Strings(recorder.table)
        # stamped only where the table, rebuilt here, is the very part xlsxwriter wrote
        if any(info.filename == SHARED_STRINGS and data == strings.xml() for info, data in parts):
            self._templates[key] = [*candidates[-(_PER_KEY - 1):], _Template(recorder.calls, parts, strings)]
            self._templates.move_to_end(key)
            while len(self._templates) > self.kept:
                self._templates.popitem(last=False)
        return written

    def _stamp(self, template: _Template, table: SharedStringTable, path: Path, created: datetime | None) -> None:
        when = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                                                       allowZip64=True) as out:
            for info, data in template.parts:
                if info.filename == SHARED_STRINGS:
                    table._sort_string_data()
                    data = template.strings.xml(table.string_array)
                elif info.filename == CORE:
                    data = _DATE.sub(lambda m: m.group(1) + when + m.group(3), data)
                with out.open(_copy_info(info), "w") as dest:
                    view = memoryview(data)
                    for start in range(0, len(data), _COPY_CHUNK):
                        dest.write(view[start : start + _COPY_CHUNK])


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

