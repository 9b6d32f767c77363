"""Generation speed, measured side by side in one run.

1. One unit's 15-form pack, against writing the very same cells, formats,
   formulas, merges and validations with bare xlsxwriter (no catalog): the
   calls our writer makes are recorded once, then replayed.  Target: ratio ≤ 1.5.
2. The packs of 700 units (a district-level national cycle) on every core.
   Target: under 2 minutes on a 2-core machine.

    python benchmarks/bench_generate.py [--units 700] [--jobs N] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.pack import generate_all
from gnbv_templates.generate.writer import PackWriter

RECORDED = ("write_string", "write_number", "write_blank", "write_formula", "merge_range", "set_column",
            "set_row", "data_validation", "freeze_panes", "set_paper", "set_landscape", "fit_to_pages",
            "set_margins", "repeat_rows", "print_area", "set_footer", "protect", "very_hidden")


def record(path: Path) -> list[tuple[str, list[tuple[str, tuple, dict]]]]:
    """Generate once, recording every worksheet call with its format's properties."""
    sheets: list[tuple[str, list[tuple[str, tuple, dict]]]] = []
    originals = {name: getattr(Worksheet, name) for name in RECORDED}

    def wrap(name: str):
        def call(self: Worksheet, *args: Any, **kwargs: Any) -> Any:
            if not sheets or sheets[-1][0] != self.name:
                sheets.append((self.name, []))
            plain = tuple(_props(a) for a in args)
            sheets[-1][1].append((name, plain, kwargs))
            return originals[name](self, *args, **kwargs)

        return call

    for name in RECORDED:
        setattr(Worksheet, name, wrap(name))
    try:
        writer().write(path)
    finally:
        for name, fn in originals.items():
            setattr(Worksheet, name, fn)
    return sheets


def _props(arg: Any) -> Any:
    if hasattr(arg, "font_name") and hasattr(arg, "num_format"):
        return ("FORMAT", tuple(sorted(_format_props(arg).items())))
    return arg


def _format_props(fmt: Any) -> dict[str, Any]:
    keys = ("font_name", "font_size", "bold", "italic", "font_color", "num_format", "border", "align",
            "valign", "text_wrap", "indent", "pattern", "fg_color", "bg_color", "locked")
    out = {}
    for key in keys:
        value = getattr(fmt, key, None)
        if key == "border":
            value = getattr(fmt, "left", 0)
        if key == "align":
            value = {1: "left", 2: "center", 3: "right"}.get(getattr(fmt, "text_h_align", 0))
        if key == "valign":
            value = {2: "vcenter"}.get(getattr(fmt, "text_v_align", 0))
        if key == "locked":
            value = bool(getattr(fmt, "locked", 1))
        if value not in (None, 0, "", False) or key == "locked":
            out[key] = value
    return out


def compile_calls(sheets: list) -> tuple[list[dict], list[tuple[str, list[tuple[str, tuple, int, dict]]]]]:
    """Formats become numbers once, so the replay itself does no bookkeeping."""
    specs: dict[tuple, int] = {}
    out = []
    for name, calls in sheets:
        compiled = []
        for method, args, kwargs in calls:
            position, plain = -1, list(args)
            for i, arg in enumerate(args):
                if isinstance(arg, tuple) and arg and arg[0] == "FORMAT":
                    position = i
                    plain[i] = specs.setdefault(arg[1], len(specs))
            compiled.append((method, tuple(plain), position, kwargs))
        out.append((name, compiled))
    return [dict(spec) for spec in specs], out


def replay(path: Path, formats_and_sheets: tuple) -> None:
    """Bare xlsxwriter: the same calls, no catalog, no layout, no rendering."""
    specs, sheets = formats_and_sheets
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    formats = [book.add_format(spec) for spec in specs]
    for name, calls in sheets:
        ws = book.add_worksheet(name)
        for method, args, position, kwargs in calls:
            if position >= 0:
                args = (*args[:position], formats[args[position]], *args[position + 1 :])
            getattr(ws, method)(*args, **kwargs)
    book.close()


def writer() -> PackWriter:
    catalog, units = load_catalog(), load_units()
    return PackWriter(catalog, make_issue(units, "20", "2025"))


def side_by_side(a, b, repeat: int) -> tuple[float, float, float]:
    """Alternate a and b so both see the same machine; median times and median of the ratios."""
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


def national_units(directory: Path, count: int) -> Path:
    lines = ["sample: true", "levels: [{id: tinh, name: Tỉnh}, {id: huyen, name: Huyện}, {id: xa, name: Xã}]",
             "units:", '  - {code: "99", name: "Tỉnh thử nghiệm", level: tinh}']
    for i in range(count):
        lines.append(f'  - {{code: "{100 + i}", name: "Huyện thử nghiệm {i + 1}", level: huyen, parent: "99"}}')
        for j in range(10):
            lines.append(f'  - {{code: "{10000 + i * 10 + j}", name: "Xã {i + 1}.{j + 1}", level: xa, '
                         f'parent: "{100 + i}"}}')
    path = directory / "units.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=700)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        calls = record(tmp_path / "recorded.xlsx")
        compiled = compile_calls(calls)
        pack = writer()
        ours, bare, ratio = side_by_side(lambda: pack.write(tmp_path / "ours.xlsx"),
                                         lambda: replay(tmp_path / "bare.xlsx", compiled), args.repeat)
        n_calls = sum(len(c) for _, c in calls)
        print(f"one 15-form pack: gnbv {ours * 1000:.1f} ms, bare xlsxwriter {bare * 1000:.1f} ms "
              f"({n_calls} worksheet calls) → ratio {ratio:.2f} (median of {args.repeat} paired runs; "
              "target ≤ 1.5)", flush=True)
        units = national_units(tmp_path, args.units)
        start = time.perf_counter()
        paths = generate_all("99", "2025", tmp_path / "packs", units_path=units, jobs=args.jobs)
        elapsed = time.perf_counter() - start
        print(f"{len(paths)} packs on {args.jobs} processes: {elapsed:.1f} s "
              f"({elapsed / len(paths) * 1000:.0f} ms per pack wall) (target < 120 s)", flush=True)


if __name__ == "__main__":
    main()
