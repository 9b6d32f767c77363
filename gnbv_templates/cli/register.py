"""``gnbv register …`` and the ``--register`` / ``--previous`` options of ``gnbv validate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gnbv_templates.batch.folder import FolderReport, find_returns
from gnbv_templates.check.periods import Earlier, History, as_earlier, check_periods, place
from gnbv_templates.cli.validate import check_file, show
from gnbv_templates.errors import UnreadableFile, UsageError
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.rules import load_rules
from gnbv_templates.forms.units import load_units
from gnbv_templates.outputs import atomic_path
from gnbv_templates.read.safety import printable, shown_name
from gnbv_templates.register import Register
from gnbv_templates.register.texts import say
from gnbv_templates.report.report import Report
from gnbv_templates.report.validate import validate

RECEIPTS_NAME = "so_dang_ky_bien_nhan.json"


def _units(args: argparse.Namespace) -> Any:
    return load_units(args.units) if getattr(args, "units", None) else None


def _earlier(path: str, report: Report, args: argparse.Namespace) -> Earlier:
    try:
        before = validate(path, catalog=load_catalog(args.templates), rules=load_rules(args.rules))
    except UnreadableFile as exc:
        raise UsageError(say("previous-unreadable", "vi", file=Path(path).name, message=exc.message),
                         english=say("previous-unreadable", "en", file=Path(path).name, message=exc.english)) from None
    if before.unit != report.unit:
        params = {"file": Path(path).name, "found": before.unit, "expected": report.unit}
        raise UsageError(say("previous-other-unit", "vi", **params), english=say("previous-other-unit", "en", **params))
    return as_earlier(before, Path(path).name)


def after_validate(report: Report, args: argparse.Namespace) -> None:
    """Checks across periods (from the register and/or --previous), then the return is recorded in the register."""
    if not args.register and not args.previous:
        return
    register = Register(args.register, units=_units(args)) if args.register else None
    try:
        history = register.history_for(report.unit, report.period) if register else History()
        for path in args.previous:
            place(history, report.period, _earlier(path, report, args))
        report.findings += check_periods(report, history)
        if register is not None:
            receipt = register.add(report, across_periods=False)
            print(say("added", args.lang, file=shown_name(Path(report.file)), summary=receipt.summary(args.lang)))
    finally:
        if register is not None:
            register.close()


def cmd_validate(args: argparse.Namespace) -> int:
    """``gnbv validate FILE --register …`` or ``--previous …``: the plain check, then the checks across periods."""
    report = check_file(args)
    after_validate(report, args)  # checks across periods, and the register's receipt
    return show(report, args)


def after_folder(folder: FolderReport, args: argparse.Namespace) -> int:
    """Record every readable return of a checked folder; annotated copies get the receipt and the checks
    across periods.  The exit code is 1 if a return has errors once those checks are made."""
    if not args.register:
        return folder.exit_code
    lang, receipts, worst = args.lang, [], folder.exit_code
    catalog, rules = load_catalog(args.templates), load_rules(args.rules)
    with Register(args.register, units=_units(args)) as register:
        for result in folder.results:
            if not result.unit:
                continue
            # the folder run has hashed every file already
            if register.known(result.sha256) is not None:
                receipt = register.add(Path(result.path), sha256=result.sha256)
            else:
                report = validate(result.path, catalog=catalog, rules=rules)
                receipt = register.add(report, sha256=result.sha256)
                if result.annotated:
                    report.annotate(result.annotated, lang=lang)
                if not report.ok:
                    worst = max(worst, 1)
            print(say("added", lang, file=shown_name(result.name), summary=receipt.summary(lang)))
            receipts.append({"file": result.name, **receipt.as_dict(lang)})
    target = folder.summary_json.parent / RECEIPTS_NAME
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(receipts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(say("receipts-written", lang, path=target))
    return worst


# -- gnbv register … --------------------------------------------------------------------------------------------
def cmd_add(args: argparse.Namespace) -> int:
    paths: list[Path] = []
    for item in args.paths:
        path = Path(item)
        found = find_returns(path) if path.is_dir() else [path]
        if not found:
            raise UsageError(say("nothing", "vi", path=item), english=say("nothing", "en", path=item))
        paths += found
    code = 0
    with Register(args.register, units=_units(args)) as register:
        for path in paths:
            try:
                receipt = register.add(path)
            except UnreadableFile as exc:
                print(say("unreadable", args.lang, file=shown_name(path),
                          message=exc.english if args.lang == "en" else exc.message))
                code = max(code, exc.exit_code)
                continue
            print(say("added", args.lang, file=shown_name(path), summary=receipt.summary(args.lang)))
            if receipt.verdict == "errors":
                code = max(code, 1)
    return code


def cmd_list(args: argparse.Namespace) -> int:
    lang = args.lang
    with Register(args.register, units=_units(args)) as register:
        children = register.received(args.unit, args.period)
        if args.json:
            print(json.dumps([c.as_dict() for c in children], ensure_ascii=False, indent=1))
            return 0
        parent = register.units.units.get(args.unit)
        print(say("list-head", lang, register=Path(args.register).name, parent=args.unit,
                  parent_name=parent.name if parent else "", period=args.period,
                  received=sum(1 for c in children if c.latest), total=len(children)))
        for child in children:
            latest = child.latest
            status = say(f"status.{child.status}", lang)
            print(say("list-row", lang, unit=printable(child.unit), name=printable(child.name[:32]), status=status,
                      version=latest.version if latest else "-", when=latest.received_at if latest else "-",
                      versions=child.versions))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with Register(args.register, units=_units(args)) as register:
        entries = register.history(args.unit)
        if args.json:
            print(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=1))
            return 0
        print(say("history-head", args.lang, register=Path(args.register).name, unit=args.unit))
        for e in entries:
            print(say("history-row", args.lang, period=e.period, version=e.version, when=e.received_at,
                      status=say(f"status.{e.verdict}", args.lang), errors=e.errors, warnings=e.warnings,
                      sha=e.sha256[:12], name=shown_name(e.received_as)))
        if not entries:
            print(say("history-none", args.lang))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with Register(args.register, units=_units(args)) as register:
        gone = register.delete(unit=args.unit, period=args.period, version=args.version, sha256=args.sha256,
                               reason=args.reason or "")
    for e in gone:
        print(say("deleted", args.lang, unit=e.unit, period=e.period, version=e.version, sha=e.sha256[:12]))
    if not gone:
        print(say("deleted-none", args.lang))
        return 1
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    with Register(args.register, units=_units(args)) as register:
        for e in register.log():
            print(say("log-row", args.lang, at=e.at, action=e.action, unit=e.unit, period=e.period,
                      version=e.version if e.version is not None else "-", sha=e.sha256[:12],
                      detail=printable(e.detail)))
    return 0

