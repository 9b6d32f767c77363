"""Validation speed as users meet it, measured side by side in one run.

1. ``gnbv_templates.validate(path)`` exactly as the README shows it (no catalog or rules passed), in a
   warm process, on a clean return and on a return with findings: the ratio to a bare python-calamine
   read of every cell of the same file.  Target: ≤ 2.  Printed beside it: the same ratio for reading the
   file safely without any check (its guards, its values, the formulas from each sheet's XML).
2. Writing the annotated copy of the return with findings (a figure; no target).
3. ``gnbv validate one.xlsx`` in a fresh process, as typed in a shell.  Target: ≤ 0,3 s.  Printed
   beside it: a bare ``python -c pass`` and the import of the package, in fresh processes too.

Timings are medians of runs alternated with their reference, so both see the same machine (it is
shared: absolute times move, ratios much less).

    python benchmarks/bench_validate.py [--repeat 21] [--cold 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from python_calamine import CalamineWorkbook
from support import cpu_ratio, gnbv, paired, verdict

import gnbv_templates
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.generate.writer import PackWriter
from gnbv_templates.read.reader import ReturnFile


def filled_returns(folder: Path) -> tuple[Path, Path]:
    """A province's return with every input cell filled, and the same with planted faults."""
    catalog, units, rules = load_catalog(), load_units(), load_rules()
    writer = PackWriter(catalog, make_issue(units, "20", "2025-H1"))
    layouts = writer.layouts()
    values = consistent_values(layouts, rules, level="tinh", seed=1)
    for layout in layouts:  # every input cell filled, text notes included
        for cell in layout.inputs:
            if cell.measure.type == "choice":
                filler: object = layout.columns[[c.code for c in layout.columns].index(cell.col)].choices[0]
            else:
                filler = "ghi chú" if not cell.measure.numeric else 1
            values[layout.id].setdefault((cell.row, cell.col), filler)
    clean = writer.write(folder / "clean.xlsx", values=values)
    faulty_values = {form: dict(cells) for form, cells in values.items()}
    for layout in layouts[:6]:  # a negative count, a word in a number cell, a total that does not add up
        numeric = [c for c in layout.inputs if c.measure.numeric]
        faulty_values[layout.id][(numeric[0].row, numeric[0].col)] = -7
        faulty_values[layout.id][(numeric[-1].row, numeric[-1].col)] = "không rõ"
    faulty = writer.write(folder / "faulty.xlsx", values=faulty_values,
                          overrides={"B02": {(layouts[1].derived_order[0].row, layouts[1].derived_order[0].col): 1}})
    return clean, faulty


def bare_read(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names)


def safe_read(path: Path) -> None:
    """What validation must read before any check: the file opened with its guards (zip and size checks),
    every sheet's values (python-calamine), the far-cell guard and the formulas found in each sheet's XML
    (python-calamine does not give formulas, and a formula typed over is what the checks look for)."""
    opened = ReturnFile(path)
    try:
        for sheet in opened.sheet_names:
            opened.check_sheet(sheet)
            opened.grid(sheet)
            opened.formula_cells(sheet)
    finally:
        opened.close()


def fresh(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command in fresh processes, the commands taking turns round after round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, capture_output=True, check=False)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(found) for name, found in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--cold", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clean, faulty = filled_returns(Path(tmp))
        gnbv_templates.validate(clean)  # the process is warm: definitions loaded once, kept
        for name, path in (("clean return", clean), ("return with findings", faulty)):
            report = gnbv_templates.validate(path)
            ours, bare, ratio = paired(lambda p=path: gnbv_templates.validate(p), lambda p=path: bare_read(p),
                                       args.repeat)
            cpu = cpu_ratio(lambda p=path: gnbv_templates.validate(p), lambda p=path: bare_read(p), args.repeat)
            print(f"validate(path), public API, warm, {name} ({report.counts['error']} errors, "
                  f"{report.counts['warning']} warnings): {ours * 1000:.1f} ms; bare python-calamine read of "
                  f"every cell {bare * 1000:.1f} ms → ratio {ratio:.2f} (target ≤ 2: {verdict(ratio <= 2)}); "
                  f"ratio of CPU times {cpu:.2f}", flush=True)
            floor, bare, floor_ratio = paired(lambda p=path: safe_read(p), lambda p=path: bare_read(p), args.repeat)
            print(f"  of which reading it safely, before any check (guards, values, formulas from the XML): "
                  f"{floor * 1000:.1f} ms → ratio {floor_ratio:.2f} to the bare read (no target: the part of "
                  f"the ratio no check can remove)", flush=True)
        report = gnbv_templates.validate(faulty)
        times = []
        for i in range(5):
            start = time.perf_counter()
            report.annotate(Path(tmp) / f"annotated_{i}.xlsx")
            times.append(time.perf_counter() - start)
        print(f"annotated copy of the return with findings ({len(report.findings)} findings): "
              f"{statistics.median(times) * 1000:.0f} ms (no target)", flush=True)
        gnbv_templates.load_catalog()
        # a user's Python writes the package's bytecode on its first run and reads it after; this machine may
        # be told not to write it (PYTHONDONTWRITEBYTECODE), so it is written here, once, as that first run would
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(gnbv_templates.__file__).parent)],
                       capture_output=True, check=False)
        subprocess.run(gnbv("validate", str(clean)), capture_output=True, check=False)  # the disk cache is filled
        found = fresh({
            "python": [sys.executable, "-c", "pass"],
            # the modules `gnbv validate FILE` imports: the command line, then the one command it runs
            "imports": [sys.executable, "-c", "import gnbv_templates.cli.main, gnbv_templates.cli.validate"],
            "clean": gnbv("validate", str(clean)),
            "with findings": gnbv("validate", str(faulty)),
        }, args.cold)
        for name in ("clean", "with findings"):
            print(f"gnbv validate one.xlsx ({name}), fresh process: {found[name]:.3f} s (target ≤ 0,3 s: "
                  f"{verdict(found[name] <= 0.3)}); of which python start {found['python']:.3f} s, importing what "
                  f"it uses {found['imports'] - found['python']:.3f} s (medians of {args.cold}, taking turns; "
                  "bytecode written beforehand, as a first run does)", flush=True)


if __name__ == "__main__":
    main()
