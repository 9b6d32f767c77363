"""Mutating the sheet XML of a valid return, element by element (insert, drop, duplicate, re-prefix,
change numbers and formulas): what the program reads of formulas, values and errors never depends on
how the XML is written, nothing crashes or hangs, memory stays bounded, the input is never changed, and
an input cell given a value no form accepts is never reported clean.

Bounded for CI by a settings profile (a few hundred examples, well under a minute); the hang guard
(tests/test_fuzz.py) only stops a run that hangs, it is no speed target.
"""

from __future__ import annotations

import hashlib
import re
import tracemalloc

import corpus as C
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import hang_guard

from gnbv_templates.errors import UnreadableFile
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.read import sheetxml
from gnbv_templates.report.validate import validate

CATALOG, RULES = load_catalog(), load_rules()
SHEET = "Biểu 02"
PART = C.sheet_part(C.CLEAN, SHEET)
PARTS = C.entries(C.CLEAN)
XML = PARTS[PART]
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CELLS = [m.span() for m in re.finditer(rb"<c [^>]*?(?:/>|>.*?</c>)", XML, re.S)]
INPUT = ("F18", 3150.795)  # B02 row 05 col 3, money, an input cell
MAX_PEAK = 400 * 1024 * 1024  # bytes allocated in Python while validating one mutated return

settings.register_profile("hostile", deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile("hostile")


# -- mutations of the XML text, each still well-formed (or deliberately not) ----------------------------------
def reprefix(data: bytes, _: int, prefix: str) -> bytes:
    name = (re.sub(r"[^A-Za-z]", "", prefix) or "x")[:3].encode()
    data = data.replace(b'xmlns="' + MAIN + b'"', b'xmlns:' + name + b'="' + MAIN + b'"', 1)
    return re.sub(rb"<(/?)(?![\w.-]+:)([A-Za-z_][\w.-]*)", rb"<\1" + name + rb":\2", data)


def _cell(data: bytes, i: int) -> tuple[int, int] | None:
    spans = [m.span() for m in re.finditer(rb"<c [^>]*?(?:/>|>.*?</c>)", data, re.S)]
    return spans[i % len(spans)] if spans else None


def drop(data: bytes, i: int, _: str) -> bytes:
    span = _cell(data, i)
    return data if span is None else data[: span[0]] + data[span[1]:]


def duplicate(data: bytes, i: int, _: str) -> bytes:
    span = _cell(data, i)
    return data if span is None else data[: span[1]] + data[span[0]: span[1]] + data[span[1]:]


def number(data: bytes, i: int, text: str) -> bytes:
    values = list(re.finditer(rb"<v>([^<]*)</v>", data))
    if not values:
        return data
    found = values[i % len(values)]
    return data[: found.start(1)] + C.escape(text).encode() + data[found.end(1):]


def formula(data: bytes, i: int, text: str) -> bytes:
    found = list(re.finditer(rb"<f>([^<]*)</f>", data))
    if not found:
        return data
    one = found[i % len(found)]
    return data[: one.start(1)] + C.escape(text).encode() + data[one.end(1):]


def insert_formula(data: bytes, i: int, text: str) -> bytes:
    """A formula put into a cell that had only a value (as a person types one)."""
    values = list(re.finditer(rb"(<c [^>]*>)(<v>[^<]*</v>)", data))
    if not values:
        return data
    one = values[i % len(values)]
    return data[: one.end(1)] + b"<f>" + C.escape(text or "1+1").encode() + b"</f>" + data[one.end(1):]


def attribute_order(data: bytes, i: int, _: str) -> bytes:
    """r written after the other attributes, with single quotes: the same XML."""
    return re.sub(rb'<c r="([A-Z]+\d+)"((?: [a-z]+="[^"]*")+)', rb"<c\2 r='\1'", data, count=1 + i % 50)


def spaces(data: bytes, i: int, _: str) -> bytes:
    return data.replace(b"<f>", b"<f >", 1 + i % 20).replace(b"</c>", b"</c >", 1 + i % 20)


def comment(data: bytes, i: int, text: str) -> bytes:
    span = _cell(data, i)
    note = b"<!-- " + C.escape(text.replace("-", "")).encode() + b" -->"
    return data if span is None else data[: span[0]] + note + data[span[0]:]


def reference(data: bytes, i: int, _: str) -> bytes:
    """A character reference in a formula: the same formula."""
    return data.replace(b"<f>", b"<f>&#32;", 1 + i % 10)


def error_value(data: bytes, i: int, _: str) -> bytes:
    values = list(re.finditer(rb'<c r="([A-Z]+\d+)"( s="\d+")?>(?:<f>[^<]*</f>)?<v>[^<]*</v>', data))
    if not values:
        return data
    one = values[i % len(values)]
    cell = b'<c r="' + one.group(1) + b'"' + (one.group(2) or b"") + b' t="e"><v>#REF!</v>'
    return data[: one.start()] + cell + data[one.end():]


def junk(data: bytes, i: int, text: str) -> bytes:
    at = i * 997 % len(data)
    return data[:at] + text.encode("utf-8", "replace") + data[at:]


OPS = [reprefix, drop, duplicate, number, formula, insert_formula, attribute_order, spaces, comment, reference,
       error_value, junk]
TEXT = st.one_of(st.sampled_from(["0", "-1", "1e308", "NaN", "INF", "1,5", "SUM(D15:D20)", "cmd|' /C calc'!A0",
                                  "D15+D16", "#REF!", "x", "", " ", "&", "<", "]]>", "Ω"]), st.text(max_size=8))
MUTATIONS = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 500), TEXT), min_size=1, max_size=4)


def apply(mutations) -> bytes:
    data = XML
    for op, i, text in mutations:
        data = op(data, i, text)
    return data


# -- the properties -----------------------------------------------------------------------------------------------
@settings(PROFILE, max_examples=300)
@given(mutations=MUTATIONS)
def test_the_fast_reading_agrees_with_the_parser(mutations):
    data = apply(mutations)
    try:
        parsed = sheetxml.parse(data, max_rows=5000, max_cols=200)
    except sheetxml.SheetXmlError:
        return  # not XML: the reader refuses the sheet whichever way it looked
    fast = sheetxml._fast(data, 5000, 200)
    if fast is not None:
        assert (fast.formulas, fast.uncached, fast.errors) == (parsed.formulas, parsed.uncached, parsed.errors)


def test_every_mutation_keeps_to_the_parser_on_the_plain_shape():
    """The clean sheet is read the fast way (else the speed is gone), and the same as the parser."""
    fast = sheetxml._fast(XML, 5000, 200)
    parsed = sheetxml.parse(XML, max_rows=5000, max_cols=200)
    assert fast is not None and fast.formulas and (fast.formulas, fast.uncached) == (parsed.formulas, parsed.uncached)


BAD_INPUT = st.sampled_from(["<v>-5</v>", "<v>NaN</v>", '<is><t>khoảng hai trăm</t></is>', "<f>1+1</f>",
                             "<f>cmd|' /C calc'!A0</f>", "<v>#REF!</v>"])


@settings(PROFILE, max_examples=40)
@given(mutations=st.lists(st.tuples(st.sampled_from([reprefix, attribute_order, spaces, comment, reference,
                                                     number, formula, duplicate]), st.integers(0, 500), TEXT),
                          max_size=3),
       bad=BAD_INPUT)
def test_a_mutated_return_never_crashes_and_a_bad_input_is_never_clean(tmp_path, mutations, bad):
    address, _ = INPUT
    base = tmp_path / "base.xlsx"
    kind = ' t="inlineStr"' if bad.startswith("<is>") else ' t="e"' if "#REF!" in bad else ""
    data = re.sub(rb'<c r="' + address.encode() + rb'"( s="\d+")?[^>]*?(?:/>|>.*?</c>)',
                  lambda m: b'<c r="' + address.encode() + b'"' + (m.group(1) or b"") + kind.encode() + b">" +
                  bad.encode() + b"</c>", XML, count=1, flags=re.S)
    for op, i, text in mutations:
        if op in (drop, duplicate, number, formula) and address.encode() in data:
            data = _away_from(op, data, i, text, address)
        else:
            data = op(data, i, text)
    C.write_zip(base, {**PARTS, PART: data}.items())
    before = hashlib.sha256(base.read_bytes()).hexdigest()
    tracemalloc.start()
    try:
        with hang_guard():
            report = validate(base, catalog=CATALOG, rules=RULES)
    except UnreadableFile:
        report = None  # a one-line refusal is a clear result
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MAX_PEAK
    assert hashlib.sha256(base.read_bytes()).hexdigest() == before
    if report is not None:
        assert report.findings, "a bad input value was reported clean"
        assert any(f.cell == address or f.code.startswith("structure.") for f in report.findings)


def _away_from(op, data: bytes, i: int, text: str, address: str) -> bytes:
    """Mutate any cell but the one under test (its bad value is the point)."""
    at = data.find(b'<c r="' + address.encode() + b'"')
    end = data.find(b"</c>", at) + 4
    head, cell, tail = data[:at], data[at:end], data[end:]
    return op(head, i, text) + cell + tail if i % 2 else head + cell + op(tail, i, text)
