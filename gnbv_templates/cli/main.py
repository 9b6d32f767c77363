"""The ``gnbv`` command.

Every failure the user can cause ends in one line on stderr and a distinct
exit code (see ``errors.py``); a traceback is never shown (set GNBV_DEBUG=1
to see one when reporting a bug).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from gnbv_templates.cli import register_options
from gnbv_templates.cli.language import HelpFormatter, speaking
from gnbv_templates.errors import DefinitionError, GnbvError, UsageError
from gnbv_templates.findings import LANGS, text
from gnbv_templates.serve import DEFAULT_PORT
from gnbv_templates.version import __version__

EXIT_INTERNAL = 70
# what each command runs, as "module:function", imported only when that command runs: checking one file
# should not load the web server, the batch layer or the register
COMMANDS = {
    "generate": "gnbv_templates.cli.generate:cmd_generate",
    "fill": "gnbv_templates.cli.generate:cmd_fill",
    "catalog": "gnbv_templates.cli.catalog:cmd_catalog",
    "check": "gnbv_templates.cli.catalog:cmd_check",
    "validate": "gnbv_templates.cli.validate:cmd_validate",
    "validate_folder": "gnbv_templates.cli.folder:cmd_validate_folder",  # `gnbv validate` given a folder: a batch
    "validate_across_periods": "gnbv_templates.cli.register:cmd_validate",  # with --register or --previous
    "consolidate": "gnbv_templates.cli.consolidate:cmd_consolidate",
    "serve": "gnbv_templates.cli.serve:cmd_serve",
}


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)  # help in the language the command speaks
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(text("cli.bad-command", message=message),
                         english=text("cli.bad-command", "en", message=message))


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line.  Given the words typed, only the commands named among them get their options: the
    others are a name and a line of help, which is all the parser shows of them (the choice of a command is
    by its exact name), and describing every option of every command takes longer than parsing one."""
    parser = _Parser(prog="gnbv", description="Biểu mẫu báo cáo Chương trình MTQG giảm nghèo bền vững.")
    parser.add_argument("--version", action="version", version=f"gnbv {__version__}",
                        help="in phiên bản của chương trình rồi thoát")
    parser.add_argument("--lang", choices=LANGS, default="vi", help="ngôn ngữ của lệnh: vi (mặc định) hoặc en")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    named = None if argv is None else set(argv)
    for name, help_text, add_options in _COMMAND_LINES:
        command = sub.add_parser(name, help=help_text)
        if named is None or name in named:
            add_options(command)
    return parser


def _generate(gen: argparse.ArgumentParser) -> None:
    gen.add_argument("--unit", required=True, help="mã đơn vị (với --all-units: mã đơn vị cấp trên)")
    gen.add_argument("--period", required=True, help="kỳ báo cáo: 2025 (năm) hoặc 2025-H1 (6 tháng)")
    gen.add_argument("--units", help="tệp danh sách đơn vị (mặc định: dữ liệu mẫu tỉnh Lạng Sơn)")
    gen.add_argument("--forms", help="chỉ sinh các biểu này, ví dụ B01,B02")
    gen.add_argument("--settings", help="tệp thiết lập (cơ quan nhận báo cáo, chức danh ký)")
    gen.add_argument("--receiving-agency", help="cơ quan nhận báo cáo (ghi đè thiết lập)")
    gen.add_argument("--templates", help="thư mục định nghĩa biểu (mặc định: bộ đi kèm)")
    gen.add_argument("--all-units", action="store_true", help="sinh cho mọi đơn vị cấp dưới của --unit")
    gen.add_argument("--level", help="với --all-units: cấp đơn vị cần sinh (mặc định: cấp ngay dưới)")
    gen.add_argument("--jobs", type=int, help="số tiến trình song song (mặc định: số lõi)")
    gen.add_argument("-q", "--quiet", action="store_true", help="không hiện thanh tiến độ")
    gen.add_argument("--key", help="tệp khóa của cơ quan phát hành: ký bộ biểu (mặc định: biến GNBV_KEY_FILE)")
    gen.add_argument("-o", "--output", required=True, help="tệp .xlsx (hoặc thư mục với --all-units)")
    gen.set_defaults(func=COMMANDS["generate"])


def _fill(fil: argparse.ArgumentParser) -> None:
    fil.add_argument("template", help="bộ biểu mẫu đã sinh (.xlsx)")
    fil.add_argument("data", help='tệp JSON: {"B02": {"05": {"1": 1501.0}}}')
    fil.add_argument("-o", "--output", required=True, help="tệp .xlsx kết quả (đã điền)")
    fil.add_argument("--lock", action="store_true", help="khóa các ô vừa điền (chỉ tiêu giao trước)")
    fil.add_argument("--templates", help="thư mục định nghĩa biểu")
    fil.set_defaults(func=COMMANDS["fill"])


def _catalog(cat: argparse.ArgumentParser) -> None:
    cat.add_argument("--json", action="store_true", help="in toàn bộ danh mục dạng JSON")
    cat.add_argument("--unit", help="mở rộng các dòng lặp như trong bộ biểu của đơn vị này")
    cat.add_argument("--period", help="kỳ báo cáo (với --unit)")
    cat.add_argument("--units", help="tệp danh sách đơn vị")
    cat.add_argument("--templates", help="thư mục định nghĩa biểu")
    cat.set_defaults(func=COMMANDS["catalog"])


def _check(chk: argparse.ArgumentParser) -> None:
    chk.add_argument("directory", nargs="?", help="thư mục định nghĩa (mặc định: bộ đi kèm)")
    chk.set_defaults(func=COMMANDS["check"])


def _validate(val: argparse.ArgumentParser) -> None:
    val.add_argument("path", help="tệp .xlsx (hoặc thư mục)")
    val.add_argument("-o", "--output", help="tệp bản sao có trang kết quả kiểm tra và đánh dấu ô lỗi")
    val.add_argument("--json", help="tệp báo cáo JSON")
    val.add_argument("--lang", choices=["vi", "en"], default="vi",
                     help="ngôn ngữ của thông báo, trang kết quả và báo cáo JSON: vi hoặc en")
    val.add_argument("--templates", help="thư mục định nghĩa biểu")
    val.add_argument("--rules", help="thư mục luật kiểm tra")
    val.add_argument("--max-lines", type=int, default=40, help="số dòng phát hiện in ra màn hình")
    val.add_argument("-q", "--quiet", action="store_true", help="không hiện thanh tiến độ")
    val.add_argument("--jobs", type=int, help="với thư mục: số tiến trình song song (mặc định: số lõi)")
    val.add_argument("--unit", help="với thư mục: đơn vị cấp trên (để biết đơn vị nào chưa nộp)")
    val.add_argument("--period", help="với thư mục: kỳ báo cáo")
    val.add_argument("--units", help="tệp danh sách đơn vị")
    val.add_argument("--key", help="tệp khóa của cơ quan phát hành: kiểm tra chữ ký của bộ biểu "
                     "(mặc định: biến GNBV_KEY_FILE)")
    val.add_argument("--expect-unit", help="với một tệp: mã đơn vị phải nộp biểu này")
    val.add_argument("--expect-period", help="với một tệp: kỳ báo cáo phải là")
    register_options.add_validate_options(val)
    val.set_defaults(func=COMMANDS["validate"])


def _consolidate(con: argparse.ArgumentParser) -> None:
    con.add_argument("folder", help="thư mục chứa biểu của các đơn vị cấp dưới")
    con.add_argument("--unit", required=True, help="mã đơn vị cấp trên")
    con.add_argument("--period", required=True, help="kỳ báo cáo: 2025 (năm) hoặc 2025-H1 (6 tháng)")
    con.add_argument("-o", "--output", required=True, help="tệp .xlsx tổng hợp")
    con.add_argument("--include-errors", action="store_true", help="vẫn tổng hợp biểu còn lỗi (ghi rõ trong kết quả)")
    con.add_argument("--units", help="tệp danh sách đơn vị")
    con.add_argument("--settings", help="tệp thiết lập (cơ quan nhận báo cáo, chức danh ký)")
    con.add_argument("--jobs", type=int, help="số tiến trình song song (mặc định: số lõi)")
    con.add_argument("-q", "--quiet", action="store_true", help="không hiện thanh tiến độ")
    con.add_argument("--templates", help="thư mục định nghĩa biểu")
    con.add_argument("--rules", help="thư mục luật kiểm tra")
    con.set_defaults(func=COMMANDS["consolidate"])


def _serve(srv: argparse.ArgumentParser) -> None:
    srv.add_argument("--host", default="127.0.0.1",
                     help="địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này; địa chỉ khác cần mã truy cập)")
    srv.add_argument("--port", type=int, default=DEFAULT_PORT,
                     help=f"cổng (mặc định {DEFAULT_PORT}; 0: một cổng trống bất kỳ)")
    srv.add_argument("--token", help="mã truy cập (mặc định: tự tạo và in ra khi mở cho máy khác)")
    srv.add_argument("--no-browser", action="store_true", help="không tự mở trình duyệt")
    srv.add_argument("--lang", choices=["vi", "en"], default="vi", help="ngôn ngữ mặc định của trang và thông báo")
    srv.add_argument("--register", help="sổ đăng ký: ghi mọi biểu kiểm tra trên trang vào sổ (xem docs/register.md)")
    srv.set_defaults(func=COMMANDS["serve"])


# each command: its name, its line of help, and what adds its options
_COMMAND_LINES: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    ("generate", "sinh bộ biểu mẫu cho một đơn vị và một kỳ", _generate),
    ("fill", "điền số liệu theo mã dòng, mã cột vào một biểu mẫu đã sinh", _fill),
    ("catalog", "liệt kê danh mục biểu mẫu", _catalog),
    ("check", "kiểm tra các tệp định nghĩa biểu mẫu", _check),
    ("validate", "kiểm tra biểu đơn vị gửi lên", _validate),
    ("consolidate", "tổng hợp biểu của các đơn vị cấp dưới thành biểu của cấp trên", _consolidate),
    ("serve", "mở trang web kiểm tra, tổng hợp, sinh biểu trên máy này", _serve),
    ("register", register_options.HELP, register_options.add_commands),
)


def _lang(argv: Sequence[str]) -> str:
    """The language asked for, known even when the command line itself is wrong (its error is a message too)."""
    lang = "vi"
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    return lang if lang in LANGS else "vi"


def _target(args: argparse.Namespace) -> str:
    if args.func != COMMANDS["validate"]:
        return str(args.func)
    if Path(args.path).is_dir():
        return COMMANDS["validate_folder"]
    return COMMANDS["validate_across_periods"] if args.register or args.previous else COMMANDS["validate"]


def _implementation(target: str) -> Callable[[argparse.Namespace], int]:
    module, _, name = target.partition(":")
    implementation: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
    return implementation


@contextlib.contextmanager
def _collector_paused(paused: bool) -> Iterator[None]:
    """Python's cycle collector off while one file is checked.  The command imports its modules, reads the
    definitions and one workbook, and ends: the collector would only go over the objects just made, again and
    again (about a tenth of the command's time), and find next to nothing to free.  Commands that run long or
    over many files (a folder, the web page) keep it."""
    collecting = paused and gc.isenabled()
    if collecting:
        gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _lang(argv)
    try:
        with speaking(lang):  # argparse's own words (usage, errors) in the language asked for
            args = build_parser(argv).parse_args(argv)
        if hasattr(args, "lang"):  # --lang before or after the command: the last one given counts
            args.lang = lang
        target = _target(args)
        with _collector_paused(target == COMMANDS["validate"]):
            return int(_implementation(target)(args) or 0)
    except DefinitionError as exc:
        print(text("cli.definition-error", lang), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return exc.exit_code
    except GnbvError as exc:
        print(text("cli.error", lang, message=exc.english if lang == "en" else exc.message), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into head or less that closed early
        return 0
    except KeyboardInterrupt:
        print(text("cli.stopped", lang), file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("GNBV_DEBUG"):
            raise
        print(text("cli.internal-error", lang, error=type(exc).__name__, detail=exc), file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["Path", "main"]
