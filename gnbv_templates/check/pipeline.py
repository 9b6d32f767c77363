"""Validating a returned workbook: a pipeline of small checks over one shared context.

Checks run in order (each kind of check is one module here); the pipeline stops early only where the file
cannot be trusted any further (a return issued under another catalog version). A check that raises is a bug
of ours, not a fault of the file: it becomes one ``internal.check-failed`` finding naming the check, and the
other checks still run. Refusals (UnreadableFile) and running out of memory or recursion pass through.

Cached values in the file are never trusted: every derived cell is recomputed from its one declaration in
the form model.
"""

from __future__ import annotations

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.check.derived import DerivedCheck
from gnbv_templates.check.file import FileCheck
from gnbv_templates.check.header import HeaderCheck
from gnbv_templates.check.identity import IdentifiedCheck, IdentityCheck
from gnbv_templates.check.outcome import Outcome
from gnbv_templates.check.relations import RelationsCheck
from gnbv_templates.check.rules import RulesCheck
from gnbv_templates.check.sheets import SheetsCheck
from gnbv_templates.check.signature import SignatureCheck
from gnbv_templates.check.values import ValuesCheck
from gnbv_templates.errors import GnbvError
from gnbv_templates.findings import Finding, make, shown_text
from gnbv_templates.forms.a1 import xl_cell_to_rowcol
from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.rules import RuleSet
from gnbv_templates.read.identify import identify
from gnbv_templates.read.reader import ReturnFile

# in order: what identifying found, the file, who and when (may stop), sheets and structure (finds the forms),
# identity lines and headers, input values, derived cells (needs the values), relations and rules (need both)
CHECKS: tuple[Check, ...] = (IdentifiedCheck(), SignatureCheck(), FileCheck(), IdentityCheck(), SheetsCheck(),
                             HeaderCheck(), ValuesCheck(), DerivedCheck(), RelationsCheck(), RulesCheck())


class Pipeline:
    def __init__(self, ret: ReturnFile, catalog: Catalog, ruleset: RuleSet,
                 checks: tuple[Check, ...] = CHECKS) -> None:
        self.ret, self.catalog, self.ruleset, self.checks = ret, catalog, ruleset, checks
        self.emitted: dict[str, set[str]] = {}  # codes each check emitted on this file (for tests)

    def run(self, *, expect_unit: str | None = None, expect_period: str | None = None,
            key: bytes | None = None) -> Outcome:
        ident = identify(self.ret, self.catalog)  # a file that is no GNBV return is refused here
        ctx = CheckContext(self.ret, self.catalog, self.ruleset, ident, expect_unit, expect_period, key=key)
        findings: list[Finding] = []
        for check in self.checks:
            found = run_check(check, ctx)
            self.emitted[check.name] = {f.code for f in found}
            findings += found
            if ctx.stop:
                break  # what was found so far stays in the order it was found: nothing of the forms was read
        else:
            findings.sort(key=_reading_order)
        return Outcome(file=str(self.ret.path), unit=ident.issue.unit.code,
                       unit_name=shown_text(ident.issue.unit.name, None), unit_level=ident.issue.unit.level,
                       period=ident.issue.period.code, catalog_version=ident.version, findings=findings,
                       forms=ctx.forms, identified=ident)


def run_check(check: Check, ctx: CheckContext) -> list[Finding]:
    """One check's findings; if it fails, what it found so far and one finding that says it failed."""
    found: list[Finding] = []
    try:
        for finding in check.run(ctx):
            found.append(finding)
    except (GnbvError, MemoryError, RecursionError):
        raise
    except Exception as exc:
        found.append(make("internal.check-failed", rule=check.name,
                          params={"check": check.name, "error": type(exc).__name__}))
    return found


def _reading_order(finding: Finding) -> tuple:
    """File-wide findings first, then form by form, top to bottom, left to right."""
    try:
        r, c = xl_cell_to_rowcol(finding.cell) if finding.cell else (-1, -1)
    except (ValueError, AttributeError):
        r, c = -1, -1
    return (finding.form != "", finding.form, r, c, finding.code)
