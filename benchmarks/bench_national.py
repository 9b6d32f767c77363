"""A synthetic country: 34 provinces and their 10.599 communes — validate and consolidate every return.

Makes one filled return per commune (one in 20 with an error), in one folder per province, then, in a
fresh process, consolidates each province from its communes' returns in one pass that also validates
them (annotated copies of the returns with findings and the summary written, as ``gnbv validate``
does), on 2 local processes renewed as they go.  It does so for the first provinces up to about
1.000 and 5.000 communes, then for the whole country, printing wall time and the peak memory of the
whole process tree each time.  Targets: the whole country in under 3 minutes on 2 cores; memory flat in
the number of returns.

With ``--communes`` below 10.599 the country is smaller: the time for 10.599 is then an extrapolation,
and is printed as such.

    python benchmarks/bench_national.py [--communes 10599] [--jobs 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from support import make_returns, run_command, units_file, verdict

COUNTRY = 10_599
PROVINCES = 34

RUN = """
import json, sys
from pathlib import Path
from gnbv_templates.batch.consolidate import consolidate
from gnbv_templates.forms.units import load_units
root, units_path, jobs, provinces = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4].split(",")
units = load_units(units_path)
stats = {"files": 0, "summed": 0, "findings": 0, "annotated": 0, "reread": 0}
for code in provinces:  # the default executor: local processes, renewed as they go
    out = root / "out" / code
    result = consolidate(root / "returns" / code, code, "2025-H1", out / "tong_hop.xlsx", units=units,
                         jobs=jobs, report_dir=out / "kiem_tra")
    stats["files"] += len(result.included) + len(result.excluded)
    stats["summed"] += len(result.included)
    everything = [*result.included, *(r for r, _ in result.excluded)]
    stats["findings"] += sum(1 for r in everything if r.errors or r.warnings)
    stats["annotated"] += sum(1 for r in everything if r.annotated)
    stats["reread"] += result.reread
print(json.dumps(stats))
"""


def split(communes: int, provinces: int) -> list[int]:
    base, extra = divmod(communes, provinces)
    return [base + (1 if i < extra else 0) for i in range(provinces)]


def _provinces_for(wanted: list[int], counts: list[int]) -> list[int]:
    """How many of the first provinces hold about each wanted number of returns."""
    sizes = set()
    for target in wanted:
        total = 0
        for k, count in enumerate(counts, 1):
            total += count
            if total >= target:
                sizes.add(k)
                break
    return sorted(sizes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=COUNTRY)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="a folder to keep the made returns in (reused when run again)")
    parser.add_argument("--sizes", default="1000,5000", help="also run the first provinces up to these many returns")
    parser.add_argument("--no-whole", action="store_true", help="only the smaller runs (the rest is extrapolated)")
    args = parser.parse_args()
    holder = None if args.keep else tempfile.TemporaryDirectory()
    root = Path(args.keep or holder.name)  # type: ignore[union-attr]
    root.mkdir(parents=True, exist_ok=True)
    counts = split(args.communes, PROVINCES)
    codes = [f"{i + 1:02d}" for i in range(PROVINCES)]
    units_path = units_file(root, list(zip(codes, counts, [0] * PROVINCES, strict=True)))
    marker = root / f"made_{args.communes}"
    if not marker.exists():
        targets, next_code = [], 10000
        for code, count in zip(codes, counts, strict=True):
            (root / "returns" / code).mkdir(parents=True, exist_ok=True)
            for i in range(count):
                targets.append((str(next_code + i), root / "returns" / code / f"{next_code + i}.xlsx"))
            next_code += count
        made = make_returns(units_path, targets, jobs=args.jobs)
        marker.write_text("ok")
        print(f"made {len(targets)} filled commune returns in {PROVINCES} provinces (1 in 20 with an error) "
              f"in {made:.0f} s", flush=True)
    sizes = _provinces_for([int(n) for n in args.sizes.split(",") if n], counts)
    sizes = sizes if args.no_whole else sorted({*sizes, PROVINCES})
    done_time, done_files = 0.0, 0
    for k in sizes:
        shutil.rmtree(root / "out", ignore_errors=True)  # each run writes its outputs anew
        seconds, peak, done = run_command([sys.executable, "-c", RUN, str(root), str(units_path), str(args.jobs),
                                           ",".join(codes[:k])])
        if done.returncode:
            print(done.stderr[-3000:])
            return
        stats = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{stats['files']:>6} commune returns in {k} provinces, validated and consolidated on {args.jobs} "
              f"processes, fresh process: {seconds:.1f} s ({seconds / stats['files'] * 1000:.1f} ms per return); "
              f"{stats['findings']} with findings, {stats['annotated']} annotated copies written, "
              f"{stats['summed']} summed, re-read {stats['reread']}; peak memory of the process tree "
              f"{peak:.0f} MB", flush=True)
        done_time, done_files = seconds, stats["files"]
    if done_files == COUNTRY:
        print(f"whole country, {COUNTRY} returns: {done_time:.1f} s measured (target < 180 s: "
              f"{verdict(done_time < 180)})")
    else:
        guess = done_time / max(done_files, 1) * COUNTRY
        print(f"EXTRAPOLATION, NOT A MEASUREMENT: {done_files} returns took {done_time:.1f} s; at that rate the "
              f"country's {COUNTRY} would take about {guess:.0f} s (target < 180 s: "
              f"{verdict(guess < 180)} if the rate held)")
    if holder is not None:
        holder.cleanup()


if __name__ == "__main__":
    main()
