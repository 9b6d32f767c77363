"""Findings are data: a stable code, where, what was found, what was expected.

Wording lives here, apart from the checks, in one table per language: the
error sheet, the JSON report and the terminal are renderers of one report.
Codes are never reused for another meaning.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from gnbv_templates.forms.notation import format_vn

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    vi: str
    en: str


_CODES = [
    # structure and identity
    Code("structure.meta-missing", WARNING,
         "Không có trang siêu dữ liệu; đã nhận biết biểu qua dòng định danh trên từng trang.",
         "The metadata sheet is missing; forms were identified from each sheet's identity line."),
    Code("structure.meta-altered", ERROR,
         "Trang siêu dữ liệu đã bị sửa (mã kiểm tra không khớp).",
         "The metadata sheet was edited (digest mismatch)."),
    Code("structure.unidentified", ERROR,
         "Không nhận biết được tệp là biểu mẫu GNBV nào (không có siêu dữ liệu, không có dòng định danh).",
         "Cannot tell which GNBV forms this file holds (no metadata, no identity line)."),
    Code("structure.catalog-version", ERROR,
         "Tệp được sinh theo danh mục phiên bản {found}; cần danh mục phiên bản đó để kiểm tra "
         "(hiện có {expected}).",
         "The file was issued with catalog version {found}; this tool has {expected}."),
    Code("structure.sheet-missing", ERROR,
         "Thiếu trang {sheet} ({form}): trang đã bị xóa hoặc đổi tên.",
         "Sheet {sheet} ({form}) is missing: deleted or renamed."),
    Code("structure.sheet-renamed", WARNING,
         "Trang của {form} đã bị đổi tên thành {found} (tên đúng: {expected}).",
         "The sheet of {form} was renamed to {found} (expected {expected})."),
    Code("structure.sheet-order", WARNING,
         "Thứ tự các trang đã bị thay đổi.", "The sheets were reordered."),
    Code("structure.form-changed", ERROR,
         "Biểu {form} được phát hành theo định nghĩa khác với danh mục đang dùng (cùng phiên bản {version}, "
         "mã cấu trúc {found} thay vì {expected}): cần đúng bộ định nghĩa đã dùng khi phát hành để kiểm tra.",
         "Form {form} was issued from other definitions than the catalog in use (same version {version}, "
         "structure {found} instead of {expected}): the definitions used at issue are needed."),
    Code("structure.identity-mismatch", ERROR,
         "Dòng định danh của trang không khớp với biểu đã phát hành ({found}).",
         "The sheet's identity line does not match what was issued ({found})."),
    Code("structure.row-missing", ERROR,
         "Dòng mã {row} ({label}) không còn trong biểu: đã bị xóa hoặc sửa mã số.",
         "Row {row} ({label}) is gone: deleted or its code was changed."),
    Code("structure.row-moved", ERROR,
         "Dòng mã {row} đã bị chuyển từ dòng {expected} sang dòng {found} (có dòng bị chèn, xóa hoặc di chuyển).",
         "Row {row} moved from sheet row {expected} to {found} (rows inserted, deleted or moved)."),
    Code("structure.row-extra", ERROR,
         "Có dòng lạ được chèn vào bảng tại dòng {found}.",
         "An unknown row was inserted in the table at sheet row {found}."),
    Code("structure.column-missing", ERROR,
         "Cột mã {col} không còn trong biểu: đã bị xóa hoặc sửa số thứ tự cột.",
         "Column {col} is gone: deleted or renumbered."),
    Code("structure.column-moved", ERROR,
         "Cột mã {col} đã bị chuyển từ cột {expected} sang cột {found} (có cột bị chèn, xóa hoặc di chuyển).",
         "Column {col} moved from {expected} to {found} (columns inserted, deleted or moved)."),
    Code("identity.unit", ERROR,
         "Đơn vị báo cáo là {found}, nhưng biểu được phát hành cho {expected}.",
         "The reporting unit is {found}, but the form was issued to {expected}."),
    Code("identity.period", ERROR,
         "Kỳ báo cáo là {found}, nhưng biểu được phát hành cho kỳ {expected}.",
         "The period is {found}, but the form was issued for {expected}."),
    Code("identity.header", ERROR,
         "Đầu biểu đã bị sửa: đang ghi {found!r}, đúng phải là {expected!r}.",
         "The header was edited: it reads {found!r}, expected {expected!r}."),
    # values of input cells
    Code("value.not-a-number", ERROR,
         "Ô này phải là số ({measure}) nhưng đang ghi {found!r}.",
         "This cell must be a number ({measure}) but holds {found!r}."),
    Code("value.text-number", WARNING,
         "Số được nhập dưới dạng chữ ({found!r}); đã đọc là {expected}. Nên nhập lại dạng số.",
         "A number typed as text ({found!r}); read as {expected}. Re-type it as a number."),
    Code("value.ambiguous-number", WARNING,
         "Không rõ {found!r} là số thập phân hay có dấu phân cách hàng nghìn; đã đọc là {expected}. Hãy kiểm tra.",
         "It is unclear whether {found!r} has a decimal or a thousands separator; read as {expected}."),
    Code("value.placeholder", WARNING,
         "Ô ghi {found!r} thay cho số; đã coi là ô trống. Nếu không có số liệu, hãy để trống hoặc ghi 0.",
         "The cell holds {found!r} instead of a number; treated as blank."),
    Code("value.excel-error", ERROR,
         "Ô có lỗi công thức Excel {found}.", "The cell holds the Excel error {found}."),
    Code("value.date", ERROR,
         "Ô đang có định dạng ngày tháng ({found}); phải là số ({measure}).",
         "The cell holds a date ({found}); it must be a number ({measure})."),
    Code("value.formula-no-value", ERROR,
         "Ô nhập liệu chứa công thức {found} nhưng tệp không lưu kết quả tính nên không đọc được số liệu. "
         "Hãy nhập số trực tiếp, hoặc mở tệp bằng Excel hay LibreOffice rồi lưu lại.",
         "An input cell holds the formula {found} but the file keeps no computed value, so it cannot be read. "
         "Type the number, or open the file in Excel or LibreOffice and save it again."),
    Code("value.formula-in-input", WARNING,
         "Ô nhập liệu chứa công thức; đã dùng giá trị tính lại của công thức đó ({expected}).",
         "An input cell holds a formula; its value was used."),
    Code("value.negative", ERROR,
         "Giá trị {found} âm; số liệu (đơn vị tính: {measure}) phải lớn hơn hoặc bằng 0.",
         "The value {found} is negative; it must be 0 or more (unit: {measure})."),
    Code("value.not-integer", ERROR,
         "Giá trị {found} phải là số nguyên (đơn vị tính: {measure}).",
         "The value {found} must be a whole number (unit: {measure})."),
    Code("value.out-of-range", ERROR,
         "Giá trị {found} nằm ngoài khoảng cho phép {expected}.",
         "The value {found} is outside the allowed range {expected}."),
    Code("value.not-allowed", ERROR,
         "Giá trị {found!r} không thuộc danh sách cho phép: {expected}.",
         "The value {found!r} is not one of: {expected}."),
    Code("value.required", ERROR,
         "Chưa điền ô bắt buộc này.", "This required cell is empty."),
    # derived cells
    Code("derived.overwritten-same", WARNING,
         "Ô tính đã bị ghi đè bằng số (giá trị hiện khớp: {found}). "
         "Hãy khôi phục công thức để tránh sai khi sửa số liệu.",
         "A formula cell was overwritten with a number (it matches for now: {found}). Restore the formula."),
    Code("derived.sum-mismatch", ERROR,
         "Tổng {found} không bằng tổng các thành phần {expected} ({declaration}).{hint}",
         "The total {found} is not the sum of its parts {expected} ({declaration}).{hint_en}"),
    Code("derived.ratio-mismatch", ERROR,
         "Tỷ lệ {found}% không khớp với tử số và mẫu số: phải là {expected}% ({declaration}).{hint}",
         "The rate {found}% does not match its numerator and denominator: {expected}% ({declaration}).{hint_en}"),
    Code("derived.formula-mismatch", ERROR,
         "Giá trị {found} không khớp với công thức {declaration}: phải là {expected}.{hint}",
         "The value {found} does not match {declaration}: it should be {expected}.{hint_en}"),
    Code("derived.formula-altered", ERROR,
         "Công thức của ô đã bị sửa thành {found}; công thức đúng là {expected}.",
         "The formula was changed to {found}; it should be {expected}."),
    # relations between cells
    Code("relation.part-exceeds-whole", ERROR,
         "Phần \"trong đó\" ({found}) lớn hơn tổng của nó ở dòng {whole} ({expected}).",
         "The \"of which\" part ({found}) exceeds its whole in row {whole} ({expected})."),
    # the file itself
    Code("file.macros", WARNING,
         "Tệp có macro (VBA): macro không được chạy và không được giữ lại trong bản sao kiểm tra.",
         "The file contains macros (VBA): they are never run and are not kept in the annotated copy."),
    Code("file.external-links", WARNING,
         "Tệp có liên kết tới {found} tệp khác: liên kết không được mở; số liệu lấy từ tệp khác có thể đã cũ. "
         "Bản sao kiểm tra không giữ liên kết.",
         "The file links to {found} other workbook(s): the links are not followed and values taken from them may "
         "be stale. The annotated copy does not keep them."),
    # rules from rules/*.yaml
    Code("rule.failed", ERROR, "{message}", "{message}"),
    Code("rule.not-evaluated", WARNING,
         "Không kiểm tra được luật {rule}: {reason}.", "Rule {rule} could not be evaluated: {reason}."),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}
_FIELD = re.compile(r"\{(\w+)(!r)?\}")
# line breaks, terminal escapes and bidirectional overrides typed into a cell must not reach a message
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
MAX_SHOWN = 200


def shown_text(value: Any, limit: int | None = MAX_SHOWN) -> str:
    """A value as a message shows it: on one line, and (what came from a cell) not endless."""
    text = format_vn(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    text = _CONTROL.sub(" ", text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def render_message(template: str, params: dict[str, Any]) -> str:
    """Fill ``{name}`` fields; nothing but plain names (no attribute access)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        text = shown_text(params.get(name, ""), MAX_SHOWN if name in ("found", "expected") else None)
        return f"“{text}”" if match.group(2) else text

    return _FIELD.sub(one, template)


@dataclass
class Finding:
    code: str
    severity: str
    form: str = ""
    sheet: str = ""
    cell: str = ""
    row: str = ""
    col: str = ""
    row_label: str = ""
    value: Any = None
    expected: Any = None
    rule: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    message_vi: str = ""
    message_en: str = ""

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        data = asdict(self)
        data.pop("params")
        data.pop("message_vi")
        data.pop("message_en")
        data["message"] = self.message(lang)
        data["value"] = _jsonable(self.value)
        data["expected"] = _jsonable(self.expected)
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def make(code: str, *, severity: str | None = None, templates: tuple[str, str] | None = None,
         **fields: Any) -> Finding:
    """Build a finding from its code; the messages are rendered once, here."""
    spec = CODES[code]
    params = dict(fields.pop("params", {}) or {})
    params.setdefault("found", fields.get("value"))
    params.setdefault("expected", fields.get("expected"))
    fields.setdefault("rule", code)  # checks of the model itself are named by their code
    for key in ("form", "sheet", "row", "col", "rule"):
        params.setdefault(key, fields.get(key, ""))
    params.setdefault("label", fields.get("row_label", ""))
    vi, en = templates or (spec.vi, spec.en)
    return Finding(
        code=code,
        severity=severity or spec.severity,
        params=params,
        message_vi=render_message(vi, params),
        message_en=render_message(en or vi, params),
        **fields,
    )
