"""The receipt of a return: what changed since the unit's last version of the same period.

Findings are matched by what they are about (code, form, row, column, rule),
never by their wording, which depends on the values and the language; two
findings with the same key are matched one to one.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

NEW, VERSION, DUPLICATE = "new", "version", "duplicate"

STATUS_TEXT = {
    NEW: ("Lần đầu nhận biểu của đơn vị cho kỳ này.", "First return of this unit for this period."),
    VERSION: ("Phiên bản mới của biểu đã nhận trước đó.", "A new version of a return received before."),
    DUPLICATE: ("Tệp này đã nhận trước đó (trùng từng byte); không ghi thêm phiên bản mới.",
                "This file was received before (identical bytes); no new version recorded."),
}


def finding_key(finding: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (finding["code"], finding["form"], finding["row"], finding["col"], finding["rule"])


@dataclass
class Change:
    form: str
    row: str
    col: str
    old: Any
    new: Any
    cell: str = ""
    sheet: str = ""
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"form": self.form, "sheet": self.sheet, "cell": self.cell, "row": self.row, "col": self.col,
                "label": self.label, "old": self.old, "new": self.new}


@dataclass
class Receipt:
    status: str
    unit: str
    unit_name: str
    period: str
    version: int
    sha256: str
    received_at: str
    received_as: str = ""
    verdict: str = ""
    previous_version: int | None = None
    previous_received_at: str = ""
    fixed: list[dict[str, Any]] = field(default_factory=list)
    remaining: list[dict[str, Any]] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def duplicate(self) -> bool:
        return self.status == DUPLICATE

    def summary(self, lang: str = "vi") -> str:
        """One or two lines for the terminal and the top of the error sheet."""
        en = lang == "en"
        head = STATUS_TEXT[self.status][1 if en else 0]
        if self.status == DUPLICATE:
            return (f"{head} (version {self.version}, received {self.received_at})" if en else
                    f"{head} (lần {self.version}, nhận lúc {self.received_at})")
        if self.status == NEW:
            return f"{head} (version 1)" if en else f"{head} (lần 1)"
        if en:
            return (f"{head} Version {self.version} (previous: {self.previous_version}, {self.previous_received_at}):"
                    f" {len(self.fixed)} fixed, {len(self.remaining)} remaining, {len(self.new)} new findings;"
                    f" {len(self.changed)} figures changed.")
        return (f"{head} Lần {self.version} (lần trước: {self.previous_version}, {self.previous_received_at}): "
                f"{len(self.fixed)} lỗi đã sửa, {len(self.remaining)} còn lại, {len(self.new)} mới; "
                f"{len(self.changed)} số liệu thay đổi.")

    def sheet_rows(self, lang: str = "vi") -> list[tuple[Any, ...]]:
        """The receipt as rows of the error sheet, in the columns of its table of findings."""
        en = lang == "en"
        if self.status != VERSION:
            return []
        title = (f"COMPARED WITH VERSION {self.previous_version} ({self.previous_received_at})" if en else
                 f"SO VỚI LẦN GỬI TRƯỚC (lần {self.previous_version}, nhận lúc {self.previous_received_at})")
        head = (("", "Status", "Form", "Sheet", "Cell", "Row", "Item", "Column", "Before", "Now", "Message",
                 "Code", "Rule") if en else
                ("", "Tình trạng", "Biểu", "Trang", "Ô", "Mã dòng", "Chỉ tiêu", "Mã cột", "Lần trước",
                 "Lần này", "Nội dung", "Mã lỗi", "Luật"))
        rows: list[tuple[Any, ...]] = [(title,), head]
        words = (("Fixed", "Remaining", "New", "Figure changed") if en else
                 ("Đã sửa", "Còn lại", "Mới", "Số liệu thay đổi"))
        message = "message_en" if en else "message_vi"
        for word, group in zip(words, (self.fixed, self.remaining, self.new), strict=False):
            for f in group:
                before = f.get("value") if group is self.fixed else ""
                now = "" if group is self.fixed else f.get("value")
                rows.append(("", word, f["form"], f["sheet"], f["cell"], f["row"], f.get("row_label", ""), f["col"],
                             before, now, f.get(message, ""), f["code"], f["rule"]))
        for c in self.changed:
            rows.append(("", words[3], c.form, c.sheet, c.cell, c.row, c.label, c.col, c.old, c.new, "", "", ""))
        if len(rows) == 2:
            nothing = "No finding and no figure changed." if en else "Không có lỗi nào và không số liệu nào thay đổi."
            rows.append(("", nothing))
        return rows

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        pick = _pick(lang)
        return {
            "status": self.status,
            "summary": self.summary(lang),
            "unit": self.unit,
            "unit_name": self.unit_name,
            "period": self.period,
            "version": self.version,
            "sha256": self.sha256,
            "received_at": self.received_at,
            "received_as": self.received_as,
            "verdict": self.verdict,
            "previous_version": self.previous_version,
            "previous_received_at": self.previous_received_at,
            "fixed": [pick(f) for f in self.fixed],
            "remaining": [pick(f) for f in self.remaining],
            "new": [pick(f) for f in self.new],
            "changed": [c.as_dict() for c in self.changed],
        }


def _pick(lang: str):
    def one(finding: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in finding.items() if k not in ("message_vi", "message_en")}
        out["message"] = finding.get("message_en" if lang == "en" else "message_vi", "")
        return out

    return one


def compare_findings(before: list[dict[str, Any]], after: list[dict[str, Any]]
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(fixed, remaining, new): remaining are given as they read now."""
    left = Counter(finding_key(f) for f in before)
    remaining, new = [], []
    for finding in after:
        key = finding_key(finding)
        if left[key] > 0:
            left[key] -= 1
            remaining.append(finding)
        else:
            new.append(finding)
    fixed = []
    for finding in before:
        key = finding_key(finding)
        if left[key] > 0:
            left[key] -= 1
            fixed.append(finding)
    return fixed, remaining, new


Figures = dict[str, dict[tuple[str, str], Any]]


def compare_figures(before: Figures, after: Figures) -> list[Change]:
    """Input cells whose value differs (a blank and a zero differ: one is not reported, one is)."""
    changes = []
    for form in sorted(set(before) | set(after)):
        old, new = before.get(form, {}), after.get(form, {})
        differ = [key for key in old.keys() | new.keys() if not _same(old.get(key), new.get(key))]
        changes += [Change(form, key[0], key[1], old.get(key), new.get(key)) for key in sorted(differ, key=_cell_order)]
    return changes


def _cell_order(key: tuple[str, str]) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in key)


def _same(a: Any, b: Any) -> bool:
    if a == b and type(a) is type(b):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)
    return a == b
