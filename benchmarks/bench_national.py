"""A synthetic country: 34 provinces and their 10.599 communes — validate and consolidate every return.

Makes one filled return per commune (one in 20 with an error), in one folder per province, then, in ONE
fresh process, consolidates each province from its communes' returns with ``consolidate_each``: one pass
over the files of all provinces, on 2 local processes renewed as they go, which also validates them
(annotated copies of the returns with findings, and each province's summary, written as ``gnbv validate``
writes them).  As the run passes about 1.000 and 5.000 returns, and at the end, it prints the time so far,
the peak memory of the whole process tree so far and its CPU time (on a machine shared with others the
wall time varies with their load; the CPU time much less).
Targets: the whole country in under 3 minutes on 2 cores; memory flat in the number of returns.

With ``--communes`` below 10.599 the country is smaller: the time for 10.599 is then an extrapolation,
and is printed as such.

    python benchmarks/bench_national.py [--communes 10599] [--jobs 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from support import TreeMemory, load_note, make_returns, units_file, verdict

COUNTRY = 10_599
PROVINCES = 34

RUN = """
import json, sys
from pathlib import Path
from gnbv_templates import ConsolidationTask, consolidate_each
from gnbv_templates.forms.units import load_units
root, units_path, jobs, provinces = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4].split(",")
units = load_units(units_path)
stats = {"files": 0, "summed": 0, "findings": 0, "annotated": 0, "reread": 0}
tasks = [ConsolidationTask(root / "returns" / code, code, root / "out" / code / "tong_hop.xlsx",
                           report_dir=root / "out" / code / "kiem_tra") for code in provinces]
for result in consolidate_each(tasks, "2025-H1", units=units, jobs=jobs):  # the default executor: local processes
    stats["files"] += len(result.included) + len(result.excluded)
    stats["summed"] += len(result.included)
    everything = [*result.included, *(r for r, _ in result.excluded)]
    stats["findings"] += sum(1 for r in everything if r.errors or r.warnings)
    stats["annotated"] += sum(1 for r in everything if r.annotated)
    stats["reread"] += result.reread
    print(json.dumps(stats), flush=True)  # after each province: the run so far
"""


def split(communes: int, provinces: int) -> list[int]:
    base, extra = divmod(communes, provinces)
    return [base + (1 if i < extra else 0) for i in range(provinces)]


def _tree_cpu(proc: psutil.Process) -> float:
    """CPU seconds of a process, the workers it has waited for, and the workers still running."""
    try:
        times = proc.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in proc.children(recursive=True):
            try:
                own = child.cpu_times()
                total += own.user + own.system
            except psutil.Error:  # a worker that has just ended
                pass
        return float(total)
    except psutil.Error:
        return 0.0


def _country(argv: list[str], wanted: list[int], jobs: int) -> dict | None:
    """The run in a fresh process, reported as it passes each wanted number of returns and at its end."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    memory = TreeMemory(proc.pid)
    stats: dict | None = None
    pending = sorted(wanted)
    with memory:
        assert proc.stdout is not None
        for line in proc.stdout:
            stats = json.loads(line)
            cpu = _tree_cpu(watched)
            while pending and stats["files"] >= pending[0]:
                pending.pop(0)
                _report(stats, time.perf_counter() - start, memory.peak_mb, cpu, jobs)
        err = proc.stderr.read() if proc.stderr else ""
        proc.wait()
    if proc.returncode or stats is None:
        print(err[-3000:])
        return None
    stats["seconds"], stats["peak"] = time.perf_counter() - start, memory.peak_mb
    return stats


def _report(stats: dict, seconds: float, peak: float, cpu: float, jobs: int) -> None:
    print(f"{stats['files']:>6} commune returns so far, validated and consolidated province by province on {jobs} "
          f"processes, fresh process: {seconds:.1f} s ({seconds / stats['files'] * 1000:.1f} ms per return); "
          f"{stats['findings']} with findings, {stats['annotated']} annotated copies written, "
          f"{stats['summed']} summed, re-read {stats['reread']}; peak memory of the process tree so far "
          f"{peak:.0f} MB; CPU of the process tree {cpu:.1f} s (÷{jobs} cores = {cpu / jobs:.1f} s); {load_note()}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=COUNTRY)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", help="a folder to keep the made returns in (reused when run again)")
    parser.add_argument("--sizes", default="1000,5000", help="also report the run as it passes these many returns")
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
              f"in {made:.0f} s; {load_note()}", flush=True)
    shutil.rmtree(root / "out", ignore_errors=True)  # the run writes its outputs anew
    wanted = [int(n) for n in args.sizes.split(",") if n] + [args.communes]
    stats = _country([sys.executable, "-c", RUN, str(root), str(units_path), str(args.jobs), ",".join(codes)],
                     wanted, args.jobs)
    if stats is None:
        return
    done_time, done_files = stats["seconds"], stats["files"]
    if done_files == COUNTRY:
        print(f"whole country, {COUNTRY} returns: {done_time:.1f} s measured, peak memory of the process tree "
              f"{stats['peak']:.0f} MB (target < 180 s: {verdict(done_time < 180)})")
    else:
        guess = done_time / max(done_files, 1) * COUNTRY
        print(f"EXTRAPOLATION, NOT A MEASUREMENT: {done_files} returns took {done_time:.1f} s; at that rate the "
              f"country's {COUNTRY} would take about {guess:.0f} s (target < 180 s: "
              f"{verdict(guess < 180)} if the rate held)")
    if holder is not None:
        holder.cleanup()


if __name__ == "__main__":
    main()
