"""A province's folder of district returns: validate it, consolidate it — time, passes, memory.

Makes N filled district returns (default 700; one in 20 with an error), then runs, each in a fresh
process as typed in a shell, on 2 processes:
  - ``gnbv validate DIR/`` (annotated copies and the summary written), target < 15 s;
  - ``gnbv consolidate DIR/``, target < 15 s, in one pass over the files;
printing wall time, files with findings, annotated copies written, and the peak memory of the whole
process tree (main process and workers, summed), and the CPU time of that tree (on a machine shared with
others, the wall time varies with their load; the CPU time much less), with the load average.  A smaller
batch is run too: memory must not grow with the number of returns.

    python benchmarks/bench_batch.py [--returns 700] [--small 100] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from support import gnbv, load_note, make_returns, run_measured, units_file, verdict

from gnbv_templates.forms.units import load_units

CONSOLIDATE = """
import json, sys
from gnbv_templates.batch.consolidate import consolidate
folder, units, out, jobs = sys.argv[1:5]
result = consolidate(folder, "99", "2025-H1", out, units=units, jobs=int(jobs))
print(json.dumps({"included": len(result.included), "excluded": len(result.excluded), "reread": result.reread}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=700)
    parser.add_argument("--small", type=int, default=100, help="a smaller batch, to compare peak memory")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        units_path = units_file(root, [("99", args.returns, 10)])
        districts = [u.code for u in load_units(units_path).children("99")]
        (root / "returns").mkdir()
        made = make_returns(units_path, [(code, root / "returns" / f"{code}.xlsx") for code in districts],
                            jobs=args.jobs)
        print(f"made {len(districts)} filled district returns (1 in 20 with an error) in {made:.0f} s; "
              f"{load_note()}", flush=True)
        for size in sorted({min(args.small, args.returns), args.returns} - {0}):  # --small 0: the big batch only
            folder = root / f"subset_{size}"
            folder.mkdir()
            for code in districts[:size]:
                os.link(root / "returns" / f"{code}.xlsx", folder / f"{code}.xlsx")
            common = ["--units", str(units_path), "--jobs", str(args.jobs), "-q"]
            out = root / f"checked_{size}"
            run = run_measured(gnbv("validate", str(folder), "-o", str(out), "--unit", "99", "--period", "2025-H1",
                                    *common))
            seconds, peak, done = run.seconds, run.peak_mb, run.done
            summary = json.loads((out / "tong_hop_kiem_tra.json").read_text(encoding="utf-8"))
            flagged = sum(1 for u in summary["units"] if u["errors"] or u["warnings"])
            annotated = len(list((out / "annotated").glob("*.xlsx"))) if (out / "annotated").exists() else 0
            target = f"; target < 15 s: {verdict(seconds < 15)}" if size == args.returns else ""
            print(f"validate    {size:>5} returns, {args.jobs} processes, fresh process: {seconds:.1f} s, "
                  f"{flagged} with findings, {annotated} annotated copies written, peak memory of the process "
                  f"tree {peak:.0f} MB; {run.cpu_note(args.jobs)}; {load_note()} (exit {done.returncode}{target})",
                  flush=True)
            run = run_measured([sys.executable, "-c", CONSOLIDATE, str(folder), str(units_path),
                                str(root / f"total_{size}.xlsx"), str(args.jobs)])
            seconds, peak, done = run.seconds, run.peak_mb, run.done
            if done.returncode:
                print(done.stderr[-3000:])
                continue
            stats = json.loads(done.stdout.strip().splitlines()[-1])
            reads = stats["included"] + stats["excluded"] + stats["reread"]
            target = f"; target < 15 s, one pass: {verdict(seconds < 15 and reads == size)}" \
                if size == args.returns else ""
            print(f"consolidate {size:>5} returns, {args.jobs} processes, fresh process: {seconds:.1f} s, "
                  f"{stats['included']} summed, {stats['excluded']} left out, files read {reads} "
                  f"({'one pass' if reads == size else 'MORE THAN ONE PASS'}), peak memory of the process tree "
                  f"{peak:.0f} MB; {run.cpu_note(args.jobs)}; {load_note()}{target}", flush=True)


if __name__ == "__main__":
    main()
