"""``gnbv generate`` and ``gnbv fill``."""

from __future__ import annotations

import argparse
import os

from gnbv_templates.batch.progress import progress_bar
from gnbv_templates.errors import UsageError
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import load_settings
from gnbv_templates.forms.signature import KEY_ENV, load_key
from gnbv_templates.generate.pack import fill, generate, generate_all


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
