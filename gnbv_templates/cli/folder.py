"""``gnbv validate`` on a folder: every return in it, the summary, and who has not sent theirs."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from gnbv_templates.batch import summary
from gnbv_templates.batch.folder import validate_folder
from gnbv_templates.batch.progress import progress_bar
from gnbv_templates.batch.results import status_label
from gnbv_templates.cli import register as register_cli
from gnbv_templates.findings import text
from gnbv_templates.forms.signature import KEY_ENV, load_key
from gnbv_templates.read.safety import printable, shown_name


def cmd_validate_folder(args: argparse.Namespace) -> int:
    if args.key:  # the workers read the key as any run does: from the file the variable names
        load_key(args.key)
        os.environ[KEY_ENV] = str(Path(args.key).resolve())
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
