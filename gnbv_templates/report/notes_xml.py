"""Cell comments as SpreadsheetML: the comments part and the legacy (VML) drawing that shows them.

A sheet's comments are read (the text of every run joined, as a reader shows it), merged with the
annotated copy's notes, and written anew with the drawing Excel and LibreOffice need to show them.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from defusedxml import ElementTree

from gnbv_templates.forms.a1 import xl_cell_to_rowcol
from gnbv_templates.forms.cellxml import xml_text
from gnbv_templates.report.result_xml import MAIN_NS

_MAIN = "{" + MAIN_NS + "}"
COMMENTS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
VML_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"

Note = tuple[str, str, int, int]  # text, author, width, height (pixels)


def read_comments(data: bytes) -> dict[str, tuple[str, str]]:
    """Address → (text, author) of every comment of a comments part."""
    root = ElementTree.fromstring(data)
    authors = [a.text or "" for a in root.iter(f"{_MAIN}author")]
    found: dict[str, tuple[str, str]] = {}
    for comment in root.iter(f"{_MAIN}comment"):
        body = comment.find(f"{_MAIN}text")
        text = "" if body is None else "".join(_runs(body))
        index = comment.get("authorId", "0")
        author = authors[int(index)] if index.isdigit() and int(index) < len(authors) else ""
        found[comment.get("ref", "")] = (text, author)
    return found


def _runs(body: object) -> list[str]:
    texts = []
    for child in body:  # type: ignore[attr-defined]
        if child.tag == f"{_MAIN}t":
            texts.append(child.text or "")
        elif child.tag == f"{_MAIN}r":
            texts += [t.text or "" for t in child.iter(f"{_MAIN}t")]
    return texts


def only_notes(vml: bytes) -> bool:
    """A legacy drawing that shows comments and nothing else (no form controls to keep)."""
    kinds = set()
    text = vml.decode("utf-8", "replace")
    start = text.find('ObjectType="')
    while start >= 0:
        end = text.find('"', start + 12)
        kinds.add(text[start + 12 : end])
        start = text.find('ObjectType="', end)
    return kinds <= {"Note"}


def comments_xml(notes: dict[str, Note]) -> bytes:
    authors = list(dict.fromkeys(author for _, author, _, _ in notes.values()))
    items = "".join(
        f'<comment ref={quoteattr(ref)} authorId="{authors.index(author)}">'
        f'<text><t xml:space="preserve">{xml_text(text)}</t>'
        "</text></comment>"
        for ref, (text, author, _, _) in _in_order(notes))
    people = "".join(f"<author>{xml_text(a)}</author>" for a in authors)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN_NS}">'
            f"<authors>{people}</authors><commentList>{items}</commentList></comments>").encode()


def _in_order(notes: dict[str, Note]) -> list[tuple[str, Note]]:
    return sorted(notes.items(), key=lambda item: xl_cell_to_rowcol(item[0]))


def vml_xml(notes: dict[str, Note], block: int) -> bytes:
    """The drawing of the notes; ``block`` keeps shape ids apart from other sheets' (1024 per block)."""
    shapes = []
    for i, (ref, (_, _, width, height)) in enumerate(_in_order(notes), 1):
        row, col = xl_cell_to_rowcol(ref)
        style = ("position:absolute; margin-left:59.25pt;margin-top:1.5pt;"
                 f"width:{width}px;height:{height}px;z-index:{i};visibility:hidden")
        shapes.append(
            f'<v:shape id="_x0000_s{block * 1024 + i}" type="#_x0000_t202" style={quoteattr(style)} '
            'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
            f"<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>")
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
            '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
            '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
            + "".join(shapes) + "</xml>").encode("utf-8")

