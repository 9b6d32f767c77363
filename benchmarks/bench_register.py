"""The register under a province's load: record many returns, list them, compare across periods.

Validates one real return once, then records it N times (default 700, as many returns as a province's
communes send) under distinct hashes and versions, by two writer processes at once; then times what a
district officer runs: the list of what the children sent, a unit's history, the earlier figures of a return
and the checks across periods.  Prints each figure beside its target.

    python benchmarks/bench_register.py [--returns 700]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

from gnbv_templates.check.periods import check_periods, load_period_rules
from gnbv_templates.register import Register
from gnbv_templates.report.validate import validate

ROOT = Path(__file__).resolve().parent.parent
RETURN = ROOT / "examples" / "period_returns" / "178_Thành_phố_Lạng_Sơn_2025-H1_lan1.xlsx"


def _write(path: str, report: object, tag: str, count: int) -> None:
    with Register(path) as reg:
        for i in range(count):
            reg.record(report, sha256=f"{tag}{i:06d}")  # type: ignore[arg-type]


def _timed(label: str, target: float, fn, repeat: int = 1) -> None:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    each = (time.perf_counter() - start) / repeat
    verdict = "đạt" if each <= target else "CHƯA ĐẠT"
    print(f"  {label:<52} {each * 1000:9.1f} ms   (mục tiêu ≤ {target * 1000:.0f} ms: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--returns", type=int, default=700)
    args = parser.parse_args()
    report = validate(RETURN)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "so.sqlite")
        Register(path).close()
        half = args.returns // 2
        start = time.perf_counter()
        writers = [multiprocessing.get_context("fork").Process(target=_write, args=(path, report, tag, half))
                   for tag in "ab"]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        took = time.perf_counter() - start
        size = Path(path).stat().st_size / 1e6
        print(f"Ghi {2 * half} biểu bằng hai tiến trình cùng lúc: {took:.1f} s "
              f"({took / (2 * half) * 1000:.1f} ms mỗi biểu; mục tiêu ≤ 50 ms), tệp sổ {size:.0f} MB")
        rules = load_period_rules()
        with Register(path) as reg:
            assert len(reg.history(report.unit)) == 2 * half
            _timed("danh sách đơn vị cấp dưới đã gửi (register list)", 0.2,
                   lambda: reg.received("20", report.period), repeat=5)
            _timed("lịch sử một đơn vị (register history)", 0.2, lambda: reg.history(report.unit), repeat=5)
            # the annual return of the year is compared with the 6-month return just recorded
            _timed("số liệu kỳ trước và đơn vị cùng cấp của một biểu", 0.5,
                   lambda: reg.history_for(report.unit, "2025"), repeat=5)
            history = reg.history_for(report.unit, "2025")
            assert history.first_half is not None
            _timed("kiểm tra giữa các kỳ một biểu (78 luật)", 0.5,
                   lambda: check_periods(report, history, rules), repeat=5)


if __name__ == "__main__":
    main()
