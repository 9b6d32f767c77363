"""``gnbv validate`` on one file (a folder is a batch: see folder.py; with ``--register`` or ``--previous``
the checks across periods follow: see register.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from gnbv_templates.findings import text
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.signature import load_key
from gnbv_templates.read.safety import printable
from gnbv_templates.report.report import Report
from gnbv_templates.report.validate import validate


def cmd_validate(args: argparse.Namespace) -> int:
    return show(check_file(args), args)


def check_file(args: argparse.Namespace) -> Report:
    return validate(args.path, catalog=load_catalog(args.templates), rules=load_rules(args.rules),
                    expect_unit=args.expect_unit, expect_period=args.expect_period, key=load_key(args.key))


def show(report: Report, args: argparse.Namespace) -> int:
    """The findings on screen, then the JSON and the annotated copy if asked for; the exit code."""
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
