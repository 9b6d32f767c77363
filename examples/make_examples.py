"""Builds the bundled sample returns (SAMPLE DATA, made up, consistent with every rule).

    python examples/make_examples.py

writes examples/returns/:
  huyen_chi_lang_2025-H1_sach.xlsx    a clean return of Huyện Chi Lăng, 6 months 2025
  huyen_chi_lang_2025-H1_co_loi.xlsx  the same return with the mistakes real reports contain
  planted.json                         each planted mistake: where it is and what must flag it
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.compute import derived_values
from gnbv_templates.forms.context import make_issue
from gnbv_templates.forms.notation import format_vn
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.synth import consistent_values
from gnbv_templates.generate.writer import PackWriter

HERE = Path(__file__).resolve().parent
OUT = HERE / "returns"
UNIT, PERIOD = "187", "2025-H1"
ISSUED = dt.date(2025, 5, 2)


def build(out: Path = OUT) -> dict[str, Any]:
    catalog, units, rules = load_catalog(), load_units(), load_rules()
    writer = PackWriter(catalog, make_issue(units, UNIT, PERIOD, issued=ISSUED))
    layouts = {layout.id: layout for layout in writer.layouts()}
    values = consistent_values(list(layouts.values()), rules, level=units.get(UNIT).level, seed=2025)
    out.mkdir(parents=True, exist_ok=True)
    writer.write(out / "huyen_chi_lang_2025-H1_sach.xlsx", values=values)

    def computed(form: str) -> dict[tuple[str, str], float | None]:
        return derived_values(layouts[form], values[form])

    planted: list[dict[str, Any]] = []
    typed: dict[str, dict[tuple[str, str], Any]] = {}

    def plant(form: str, row: str, col: str, what: str, expect: str, *, typed_value: Any = None,
              value: Any = None, at: tuple[str, str] | None = None) -> None:
        if typed_value is not None:
            typed.setdefault(form, {})[(row, col)] = typed_value
        if value is not None:
            values[form][(row, col)] = value
        where_row, where_col = at or (row, col)
        planted.append({"what": what, "form": form, "row": where_row, "col": where_col,
                        "cell": layouts[form].cells[(where_row, where_col)].address, "expect": expect})

    # 1. A project whose total is typed, smaller than its sub-projects (seed 002: 871 vs 898).
    b02 = computed("B02")
    plant("B02", "06", "1", "Tổng Dự án 3 gõ tay nhỏ hơn tổng hai tiểu dự án", "derived.sum-mismatch",
          typed_value=round((b02[("06", "1")] or 0) - 27, 3))
    # 2. A disbursement rate typed over its formula (26,22% as in seed 004).
    plant("B02", "01", "28", "Tỷ lệ giải ngân gõ tay không khớp", "derived.ratio-mismatch", typed_value=26.22)
    # 3. Works by type that add up to more than the total (seed 003: 139 vs 143).
    b03 = computed("B03")
    total = b03[("01", "1")] or 0
    room = next(t for t in ("04", "05", "06", "07", "08", "09", "10", "11", "12")
                if values["B03"][(t, "1")] + 4 <= total)
    plant("B03", room, "1", "Công trình theo loại cộng lại lớn hơn tổng số", "B03.CT-THEO-LOAI-01",
          value=values["B03"][(room, "1")] + 4, at=("01", "1"))
    # 4. Money typed in đồng under a triệu đồng heading (seed 001), in B04 and in B02 alike.
    dong = round(values["B04"][("94", "1")] * 1_000_000 + 1_000_000, 3)
    values["B04"][("94", "1")] = dong
    values["B02"][("05", "12")] += dong - values["B02"][("05", "4")]  # typed in đồng with this year's allocation
    plant("B02", "05", "4", "Số tiền nhập bằng đồng thay vì triệu đồng", "B02.DO-LON-huyen-1", value=dong,
          at=("01", "1"))
    # 5. A number typed as text in Vietnamese notation (read, with a warning).
    text_value = values["B02"][("05", "3")]
    plant("B02", "05", "3", "Số nhập dạng chữ", "value.text-number", typed_value=format_vn(text_value))
    # 6. A "trong đó" part larger than its whole: ethnic-minority poor above all poor.
    plant("B01", "06", "2", "Hộ nghèo DTTS nhiều hơn tổng hộ nghèo", "relation.part-exceeds-whole",
          value=values["B01"][("02", "2")] + 5)
    # 7. Poor households at the end typed, breaking the stock-flow identity.
    child = next(r.code for r in layouts["B15"].rows if r.code != "00")
    end = computed("B15")[(child, "7")] or 0
    plant("B15", child, "7", "Hộ nghèo cuối kỳ sai đẳng thức đầu kỳ − thoát + phát sinh + tái nghèo",
          "derived.formula-mismatch", typed_value=end + 10)
    # 8. Cross-form: Biểu 02 money for DA4.1 not equal to Biểu 07's money block.
    plant("B02", "10", "14", "Vốn huy động khác ở Biểu 02 khác khối kinh phí Biểu 07", "X.B02-B07-98-HUY-DONG",
          value=values["B02"][("10", "14")] + 100)
    # 9. Counts that are negative or not whole.
    plant("B14", "05", "2", "Số lượng âm", "value.negative", value=-1)
    plant("B11", "01", "1", "Số lớp không nguyên", "value.not-integer", value=2.5)
    # 10. A placeholder instead of a number.
    plant("B12", "11", "1", "Ghi \"x\" thay cho số", "value.placeholder", typed_value="x")
    writer.write(out / "huyen_chi_lang_2025-H1_co_loi.xlsx", values=values, overrides=typed)
    (out / "planted.json").write_text(json.dumps(planted, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {"planted": planted}


if __name__ == "__main__":
    result = build()
    print(f"Đã tạo {OUT}: 1 biểu sạch, 1 biểu có {len(result['planted'])} lỗi cài sẵn (dữ liệu mẫu).")
