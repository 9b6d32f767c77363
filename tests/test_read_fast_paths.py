"""The reader's fast readings of sheet XML say what the exact ones say, and are the ones used on a plain return.

- The size guard (``safety.far_cell``): its one search per sheet agrees with the tag-by-tag measure on
  sheets given cells anywhere (inside and just outside the boxes it trusts, far away, written oddly).
- The formula scan (``sheetxml._fast`` and its one-pass reading of the usual sheet): agrees with the parser
  on sheets given attributes ``t`` of every kind (error values hide there), and reads every form sheet of a
  return the fast way.
"""

from __future__ import annotations

import re

import corpus as C
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gnbv_templates.read import safety, sheetxml

PARTS = C.entries(C.CLEAN)
WIDE = PARTS[C.sheet_part(C.CLEAN, "Biểu 02")]  # columns past Z
NARROW = PARTS[C.sheet_part(C.CLEAN, "Biểu 05")]
# packs of earlier releases kept a map of every cell below the metadata: thousands of rows in column A
META = PARTS[C.sheet_part(C.CLEAN, "_gnbv_meta")].replace(
    b"</sheetData>",
    b"".join(b'<row r="%d"><c r="A%d" t="s"><v>1</v></c></row>' % (r, r) for r in range(40, 3_040)) + b"</sheetData>")
FORMS = ["Biểu 01", "Biểu 02", "Biểu 03", "Biểu 15"]

settings.register_profile("fast-paths", deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile("fast-paths")

# rows and columns around the edges of the boxes the fast search trusts (9999 × DZ, 99999 × Z) and far past them
ROWS = st.one_of(st.sampled_from([1, 9_999, 10_000, 23_076, 23_077, 99_999, 100_000, 115_384, 115_385, 1_048_576]),
                 st.integers(1, 1_100_000))
COLUMNS = st.one_of(st.sampled_from(["A", "Z", "AA", "AK", "CZ", "DZ", "EA", "ZZ", "AAA", "XFD", "xfd", "ZZZZ"]),
                    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4))
BODIES = st.sampled_from(["<v>1</v>", "", '<is><t>x</t></is>', "<f>1+1</f>", "<v></v>"])
SHAPES = st.sampled_from(['<c r="{ref}"{attrs}>{body}</c>', '<c r="{ref}"{attrs}/>', "<c r='{ref}'{attrs}>{body}</c>",
                          '<c  r="{ref}"{attrs}>{body}</c>', '<c{attrs} r="{ref}">{body}</c>',
                          '<c r=" {ref} "{attrs}>{body}</c>', '<c r="&#{code};{rest}"{attrs}>{body}</c>',
                          '<c{attrs}>{body}</c>'])
ATTRS = st.sampled_from(["", ' s="3"', ' t="n"', ' t="s"', ' s="1" t="inlineStr"'])


@st.composite
def cells(draw) -> str:
    ref = f"{draw(COLUMNS)}{draw(ROWS)}"
    shape = draw(SHAPES)
    return shape.format(ref=ref, attrs=draw(ATTRS), body=draw(BODIES), code=ord(ref[0]), rest=ref[1:])


def _with_cells(data: bytes, added: list[tuple[str, bool]]) -> bytes:
    """Cells put in a row of their own at the end, or into the sheet's first row."""
    for cell, own_row in added:
        if own_row:
            data = data.replace(b"</sheetData>", f"<row>{cell}</row></sheetData>".encode(), 1)
        else:
            at = data.find(b"<row ")
            at = data.find(b">", at) + 1
            data = data[:at] + cell.encode() + data[at:]
    return data


@settings(PROFILE, max_examples=300)
@given(base=st.sampled_from([WIDE, NARROW, META]), added=st.lists(st.tuples(cells(), st.booleans()), max_size=3))
def test_the_size_guard_agrees_with_the_exact_measure(base, added):
    data = _with_cells(base, added)
    assert safety.far_cell(data) == safety._far_cell_exact(data)


@pytest.mark.parametrize("data", [WIDE, NARROW, META], ids=["wide", "narrow", "meta"])
def test_a_plain_sheet_is_measured_by_the_fast_search(data, monkeypatch):
    def exact(_: bytes) -> None:
        raise AssertionError("measured tag by tag")

    monkeypatch.setattr(safety, "_far_cell_exact", exact)
    assert safety.far_cell(data) is None


def test_a_far_value_past_the_wide_box_is_refused():
    for ref in ("DZ1048576", "EA999999", "A1048576"):
        data = _with_cells(WIDE, [(f'<c r="{ref}"><v>1</v></c>', True)])
        far = safety.far_cell(data)
        assert far is not None and ref in far.addresses


# -- the formula scan ------------------------------------------------------------------------------------------------
T_ATTRS = st.sampled_from([' t="e"', " t='e'", ' t=" e "', ' t = "e"', ' x:t="e"', ' t="s"', ' t="str"', ' t="n"',
                           ' t="b"', ' ht="36"', ' t="&#101;"', ' t="se"', ' T="e"', ""])


@settings(PROFILE, max_examples=300)
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), T_ATTRS, st.sampled_from(["<v>#REF!</v>", "<v>1</v>", ""])),
                      min_size=1, max_size=3))
def test_the_usual_sheet_reading_agrees_with_the_parser(edits):
    data = WIDE
    spans = [m.span() for m in re.finditer(rb'<c r="[A-Z]+\d+"', data)]
    for i, attr, value in edits:
        _, end = spans[i % len(spans)]
        data = data[:end] + attr.encode() + data[end:]
        if value:
            close = data.find(b">", end)
            data = data[: close + 1] + value.encode() + data[close + 1:] if data[close - 1:close] != b"/" else data
        spans = [m.span() for m in re.finditer(rb'<c r="[A-Z]+\d+"', data)]
    try:
        parsed = sheetxml.parse(data, max_rows=5000, max_cols=200)
    except sheetxml.SheetXmlError:
        return
    fast = sheetxml._fast(data, 5000, 200)
    if fast is not None:
        assert (fast.formulas, fast.uncached, fast.errors) == (parsed.formulas, parsed.uncached, parsed.errors)


@pytest.mark.parametrize("sheet", FORMS)
def test_every_form_sheet_of_a_return_is_read_in_one_pass(sheet):
    data = PARTS[C.sheet_part(C.CLEAN, sheet)]
    body, start, end = sheetxml._common_shape(data)  # type: ignore[misc]
    usual = sheetxml._usual(body, start, end, 5000, 200)
    parsed = sheetxml.parse(data, max_rows=5000, max_cols=200)
    assert usual is not None and usual.formulas
    assert (usual.formulas, usual.uncached, usual.errors) == (parsed.formulas, parsed.uncached, parsed.errors)
