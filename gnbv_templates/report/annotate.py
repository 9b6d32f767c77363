"""The annotated copy: an error sheet first, offending cells highlighted, a comment on each.

It is written by zip surgery (``package``): the return's parts copied as they are, with the error sheet,
the marks and the comments added, formulas that are not the form's own replaced by their values, macros
and links to other files dropped.  That takes a few tens of milliseconds where loading and saving the whole
workbook with openpyxl takes more than half a second, and keeps every cached value, format and setting
the file had.  A return whose structure the surgery does not rewrite (a sheet written with prefixed
elements, shared or array formulas, form controls in a comments drawing, a relationship to the outside
other than a link in a cell, validation or conditional formats calling out, a damaged part; see
``sheetedit.Unsupported``) is copied by openpyxl instead (``annotate_openpyxl``), with the same content.
The input is never modified; annotating an annotated copy replaces its marks.
"""

from __future__ import annotations

from pathlib import Path

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.errors import OutputError
from gnbv_templates.read.reader import open_return
from gnbv_templates.read.safety import shown_name
from gnbv_templates.report.package import annotate_zip
from gnbv_templates.report.sheetedit import Unsupported

ENGINES = ("surgery", "openpyxl")


def annotate(report: Outcome, out: Path | str, *, lang: str = "vi", engine: str = "surgery") -> Path:
    """Write the annotated copy of ``report``'s return to ``out``; ``engine="openpyxl"`` skips the surgery."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    if engine == "surgery":
        try:
            return annotate_zip(report, Path(out), lang=lang)
        except Unsupported:
            pass  # written the slower way below, or refused there with the reason
    source = Path(report.file)
    original = open_return(source)
    try:
        if original.kind == "ods":
            raise OutputError(
                f"Không tạo được bản sao đánh dấu lỗi cho tệp .ods {shown_name(source)}: hãy lưu tệp dạng .xlsx "
                "rồi kiểm tra lại (kết quả kiểm tra vẫn in ra và ghi được vào báo cáo JSON).",
                english="An annotated copy cannot be made of an .ods file: save it as .xlsx and validate again.",
            )
        # here, not above: openpyxl (with numpy under it) takes longer to import than the surgery takes to write a
        # copy, and only returns the surgery leaves to it need it (a batch's workers would each pay it otherwise)
        from gnbv_templates.report.annotate_openpyxl import annotate_with_openpyxl

        return annotate_with_openpyxl(report, Path(out), original, lang=lang)
    finally:
        original.close()
