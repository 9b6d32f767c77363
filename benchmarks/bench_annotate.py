"""The annotated copy: zip surgery (what ``Report.annotate`` does) against openpyxl loading and saving the
whole workbook (the way a return is still copied when the surgery cannot rewrite its structure), on the
bundled return with findings and on a province's return with every cell filled and planted faults.

Runs alternate, so both see the same (shared, noisy) machine: median times and the median of ratios.
Target: an annotated copy in < 100 ms (one return in twenty gets one in the batch benchmarks).

    python benchmarks/bench_annotate.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench_validate import filled_returns
from support import paired, verdict

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.resources import examples_dir
from gnbv_templates.report.annotate import annotate
from gnbv_templates.report.validate import validate

TARGET_MS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _, faulty = filled_returns(folder)
        for path in (examples_dir() / "returns" / "huyen_chi_lang_2025-H1_co_loi.xlsx", faulty):
            report = validate(path, catalog=catalog)
            fast, slow, ratio = paired(lambda r=report: annotate(r, folder / "surgery.xlsx"),
                                       lambda r=report: annotate(r, folder / "openpyxl.xlsx", engine="openpyxl"),
                                       args.repeat)
            print(f"{path.name} ({len(report.findings)} findings): surgery {fast * 1000:.0f} ms, openpyxl "
                  f"{slow * 1000:.0f} ms, ratio {ratio:.3f} (target < {TARGET_MS} ms: "
                  f"{verdict(fast * 1000 < TARGET_MS)})", flush=True)


if __name__ == "__main__":
    main()
