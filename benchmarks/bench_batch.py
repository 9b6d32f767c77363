"""Batch validation and consolidation of many district returns: time and peak memory.

Makes N filled district returns (default 700) of a test province, then, each
in a fresh process so its memory is its own:
  - `gnbv validate DIR/` (all cores), and
  - `gnbv consolidate DIR/ --unit 99` (all cores),
printing wall time and peak resident memory (the main process, and the largest worker).
Targets: each under 60 s on a 2-core machine, peak memory bounded (the same for
100 returns as for 700: results are streamed, not all workbooks held at once).

    python benchmarks/bench_batch.py [--returns 700] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_generate import national_units

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.generate.writer import PackWriter

_STATE: dict = {}


def _make(args: tuple[str, str, str]) -> None:
    code, units_path, folder = args
    if not _STATE:
        _STATE.update(catalog=load_catalog(), units=load_units(units_path), rules=load_rules())
    writer = PackWriter(_STATE["catalog"], make_issue(_STATE["units"], code, "2025-H1"))
    values = consistent_values(writer.layouts(), _STATE["rules"], level="huyen", seed=int(code))
    writer.write(Path(folder) / f"{code}.xlsx", values=values)


def make_returns(folder: Path, units_path: Path, count: int, jobs: int) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_make, [(str(100 + i), str(units_path), str(folder)) for i in range(count)], chunksize=8))
    return time.perf_counter() - start


def step(argv: list[str]) -> dict:
    """Run one gnbv command in this process; report its time and peak memory."""
    from gnbv_templates.cli.main import main as gnbv

    start = time.perf_counter()
    code = gnbv(argv)
    seconds = time.perf_counter() - start
    return {"exit": code, "seconds": seconds,
            "main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def measure(argv: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--step", json.dumps(argv)], capture_output=True, text=True,
                          check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=700)
    parser.add_argument("--small", type=int, default=100, help="a smaller batch, to compare peak memory")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--step")
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(json.loads(args.step))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        units = national_units(root, args.returns)
        made = make_returns(root / "returns", units, args.returns, args.jobs)
        print(f"made {args.returns} filled district returns in {made:.0f} s", flush=True)
        sizes = [args.small, args.returns] if args.small < args.returns else [args.returns]
        for size in sizes:
            folder = root / f"subset_{size}"
            folder.mkdir()
            for i in range(size):
                os.link(root / "returns" / f"{100 + i}.xlsx", folder / f"{100 + i}.xlsx")
            common = ["--units", str(units), "--jobs", str(args.jobs)]
            val = measure(["validate", str(folder), "-o", str(root / f"out_{size}"), "--unit", "99",
                           "--period", "2025-H1", *common])
            con = measure(["consolidate", str(folder), "--unit", "99", "--period", "2025-H1",
                           "-o", str(root / f"total_{size}.xlsx"), *common])
            for name, m in (("validate", val), ("consolidate", con)):
                print(f"{name:<11} {size:>4} returns on {args.jobs} processes: {m['seconds']:.1f} s "
                      f"(target < 60 s for 700), peak memory main {m['main_mb']:.0f} MB, "
                      f"largest worker {m['worker_mb']:.0f} MB (exit {m['exit']})", flush=True)


if __name__ == "__main__":
    main()
