"""Builds examples/district_returns/: SAMPLE returns of Lạng Sơn's districts, 6 months 2025.

    python examples/make_district_returns.py

- clean returns for most districts;
- two returns with mistakes (excluded from consolidation unless --include-errors);
- Huyện Đình Lập has not returned;
- Huyện Bình Gia returned twice: a first version with a mistake, then a corrected one;
- one file is Huyện Văn Quan's return for another period (the whole year 2025).

The data is made up (consistent with every rule); see examples/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.compute import derived_values
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.generate.writer import PackWriter

HERE = Path(__file__).resolve().parent
OUT = HERE / "district_returns"
PARENT, PERIOD = "20", "2025-H1"
ISSUED = dt.date(2025, 5, 2)
MISSING = "189"  # Huyện Đình Lập
WITH_ERRORS = ("182", "185")  # Văn Lãng, Bắc Sơn
TWICE = "181"  # Bình Gia
OTHER_PERIOD = "184"  # Văn Quan also sent its annual return by mistake


def build(out: Path = OUT) -> dict:
    catalog, units, rules = load_catalog(), load_units(), load_rules()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    expected: dict[str, dict] = {}
    for index, unit in enumerate(units.children(PARENT)):
        if unit.code == MISSING:
            continue
        writer = PackWriter(catalog, make_issue(units, unit.code, PERIOD, issued=ISSUED))
        layouts = {layout.id: layout for layout in writer.layouts()}
        values = consistent_values(list(layouts.values()), rules, level=unit.level, seed=100 + index)
        name = f"{unit.code}_{unit.name.replace(' ', '_')}_{PERIOD}"
        typed: dict = {}
        if unit.code in WITH_ERRORS:
            total = derived_values(layouts["B02"], values["B02"])[("02", "1")] or 0
            typed = {"B02": {("02", "1"): round(total + 500, 3)}}  # a total typed over its formula
        if unit.code == TWICE:
            bad = {"B01": {("06", "3"): values["B01"][("02", "3")] + 3}}  # part larger than its whole
            writer.write(out / f"{name}_lan1.xlsx", values=values, overrides=bad)
            name += "_lan2_da_sua"
        writer.write(out / f"{name}.xlsx", values=values, overrides=typed)
        expected[unit.code] = {"file": f"{name}.xlsx", "clean": unit.code not in WITH_ERRORS,
                               "values": {f: {f"{r}|{c}": v for (r, c), v in cells.items()}
                                          for f, cells in values.items()}}
        if unit.code == OTHER_PERIOD:
            other = PackWriter(catalog, make_issue(units, unit.code, "2025", issued=ISSUED))
            other.write(out / f"{unit.code}_{unit.name.replace(' ', '_')}_2025.xlsx",
                        values=consistent_values(other.layouts(), rules, level=unit.level, seed=999))
    (out / "expected.json").write_text(json.dumps(
        {"parent": PARENT, "period": PERIOD, "missing": [MISSING], "with_errors": list(WITH_ERRORS),
         "twice": TWICE, "other_period": OTHER_PERIOD, "units": expected}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    return expected


if __name__ == "__main__":
    made = build()
    print(f"Đã tạo {OUT}: biểu của {len(made)} huyện (dữ liệu mẫu).")
