"""docs/forms.md, generated from the catalog so it cannot drift from it.

Regenerate with ``python -m gnbv_templates.forms.docs > docs/forms.md``.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from gnbv_templates.forms.catalog import Catalog, load_catalog
from gnbv_templates.forms.catalog_json import catalog_json


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def forms_markdown(catalog: Catalog) -> str:
    data = catalog_json(catalog)
    out = [
        "# Danh mục biểu mẫu",
        "",
        f"Phiên bản danh mục **{data['version']}**. Tệp này được sinh từ `templates/*.yaml` "
        "(`python -m gnbv_templates.forms.docs > docs/forms.md`); đừng sửa tay.",
        "",
        "Ký hiệu ô: **nhập** (đơn vị điền), **tính** (công thức, khóa).",
        "",
    ]
    for form in data["forms"]:
        derived = [c for c in form["cells"] if c["kind"] == "derived"]
        inputs = [c for c in form["cells"] if c["kind"] == "input"]
        out += [
            f"## {form['id']} — {form['sheet']}",
            "",
            f"{_cell(form['title'])}",
            "",
            f"Tệp `templates/{form['file']}` · {len(form['rows'])} dòng · {len(form['columns'])} cột · "
            f"{len(inputs)} ô nhập · {len(derived)} ô tính",
            "",
            "| Mã cột | Cột | Đơn vị tính | Công thức |",
            "|---|---|---|---|",
        ]
        out += _column_lines(form, derived)
        out += ["", "| Mã số | STT | Chỉ tiêu | Đơn vị tính | Quan hệ |", "|---|---|---|---|---|"]
        out += [_row_line(row, derived) for row in form["rows"]]
        out.append("")
    return "\n".join(out)


def _column_lines(form: dict[str, Any], derived: list[dict[str, Any]]) -> list[str]:
    col_decl: dict[str, str] = {}
    for cell in derived:
        if cell.get("from") == "col":
            col_decl.setdefault(cell["col"], cell["declaration"])
    out = []
    for col in form["columns"]:
        heading = " › ".join([*col["heading"], col["label"]])
        out.append(f"| {col['code']} | {_cell(heading)} | {_cell(col['unit'])} | "
                   f"{_cell(_generic(col_decl.get(col['code'])))} |")
    return out


def _row_line(row: dict[str, Any], derived: list[dict[str, Any]]) -> str:
    relation = []
    if row.get("repeat"):
        relation.append(f"một dòng cho mỗi phần tử của `{row['repeat']['over']}`")
    if row.get("part_of"):
        relation.append(f"trong đó của {row['part_of']}")
    decl = next((c["declaration"] for c in derived if c["row"] == row["code"] and c.get("from") == "row"), None)
    if decl:
        relation.append(f"= {_generic(decl)}")
    if row.get("section"):
        relation.append("tiêu đề nhóm")
    indent = "&nbsp;&nbsp;" * (row.get("level") or 0)
    return (f"| {_cell(row['code'])} | {_cell(row.get('stt'))} | {indent}{_cell(row['label'])} | "
            f"{_cell(row.get('measure'))} | {_cell('; '.join(relation))} |")


def _generic(declaration: str | None) -> str:
    """Show a bound declaration by its codes only: ``[02, 1] + [05, 1]`` → ``[02] + [05]``."""
    if not declaration:
        return ""
    rows = re.findall(r"\[([^,\]]+), ([^\]]+)\]", declaration)
    if rows and len({r for r, _ in rows}) == 1:
        return re.sub(r"\[[^,\]]+, ([^\]]+)\]", r"[\1]", declaration)
    return re.sub(r"\[([^,\]]+), [^\]]+\]", r"[\1]", declaration)


if __name__ == "__main__":
    sys.stdout.write(forms_markdown(load_catalog()))
