"""What the benchmarks share: paired timing, memory of a whole process tree, synthetic units and returns."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import psutil

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.stamp import Stamper
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.generate.writer import PackWriter

ISSUED = dt.date(2025, 7, 1)


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


class TreeMemory:
    """Peak memory of a process and all its descendants, summed, sampled every 50 ms.

    Proportional set size where the system gives it (a page shared by forked workers counts once,
    split between them); resident size otherwise, which counts shared pages in every process.
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
            self._stop.wait(0.05)

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


def run_command(argv: Sequence[str], **kwargs: Any) -> tuple[float, float, subprocess.CompletedProcess]:
    """A command in a fresh process: wall time and the peak memory of its whole process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    memory = TreeMemory(proc.pid)
    with memory:
        out, err = proc.communicate()
    seconds = time.perf_counter() - start
    return seconds, memory.peak_mb, subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


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


def _make_some(args: tuple[str, list[tuple[str, str, bool]]]) -> int:
    """Filled returns; units of one shape share their values, so their packs are stamped (fast)."""
    units_path, jobs = args
    if not _MAKER:
        catalog = load_catalog()
        _MAKER.update(units=load_units(units_path), catalog=catalog, rules=load_rules(), stamper=Stamper(catalog),
                      values={})
    units, stamper = _MAKER["units"], _MAKER["stamper"]
    for code, path, faulty in jobs:
        unit = units.get(code)
        issue = make_issue(units, code, "2025-H1", issued=ISSUED)
        shape = (unit.level, len(issue.children))
        found = _MAKER["values"].get(shape)
        if found is None:
            layouts = PackWriter(_MAKER["catalog"], issue).layouts()
            found = _MAKER["values"][shape] = (
                consistent_values(layouts, _MAKER["rules"], level=unit.level, seed=1),
                [c.code for c in issue.children])
        values, children = found
        # Biểu 15 has a row per unit below, by its code: the same figures, on this unit's own rows
        rename = dict(zip(children, [c.code for c in issue.children], strict=True))
        values = {**values, "B15": {(rename.get(r, r), c): v for (r, c), v in values.get("B15", {}).items()}}
        if faulty:  # a return with findings: one count typed over with a negative number
            values = {form: dict(cells) for form, cells in values.items()}
            key = next(iter(values["B01"]))
            values["B01"][key] = -5
        stamper.write(issue, path, values=values)
    return len(jobs)


def make_returns(units_path: Path, targets: list[tuple[str, Path]], *, faulty_every: int = 20,
                 jobs: int = 2) -> float:
    """Filled returns of ``targets`` (unit code, path); every ``faulty_every``-th one has an error."""
    start = time.perf_counter()
    work = [(code, str(path), faulty_every > 0 and i % faulty_every == faulty_every - 1)
            for i, (code, path) in enumerate(targets)]
    chunks = [(str(units_path), work[i : i + 16]) for i in range(0, len(work), 16)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_make_some, chunks))
    return time.perf_counter() - start
