"""Who the return is from and for when, as identified, against what was expected; and which catalog issued it.

A return issued under another catalog version cannot be read by this one's layouts: the pipeline stops there.
"""

from __future__ import annotations

from collections.abc import Iterator

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.findings import Finding, make


class IdentifiedCheck(Check):
    """What identifying the file found (metadata missing or altered)."""

    name = "identified"
    codes = ("structure.meta-missing", "structure.meta-altered")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        yield from ctx.identified.findings


class IdentityCheck(Check):
    name = "identity"
    codes = ("identity.unit", "identity.period", "structure.catalog-version")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        ident = ctx.identified
        unit, period = ident.issue.unit.code, ident.issue.period.code
        if ctx.expect_unit and ctx.expect_unit != unit:
            yield make("identity.unit", value=unit, expected=ctx.expect_unit)
        if ctx.expect_period and ctx.expect_period != period:
            yield make("identity.period", value=period, expected=ctx.expect_period)
        if ident.version != ctx.catalog.version:
            ctx.stop = True
            yield make("structure.catalog-version", value=ident.version, expected=ctx.catalog.version)
