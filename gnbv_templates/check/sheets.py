"""Which sheet holds each issued form, and where its rows and columns are now.

A sheet renamed is found again by its identity line; a form issued from other definitions (same catalog
version, other structure) is not read at all, since its layout would misread every cell.
"""

from __future__ import annotations

from collections.abc import Iterator

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, make
from gnbv_templates.forms.metadata import META_SHEET
from gnbv_templates.read.identify import RESULT_SHEET, Identified
from gnbv_templates.read.reader import ReturnFile
from gnbv_templates.read.structure import locate


class SheetsCheck(Check):
    name = "sheets"
    codes = ("structure.form-changed", "structure.sheet-renamed", "structure.sheet-missing", "structure.sheet-order",
             "structure.row-missing", "structure.row-moved", "structure.row-extra", "structure.column-missing",
             "structure.column-moved")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        ident, names = ctx.identified, ctx.ret.sheet_names
        meta = ctx.ret.metadata.meta if ident.from_metadata else None
        issued = {f["id"]: f.get("fingerprint", "") for f in meta.forms} if meta else {}
        by_identity: dict[str, tuple[str, dict]] | None = None  # built only if a sheet is not where issued
        order = []
        for form_id in ident.forms:
            layout = ctx.catalog.layout(form_id, ctx.issue_context)
            if issued.get(form_id) and issued[form_id] != layout.fingerprint:
                yield make("structure.form-changed", form=form_id, value=issued[form_id],
                           expected=layout.fingerprint, params={"version": ident.version})
                continue
            expected_sheet = ident.sheets.get(form_id, layout.sheet)
            if expected_sheet in names:
                sheet = expected_sheet
            elif form_id in (by_identity := by_identity or _identities(ctx.ret, ident)):
                sheet = by_identity[form_id][0]
                yield make("structure.sheet-renamed", form=form_id, sheet=sheet, value=sheet, expected=expected_sheet)
            else:
                yield make("structure.sheet-missing", form=form_id, sheet=expected_sheet)
                continue
            order.append(names.index(sheet))
            located = locate(layout, ctx.ret.grid(sheet), sheet)
            yield from located.findings
            ctx.forms[form_id] = FormState(layout, sheet, located)
        if order != sorted(order):
            yield make("structure.sheet-order")


def _identities(ret: ReturnFile, ident: Identified) -> dict[str, tuple[str, dict]]:
    """Forms found by the identity line of sheets not named as issued."""
    issued = set(ident.sheets.values())
    out: dict[str, tuple[str, dict]] = {}
    for sheet in ret.sheet_names:
        if sheet in issued or sheet in (META_SHEET, RESULT_SHEET):
            continue
        found = ret.identity(sheet)
        if found:
            out.setdefault(found["form"], (sheet, found))
    return out
