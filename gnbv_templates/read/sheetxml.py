"""Which cells of a sheet's XML hold a formula, a computed value, or an Excel error.

The XML parser (expat, with no DTD: ``safety.sniff`` refused any) is the definition.  Elements are
matched by local name, as the value reader (python-calamine) matches them: ``<x:c>`` and ``<c>`` are
one cell whatever prefix or namespace is declared, so a prefix cannot hide a formula from the checks
while its value is still read.  A cell counts only inside ``sheetData/row``; a formula only as a
direct child of a cell.

Parsing every element of fifteen sheets in Python costs several times a whole validation, so the
common shape is read faster: UTF-8, no prefixed sheet elements, no comment, CDATA section or
processing instruction inside the sheet data.  There every ``<`` starts a tag, and only the tags
around a ``<f`` or a ``t="e"`` need to be read exactly.  Anything the fast reading does not fully
understand sends the whole sheet to the parser; ``tests/test_hostile_xml.py`` checks that both
readings agree on mutated sheets.
"""

from __future__ import annotations

import html
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from xml.parsers import expat

Pos = tuple[int, int]


class SheetXmlError(ValueError):
    """The sheet XML is not well-formed (or declares what no sheet needs)."""


@dataclass
class SheetMarks:
    formulas: dict[Pos, str] = field(default_factory=dict)  # "" for a shared formula's followers
    uncached: set[Pos] = field(default_factory=set)  # a formula with no computed value
    errors: dict[Pos, str] = field(default_factory=dict)  # #REF!, #DIV/0! …


def scan(data: bytes, *, max_rows: int, max_cols: int) -> SheetMarks:
    """Formulas, uncached formulas and error values of a worksheet part (0-based positions)."""
    fast = _fast(data, max_rows, max_cols)
    return fast if fast is not None else parse(data, max_rows=max_rows, max_cols=max_cols)


# -- the parser ------------------------------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Walk:
    """Where the parser is in a sheet: the open elements, the row and column, the cell being read."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.row, self.col = -1, -1
        self.cell: Pos | None = None
        self.start = 0  # byte where the cell's tag starts
        self.attrs: dict[str, str] = {}
        self.kind = ""
        self.formula: str | None = None
        self.formula_attrs: dict[str, str] = {}
        self.value: str | None = None
        self.text: list[str] | None = None

    def open(self, name: str, attrs: dict[str, str]) -> str:
        """Enter an element; returns what it is to the walk: "row", "cell", "f", "v" or ""."""
        local = _local(name)
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(local)
        if local == "row" and parent == "sheetData":
            self.row, self.col = _row_number(attrs, self.row), -1
            return "row"
        if local == "c" and parent == "row" and len(self.stack) >= 3 and self.stack[-3] == "sheetData":
            self.row, self.col = _cell_position(attrs, self.row, self.col)
            self.cell, self.attrs, self.kind = (self.row, self.col), attrs, _attr(attrs, "t")
            self.formula, self.formula_attrs, self.value = None, {}, None
            return "cell"
        if local in ("f", "v") and parent == "c" and self.cell is not None:
            self.text = []
            if local == "f":
                self.formula_attrs = attrs
            return local
        return ""

    def close(self, name: str) -> str:
        """Leave an element; returns "cell" when a cell is complete."""
        local = self.stack.pop() if self.stack else _local(name)
        inside_cell = bool(self.stack) and self.stack[-1] == "c"
        if local in ("f", "v") and self.text is not None and inside_cell:
            text, self.text = "".join(self.text), None
            if local == "f":
                self.formula = text
            elif self.value is None:
                self.value = text
            return local
        if local == "c" and self.cell is not None and self.stack and self.stack[-1] == "row":
            return "cell"
        return ""


def _parser(walk: _Walk, on_cell: Callable[[expat.XMLParserType], None]) -> expat.XMLParserType:
    parser = expat.ParserCreate()  # no namespace processing: names are matched by their local part
    parser.buffer_text = True

    def forbid(*_: object) -> None:
        raise SheetXmlError("DTD or entity declaration")

    def start(name: str, attrs: dict[str, str]) -> None:
        what = walk.open(name, attrs)
        if what == "cell":
            walk.start = parser.CurrentByteIndex
        elif what in ("f", "v") and walk.text is not None:
            parser.CharacterDataHandler = walk.text.append

    def end(name: str) -> None:
        what = walk.close(name)
        if what in ("f", "v"):
            parser.CharacterDataHandler = None
        elif what == "cell":
            on_cell(parser)
            walk.cell = None

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    return parser


def _run(parser: expat.XMLParserType, data: bytes) -> None:
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SheetXmlError(str(exc)) from None


def parse(data: bytes, *, max_rows: int, max_cols: int) -> SheetMarks:
    """The reference reading, element by element (raises SheetXmlError if the XML is not well-formed)."""
    marks = SheetMarks()
    walk = _Walk()

    def on_cell(_: expat.XMLParserType) -> None:
        assert walk.cell is not None
        _record(marks, walk.cell, walk.kind, walk.formula, walk.value, max_rows, max_cols)

    _run(_parser(walk, on_cell), data)
    return marks


def _attr(attrs: dict[str, str], local: str) -> str:
    if local in attrs:
        return attrs[local]
    for key, value in attrs.items():  # a prefixed attribute (x:r) is read as calamine reads it
        if _local(key) == local:
            return value
    return ""


def _row_number(attrs: dict[str, str], previous: int) -> int:
    text = _attr(attrs, "r").strip()
    return int(text) - 1 if text.isdigit() and 0 < len(text) < 10 else previous + 1


_A1 = re.compile(r"\s*([A-Za-z]{1,4})(\d{1,9})\s*")


def _cell_position(attrs: dict[str, str], row: int, col: int) -> Pos:
    match = _A1.fullmatch(_attr(attrs, "r"))
    if match is None:
        return (max(row, 0), col + 1)
    number = 0
    for ch in match.group(1).upper():
        number = number * 26 + ord(ch) - 64
    return int(match.group(2)) - 1, number - 1


def _record(marks: SheetMarks, at: Pos, kind: str, formula: str | None, value: str | None,
            max_rows: int, max_cols: int) -> None:
    if not (0 <= at[0] < max_rows and 0 <= at[1] < max_cols):
        return  # past what is read of a sheet; the size guard has refused anything far larger
    if formula is not None:
        marks.formulas[at] = formula
        if value is None or value == "":
            marks.uncached.add(at)
    if kind.strip() == "e":
        marks.errors[at] = (value or "").strip() or "#N/A"


# -- the fast reading of the common shape ------------------------------------------------------------------

_PREFIXED = re.compile(rb":(?:sheetData|row|c|f|v)[\s/>]")  # (or such text in a formula: then slower, not wrong)
_F_TAG = re.compile(rb"<f[\s/>]")
_T_CANDIDATE = re.compile(rb"""t=["'][^s]|t\s+=|t=\s""")
_T_OTHER = re.compile(rb"""t(?<=[\s:]t)\s*=\s*["']\s*(?!s)""")  # an attribute t (or x:t) but t="s…"
_START = re.compile(rb"""<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(/?)>""")
_ATTR = re.compile(rb"""([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_CELL_TAG = re.compile(rb"<c[\s/>]")


class _Unusual(Exception):
    """Something the fast reading does not fully understand: the parser decides."""


def _fast(data: bytes, max_rows: int, max_cols: int) -> SheetMarks | None:
    shape = _common_shape(data)
    if shape is None:
        return None
    body, start, end = shape
    cells: dict[int, _Cell] = {}
    try:
        usual = _usual(body, start, end, max_rows, max_cols)
        if usual is not None:
            return usual
        plain = _plain_formula_cells(body, start, end, cells)
        if len(plain) != body.count(b"<f", start, end):  # some formula is written otherwise
            _other_formula_cells(body, start, end, cells, plain)
        _error_cells(body, start, end, cells)
    except (_Unusual, UnicodeDecodeError):
        return None
    marks = SheetMarks()
    for at, kind, formula, value in cells.values():
        _record(marks, at, kind, formula, value, max_rows, max_cols)
    return marks


_Cell = tuple[Pos, str, str | None, str | None]  # position, t, formula text, computed value


def _common_shape(data: bytes) -> tuple[bytes, int, int] | None:
    """(text, start, end of the sheet data) if the sheet has the common shape the fast reading knows."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        return None
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    encoding = _ENCODING.match(data, bom)
    if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    body = data[bom:]
    if _has_markup(body):
        return None  # a comment, CDATA section or processing instruction: only a parser reads those right
    if _PREFIXED.search(body):
        return None
    opened = _START.match(body, max(body.find(b"<sheetData"), 0))
    if opened is None or opened.group(1) != b"sheetData" or body.count(b"<sheetData") != 1:
        return None
    if opened.group(3):  # <sheetData/>: no cells
        return body, opened.end(), opened.end()
    end = body.find(b"</sheetData>", opened.end())
    return None if end < 0 else (body, opened.end(), end)


def _has_markup(body: bytes) -> bool:
    """A ``<!`` anywhere or a ``<?`` after the XML declaration ("!" and "?" are rare: looked for first)."""
    declaration = _DECLARATION.match(body)
    after = declaration.end() if declaration else 0
    return (b"!" in body and b"<!" in body) or (body.find(b"?", after) >= 0 and body.find(b"<?", after) >= 0)


def _usual(body: bytes, start: int, end: int, max_rows: int, max_cols: int) -> SheetMarks | None:
    """The usual sheet, read in one pass: every formula written the plain way, and no attribute ``t``
    but the shared strings' ``t="s"`` (so no error value).  None if the sheet is not so."""
    if _T_OTHER.search(body, start, end):
        return None
    found = _PLAIN_FORMULA_CELL.findall(body, start, end)
    if len(found) != body.count(b"<f", start, end):
        return None
    marks = SheetMarks()
    if not found:
        return marks
    letters, digits, _, raw_formulas, values = zip(*found, strict=True)
    texts = list(map(_cached_text, raw_formulas))  # b"" for <f/>, as for a shared formula's followers
    _check_values(values)
    ats = list(map(_at, letters, digits))
    if min(ats)[0] >= 0 and max(ats)[0] < max_rows and max(map(itemgetter(1), ats)) < max_cols:
        marks.formulas.update(zip(ats, texts, strict=True))  # a cell written twice keeps its last formula
        marks.uncached.update(compress(ats, map(operator.not_, values)))
        return marks
    for at, text, value in zip(ats, texts, values, strict=True):
        if 0 <= at[0] < max_rows and 0 <= at[1] < max_cols:
            marks.formulas[at] = text
            if not value:
                marks.uncached.add(at)
    return marks


def _check_values(values: tuple[bytes, ...]) -> None:
    """Raise where reading each computed value as text would give up (plain ASCII needs no look)."""
    joined = b"".join(values)
    if b"&" in joined or not joined.isascii():
        for value in values:
            if b"&" in value or not value.isascii():
                _text(value)


def _plain_formula_cells(body: bytes, start: int, end: int, cells: dict[int, _Cell]) -> set[int]:
    """Formula cells written the plain way; returns where their <f> tags are."""
    plain: set[int] = set()
    for match in _PLAIN_FORMULA_CELL.finditer(body, start, end):
        plain.add(match.end(3) + 1)
        letters, digits, attrs, formula, value = match.groups()
        t_attr = _T_ATTR.search(attrs) if b"t=" in attrs else None
        cells[match.start()] = ((int(digits) - 1, _column(letters)),
                                t_attr.group(1).decode("ascii", "replace") if t_attr else "",
                                _cached_text(formula or b""), None if value is None else _cached_text(value))
    return plain


def _other_formula_cells(body: bytes, start: int, end: int, cells: dict[int, _Cell], plain: set[int]) -> None:
    for match in _F_TAG.finditer(body, start, end):
        if match.start() in plain:
            continue
        cell_at = _enclosing_cell(body, match.start(), start)
        if cell_at not in cells:
            cells[cell_at] = _cell(body, cell_at, end)


def _error_cells(body: bytes, start: int, end: int, cells: dict[int, _Cell]) -> None:
    for match in _T_CANDIDATE.finditer(body, start, end):  # any t= but the usual t="s…"
        tag_at = body.rfind(b"<", start, match.start())
        tag = _START.match(body, tag_at) if tag_at >= 0 else None
        if tag is None or tag.end() <= match.start():
            raise _Unusual  # an attribute outside any tag the pattern reads
        if tag.group(1) == b"c" and tag_at not in cells and _attr(_attrs(tag.group(2)), "t").strip() == "e":
            cells[tag_at] = _cell(body, tag_at, end)


# A formula cell as Excel, LibreOffice, openpyxl and xlsxwriter write it, read exactly by one pattern:
# reference first, plain attributes, a formula, at most one value, nothing else.
_PLAIN_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"((?: [a-z]+="[^"&<]*")*)>'
    rb'<f(?: [a-z]+="[^"&<]*")*(?:/>|>([^<]*)</f>)(?:<v>([^<]*)</v>|<v/>|<v></v>)?</c>')
_T_ATTR = re.compile(rb' t="([^"]*)"')


@lru_cache(maxsize=4096)
def _column(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number - 1


@lru_cache(maxsize=65_536)
def _at(letters: bytes, digits: bytes) -> Pos:
    """The same few thousand cells hold formulas in every return of a form."""
    return int(digits) - 1, _column(letters)


@lru_cache(maxsize=65_536)
def _cached_text(raw: bytes) -> str:
    """Formula texts repeat from sheet to sheet and file to file."""
    return _text(raw)


def _enclosing_cell(body: bytes, at: int, floor: int) -> int:
    """Where the <c> tag holding the tag at ``at`` starts."""
    cell_at = body.rfind(b"<c", floor, at)
    while cell_at >= 0 and not _CELL_TAG.match(body, cell_at):
        cell_at = body.rfind(b"<c", floor, cell_at)
    if cell_at < 0:
        raise _Unusual
    return cell_at


def _cell(body: bytes, cell_at: int, limit: int) -> _Cell:
    """(position, t, formula text, computed value) of the cell whose tag starts at ``cell_at``."""
    tag = _START.match(body, cell_at)
    if tag is None or tag.group(1) != b"c" or tag.group(3):
        raise _Unusual
    close = body.find(b"</c>", tag.end(), limit)
    if close < 0:
        raise _Unusual
    inner = body[tag.end():close]
    if _CELL_TAG.search(inner) or b"</c " in inner or b"</c\n" in inner:
        raise _Unusual
    attrs = _attrs(tag.group(2))
    if _A1.fullmatch(attrs.get("r", "")) is None:
        raise _Unusual  # counting cells needs every row and cell before it: the parser does that
    formula: str | None = None
    value: str | None = None
    for name, text in _children(inner):
        if name == b"f" and formula is None:
            formula = text
        elif name == b"v" and value is None:
            value = text
    return _cell_position(attrs, 0, -1), _attr(attrs, "t"), formula, value


def _children(inner: bytes) -> Iterator[tuple[bytes, str]]:
    """(name, text) of each child element of a cell; text is read for <f> and <v> only."""
    pos = 0
    while (lt := inner.find(b"<", pos)) >= 0:
        if inner[pos:lt].strip():
            raise _Unusual  # text directly in a cell
        child = _START.match(inner, lt)
        if child is None:
            raise _Unusual
        name = child.group(1)
        if child.group(3):
            pos = child.end()
            yield name, ""
            continue
        closing = b"</" + name + b">"
        stop = inner.find(closing, child.end())
        if stop < 0 or inner.count(b"<" + name, child.end(), stop):
            raise _Unusual  # unclosed, or nested elements of one name: leave it to the parser
        raw = inner[child.end():stop]
        if name in (b"f", b"v") and b"<" in raw:
            raise _Unusual
        pos = stop + len(closing)
        yield name, _text(raw) if name in (b"f", b"v") else ""
    if inner[pos:].strip():
        raise _Unusual


_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)")


def _attrs(raw: bytes) -> dict[str, str]:
    return {m.group(1).decode("ascii", "replace"): _text(m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR.finditer(raw)}


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as an XML parser normalises line ends
    if "&" not in text:
        return text
    if _REFERENCE.search(text):
        raise _Unusual  # not one of XML's own references: the parser decides (and refuses it)
    return html.unescape(text)


# -- where formula cells are, for rewriting a sheet ------------------------------------------------------------


def formula_cells(data: bytes) -> list[tuple[int, int, dict[str, str], dict[str, str], str, Pos]]:
    """(start, end byte, cell attributes, formula attributes, formula text, position) of every formula cell.

    For rewriting a sheet this program wrote (the annotated copy): the parser gives each cell's exact
    span, whatever the attribute order or quoting."""
    found: list[tuple[int, int, dict[str, str], dict[str, str], str, Pos]] = []
    walk = _Walk()

    def on_cell(parser: expat.XMLParserType) -> None:
        index = parser.CurrentByteIndex  # where </c> starts
        close = data.find(b">", index) + 1 if data.startswith(b"</", index) else index
        if walk.formula is not None and walk.cell is not None:
            found.append((walk.start, close, dict(walk.attrs), dict(walk.formula_attrs), walk.formula, walk.cell))

    _run(_parser(walk, on_cell), data)
    return found
