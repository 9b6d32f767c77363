"""Each sheet's identity line and header texts, against what was issued for this unit and period."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, make
from gnbv_templates.forms import render
from gnbv_templates.forms.a1 import xl_rowcol_to_cell
from gnbv_templates.read.identify import expected_mark


class HeaderCheck(Check):
    name = "header"
    codes = ("identity.unit", "identity.period", "identity.header", "structure.identity-mismatch")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        header: list[str] | None = None
        for form_id, state in ctx.forms.items():
            yield from _identity_line(ctx, form_id, state)
            if not ctx.identified.from_metadata:
                continue  # without metadata the issued header texts are unknown
            if header is None:
                header = [render.render(template, ctx.issue_context) for template in ctx.catalog.header]
            yield from _header(ctx, form_id, state.sheet, header)


def _identity_line(ctx: CheckContext, form_id: str, state: FormState) -> Iterator[Finding]:
    found = ctx.ret.identity(state.sheet)
    if found is None:
        return  # a missing identity line alone is not an error while the metadata is there
    issue, layout = ctx.identified.issue, state.layout
    where = {"form": form_id, "sheet": state.sheet, "cell": xl_rowcol_to_cell(0, layout.last_col)}
    if found["unit"] != issue.unit.code:
        yield make("identity.unit", value=found["unit"], expected=issue.unit.code, **where)
    elif found["period"] != issue.period.code:
        yield make("identity.period", value=found["period"], expected=issue.period.code, **where)
    else:
        want = expected_mark(form_id, ctx.catalog.version, issue.unit.code, issue.period.code, layout.fingerprint)
        if found["form"] != form_id or found["mark"] != want:
            yield make("structure.identity-mismatch", value=f"{found['form']} #{found['mark']}",
                       expected=f"{form_id} #{want}", **where)


def _header(ctx: CheckContext, form_id: str, sheet: str, header: list[str]) -> Iterator[Finding]:
    for index, expected in enumerate(header):
        found = ctx.ret.value(sheet, index, 0)
        if _norm(found) == _norm(expected):
            continue
        template = ctx.catalog.header[index]
        code = "identity.unit" if "unit." in template else (
            "identity.period" if "period." in template else "identity.header")
        yield make(code, form=form_id, sheet=sheet, cell=f"A{index + 1}", value=found, expected=expected)


def _norm(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())
