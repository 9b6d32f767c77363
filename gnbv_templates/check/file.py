"""The file itself: macros and links to other workbooks (never run, never followed)."""

from __future__ import annotations

from collections.abc import Iterator

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.findings import Finding, make


class FileCheck(Check):
    name = "file"
    codes = ("file.macros", "file.external-links")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        sniffed = ctx.ret.sniffed
        if sniffed.macros:
            yield make("file.macros")
        if sniffed.external_links:
            yield make("file.external-links", value=len(sniffed.external_links))
