"""docs/findings.md, generated from the code registry and the message tables.

    python -m gnbv_templates.findings.docs > docs/findings.md
"""

from __future__ import annotations

import sys

from gnbv_templates.findings.codes import CODES
from gnbv_templates.findings.messages import table
from gnbv_templates.findings.render import text

_KINDS = {
    "structure": "Cấu trúc tệp và trang (structure of the file and its sheets)",
    "form": "Biểu chưa điền (unfilled forms)",
    "identity": "Định danh: đơn vị, kỳ, đầu biểu (identity: unit, period, header)",
    "value": "Giá trị ô nhập liệu (values of input cells)",
    "derived": "Ô tính (derived cells)",
    "relation": "Quan hệ giữa các ô (relations between cells)",
    "file": "Bản thân tệp (the file itself)",
    "rule": "Luật trong rules/*.yaml (rules)",
    "period": "Đối chiếu giữa các kỳ, rules/periods/*.yaml (across periods)",
    "internal": "Lỗi của chương trình (the program's own fault)",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def findings_markdown() -> str:
    vi, en = table("vi").FINDINGS, table("en").FINDINGS
    out = [
        "# Mã phát hiện (finding codes)",
        "",
        "Tệp này sinh tự động từ `gnbv_templates/findings/` (`python -m gnbv_templates.findings.docs > "
        "docs/findings.md`); đừng sửa tay.",
        "",
        "Mỗi phát hiện có một mã ổn định (không bao giờ dùng lại cho nghĩa khác), mức độ, vị trí, giá trị đọc được, "
        "giá trị đúng và tham số. Lời giải thích được viết ra lúc xuất kết quả, từ bảng của ngôn ngữ đã chọn "
        "(`--lang en`). `{found}` là giá trị đọc được, `{expected}` là giá trị đúng; `rule.failed` dùng lời của "
        "chính luật trong `rules/*.yaml`.",
        "",
    ]
    kinds = list(dict.fromkeys(c.kind for c in CODES.values()))
    for kind in kinds:
        out += [f"## {_KINDS.get(kind, kind)}", "", "| mã | mức độ | tiếng Việt | English |", "|---|---|---|---|"]
        for code in (c for c in CODES.values() if c.kind == kind):
            out.append(f"| `{code.code}` | {text('severity.' + code.severity).lower()} | "
                       f"{_cell(vi[code.code])} | {_cell(en[code.code])} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(findings_markdown())
