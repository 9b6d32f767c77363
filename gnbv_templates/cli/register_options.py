"""The command line of the register: ``gnbv register …`` and the ``--register`` / ``--previous`` options of
``gnbv validate``, described without loading the register (its commands are in register.py)."""

from __future__ import annotations

import argparse


def add_validate_options(val: argparse.ArgumentParser) -> None:
    val.add_argument("--register", help="sổ đăng ký (SQLite; tạo mới nếu chưa có): ghi biểu vào sổ, so với lần gửi "
                                        "trước và các kỳ trước")
    val.add_argument("--previous", action="append", default=[],
                     help="biểu kỳ trước của cùng đơn vị để kiểm tra giữa các kỳ khi không có sổ (có thể lặp lại)")


HELP = "sổ đăng ký biểu đã nhận: ghi, liệt kê, lịch sử, xóa"


def add_commands(reg: argparse.ArgumentParser) -> None:
    """The commands of ``gnbv register`` (HELP is its line in ``gnbv --help``)."""
    cmds = reg.add_subparsers(dest="register_command", required=True, parser_class=type(reg))

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("register", help="tệp sổ đăng ký (SQLite; tạo mới nếu chưa có)")
        p.add_argument("--units", help="tệp danh sách đơn vị")
        p.add_argument("--lang", choices=["vi", "en"], default="vi", help="ngôn ngữ của thông báo: vi hoặc en")

    add = cmds.add_parser("add", help="ghi một hoặc nhiều tệp (hoặc cả thư mục) vào sổ")
    common(add)
    add.add_argument("paths", nargs="+", help="tệp .xlsx hoặc thư mục")
    add.set_defaults(func="gnbv_templates.cli.register:cmd_add")

    lst = cmds.add_parser("list", help="các đơn vị cấp dưới đã gửi gì cho một kỳ")
    common(lst)
    lst.add_argument("--unit", required=True, help="mã đơn vị cấp trên")
    lst.add_argument("--period", required=True, help="kỳ báo cáo: 2025 (năm) hoặc 2025-H1 (6 tháng)")
    lst.add_argument("--json", action="store_true", help="in dạng JSON")
    lst.set_defaults(func="gnbv_templates.cli.register:cmd_list")

    his = cmds.add_parser("history", help="lịch sử gửi biểu của một đơn vị")
    common(his)
    his.add_argument("--unit", required=True, help="mã đơn vị")
    his.add_argument("--json", action="store_true", help="in dạng JSON")
    his.set_defaults(func="gnbv_templates.cli.register:cmd_history")

    dele = cmds.add_parser("delete", help="xóa một lần gửi khỏi sổ (ghi vào nhật ký)")
    common(dele)
    dele.add_argument("--sha256", help="mã SHA-256 của tệp cần xóa")
    dele.add_argument("--unit", help="đơn vị của lần gửi cần xóa (cùng --period, --version)")
    dele.add_argument("--period", help="kỳ báo cáo của lần gửi cần xóa")
    dele.add_argument("--version", type=int, help="lần gửi")
    dele.add_argument("--reason", help="lý do xóa (ghi vào nhật ký)")
    dele.set_defaults(func="gnbv_templates.cli.register:cmd_delete")

    log = cmds.add_parser("log", help="nhật ký của sổ: ghi, trùng, xóa")
    common(log)
    log.set_defaults(func="gnbv_templates.cli.register:cmd_log")

