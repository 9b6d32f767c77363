"""What the benchmarks share: paired timing, memory of a whole process tree, synthetic units and returns."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import psutil
from python_calamine import CalamineWorkbook

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.metadata import META_SHEET, Metadata, identity_text
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.stamp import Stamper
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.generate.writer import PackWriter

ISSUED = dt.date(2025, 7, 1)
STRINGS = "xl/sharedStrings.xml"


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def paired(a: Callable[[], Any], b: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Alternate a and b so both see the same (shared, noisy) machine: median times, median of ratios a/b."""
    a(), b()
    times_a, times_b, ratios = [], [], []
    for _ in range(repeat):
        start = time.perf_counter()
        a()
        middle = time.perf_counter()
        b()
        end = time.perf_counter()
        times_a.append(middle - start)
        times_b.append(end - middle)
        ratios.append((middle - start) / (end - middle))
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


def cpu_ratio(a: Callable[[], Any], b: Callable[[], Any], repeat: int) -> float:
    """Median of a/b in CPU time of this process, alternating a and b (others' load mostly left out)."""
    ratios = []
    for _ in range(repeat):
        start = time.process_time()
        a()
        middle = time.process_time()
        b()
        ratios.append((middle - start) / (time.process_time() - middle))
    return statistics.median(ratios)


SAMPLE_EVERY = 0.25  # seconds between samples of a process tree's memory


class TreeMemory:
    """Peak memory of a process and all its descendants, summed, sampled every quarter of a second.

    Proportional set size where the system gives it (a page shared by forked workers counts once,
    split between them); resident size otherwise, which counts shared pages in every process.  Reading
    it walks each process's page tables: sampled every 50 ms, that alone slowed the measured tree by up
    to a tenth on 2 cores; the memory of a batch moves slowly, so a quarter of a second misses no peak
    that matters.
    """

    def __init__(self, pid: int | None = None) -> None:
        self.root = psutil.Process(pid or os.getpid())
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _size(proc: psutil.Process) -> int:
        try:
            return int(proc.memory_full_info().pss)
        except (AttributeError, psutil.AccessDenied):
            return int(proc.memory_info().rss)

    def _sample(self) -> int:
        total = 0
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):  # a worker that has just ended
                total += self._size(proc)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(SAMPLE_EVERY)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


@dataclasses.dataclass
class Measured:
    seconds: float  # wall time
    peak_mb: float  # peak memory of the whole process tree
    cpu: float  # CPU seconds of the whole process tree (the process and every worker it waited for)
    done: subprocess.CompletedProcess

    def cpu_note(self, cores: int) -> str:
        """What the wall time would be with the cores to ourselves: on a shared machine the CPU time holds."""
        return f"CPU of the process tree {self.cpu:.1f} s (÷{cores} cores = {self.cpu / cores:.1f} s)"


def run_measured(argv: Sequence[str], **kwargs: Any) -> Measured:
    """A command in a fresh process: wall time, CPU time and the peak memory of its whole process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    memory = TreeMemory(proc.pid)
    with memory:
        out, err = proc.communicate()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measured(seconds, memory.peak_mb, cpu, subprocess.CompletedProcess(list(argv), proc.returncode, out, err))


def run_command(argv: Sequence[str], **kwargs: Any) -> tuple[float, float, subprocess.CompletedProcess]:
    """A command in a fresh process: wall time and the peak memory of its whole process tree."""
    measured = run_measured(argv, **kwargs)
    return measured.seconds, measured.peak_mb, measured.done


def load_note() -> str:
    """The machine's load average (1, 5, 15 min) and cores: what the wall times were measured under."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


def gnbv(*args: str) -> list[str]:
    return [sys.executable, "-m", "gnbv_templates.cli", *args]


def units_file(directory: Path, provinces: Sequence[tuple[str, int, int]]) -> Path:
    """A units list: (province code, number of units below it, units below each of those) per province.

    Codes follow the official pattern (2 digits for a province, 3 for a district, 5 for a commune).
    """
    lines = ["sample: true", "levels: [{id: tinh, name: Tỉnh}, {id: huyen, name: Huyện}, {id: xa, name: Xã}]",
             "units:"]
    districts, communes = iter(range(100, 1000)), iter(range(10000, 100000))
    for code, count, below in provinces:
        lines.append(f'  - {{code: "{code}", name: "Tỉnh thử nghiệm {code}", level: tinh}}')
        for i in range(count):
            child = str(next(districts) if below else next(communes))
            level = "huyen" if below else "xa"
            lines.append(f'  - {{code: "{child}", name: "Đơn vị {code}.{i + 1}", level: {level}, parent: "{code}"}}')
            for j in range(below):
                lines.append(f'  - {{code: "{next(communes)}", name: "Xã {child}.{j + 1}", level: xa, '
                             f'parent: "{child}"}}')
    path = directory / "units.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_MAKER: dict[str, Any] = {}
_SI = re.compile(r"<si><t>([^<]*)</t></si>")  # a plain entry, as xlsxwriter writes one without spaces around it


class _Shape:
    """A filled return written once for one unit, restamped for the others of its shape (same parent, level,
    number of units below, values): the same zip with the unit's own strings put into the shared-string
    table, found by what the writer's own metadata and identity lines say the unit-dependent strings are.
    The second unit of a shape is also written in full and compared, so a wrong stamp is never used."""

    def __init__(self, issue: Any, path: Path) -> None:
        with zipfile.ZipFile(path) as book:
            self.parts = [(info, book.read(info)) for info in book.infolist()]
        strings = next(data for info, data in self.parts if info.filename == STRINGS).decode("utf-8")
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(META_SHEET).to_python()
        items = {str(r[0]): "".join(str(v) for v in r[1:]) for r in rows if r and r[0]}
        self.meta = Metadata.from_items(items)
        self.digest = items["meta_digest"]
        self.issue = issue
        self.checked: bool | None = None  # None: not yet compared with a full write
        self.tokens = [issue.unit.code, issue.unit.name, *(x for c in issue.children for x in (c.code, c.name))]
        alternatives = "|".join(re.escape(k) for k in sorted(set(self.tokens), key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![\w.])({alternatives})(?![\w.])")
        self.pieces = self._cut(strings)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as rest:
            for info, data in self.parts:
                if info.filename != STRINGS:
                    rest.writestr(info, data)
        self.rest = buffer.getvalue()

    def _cut(self, strings: str) -> list[str]:
        """The table cut once into what never changes and the entries that may name the unit: constant text,
        then an entry's text, alternately."""
        whole = set(self._whole(self.meta, self.meta))
        pieces: list[str] = []
        last = 0
        for match in _SI.finditer(strings):
            text = html.unescape(match.group(1))
            if text in whole or self.pattern.search(text):
                pieces += [strings[last : match.start(1)], text]
                last = match.end(1)
        pieces.append(strings[last:])
        return pieces

    def _whole(self, old: Metadata, new: Metadata) -> dict[str, str]:
        """Whole strings of the template → this unit's: metadata values, its digest, the identity lines."""
        whole = {a: b for (_, a), (_, b) in zip(old.items(), new.items(), strict=True)}
        whole[self.digest] = new.digest()
        version, period = old.catalog_version, old.period
        for a, b in zip(old.forms, new.forms, strict=True):
            whole[identity_text(a["id"], version, old.unit_code, period, a["fingerprint"])] = identity_text(
                b["id"], version, new.unit_code, period, b["fingerprint"])
        return whole

    def strings_for(self, issue: Any) -> bytes:
        # a form listing the units below has a fingerprint of its own rows
        prints = {layout.id: layout.fingerprint for layout in PackWriter(_MAKER["catalog"], issue).layouts()}
        meta = dataclasses.replace(self.meta, unit_code=issue.unit.code, unit_name=issue.unit.name,
                                   children=[{"code": c.code, "name": c.name, "level": c.level}
                                             for c in issue.children],
                                   forms=[{**form, "fingerprint": prints[form["id"]]} for form in self.meta.forms])
        whole = self._whole(self.meta, meta)
        new = [issue.unit.code, issue.unit.name, *(x for c in issue.children for x in (c.code, c.name))]
        tokens = dict(zip(self.tokens, new, strict=True))
        out = list(self.pieces)
        for i in range(1, len(out), 2):
            text = out[i]
            text = whole[text] if text in whole else self.pattern.sub(lambda m: tokens[m.group(1)], text)
            out[i] = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return "".join(out).encode("utf-8")

    def write(self, issue: Any, path: Path) -> None:
        buffer = io.BytesIO(self.rest)
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as book:
            info = next(info for info, _ in self.parts if info.filename == STRINGS)
            book.writestr(info, self.strings_for(issue))
        path.write_bytes(buffer.getvalue())


def _values_for(issue: Any, unit: Any, faulty: bool) -> dict[str, Any]:
    shape = (unit.level, len(issue.children))
    found = _MAKER["values"].get(shape)
    if found is None:
        layouts = PackWriter(_MAKER["catalog"], issue).layouts()
        found = _MAKER["values"][shape] = (
            consistent_values(layouts, _MAKER["rules"], level=unit.level, seed=1), [c.code for c in issue.children])
    values, children = found
    # Biểu 15 has a row per unit below, by its code: the same figures, on this unit's own rows
    rename = dict(zip(children, [c.code for c in issue.children], strict=True))
    values = {**values, "B15": {(rename.get(r, r), c): v for (r, c), v in values.get("B15", {}).items()}}
    if faulty:  # a return with findings: one count typed over with a negative number
        values = {form: dict(cells) for form, cells in values.items()}
        key = next(iter(values["B01"]))
        values["B01"][key] = -5
    return values


def _make_one(code: str, path: Path, faulty: bool) -> None:
    units, stamper = _MAKER["units"], _MAKER["stamper"]
    unit = units.get(code)
    issue = make_issue(units, code, "2025-H1", issued=ISSUED)
    key = (issue.parent.code if issue.parent else "", unit.level, len(issue.children), faulty)
    shape = _MAKER["shapes"].get(key)
    if shape is not None and shape.checked is not False:
        if shape.checked:
            shape.write(issue, path)
            return
        stamper.write(issue, path, values=_values_for(issue, unit, faulty))  # the full write, to compare with
        shape.checked = zipfile.ZipFile(path).read(STRINGS) == shape.strings_for(issue)
        return
    stamper.write(issue, path, values=_values_for(issue, unit, faulty))
    if shape is None:
        _MAKER["shapes"][key] = _Shape(issue, path)


def _make_some(args: tuple[str, list[tuple[str, str, bool]]]) -> int:
    """Filled returns; units of one shape are stamped from the first one's file."""
    units_path, jobs = args
    if not _MAKER:
        catalog = load_catalog()
        _MAKER.update(units=load_units(units_path), catalog=catalog, rules=load_rules(), stamper=Stamper(catalog),
                      values={}, shapes={})
    for code, path, faulty in jobs:
        _make_one(code, Path(path), faulty)
    return len(jobs)


def make_returns(units_path: Path, targets: list[tuple[str, Path]], *, faulty_every: int = 20,
                 jobs: int = 2) -> float:
    """Filled returns of ``targets`` (unit code, path); every ``faulty_every``-th one has an error."""
    start = time.perf_counter()
    units = load_units(units_path)
    work = [(code, str(path), faulty_every > 0 and i % faulty_every == faulty_every - 1)
            for i, (code, path) in enumerate(targets)]
    # one parent's units together, so a worker writes each shape in full once and stamps the rest
    groups: dict[str, list[tuple[str, str, bool]]] = {}
    for item in work:
        parent = units.parent(item[0])
        groups.setdefault(parent.code if parent else "", []).append(item)
    size = max(16, min(400, -(-len(work) // (jobs * 2))))
    chunks = [(str(units_path), group[i : i + size]) for group in groups.values() for i in range(0, len(group), size)]
    chunks.sort(key=lambda chunk: -len(chunk[1]))  # the longest first: no worker left with a long one at the end
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_make_some, chunks))
    return time.perf_counter() - start
