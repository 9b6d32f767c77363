"""The ``gnbv`` command.

Every failure the user can cause ends in one line on stderr and a distinct
exit code (see ``errors.py``); a traceback is never shown (set GNBV_DEBUG=1
to see one when reporting a bug).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from gnbv_templates.batch import summary
from gnbv_templates.batch.consolidate import consolidate
from gnbv_templates.batch.folder import validate_folder
from gnbv_templates.batch.progress import progress_bar
from gnbv_templates.batch.results import status_label
from gnbv_templates.cli import register as register_cli
from gnbv_templates.cli.language import HelpFormatter, speaking
from gnbv_templates.errors import DefinitionError, GnbvError, UsageError
from gnbv_templates.findings import LANGS, text
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.catalog_json import catalog_json
from gnbv_templates.forms.context import load_settings, make_issue
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.signature import KEY_ENV, load_key
from gnbv_templates.forms.units import load_units
from gnbv_templates.generate.pack import fill, generate, generate_all
from gnbv_templates.read.safety import printable, shown_name
from gnbv_templates.report.validate import validate
from gnbv_templates.serve.server import DEFAULT_PORT, serve
from gnbv_templates.version import __version__

EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)  # help in the language the command speaks
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(text("cli.bad-command", message=message),
                         english=text("cli.bad-command", "en", message=message))


def _forms(text: str | None) -> list[str] | None:
    return [f.strip() for f in text.split(",") if f.strip()] if text else None


def cmd_generate(args: argparse.Namespace) -> int:

    if args.all_units and (args.key or os.environ.get(KEY_ENV)):  # stamped packs are not signed yet: say so
        raise UsageError("Chữ ký (--key) hiện chỉ dùng được khi sinh từng bộ biểu, chưa dùng được với --all-units.",
                         english="Signing (--key) works for one pack at a time, not yet with --all-units.")
    if args.all_units:
        paths = generate_all(args.unit, args.period, args.output, units_path=args.units,
                             forms=_forms(args.forms), settings_path=args.settings,
                             catalog_dir=args.templates, jobs=args.jobs, level=args.level,
                             progress=progress_bar("Sinh biểu", quiet=args.quiet))
        print(f"Đã sinh {len(paths)} bộ biểu vào {args.output}")
        return 0
    settings = load_settings(args.settings, receiving_agency=args.receiving_agency)
    path = generate(args.unit, args.period, args.output, units=args.units, forms=_forms(args.forms),
                    settings=settings, catalog=load_catalog(args.templates), key=load_key(args.key))
    print(f"Đã sinh bộ biểu: {path}")
    return 0


def cmd_fill(args: argparse.Namespace) -> int:

    path = fill(args.template, args.data, args.output, lock=args.lock,
                catalog=load_catalog(args.templates))
    print(f"Đã điền số liệu: {path}")
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:

    catalog = load_catalog(args.templates)
    if args.json:
        context = None
        if args.unit:
            if not args.period:
                raise UsageError("Cần --period khi dùng --unit.", english="--unit needs --period")
            issue = make_issue(load_units(args.units), args.unit, args.period, load_settings())
            context = issue.context(catalog)
        json.dump(catalog_json(catalog, context), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"Danh mục biểu mẫu phiên bản {catalog.version} ({len(catalog.forms)} biểu)")
    for form in catalog.forms.values():
        title = form.title.split("{{")[0].strip()
        print(f"  {form.id}  {form.sheet:<9} {title}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:

    catalog = load_catalog(args.directory)
    print(f"Định nghĩa hợp lệ: {len(catalog.forms)} biểu, phiên bản {catalog.version}, "
          f"mã nội dung {catalog.content_hash[:12]}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:

    if Path(args.path).is_dir():
        if args.key:  # the workers read the key as any run does: from the file the variable names
            load_key(args.key)
            os.environ[KEY_ENV] = str(Path(args.key).resolve())
        return _validate_folder(args)
    report = validate(args.path, catalog=load_catalog(args.templates), rules=load_rules(args.rules),
                      expect_unit=args.expect_unit, expect_period=args.expect_period, key=load_key(args.key))
    register_cli.after_validate(report, args)  # checks across periods, and the register's receipt
    lang = args.lang
    counts = report.counts
    print(printable(text("cli.validated", lang, file=Path(args.path).name, unit=report.unit,
                         unit_name=report.unit_name, period=report.period, errors=counts["error"],
                         warnings=counts["warning"])))
    for finding in report.findings[: args.max_lines]:
        where = printable(f"{finding.sheet}!{finding.cell}" if finding.cell else (finding.sheet or "-"))
        print(f"  [{text(f'severity.{finding.severity}', lang)}] {where}: {printable(finding.message(lang))}")
    if len(report.findings) > args.max_lines:
        print("  " + text("cli.more-findings", lang, count=len(report.findings) - args.max_lines))
    if args.json:
        report.write_json(args.json, lang)
        print(text("cli.json-written", lang, path=args.json))
    if args.output:
        report.annotate(args.output, lang=lang)
        print(text("cli.annotated-written", lang, path=args.output))
    return report.exit_code


def _validate_folder(args: argparse.Namespace) -> int:

    report = validate_folder(args.path, outdir=args.output, parent=args.unit, period=args.period, units=args.units,
                             jobs=args.jobs, templates=args.templates, rules=args.rules,
                             progress=progress_bar("Kiểm tra", quiet=args.quiet))
    completeness, lang = report.completeness, args.lang
    for item in summary.rows(report.results, completeness):
        note = f" — {item['note']}" if item["note"] else ""
        print(printable("  " + text("cli.folder-row", lang, unit=item["unit"] or "?", unit_name=item["unit_name"][:32],
                                    status=status_label(item["status_code"], lang), errors=item["errors"],
                                    warnings=item["warnings"]) + note))  # names and notes from files: escaped
    for entry in report.skipped:  # every entry of the folder that was not read, and why
        name = printable(shown_name(Path(entry.path), 120))
        print(f"  Not read: {name} {entry.message_en}" if lang == "en" else f"  Không đọc {name}: {entry.message}")
    if completeness is not None:
        print(text("cli.folder-scope", lang, parent=completeness.parent.code, parent_name=completeness.parent.name,
                   period=completeness.period, chosen=len(completeness.chosen), missing=len(completeness.missing))
              + (f" ({', '.join(u.name for u in completeness.missing)})" if completeness.missing else ""))
    print(text("cli.folder-written", lang, xlsx=report.summary_xlsx, json=report.summary_json))
    return register_cli.after_folder(report, args)


def cmd_consolidate(args: argparse.Namespace) -> int:

    result = consolidate(args.folder, args.unit, args.period, args.output, units=args.units,
                         include_errors=args.include_errors, jobs=args.jobs,
                         settings=load_settings(args.settings), progress=progress_bar("Tổng hợp", quiet=args.quiet),
                         templates=args.templates, rules=args.rules)
    c = result.completeness
    print(f"Đã tổng hợp {len(result.included)} biểu vào {result.path} "
          f"({c.parent.name}, kỳ {result.period}).")
    if result.with_errors:
        print(f"  CẢNH BÁO: có {len(result.with_errors)} biểu còn lỗi được đưa vào (--include-errors).")
    for read, why in result.excluded:
        print(printable(f"  Không dùng {read.name}: {why}"))
    if c.missing:
        print(f"  Chưa nộp ({len(c.missing)}): " + ", ".join(f"{u.code} {u.name}" for u in c.missing))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    return serve(args.host, args.port, token=args.token, open_browser=not args.no_browser, lang=args.lang,
                 register=args.register)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gnbv", description="Biểu mẫu báo cáo Chương trình MTQG giảm nghèo bền vững.")
    parser.add_argument("--version", action="version", version=f"gnbv {__version__}",
                        help="in phiên bản của chương trình rồi thoát")
    parser.add_argument("--lang", choices=LANGS, default="vi", help="ngôn ngữ của lệnh: vi (mặc định) hoặc en")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    gen = sub.add_parser("generate", help="sinh bộ biểu mẫu cho một đơn vị và một kỳ")
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
    gen.set_defaults(func=cmd_generate)

    fil = sub.add_parser("fill", help="điền số liệu theo mã dòng, mã cột vào một biểu mẫu đã sinh")
    fil.add_argument("template", help="bộ biểu mẫu đã sinh (.xlsx)")
    fil.add_argument("data", help='tệp JSON: {"B02": {"05": {"1": 1501.0}}}')
    fil.add_argument("-o", "--output", required=True, help="tệp .xlsx kết quả (đã điền)")
    fil.add_argument("--lock", action="store_true", help="khóa các ô vừa điền (chỉ tiêu giao trước)")
    fil.add_argument("--templates", help="thư mục định nghĩa biểu")
    fil.set_defaults(func=cmd_fill)

    cat = sub.add_parser("catalog", help="liệt kê danh mục biểu mẫu")
    cat.add_argument("--json", action="store_true", help="in toàn bộ danh mục dạng JSON")
    cat.add_argument("--unit", help="mở rộng các dòng lặp như trong bộ biểu của đơn vị này")
    cat.add_argument("--period", help="kỳ báo cáo (với --unit)")
    cat.add_argument("--units", help="tệp danh sách đơn vị")
    cat.add_argument("--templates", help="thư mục định nghĩa biểu")
    cat.set_defaults(func=cmd_catalog)

    chk = sub.add_parser("check", help="kiểm tra các tệp định nghĩa biểu mẫu")
    chk.add_argument("directory", nargs="?", help="thư mục định nghĩa (mặc định: bộ đi kèm)")
    chk.set_defaults(func=cmd_check)

    val = sub.add_parser("validate", help="kiểm tra biểu đơn vị gửi lên")
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
    register_cli.add_validate_options(val)
    val.set_defaults(func=cmd_validate)

    con = sub.add_parser("consolidate", help="tổng hợp biểu của các đơn vị cấp dưới thành biểu của cấp trên")
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
    con.set_defaults(func=cmd_consolidate)

    srv = sub.add_parser("serve", help="mở trang web kiểm tra, tổng hợp, sinh biểu trên máy này")
    srv.add_argument("--host", default="127.0.0.1",
                     help="địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này; địa chỉ khác cần mã truy cập)")
    srv.add_argument("--port", type=int, default=DEFAULT_PORT,
                     help=f"cổng (mặc định {DEFAULT_PORT}; 0: một cổng trống bất kỳ)")
    srv.add_argument("--token", help="mã truy cập (mặc định: tự tạo và in ra khi mở cho máy khác)")
    srv.add_argument("--no-browser", action="store_true", help="không tự mở trình duyệt")
    srv.add_argument("--lang", choices=["vi", "en"], default="vi", help="ngôn ngữ mặc định của trang và thông báo")
    srv.add_argument("--register", help="sổ đăng ký: ghi mọi biểu kiểm tra trên trang vào sổ (xem docs/register.md)")
    srv.set_defaults(func=cmd_serve)

    register_cli.add_parser(sub)
    return parser


def _lang(argv: Sequence[str]) -> str:
    """The language asked for, known even when the command line itself is wrong (its error is a message too)."""
    lang = "vi"
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    return lang if lang in LANGS else "vi"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _lang(argv)
    try:
        with speaking(lang):  # argparse's own words (usage, errors) in the language asked for
            args = build_parser().parse_args(argv)
        if hasattr(args, "lang"):  # --lang before or after the command: the last one given counts
            args.lang = lang
        return int(args.func(args) or 0)
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
