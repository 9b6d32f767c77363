"""Fuzzing validate() with mutated returns: bytes flipped, zip entries dropped, duplicated, renamed,
XML cut short, attributes garbled.  Whatever the file, validate() returns a report or raises
UnreadableFile — nothing else — never hangs, and never changes the file it reads.

Bounded for CI: a few hundred examples, about a minute in all.  Hang guards (generous timeouts that
only a hang reaches) stop the run if one example takes minutes.
"""

from __future__ import annotations

import contextlib
import faulthandler
import hashlib
import io
import re
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import corpus as C
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gnbv_templates.errors import OutputError, UnreadableFile
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.report.validate import validate

BASE = C.CLEAN.read_bytes()
PARTS = list(C.entries(C.CLEAN).items())
CATALOG, RULES = load_catalog(), load_rules()  # module level: hypothesis prints arguments, and these are huge
HANG_GUARD = 60  # seconds for one example; a clean validation takes a fraction of a second
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                                         HealthCheck.function_scoped_fixture]}
NASTY = ["", "-1", "0", "A0", "XFD1048576", "ZZZZ99", "999999999999999", "1e308", "NaN", "&amp;", "&#0;", "Ω",
         "${x}", "'", "\"", "<", "e", "s", "str", "inlineStr", "b", "n", "shared", "array", "1:16384", "rId99",
         "../../../etc/passwd", "/xl/worksheets/sheet1.xml", "http://x.invalid/a.xlsx"]
RUNS = {"examples": 0, "unreadable": 0}


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_GUARD):
    """Fail (not wait for ever) if one call hangs: an alarm for Python code, a hard exit if native code hangs."""

    def alarm(signum, frame):
        raise TimeoutError(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    faulthandler.dump_traceback_later(seconds * 3, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check(path: Path, *, annotate_to: Path | None = None) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    RUNS["examples"] += 1
    with hang_guard():
        try:
            report = validate(path, catalog=CATALOG, rules=RULES)
        except UnreadableFile as exc:
            RUNS["unreadable"] += 1
            assert exc.message and "\n" not in exc.message and exc.reason
            report = None
        if report is not None:
            assert all(f.message() and "\n" not in f.message() for f in report.findings)
            report.to_json()
            if annotate_to is not None:
                with contextlib.suppress(UnreadableFile, OutputError):
                    report.annotate(annotate_to)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # the input is never changed


def zipped(parts: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    C.write_zip(buffer, parts)  # type: ignore[arg-type]
    return buffer.getvalue()


# -- mutations -------------------------------------------------------------------------------------------------------
def _drop(parts, i, _frac, _text):
    del parts[i % len(parts)]


def _duplicate(parts, i, frac, _text):
    name, data = parts[i % len(parts)]
    parts.append((name, data[: int(len(data) * frac)]))


def _rename(parts, i, frac, text):
    name, data = parts[i % len(parts)]
    other = parts[int(frac * (len(parts) - 1))][0]
    parts[i % len(parts)] = (other if text == "" else name.replace("sheet", text or "s", 1), data)


def _truncate(parts, i, frac, _text):
    name, data = parts[i % len(parts)]
    parts[i % len(parts)] = (name, data[: int(len(data) * frac)])


_ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')


def _garble(parts, i, frac, text):
    name, data = parts[i % len(parts)]
    found = list(_ATTRIBUTE.finditer(data))
    if found:
        match = found[int(frac * (len(found) - 1))]
        value = text.encode("utf-8", "replace").replace(b'"', b"&quot;")
        parts[i % len(parts)] = (name, data[: match.start(2)] + value + data[match.end(2) :])


def _junk(parts, i, frac, text):
    name, data = parts[i % len(parts)]
    at = int(len(data) * frac)
    parts[i % len(parts)] = (name, data[:at] + text.encode("utf-8", "replace") + data[at:])


def _swap(parts, i, frac, _text):
    j = int(frac * (len(parts) - 1))
    a, b = i % len(parts), j
    parts[a], parts[b] = (parts[a][0], parts[b][1]), (parts[b][0], parts[a][1])


def _flip(parts, i, frac, text):
    name, data = parts[i % len(parts)]
    if data:
        at = int((len(data) - 1) * frac)
        parts[i % len(parts)] = (name, data[:at] + bytes([(data[at] + 1 + len(text)) % 256]) + data[at + 1 :])


OPS = [_drop, _duplicate, _rename, _truncate, _garble, _garble, _garble, _junk, _swap, _flip, _flip]
MUTATION = st.tuples(st.sampled_from(OPS), st.integers(0, 200), st.floats(0, 1),
                     st.one_of(st.sampled_from(NASTY), st.text(max_size=12)))


def mutate(mutations, base: list[tuple[str, bytes]] | None = None) -> bytes:
    parts = list(PARTS if base is None else base)
    for op, i, frac, text in mutations:
        if parts:
            op(parts, i, frac, text)
    return zipped(parts)


# -- the fuzz tests --------------------------------------------------------------------------------------------------
@settings(max_examples=150, **SETTINGS)
@given(flips=st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)), min_size=1, max_size=12),
       cut=st.one_of(st.none(), st.integers(0, len(BASE))))
def test_fuzz_bytes(tmp_path, flips, cut):
    data = bytearray(BASE)
    for at, value in flips:
        data[at] = value
    path = tmp_path / "bytes.xlsx"
    path.write_bytes(bytes(data[:cut] if cut is not None else data))
    check(path)


@settings(max_examples=600, **SETTINGS)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_fuzz_structure(tmp_path, mutations):
    path = tmp_path / "structure.xlsx"
    path.write_bytes(mutate(mutations))
    check(path)


@settings(max_examples=30, **SETTINGS)
@given(mutations=st.lists(st.tuples(st.sampled_from([_garble, _junk, _flip]), st.integers(0, 200),
                                    st.floats(0, 1), st.sampled_from(NASTY)), min_size=1, max_size=3))
def test_fuzz_annotate(tmp_path, mutations):
    """Mutated returns that still validate are annotated too: the copy is written or refused, nothing else."""
    path = tmp_path / "annotate.xlsx"
    path.write_bytes(mutate(mutations))
    check(path, annotate_to=tmp_path / "out" / "kiem_tra.xlsx")


TYPED = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.from_regex(r"\A[ '+\-−]?[0-9]{1,4}([., \u00a0][0-9]{1,3}){0,3}([.,][0-9]{1,4})?( ?%| hộ| người)?\Z"),
    st.sampled_from(["-", "—", "x", "không", "N/A", "#REF!", "#DIV/0!", "=1+2", "@A1", "+1", "1e400", "NaN", "∞"]),
)


@settings(max_examples=150, **SETTINGS)
@given(text=TYPED)
def test_fuzz_typed_text(tmp_path, text):
    """Anything typed into a numeric input cell: read, or reported at that cell with what was typed."""
    path = C.text_cell(C.CLEAN, tmp_path / "typed.xlsx", "Biểu 11", "E13", text)
    RUNS["examples"] += 1
    with hang_guard():
        try:
            found = validate(path, catalog=CATALOG, rules=RULES).findings
        except UnreadableFile:  # characters XML cannot hold (a NUL, say) make the sheet unreadable
            RUNS["unreadable"] += 1
            return
    at_cell = [f for f in found if (f.form, f.cell) == ("B11", "E13")]
    typed = [f for f in at_cell if f.code in ("value.text-number", "value.ambiguous-number", "value.placeholder",
                                              "value.not-a-number", "value.excel-error")]
    as_stored = text.replace("\r\n", "\n").replace("\r", "\n")  # XML stores every line end as a line feed
    assert len(typed) <= 1 and all(f.value == as_stored for f in typed), [(f.code, f.value) for f in at_cell]
    assert all("\n" not in f.message() for f in found)


@pytest.mark.libreoffice
@settings(max_examples=60, **SETTINGS)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_fuzz_ods(ods_parts, tmp_path, mutations):
    """The same structure mutations, on the faulty return re-saved by LibreOffice as .ods."""
    path = tmp_path / "structure.ods"
    path.write_bytes(mutate(mutations, ods_parts))
    check(path)


@pytest.fixture(scope="module")
def ods_parts(tmp_path_factory):
    import libreoffice

    return list(C.entries(libreoffice.convert(C.FAULTY, "ods", tmp_path_factory.mktemp("fuzz_ods"))).items())


def test_fuzz_ran_and_found_both_kinds(tmp_path):
    """Guard the fuzzing itself: it ran, and produced unreadable files as well as readable ones."""
    if RUNS["examples"] == 0:  # run alone: fuzz here first
        test_fuzz_structure(tmp_path)
    print(f"fuzz: {RUNS}")
    assert 0 < RUNS["unreadable"] < RUNS["examples"], RUNS


# -- the command line on mutated files -------------------------------------------------------------------------------
def _without(name: str) -> bytes:
    return zipped([(n, d) for n, d in PARTS if n != name])


def _replaced(name: str, data: bytes) -> bytes:
    return zipped([(n, data if n == name else d) for n, d in PARTS])


CLI_CASES = {
    "cut-in-half": lambda: BASE[: len(BASE) // 2],
    "no-workbook-xml": lambda: _without("xl/workbook.xml"),
    "workbook-xml-cut": lambda: _replaced("xl/workbook.xml", dict(PARTS)["xl/workbook.xml"][:300]),
    "sheet-is-garbage": lambda: _replaced(C.sheet_part(C.CLEAN, "Biểu 02"), b"\x00\xff garbage <<<"),
    "shared-strings-cut": lambda: _replaced("xl/sharedStrings.xml", dict(PARTS)["xl/sharedStrings.xml"][:5000]),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_cli_on_mutated_files(tmp_path, case):
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(CLI_CASES[case]())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    done = subprocess.run([sys.executable, "-m", "gnbv_templates.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=HANG_GUARD * 2)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: ") and "Traceback" not in done.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_zip_helper_round_trips():
    """The mutation harness itself: no mutation gives back the original parts."""
    with zipfile.ZipFile(io.BytesIO(zipped(PARTS))) as archive:
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == PARTS
