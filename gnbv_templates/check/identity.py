"""Who the return is from and for when, as identified, against what was expected; and which catalog issued it.

A return issued under an earlier catalog version whose definitions are kept (templates/versions/) is read and
checked by that version's own forms and rules.  Under any other version it cannot be read by this one's
layouts: the pipeline stops there, saying which version the return needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.findings import Finding, make
from gnbv_templates.forms.versions import catalog_for


class IdentifiedCheck(Check):
    """What identifying the file found (metadata missing or altered)."""

    name = "identified"
    codes = ("structure.meta-missing", "structure.meta-altered", "structure.meta-disagrees")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        yield from ctx.identified.findings


class IdentityCheck(Check):
    name = "identity"
    codes = ("identity.unit", "identity.period", "structure.catalog-version", "structure.catalog-older")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        ident = ctx.identified
        unit, period = ident.issue.unit.code, ident.issue.period.code
        if ctx.expect_unit and ctx.expect_unit != unit:
            yield make("identity.unit", value=unit, expected=ctx.expect_unit)
        if ctx.expect_period and ctx.expect_period != period:
            yield make("identity.period", value=period, expected=ctx.expect_period)
        if ident.version == ctx.catalog.version:
            return
        kept = catalog_for(ident.version, ctx.catalog.directory)
        if kept is None:
            ctx.stop = True
            yield make("structure.catalog-version", value=ident.version, expected=ctx.catalog.version)
            return
        current = ctx.catalog.version
        ctx.catalog, ctx.ruleset = kept
        yield make("structure.catalog-older", value=ident.version, expected=current)
