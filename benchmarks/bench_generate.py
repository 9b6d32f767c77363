"""Generation speed as users meet it, measured side by side in one run.

1. One unit's 15-form pack by the public ``generate(unit, period, out)``, in a warm process, against
   writing the very same cells, formats, formulas, merges and validations with bare xlsxwriter (no
   catalog): the calls our writer makes are recorded once, then replayed.  Target: ratio ≤ 1,2.
   Printed beside it: a further unit of the same shape, stamped (what ``--all-units`` does).
2. ``gnbv generate --all-units`` for 700 units (a district-level national cycle) on 2 processes, in a
   fresh process as typed in a shell, with the peak memory of the whole process tree.
   Target: under 30 s.

The machine may be shared: beside each wall-clock figure (what the targets are about) the CPU time is
printed, and the load average, so a slow run on a busy machine can be told from a slow program.

    python benchmarks/bench_generate.py [--units 700] [--jobs 2] [--repeat 11]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter
from support import ISSUED, cpu_ratio, gnbv, paired, run_command, units_file, verdict
from xlsxwriter.worksheet import Worksheet

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.pack import generate
from gnbv_templates.generate.stamp import Stamper
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


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def writer() -> PackWriter:
    catalog, units = load_catalog(), load_units()
    return PackWriter(catalog, make_issue(units, "20", "2025", issued=ISSUED))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=700)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        calls = record(tmp_path / "recorded.xlsx")
        compiled = compile_calls(calls)
        units = load_units()

        def ours_fn() -> None:
            generate("20", "2025", tmp_path / "ours.xlsx", units=units, issued=ISSUED)

        def bare_fn() -> None:
            replay(tmp_path / "bare.xlsx", compiled)

        ours, bare, ratio = paired(ours_fn, bare_fn, args.repeat)
        cpu = cpu_ratio(ours_fn, bare_fn, args.repeat)
        n_calls = sum(len(c) for _, c in calls)
        print(f"one unit's 15-form pack, generate(): {ours * 1000:.1f} ms, bare xlsxwriter {bare * 1000:.1f} ms "
              f"({n_calls} worksheet calls) → ratio {ratio:.2f} (median of {args.repeat} paired runs; in CPU time "
              f"{cpu:.2f}; {load()}; target ≤ 1,2: {verdict(ratio <= 1.2)})", flush=True)
        stamper = Stamper(load_catalog())
        districts = [u.code for u in units.children("20")]
        communes = [u.code for u in units.children(districts[0])]
        stamper.write(make_issue(units, communes[0], "2025", issued=ISSUED), tmp_path / "first.xlsx")
        issue = make_issue(units, communes[1], "2025", issued=ISSUED)
        stamped, plain, ratio = paired(lambda: stamper.write(issue, tmp_path / "stamped.xlsx"),
                                       lambda: generate(communes[1], "2025", tmp_path / "plain.xlsx", units=units,
                                                        issued=ISSUED), args.repeat)
        print(f"a further unit of the same shape, stamped: {stamped * 1000:.1f} ms against generate() "
              f"{plain * 1000:.1f} ms → ratio {ratio:.2f} (same bytes; no target)", flush=True)
        path = units_file(tmp_path, [("99", args.units, 10)])
        before, busy = children_cpu(), load()
        seconds, peak, done = run_command(gnbv("generate", "--unit", "99", "--period", "2025", "--all-units",
                                               "--units", str(path), "--jobs", str(args.jobs), "-q",
                                               "-o", str(tmp_path / "packs")))
        used = children_cpu() - before
        made = len(list((tmp_path / "packs").glob("*.xlsx")))
        print(f"gnbv generate --all-units: {made} packs on {args.jobs} processes, fresh process: {seconds:.1f} s "
              f"({seconds / max(made, 1) * 1000:.0f} ms per pack; CPU of the process tree {used:.1f} s; {busy} "
              f"before), peak memory of the process tree {peak:.0f} MB "
              f"(exit {done.returncode}; target < 30 s: {verdict(seconds < 30 and done.returncode == 0)})",
              flush=True)
        if done.returncode:
            print(done.stderr[-2000:])


if __name__ == "__main__":
    main()
