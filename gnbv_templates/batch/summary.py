"""The summary of a folder's validation: one row per unit, as a workbook and as JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import xlsxwriter

from gnbv_templates.batch.completeness import Completeness
from gnbv_templates.batch.results import HAS_ERRORS, MISSING, PROGRAM_ERROR, UNREADABLE, VALID, FileResult, status_label
from gnbv_templates.outputs import atomic_path
from gnbv_templates.read.safety import printable
from gnbv_templates.report.report import strict

SUMMARY_NAME = "tong_hop_kiem_tra"


def rows(results: list[FileResult], completeness: Completeness | None) -> list[dict[str, Any]]:
    """Every expected unit once (with its status, or "chưa nộp"), then every other file."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(r: FileResult, note: str = "") -> None:
        seen.add(r.path)
        out.append({"unit": r.unit, "unit_name": r.unit_name, "status": status_label(r.status),
                    "status_code": r.status, "period": r.period,
                    "errors": r.errors, "warnings": r.warnings, "file": r.path, "annotated": r.annotated,
                    "note": note or r.message})

    if completeness is not None:
        for unit in sorted(completeness.chosen):
            note = ""
            if unit in completeness.duplicates:
                note = f"{len(completeness.duplicates[unit])} bản nộp; " + completeness.duplicates[unit][0].reason
            add(completeness.chosen[unit], note)
        for missing in completeness.missing:  # a unit has a chosen return or is missing, never both
            out.append({"unit": missing.code, "unit_name": missing.name, "status": status_label(MISSING),
                        "status_code": MISSING, "period": "",
                        "errors": 0, "warnings": 0, "file": "", "annotated": "", "note": ""})
        for choices in completeness.duplicates.values():
            for choice in choices[1:]:
                add(choice.result, choice.reason)
        for r in completeness.other_period:
            add(r, f"khác kỳ báo cáo ({r.period}, cần {completeness.period})")
        for r in completeness.other_parent:
            add(r, f"đơn vị không thuộc {completeness.parent.code}")
    for r in results:
        if r.path not in seen:
            add(r)
    return out


def write(results: list[FileResult], completeness: Completeness | None, outdir: Path) -> tuple[Path, Path]:
    table = rows(results, completeness)
    outdir.mkdir(parents=True, exist_ok=True)
    json_path = outdir / f"{SUMMARY_NAME}.json"
    xlsx_path = outdir / f"{SUMMARY_NAME}.xlsx"
    scope = None
    if completeness is not None:
        scope = {"parent": completeness.parent.code, "parent_name": completeness.parent.name,
                 "period": completeness.period, "missing": [u.code for u in completeness.missing],
                 "duplicates": {k: [c.result.path for c in v] for k, v in completeness.duplicates.items()},
                 "other_period": [r.path for r in completeness.other_period],
                 "other_parent": [r.path for r in completeness.other_parent]}
    counts = {"files": len(results), "unreadable": sum(r.status == UNREADABLE for r in results),
              "program_errors": sum(r.status == PROGRAM_ERROR for r in results),
              "errors": sum(r.errors for r in results), "warnings": sum(r.warnings for r in results)}
    with atomic_path(json_path) as tmp:
        tmp.write_text(json.dumps(strict({"scope": scope, "counts": counts, "units": table}), ensure_ascii=False,
                                  indent=1, allow_nan=False) + "\n", encoding="utf-8")  # strict JSON, as reports
    with atomic_path(xlsx_path) as tmp:
        _workbook(tmp, table, completeness, outdir)
    return xlsx_path, json_path


def _workbook(path: Path, table: list[dict[str, Any]], completeness: Completeness | None, outdir: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    ws = book.add_worksheet("Tổng hợp kiểm tra")
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#D9E2F3", "text_wrap": True})
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    colours = {VALID: "#C6EFCE", HAS_ERRORS: "#FFC7CE", UNREADABLE: "#FFC7CE", PROGRAM_ERROR: "#F4B084",
               MISSING: "#FFE699"}
    title = "TỔNG HỢP KIỂM TRA BIỂU NỘP"
    if completeness is not None:
        title += f" — {completeness.parent.name}, kỳ {completeness.period}"
    ws.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 13}))
    titles = ("Mã đơn vị", "Tên đơn vị", "Trạng thái", "Số lỗi", "Số cảnh báo", "Tệp", "Bản sao đánh dấu",
              "Ghi chú")
    for col, text in enumerate(titles):
        ws.write_string(2, col, text, head)
    status_formats = {code: book.add_format({"border": 1, "bg_color": colour}) for code, colour in colours.items()}
    other = book.add_format({"border": 1, "bg_color": "#FFFFFF"})
    for i, item in enumerate(table, 3):
        status_fmt = status_formats.get(item["status_code"], other)
        ws.write_string(i, 0, item["unit"] or "", cell)
        ws.write_string(i, 1, printable(item["unit_name"] or ""), cell)  # names from files: shown escaped
        ws.write_string(i, 2, item["status"], status_fmt)
        ws.write_number(i, 3, item["errors"], cell)
        ws.write_number(i, 4, item["warnings"], cell)
        ws.write_string(i, 5, printable(Path(item["file"]).name) if item["file"] else "", cell)
        if item["annotated"]:
            relative = os.path.relpath(item["annotated"], outdir)
            ws.write_url(i, 6, f"external:{relative}", cell, string=Path(item["annotated"]).name)
        else:
            ws.write_blank(i, 6, None, cell)
        ws.write_string(i, 7, printable(item["note"] or ""), cell)
    for col, width in enumerate((10, 28, 14, 8, 10, 40, 40, 50)):
        ws.set_column(col, col, width)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + len(table), len(titles) - 1)
    book.close()
