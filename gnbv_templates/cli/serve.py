"""``gnbv serve``."""

from __future__ import annotations

import argparse

from gnbv_templates.serve.server import serve


def cmd_serve(args: argparse.Namespace) -> int:
    return serve(args.host, args.port, token=args.token, open_browser=not args.no_browser, lang=args.lang,
                 register=args.register)
