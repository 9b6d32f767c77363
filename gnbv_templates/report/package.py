"""The annotated copy by zip surgery: the return's package copied part by part, with only what the copy
changes rewritten.

Added: the error sheet's part (``result_xml``), first in the workbook, its cell formats appended to the
return's styles (``stylebook``), comments parts and their drawings.  Edited in place: the format of each
marked cell, every formula that is not the form's own (replaced by the value the file showed), links
out of the workbook, defined names that call out.  Dropped: macros, links to other files, the
calculation chain, an earlier error sheet.  Every other part is copied as it is, so cached values,
protection, validation, hidden sheets and print setup stay exactly what the file had.

Nothing from the workbook is evaluated.  A structure this does not rewrite raises ``Unsupported`` before
anything is written; ``annotate`` then writes the copy with openpyxl.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.findings import Finding
from gnbv_templates.outputs import atomic_path
from gnbv_templates.read.formulas import formula_key
from gnbv_templates.read.identify import RESULT_SHEET
from gnbv_templates.read.reader import ReturnFile, open_return
from gnbv_templates.read.safety import MAX_ENTRIES, MAX_UNCOMPRESSED, printable
from gnbv_templates.report import marks
from gnbv_templates.report.notes_xml import (
    COMMENTS_CONTENT,
    COMMENTS_TYPE,
    VML_CONTENT,
    VML_TYPE,
    Note,
    comments_xml,
    only_notes,
    read_comments,
    vml_xml,
)
from gnbv_templates.report.result_sheet import plan_result_sheet
from gnbv_templates.report.result_xml import MAIN_NS, REL_NS, sheet_xml
from gnbv_templates.report.sheetedit import SheetEdit, Unsupported
from gnbv_templates.report.stylebook import StyleBook, StyleError

_MAIN = "{" + MAIN_NS + "}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_ID = "{" + REL_NS + "}id"
_SHEET_TYPE = REL_NS + "/worksheet"
_SHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_MAIN_CONTENT = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_DROPPED_TYPES = ("/vbaProject", "/externalLink", "/calcChain")
_OWN_NOTE = (144, 79)  # pixels: the size of a comment the file had, as a spreadsheet library draws it
_BROKEN = (KeyError, ValueError, IndexError, EOFError, zlib.error, zipfile.BadZipFile, ElementTree.ParseError,
           StyleError, UnicodeDecodeError, RecursionError, NotImplementedError)


@dataclass
class Rel:
    id: str
    type: str
    target: str  # the part it points to (package path), or the external target
    external: bool


@dataclass
class _Sheet:
    name: str
    rid: str
    part: str
    edit: SheetEdit | None = None
    rels_drop: set[str] = field(default_factory=set)
    rels_add: list[Rel] = field(default_factory=list)


def annotate_zip(report: Outcome, out: Path, *, lang: str = "vi") -> Path:
    """Write the annotated copy by zip surgery; raises Unsupported (nothing written) if it cannot."""
    source = Path(report.file)
    try:
        with zipfile.ZipFile(source) as archive:
            surgery = _Surgery(archive, report, lang)
            try:
                parts = surgery.run()
            finally:
                surgery.close()
    except Unsupported:
        raise
    except (*_BROKEN, OSError) as exc:
        raise Unsupported(f"{type(exc).__name__}") from None
    with atomic_path(out, inputs=(source,)) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED,
                                                                    compresslevel=1) as zout:
        for name, data in parts:
            zout.writestr(name, data)
    return Path(out)


def _rels(data: bytes, base: str) -> list[Rel]:
    """The relationships of a part in folder ``base``, their targets as package paths."""
    found = []
    for rel in ElementTree.fromstring(data).iter(f"{_PKG}Relationship"):
        target, external = rel.get("Target", ""), rel.get("TargetMode", "") == "External"
        if not external:
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{base}/{target}")
        found.append(Rel(rel.get("Id", ""), rel.get("Type", ""), target, external))
    return found


def _links_out(data: bytes) -> bool:
    """A relationships part with a target outside the package (read by the parser: any spacing or quoting)."""
    return b"External" in data and any(r.external for r in _parsed_rels(data))


def _parsed_rels(data: bytes) -> list[Rel]:
    """A relationships part as the parser reads it (any spacing or quoting); one that does not parse is
    not rewritten here."""
    try:
        return _rels(data, "")
    except (ElementTree.ParseError, ValueError) as exc:
        raise Unsupported("broken relationships part") from exc


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return f"{folder}/_rels/{name}.rels"


def _edit_rels(data: bytes | None, drop: set[str], add: list[Rel], base: str) -> bytes | None:
    """A relationships part with some relationships dropped and others added; None if none is left."""
    if data is None:
        data = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    for rid in drop:
        data = re.sub(rb'<Relationship\b[^>]*\bId="' + re.escape(rid.encode()) + rb'"[^>]*/>', b"", data)
    new = "".join(f'<Relationship Id="{r.id}" Type="{r.type}" Target={quoteattr(_relative(r.target, base))}/>'
                  for r in add)
    end = data.rfind(b"</Relationships>")
    if end < 0:
        raise Unsupported("relationships")
    data = data[:end] + new.encode() + data[end:]
    return data if b"<Relationship " in data else None


def _relative(target: str, base: str) -> str:
    return posixpath.relpath(target, base)


def _new_id(taken: set[str]) -> str:
    n = len(taken) + 1
    while f"rId{n}" in taken:
        n += 1
    taken.add(f"rId{n}")
    return f"rId{n}"


def _free_name(files: dict[str, bytes], pattern: str) -> str:
    n = 1
    while pattern.format(n) in files:
        n += 1
    name = pattern.format(n)
    files[name] = b""  # reserved
    return name


class _Surgery:
    def __init__(self, archive: zipfile.ZipFile, report: Outcome, lang: str) -> None:
        self.report, self.lang = report, lang
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(infos) > MAX_ENTRIES or sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
            raise Unsupported("larger than any return")  # (changed since it was checked): refused below
        if len(set(names)) != len(names) or any("activex" in n.lower() for n in names):
            raise Unsupported("duplicate parts or ActiveX controls")
        self.files: dict[str, bytes] = {name: archive.read(name) for name in names}
        self.order = list(names)
        self.dropped: set[str] = set()
        self.content_add: list[tuple[str, str]] = []  # (part, content type) of new parts
        self._original: ReturnFile | None = None
        self.styles = StyleBook(self.files["xl/styles.xml"])
        self.book_sheet_names: list[str] = []
        self.book_drop: set[str] = set()
        self.heading_row = 0

    def close(self) -> None:
        if self._original is not None:
            self._original.close()

    @property
    def original(self) -> ReturnFile:
        """The return as the checks read it (its values, for formulas replaced by them): opened only if needed."""
        if self._original is None:
            self._original = open_return(self.report.file)
        return self._original

    def run(self) -> list[tuple[str, bytes]]:
        for part in ("docProps/core.xml", "docProps/app.xml", "[Content_Types].xml"):
            if part in self.files:
                ElementTree.fromstring(self.files[part])  # a broken part is not carried into the copy
        book_rels = _rels(self.files["xl/_rels/workbook.xml.rels"], "xl")
        sheets, old_result = self._sheets(book_rels)
        self._drop_parts(book_rels, old_result)
        self._check_links(sheets)
        names = [RESULT_SHEET, *(s.name for s in sheets)]
        removed: list[Finding] = []
        for sheet in sheets:
            removed += self._disarm(sheet)
        report = marks.with_removed(self.report, removed)
        for sheet in sheets:
            self._mark(sheet, marks.grouped(report.findings, names))
        result_part = self._result_sheet(report, names)
        rid = _new_id({r.id for r in book_rels})
        self._workbook(sheets, old_result, result_part, rid, book_rels)
        return self._parts(sheets)

    # -- the workbook's parts ----------------------------------------------------------------------------------
    def _sheets(self, book_rels: list[Rel]) -> tuple[list[_Sheet], _Sheet | None]:
        book = self.files["xl/workbook.xml"]
        if not re.search(rb"<workbook[\s>]", book) or not re.search(rb"<sheets\s*>", book):
            raise Unsupported("workbook shape")
        targets = {r.id: r for r in book_rels}
        sheets, old = [], None
        elements = list(ElementTree.fromstring(book).iter(f"{_MAIN}sheet"))
        self.book_sheet_names = [e.get("name", "") for e in elements]
        for element in elements:
            rel = targets.get(element.get(_R_ID, ""))
            if rel is None or rel.external:
                raise Unsupported("sheet without a part")
            sheet = _Sheet(element.get("name", ""), rel.id, rel.target)
            if sheet.name == RESULT_SHEET:
                old = sheet
            elif rel.type == _SHEET_TYPE and sheet.part in self.files:
                sheets.append(sheet)
            elif rel.type == _SHEET_TYPE:
                raise Unsupported("missing sheet part")
        if len({s.part for s in sheets}) != len(sheets) or len(set(self.book_sheet_names)) != len(elements):
            raise Unsupported("two sheets in one part, or one name twice")
        return sheets, old

    def _drop_parts(self, book_rels: list[Rel], old_result: _Sheet | None) -> None:
        """Macros, links to other files, the calculation chain and an earlier error sheet."""
        self.book_drop = {r.id for r in book_rels if r.type.endswith(_DROPPED_TYPES)}
        for name in self.files:
            lowered = name.lower()
            if "vbaproject" in lowered or lowered.startswith("xl/externallinks/") or lowered == "xl/calcchain.xml":
                self.dropped.add(name)
        if old_result is not None:
            self.book_drop.add(old_result.rid)
            self.dropped |= {old_result.part, _rels_path(old_result.part)}
        if any(r.external for r in book_rels):
            raise Unsupported("workbook relationship to the outside")

    def _check_links(self, sheets: list[_Sheet]) -> None:
        """Links out of a sheet are dropped; any other relationship to the outside is not rewritten here."""
        sheet_rels = {_rels_path(s.part) for s in sheets}
        others = [data for name, data in self.files.items()
                  if name.endswith(".rels") and name not in self.dropped and name not in sheet_rels]
        if any(_links_out(data) for data in others):
            raise Unsupported("relationship to the outside")
        for sheet in sheets:
            rels = self._sheet_rels(sheet)
            if any(r.external and not r.type.endswith("/hyperlink") for r in rels):
                raise Unsupported("sheet relationship to the outside")
            outside = {r.id for r in rels if r.external}
            if outside:
                sheet.rels_drop |= outside
                self._edit(sheet).drop_hyperlinks(outside)

    def _sheet_rels(self, sheet: _Sheet) -> list[Rel]:
        data = self.files.get(_rels_path(sheet.part))
        return _rels(data, posixpath.dirname(sheet.part)) if data else []

    def _edit(self, sheet: _Sheet) -> SheetEdit:
        if sheet.edit is None:
            sheet.edit = SheetEdit(self.files[sheet.part])
        return sheet.edit

    # -- formulas ----------------------------------------------------------------------------------------------
    def _disarm(self, sheet: _Sheet) -> list[Finding]:
        """Every formula that is not the form's own replaced by the value the file showed."""
        edit = self._edit(sheet)
        if edit.outside_formulas():
            raise Unsupported("validation or conditional format calling out")
        ours = self._ours
        found = []
        for cell in edit.formulas():
            where = (sheet.name, cell.address)
            if where in ours and formula_key(cell.formula) == ours[where]:
                continue  # the form's own (most are): the kind of each cell is not needed
            if marks.kept_formula(where, cell.formula, ours, self.kinds):
                continue
            cached = self._cached(where)
            edit.replace_formula(cell, cached)
            found.append(marks.removed(sheet.name, cell.address, cell.formula or "=…", cached, self.kinds.get(where)))
        return found

    @cached_property
    def kinds(self) -> dict[tuple[str, str], str]:
        """(sheet, A1) → kind of cell: only needed for a formula replaced or a mark undone."""
        return marks.kinds(self.report)

    @cached_property
    def _ours(self) -> dict[tuple[str, str], str]:
        return marks.our_formulas(self.report)

    def _cached(self, where: tuple[str, str]) -> Any:
        sheet, address = where
        if sheet not in self.original.sheet_names:
            return None
        row, col = _rowcol(address)
        return self.original.value(sheet, row, col)

    # -- marks and comments ------------------------------------------------------------------------------------
    def _mark(self, sheet: _Sheet, grouped: dict[tuple[str, str], list[Finding]]) -> None:
        mine = {address: items for (name, address), items in grouped.items() if name == sheet.name}
        comments, vml, found = self._comments(sheet)
        if not mine and not any(marks.ours(author) for _, author in found.values()):
            return  # nothing to mark, nothing of ours to undo: the sheet's comments stay as written
        edit = self._edit(sheet)
        notes = self._cleared(sheet, edit, found)
        for address, items in mine.items():
            cell = edit.top_left(address)
            own = notes.get(cell)
            old = (own[0], own[1]) if own is not None and not marks.ours(own[1]) else None
            text, author = marks.note(items, self.lang, old)
            notes[cell] = (text, author, marks.NOTE_WIDTH, marks.note_height(items))
            edit.styles[cell] = self.styles.restyled(edit.style_of(cell), marks.mark_fill(items))
        self._write_notes(sheet, notes, comments, vml)

    def _comments(self, sheet: _Sheet) -> tuple[Rel | None, Rel | None, dict[str, tuple[str, str]]]:
        """The sheet's comments part, its drawing, and the comments it holds."""
        rels = self._sheet_rels(sheet)
        comments = next((r for r in rels if r.type == COMMENTS_TYPE and r.target in self.files), None)
        vml = next((r for r in rels if r.type == VML_TYPE and r.target in self.files), None)
        if vml is not None and not only_notes(self.files[vml.target]):
            raise Unsupported("drawing with form controls")
        found = read_comments(self.files[comments.target]) if comments else {}
        if any(not _A1_REF.fullmatch(ref) for ref in found):  # a comment's place is a cell address, nothing else
            raise Unsupported("comment reference")
        return comments, vml, found

    def _cleared(self, sheet: _Sheet, edit: SheetEdit, found: dict[str, tuple[str, str]]) -> dict[str, Note]:
        """The file's own comments; the marks of an earlier run undone."""
        notes: dict[str, Note] = {}
        for address, (text, author) in found.items():
            if not marks.ours(author):
                notes[address] = (text, author, *_OWN_NOTE)
                continue
            kept = marks.restored(text, author)
            if kept is not None:
                notes[address] = (*kept, *_OWN_NOTE)
            fill = marks.unmarked_fill(self.kinds.get((sheet.name, address)))
            edit.styles[address] = self.styles.restyled(edit.style_of(address), fill)
        return notes

    def _write_notes(self, sheet: _Sheet, notes: dict[str, Note], comments: Rel | None, vml: Rel | None) -> None:
        block = self.book_sheet_names.index(sheet.name) + 1 if sheet.name in self.book_sheet_names else 1
        if not notes:
            sheet.rels_drop |= {r.id for r in (comments, vml) if r is not None}
            self.dropped |= {r.target for r in (comments, vml) if r is not None}
            self._edit(sheet).drop_legacy = True
            return
        taken = {r.id for r in self._sheet_rels(sheet)}
        if comments is None:
            part = _free_name(self.files, "xl/comments{}.xml")
            comments = Rel(_new_id(taken), COMMENTS_TYPE, part, False)
            sheet.rels_add.append(comments)
            self.content_add.append((part, COMMENTS_CONTENT))
            self.order.append(part)
        if vml is None:
            part = _free_name(self.files, "xl/drawings/vmlDrawingGnbv{}.vml")
            vml = Rel(_new_id(taken), VML_TYPE, part, False)
            sheet.rels_add.append(vml)
            self.order.append(part)
            self._edit(sheet).legacy = vml.id
        self.files[comments.target] = comments_xml(notes)
        self.files[vml.target] = vml_xml(notes, block)

    # -- the error sheet and the workbook ----------------------------------------------------------------------
    def _result_sheet(self, report: Outcome, names: list[str]) -> str:
        plan = plan_result_sheet(report, self.lang, names, shown=printable)
        looks = {look: self.styles.look(look) for look in plan.looks()}
        part = _free_name(self.files, "xl/worksheets/sheet{}.xml")
        self.files[part] = sheet_xml(plan, looks)
        self.order.insert(self.order.index("xl/workbook.xml") + 1 if "xl/workbook.xml" in self.order else 0, part)
        self.content_add.append((part, _SHEET_CONTENT))
        self.heading_row = plan.heading_row
        return part

    def _workbook(self, sheets: list[_Sheet], old: _Sheet | None, part: str, rid: str, rels: list[Rel]) -> None:
        self.files["xl/workbook.xml"] = _edited_workbook(self.files["xl/workbook.xml"], self.book_sheet_names,
                                                         old.rid if old else None, rid, self.heading_row)
        new = _edit_rels(self.files["xl/_rels/workbook.xml.rels"], self.book_drop,
                         [Rel(rid, _SHEET_TYPE, part, False)], "xl")
        assert new is not None
        self.files["xl/_rels/workbook.xml.rels"] = new
        if "docProps/app.xml" in self.files:  # the list of sheet titles is no longer true: left out
            self.files["docProps/app.xml"] = re.sub(rb"<(HeadingPairs|TitlesOfParts)>.*?</\1>", b"",
                                                    self.files["docProps/app.xml"], flags=re.DOTALL)

    def _parts(self, sheets: list[_Sheet]) -> list[tuple[str, bytes]]:
        for sheet in sheets:
            rels_name = _rels_path(sheet.part)
            if sheet.rels_drop or sheet.rels_add:
                edited = _edit_rels(self.files.get(rels_name), sheet.rels_drop, sheet.rels_add,
                                    posixpath.dirname(sheet.part))
                if edited is None:
                    self.dropped.add(rels_name)
                else:
                    if rels_name not in self.files:
                        self.order.append(rels_name)
                    self.files[rels_name] = edited
            self.files[sheet.part] = self._edit(sheet).finish()  # every sheet is edited (_disarm), tab unselected
        self.files["xl/styles.xml"] = self.styles.to_bytes()
        self.files["[Content_Types].xml"] = _content_types(self.files["[Content_Types].xml"], self.dropped,
                                                           self.content_add)
        return [(name, self.files[name]) for name in dict.fromkeys(self.order) if name not in self.dropped]


def _rowcol(address: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]{1,3})(\d+)", address)
    if match is None:
        raise ValueError(address)
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)) - 1, col - 1


def _content_types(data: bytes, dropped: set[str], added: list[tuple[str, str]]) -> bytes:
    for part in dropped:
        data = re.sub(rb'<Override\b[^>]*PartName="/' + re.escape(part.encode()) + rb'"[^>]*/>', b"", data)
    data = re.sub(rb'<Default\b[^>]*ContentType="[^"]*vbaProject[^"]*"[^>]*/>', b"", data)
    data = re.sub(rb'<Override\b[^>]*ContentType="[^"]*vbaProject[^"]*"[^>]*/>', b"", data)
    data = data.replace(b"application/vnd.ms-excel.sheet.macroEnabled.main+xml", _MAIN_CONTENT)
    new = "".join(f'<Override PartName="/{part}" ContentType="{kind}"/>' for part, kind in added)
    if not re.search(rb'<Default\b[^>]*Extension="vml"', data, re.IGNORECASE):
        new += f'<Default Extension="vml" ContentType="{VML_CONTENT}"/>'
    end = data.rfind(b"</Types>")
    if end < 0:
        raise Unsupported("content types")
    return data[:end] + new.encode() + data[end:]


_DEFINED = re.compile(r"<definedName\b([^>]*)>([^<]*)</definedName>")
_A1_REF = re.compile(r"[A-Z]{1,3}[1-9][0-9]{0,6}")


def _edited_workbook(data: bytes, old_names: list[str], old_rid: str | None, rid: str, heading_row: int) -> bytes:
    text = data.decode("utf-8")
    if re.search(r"<definedName\b[^>]*/>", text):
        raise Unsupported("empty defined name")
    # a defined name is checked only as written plainly: a comment, CDATA, a processing instruction or a prefix
    # anywhere in the workbook part would hide one from the check, so such a part is not rewritten here
    body = re.sub(r"^<\?xml\s[^>]*\?>", "", text)  # the declaration alone may come before the root
    if re.search(r"<!|<\?|<[A-Za-z_][\w.-]*:definedName\b", body):
        raise Unsupported("workbook part written otherwise")
    if len(_DEFINED.findall(text)) != len(re.findall(r"<definedName\b", text)):
        raise Unsupported("defined name written otherwise")
    if old_rid is not None:
        text = re.sub(r'<sheet\b[^>]*:id="' + re.escape(old_rid) + r'"[^>]*/>', "", text)
    new_order = [RESULT_SHEET, *(n for n in old_names if n != RESULT_SHEET)]
    sheet = f'<sheet xmlns:r="{REL_NS}" name={quoteattr(RESULT_SHEET)} sheetId="{_free_sheet_id(text)}" r:id="{rid}"/>'
    text = re.sub(r"<sheets\s*>", lambda m: m.group() + sheet, text, count=1)
    text = re.sub(r"<externalReferences>.*?</externalReferences>", "", text, flags=re.DOTALL)

    def name(match: re.Match[str]) -> str:
        attrs, value = match.group(1), html.unescape(match.group(2))
        if not marks.plain_reference(value):
            return ""
        local = re.search(r'localSheetId="(\d+)"', attrs)
        if local is None:
            return match.group()
        index = int(local.group(1))
        owner = old_names[index] if index < len(old_names) else None
        if owner is None or owner == RESULT_SHEET:
            return ""
        attrs = attrs.replace(local.group(), f'localSheetId="{new_order.index(owner)}"')
        return f"<definedName{attrs}>{match.group(2)}</definedName>"

    text = _DEFINED.sub(name, text)
    quoted = RESULT_SHEET.replace("'", "''")
    titles = (f'<definedName name="_xlnm.Print_Titles" localSheetId="0">'
              f"{escape(chr(39) + quoted + chr(39))}!${heading_row}:${heading_row}</definedName>")
    if "</definedNames>" in text:
        text = text.replace("</definedNames>", titles + "</definedNames>", 1)
    else:
        text = re.sub(r"</sheets>", lambda m: m.group() + f"<definedNames>{titles}</definedNames>", text, count=1)
    text = _views_and_calculation(text)
    return text.encode("utf-8")


def _free_sheet_id(text: str) -> int:
    ids = [int(n) for n in re.findall(r'<sheet\b[^>]*\bsheetId="(\d+)"', text)]
    return max(ids, default=0) + 1


def _views_and_calculation(text: str) -> str:
    """The error sheet is the one shown; everything is recalculated when the copy is opened."""
    def view(match: re.Match[str]) -> str:
        tag = re.sub(r'\s(?:activeTab|firstSheet)="[^"]*"', "", match.group())
        return tag[: -2 if tag.endswith("/>") else -1].rstrip() + ' activeTab="0"' + (
            "/>" if tag.endswith("/>") else ">")

    text = re.sub(r"<workbookView\b[^>]*>", view, text)
    if re.search(r"<calcPr\b", text):
        return re.sub(r"<calcPr\b([^>]*?)(\s+fullCalcOnLoad=\"[^\"]*\")?\s*(/?)>",
                      lambda m: f'<calcPr{m.group(1)} fullCalcOnLoad="1"{m.group(3)}>', text, count=1)
    return text.replace("</definedNames>", '</definedNames><calcPr fullCalcOnLoad="1"/>', 1)
