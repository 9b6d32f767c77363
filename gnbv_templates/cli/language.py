"""The command line in one language: argparse's own words, and the help of every option.

argparse builds its words ("usage:", "options", "the following arguments are required", "invalid choice")
through the module-level ``_`` and ``ngettext`` it imported from gettext; while a command line is built and
parsed, ``speaking(lang)`` puts ours in their place (Vietnamese, or argparse's English with ``--lang en``)
and restores them after.  Help texts are written in Vietnamese where the options are declared; the formatter
shows their English from HELP_EN when the command speaks English.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
from collections.abc import Iterator

ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "show program's version number and exit": "in phiên bản của chương trình rồi thoát",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "not allowed with argument %s": "không dùng cùng tham số %s",
    "ignored explicit argument %r": "giá trị %r không dùng được ở đây",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "ambiguous option: %(option)s could match %(matches)s": "tùy chọn %(option)s không rõ: có thể là %(matches)s",
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ (cần kiểu %(type)s)",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "không có lệnh %(parser_name)r (có: %(choices)s)",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
}

HELP_EN = {
    "Biểu mẫu báo cáo Chương trình MTQG giảm nghèo bền vững.":
        "Reporting forms of the national target programme for sustainable poverty reduction.",
    "in phiên bản của chương trình rồi thoát": "print the program's version and exit",
    "ngôn ngữ của lệnh: vi (mặc định) hoặc en": "language of the command: vi (default) or en",
    "sinh bộ biểu mẫu cho một đơn vị và một kỳ": "generate the pack of forms of one unit for one period",
    "điền số liệu theo mã dòng, mã cột vào một biểu mẫu đã sinh": "fill figures by row and column code into a pack",
    "liệt kê danh mục biểu mẫu": "list the catalog of forms",
    "kiểm tra các tệp định nghĩa biểu mẫu": "check the files that define the forms",
    "kiểm tra biểu đơn vị gửi lên": "validate a returned workbook",
    "tổng hợp biểu của các đơn vị cấp dưới thành biểu của cấp trên":
        "consolidate the returns of the units below into the return of the unit above",
    "mở trang web kiểm tra, tổng hợp, sinh biểu trên máy này":
        "open the web page for validating, consolidating and generating on this computer",
    "sổ đăng ký biểu đã nhận: ghi, liệt kê, lịch sử, xóa": "register of received returns: add, list, history, delete",
    "mã đơn vị (với --all-units: mã đơn vị cấp trên)": "unit code (with --all-units: the parent unit's code)",
    "kỳ báo cáo: 2025 (năm) hoặc 2025-H1 (6 tháng)": "reporting period: 2025 (year) or 2025-H1 (first half)",
    "tệp danh sách đơn vị (mặc định: dữ liệu mẫu tỉnh Lạng Sơn)": "units file (default: the Lạng Sơn sample list)",
    "chỉ sinh các biểu này, ví dụ B01,B02": "generate only these forms, e.g. B01,B02",
    "tệp thiết lập (cơ quan nhận báo cáo, chức danh ký)": "settings file (receiving agency, signing titles)",
    "cơ quan nhận báo cáo (ghi đè thiết lập)": "receiving agency (overrides the settings)",
    "thư mục định nghĩa biểu (mặc định: bộ đi kèm)": "folder of form definitions (default: the bundled ones)",
    "sinh cho mọi đơn vị cấp dưới của --unit": "generate for every unit below --unit",
    "với --all-units: cấp đơn vị cần sinh (mặc định: cấp ngay dưới)":
        "with --all-units: the level of units to generate (default: the level just below)",
    "số tiến trình song song (mặc định: số lõi)": "parallel processes (default: number of cores)",
    "không hiện thanh tiến độ": "do not show the progress bar",
    "tệp khóa của cơ quan phát hành: ký bộ biểu (mặc định: biến GNBV_KEY_FILE)":
        "the issuing agency's key file: sign the pack (default: variable GNBV_KEY_FILE)",
    "tệp .xlsx (hoặc thư mục với --all-units)": "the .xlsx to write (a folder with --all-units)",
    "bộ biểu mẫu đã sinh (.xlsx)": "a generated pack (.xlsx)",
    'tệp JSON: {"B02": {"05": {"1": 1501.0}}}': 'JSON file: {"B02": {"05": {"1": 1501.0}}}',
    "tệp .xlsx kết quả (đã điền)": "the filled .xlsx to write",
    "khóa các ô vừa điền (chỉ tiêu giao trước)": "lock the cells filled (targets set in advance)",
    "thư mục định nghĩa biểu": "folder of form definitions",
    "in toàn bộ danh mục dạng JSON": "print the whole catalog as JSON",
    "mở rộng các dòng lặp như trong bộ biểu của đơn vị này": "expand repeated rows as in this unit's pack",
    "kỳ báo cáo (với --unit)": "reporting period (with --unit)",
    "thư mục định nghĩa (mặc định: bộ đi kèm)": "folder of definitions (default: the bundled ones)",
    "tệp .xlsx (hoặc thư mục)": "the .xlsx (or a folder)",
    "tệp bản sao có trang kết quả kiểm tra và đánh dấu ô lỗi":
        "annotated copy to write: an error sheet first, offending cells marked",
    "tệp báo cáo JSON": "JSON report to write",
    "ngôn ngữ của thông báo, trang kết quả và báo cáo JSON: vi hoặc en":
        "language of the messages, the error sheet and the JSON report: vi or en",
    "thư mục luật kiểm tra": "folder of validation rules",
    "số dòng phát hiện in ra màn hình": "how many findings to print",
    "với thư mục: số tiến trình song song (mặc định: số lõi)":
        "with a folder: parallel processes (default: number of cores)",
    "với thư mục: đơn vị cấp trên (để biết đơn vị nào chưa nộp)":
        "with a folder: the parent unit (to know who has not returned)",
    "với thư mục: kỳ báo cáo": "with a folder: the reporting period",
    "tệp danh sách đơn vị": "units file",
    "tệp khóa của cơ quan phát hành: kiểm tra chữ ký của bộ biểu (mặc định: biến GNBV_KEY_FILE)":
        "the issuing agency's key file: check the pack's signature (default: variable GNBV_KEY_FILE)",
    "với một tệp: mã đơn vị phải nộp biểu này": "with one file: the unit that must have sent it",
    "với một tệp: kỳ báo cáo phải là": "with one file: the period it must be for",
    "sổ đăng ký (SQLite; tạo mới nếu chưa có): ghi biểu vào sổ, so với lần gửi trước và các kỳ trước":
        "register (SQLite; created if missing): record the return, compare with the last version and periods",
    "biểu kỳ trước của cùng đơn vị để kiểm tra giữa các kỳ khi không có sổ (có thể lặp lại)":
        "the same unit's return of an earlier period, for checks across periods without a register (repeatable)",
    "thư mục chứa biểu của các đơn vị cấp dưới": "folder of the returns of the units below",
    "mã đơn vị cấp trên": "the parent unit's code",
    "tệp .xlsx tổng hợp": "the consolidated .xlsx to write",
    "vẫn tổng hợp biểu còn lỗi (ghi rõ trong kết quả)": "add up returns with errors too (said in the result)",
    "địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này; địa chỉ khác cần mã truy cập)":
        "address to listen on (default 127.0.0.1: this computer only; any other needs an access code)",
    "cổng (mặc định 8765; 0: một cổng trống bất kỳ)": "port (default 8765; 0: any free port)",
    "mã truy cập (mặc định: tự tạo và in ra khi mở cho máy khác)":
        "access code (default: made up and printed when serving other computers)",
    "không tự mở trình duyệt": "do not open the browser",
    "ngôn ngữ mặc định của trang và thông báo": "default language of the pages and messages",
    "sổ đăng ký: ghi mọi biểu kiểm tra trên trang vào sổ (xem docs/register.md)":
        "register: record every return checked on the page (see docs/register.md)",
    "ghi một hoặc nhiều tệp (hoặc cả thư mục) vào sổ": "record one or more files (or a folder) in the register",
    "các đơn vị cấp dưới đã gửi gì cho một kỳ": "what the units below have sent for a period",
    "lịch sử gửi biểu của một đơn vị": "a unit's history of returns",
    "xóa một lần gửi khỏi sổ (ghi vào nhật ký)": "delete a return from the register (logged)",
    "nhật ký của sổ: ghi, trùng, xóa": "the register's log: added, duplicates, deleted",
    "tệp sổ đăng ký (SQLite; tạo mới nếu chưa có)": "register file (SQLite; created if missing)",
    "ngôn ngữ của thông báo: vi hoặc en": "language of the messages: vi or en",
    "đơn vị của lần gửi cần xóa (cùng --period, --version)":
        "the unit of the return to delete (with --period, --version)",
    "kỳ báo cáo của lần gửi cần xóa": "the period of the return to delete",
    "tệp .xlsx hoặc thư mục": "an .xlsx or a folder",
    "in dạng JSON": "print as JSON",
    "mã đơn vị": "unit code",
    "mã SHA-256 của tệp cần xóa": "SHA-256 of the file to delete",
    "lần gửi": "version",
    "lý do xóa (ghi vào nhật ký)": "why it is deleted (logged)",
}

_speaking = ["vi"]


def _gettext(message: str) -> str:
    return message if _speaking[-1] == "en" else ARGPARSE_VI.get(message, message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """argparse's own words in this language while a command line is built and parsed."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _gettext, _ngettext  # type: ignore[attr-defined]
    _speaking.append("en" if lang == "en" else "vi")
    try:
        yield
    finally:
        _speaking.pop()
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def english(help_text: str) -> str:
    return HELP_EN.get(help_text, help_text)


class HelpFormatter(argparse.HelpFormatter):
    """Help texts, and the parser's description, in the language the command speaks."""

    def _expand_help(self, action: argparse.Action) -> str:
        help_text = action.help
        if _speaking[-1] == "en" and isinstance(help_text, str):
            action = copy.copy(action)
            action.help = english(help_text)
        return super()._expand_help(action)

    def _format_text(self, text: str) -> str:
        return super()._format_text(english(text) if _speaking[-1] == "en" else text)
