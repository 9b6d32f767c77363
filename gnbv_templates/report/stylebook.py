"""The return's styles part, with the cell formats the annotated copy adds appended to it.

Existing fonts, fills, borders and cell formats keep their indices (every cell of the return keeps its
look); new ones are appended and the part is spliced as bytes, so whatever else it holds (namespaces,
extensions, differential formats) is carried over as written.  A cell is marked by pointing it at a
copy of its own format with the fill changed.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from defusedxml import ElementTree

from gnbv_templates.report.result_sheet import Look
from gnbv_templates.report.result_xml import BORDER_XML, alignment_xml, fill_xml, font_xml

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_LISTS = ("fonts", "fills", "borders", "cellXfs")
_KEPT_CHILDREN = ("alignment", "protection")


class StyleError(ValueError):
    """A styles part whose shape the splice does not know."""


class StyleBook:
    def __init__(self, data: bytes) -> None:
        self.data = data
        root = ElementTree.fromstring(data)
        if root.tag != f"{_MAIN}styleSheet":
            raise StyleError("not a styles part")
        self.counts: dict[str, int] = {}
        self._xf_elements = []
        for name in _LISTS:
            found = root.find(f"{_MAIN}{name}")
            if found is None:
                raise StyleError(f"no {name}")
            self.counts[name] = len(found)
            if name == "cellXfs":
                self._xf_elements = list(found)
        self.added: dict[str, list[str]] = {name: [] for name in _LISTS}
        self._fills: dict[str | None, int] = {}
        self._looks: dict[Look, int] = {}
        self._restyled: dict[tuple[int, str | None], int] = {}
        self._border: int | None = None

    def _add(self, name: str, xml: str) -> int:
        self.added[name].append(xml)
        return self.counts[name] + len(self.added[name]) - 1

    def fill(self, color: str | None) -> int:
        if color not in self._fills:
            self._fills[color] = self._add("fills", fill_xml(color))
        return self._fills[color]

    def look(self, look: Look) -> int:
        """The cell format of a look of the error sheet."""
        if look not in self._looks:
            font = self._add("fonts", font_xml(look))
            fill = self.fill(look.fill) if look.fill else 0
            border = 0
            if look.boxed:
                if self._border is None:
                    self._border = self._add("borders", BORDER_XML)
                border = self._border
            align = alignment_xml(look)
            self._looks[look] = self._add(
                "cellXfs", f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0" '
                f'applyFont="1"{" applyFill=" + quoteattr("1") if look.fill else ""}'
                f'{" applyBorder=" + quoteattr("1") if look.boxed else ""}'
                f'{" applyAlignment=" + quoteattr("1") + ">" + align + "</xf>" if align else "/>"}')
        return self._looks[look]

    def restyled(self, index: int, color: str | None) -> int:
        """A copy of cell format ``index`` with a solid fill of ``color`` (RRGGBB), or no fill."""
        key = (index, color)
        if key not in self._restyled:
            if not 0 <= index < len(self._xf_elements):
                index = 0
            if not self._xf_elements:
                raise StyleError("no cell formats")
            xf = self._xf_elements[index]
            attrs = {k: v for k, v in xf.attrib.items() if "}" not in k}
            attrs["fillId"], attrs["applyFill"] = str(self.fill(color)), "1"
            children = "".join(_child(xf, name) for name in _KEPT_CHILDREN)
            head = "<xf" + "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
            self._restyled[key] = self._add("cellXfs", f"{head}>{children}</xf>" if children else f"{head}/>")
        return self._restyled[key]

    def to_bytes(self) -> bytes:
        data = self.data
        for name in _LISTS:
            if self.added[name]:
                data = _append(data, name, self.counts[name] + len(self.added[name]), "".join(self.added[name]))
        return data


def _child(xf: object, name: str) -> str:
    found = xf.find(f"{_MAIN}{name}")  # type: ignore[attr-defined]
    if found is None:
        return ""
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in found.attrib.items() if "}" not in k)
    return f"<{name}{attrs}/>"


def _append(data: bytes, name: str, count: int, xml: str) -> bytes:
    opening = re.search(rb"<" + name.encode() + rb"\b[^>]*>", data)
    closing = data.find(b"</" + name.encode() + b">")
    if opening is None or opening.group().endswith(b"/>") or closing < opening.end():
        raise StyleError(f"{name} not where expected")
    tag = opening.group()
    counted = re.sub(rb'\scount="\d*"', b"", tag[:-1]) + b' count="%d">' % count
    return data[: opening.start()] + counted + data[opening.end() : closing] + xml.encode() + data[closing:]
