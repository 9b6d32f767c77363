"""Builds examples/period_returns/: SAMPLE returns of one district over two periods, one sent twice.

    python examples/make_period_returns.py

Thành phố Lạng Sơn (178) and its wards and communes:
- ``178_..._2024.xlsx``: the annual return 2024, clean;
- ``178_..._2025-H1_lan1.xlsx``: the 6-month return 2025, first version: at one commune the poor households at
  the start are not those at the end of 2024 (a stock-flow break), Biểu 01 has a part larger than its whole, and
  one commune's number of households has more than doubled since 2024 (an implausible jump: a warning);
- ``178_..._2025-H1_lan2_da_sua.xlsx``: the second version: the break and the Biểu 01 mistake are fixed, the jump
  is confirmed (it remains), and a new mistake slipped in (a negative target in Biểu 15).

The data is made up; ``expected.json`` says what a receipt and the checks across periods must find.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.compute import derived_values
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.synth import SCALE, _b01, _b01_links, consistent_values
from gnbv_templates.generate.writer import PackWriter

HERE = Path(__file__).resolve().parent
OUT = HERE / "period_returns"
UNIT = "178"


def _continue_from(earlier: dict, values: dict, layouts: dict) -> None:
    """Make this period continue the earlier one: Biểu 15 starts where it ended, with moderate flows;
    totals since the start of the phase (column 4 of Biểu 03–14) add this year's to last year's."""
    b15, layout = values["B15"], layouts["B15"]
    ends = derived_values(layout, earlier["B15"])
    for row in (r.code for r in layout.rows if r.code != "00"):
        start, near = int(ends[(row, "7")] or 0), int(ends[(row, "14")] or 0)
        households = earlier["B15"][(row, "1")]
        b15.update({(row, "1"): households + households // 100, (row, "2"): start, (row, "4"): start // 10,
                    (row, "5"): start // 20, (row, "6"): start // 50, (row, "9"): near, (row, "11"): near // 10,
                    (row, "12"): near // 20, (row, "13"): near // 50})
    now = derived_values(layout, b15)
    for row in (r.code for r in layout.rows if r.code != "00"):
        b15[(row, "16")] = min(b15[(row, "16")], now[(row, "7")])
    for form, cells in values.items():
        if form in ("B01", "B02", "B15"):
            continue
        for (row, col), value in cells.items():
            cell = layouts[form].cells[(row, col)]
            if col == "4" and cell.measure.type not in ("percent", "points"):
                cells[(row, col)] = value + earlier[form].get((row, col), 0)


def _link_b01(values: dict, layouts: dict, rules, level: str) -> None:
    """Biểu 01 restates Biểu 15's totals: made again by the generator's own Biểu 01 step (which reads the links
    from the rules) after Biểu 15 was changed here."""
    b01 = values["B01"]
    for key in [k for k in b01 if k[1] in ("1", "2", "3", "4")]:
        del b01[key]  # the generator fills what is missing, from the same draws for every version
    _b01(layouts["B01"], layouts["B15"], values["B15"], random.Random(1), SCALE.get(level, 8), b01, _b01_links(rules))


def build(out: Path = OUT) -> dict:
    catalog, units, rules = load_catalog(), load_units(), load_rules()
    unit = units.get(UNIT)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    stem = f"{unit.code}_{unit.name.replace(' ', '_')}"
    last_year = PackWriter(catalog, make_issue(units, UNIT, "2024", issued=dt.date(2024, 10, 1)))
    layouts = {layout.id: layout for layout in last_year.layouts()}
    earlier = consistent_values(list(layouts.values()), rules, level=unit.level, seed=2024)
    last_year.write(out / f"{stem}_2024.xlsx", values=earlier)

    half = PackWriter(catalog, make_issue(units, UNIT, "2025-H1", issued=dt.date(2025, 5, 2)))
    values = consistent_values(half.layouts(), rules, level=unit.level, seed=2025)
    b15 = layouts["B15"]
    _continue_from(earlier, values, layouts)
    _link_b01(values, layouts, rules, unit.level)
    communes = [r.code for r in b15.rows if r.code != "00"]
    broken, jumped, negative = communes[0], communes[1], communes[2]
    # the commune's households more than double: in both versions (the unit confirms the figure)
    jump = {("B15", jumped, "1"): values["B15"][(jumped, "1")] * 3}
    first = {f: dict(v) for f, v in values.items()}
    for (form, row, col), value in jump.items():
        first[form][(row, col)] = value
    second = {f: dict(v) for f, v in first.items()}
    # version 1: the start is 7 households off the end of 2024, with 7 more leaving so the end stays right
    first["B15"][(broken, "2")] += 7
    first["B15"][(broken, "4")] += 7
    _link_b01(first, layouts, rules, unit.level)
    _link_b01(second, layouts, rules, unit.level)
    bad_b01 = {"B01": {("06", "3"): first["B01"][("02", "3")] + 3}}
    half.write(out / f"{stem}_2025-H1_lan1.xlsx", values=first, overrides=bad_b01)
    # version 2: fixed, but a negative target typed in
    second["B15"][(negative, "18")] = -5
    half.write(out / f"{stem}_2025-H1_lan2_da_sua.xlsx", values=second)
    sent = {f: {**v, **bad_b01.get(f, {})} for f, v in first.items()}
    changed = [{"form": f, "row": r, "col": c} for f in sorted(sent)
               for (r, c) in sorted(sent[f].keys() | second[f].keys()) if sent[f].get((r, c)) != second[f].get((r, c))]
    expected = {
        "unit": UNIT,
        "files": {"2024": f"{stem}_2024.xlsx", "2025-H1 lan1": f"{stem}_2025-H1_lan1.xlsx",
                  "2025-H1 lan2": f"{stem}_2025-H1_lan2_da_sua.xlsx"},
        "stock_flow_break": {"form": "B15", "row": broken, "col": "2"},
        "jump": {"form": "B15", "row": jumped, "col": "1"},
        "new_in_lan2": {"form": "B15", "row": negative, "col": "18", "code": "value.negative"},
        "fixed_in_lan2": [{"form": "B15", "row": broken, "col": "2", "code": "period.stock-flow"},
                          {"form": "B01", "row": "06", "col": "3", "code": "relation.part-exceeds-whole"},
                          {"form": "B01", "row": "06", "col": "3", "code": "rule.failed"}],
        "remaining_in_lan2": [{"form": "B15", "row": jumped, "col": "1", "code": "period.jump"}],
        "changed_in_lan2": changed,
    }
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return expected


if __name__ == "__main__":
    build()
    print(f"Đã tạo {OUT}: biểu của Thành phố Lạng Sơn năm 2024 và 6 tháng đầu năm 2025, hai lần gửi (dữ liệu mẫu).")
