"""``gnbv consolidate``."""

from __future__ import annotations

import argparse

from gnbv_templates.batch.consolidate import consolidate
from gnbv_templates.batch.progress import progress_bar
from gnbv_templates.forms.context import load_settings
from gnbv_templates.read.safety import printable


def cmd_consolidate(args: argparse.Namespace) -> int:

    result = consolidate(args.folder, args.unit, args.period, args.output, units=args.units,
                         include_errors=args.include_errors, jobs=args.jobs,
                         settings=load_settings(args.settings), progress=progress_bar("Tổng hợp", quiet=args.quiet),
                         templates=args.templates, rules=args.rules)
    c = result.completeness
    print(f"Đã tổng hợp {len(result.included)} biểu vào {result.path} "
          f"({c.parent.name}, kỳ {result.period}).")
    if result.with_errors:
        print(f"  CẢNH BÁO: có {len(result.with_errors)} biểu còn lỗi được đưa vào (--include-errors).")
    for read, why in result.excluded:
        print(printable(f"  Không dùng {read.name}: {why}"))
    if c.missing:
        print(f"  Chưa nộp ({len(c.missing)}): " + ", ".join(f"{u.code} {u.name}" for u in c.missing))
    return 0
