"""``gnbv catalog`` and ``gnbv check``: the form definitions, listed or checked."""

from __future__ import annotations

import argparse
import json
import sys

from gnbv_templates.errors import UsageError
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.catalog_json import catalog_json
from gnbv_templates.forms.context import load_settings, make_issue
from gnbv_templates.forms.units import load_units


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
