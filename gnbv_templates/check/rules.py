"""Rules as data (rules/*.yaml): comparisons within a form and across forms, with their own messages.

A rule whose cells are absent does not apply per row or column; a single rule that cannot run is a result of
its own (``rule.not-evaluated``), not silence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, Phrase, make, rule_templates
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.model import DERIVED, INPUT, FormLayout
from gnbv_templates.forms.rules import Rule, holds

Resolved = tuple[float | None, str] | None
_UNRESOLVED = object()


class _Missing(Exception):
    """A rule refers to a cell that is not there (or not a number)."""


class RulesCheck(Check):
    name = "rules"
    codes = ("rule.failed", "rule.not-evaluated")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        level = ctx.identified.issue.unit.level
        resolved: dict[tuple[str, str | None, str | None], Resolved] = {}
        for rule in ctx.ruleset.rules:
            if not _applies(rule, level, ctx.forms):
                continue
            lookup = _lookup(rule, ctx.forms, resolved)
            for left, right, at in _instances(rule, ctx.forms):
                found = _apply(rule, left, right, at, lookup, ctx.forms)
                if found is not None:
                    yield found


def _applies(rule: Rule, level: str, forms: dict[str, FormState]) -> bool:
    if rule.levels is not None and level not in rule.levels:
        return False
    if rule.form and rule.form not in forms:
        return False
    used = {r.form for r in ex.refs(rule.left)} | {r.form for r in ex.refs(rule.right)}
    return not any(f and f not in forms for f in used)


def _instances(rule: Rule, forms: dict[str, FormState]) -> Iterable[tuple[ex.Node, ex.Node, ex.Node]]:
    if rule.for_each is None:
        return _bind(rule, None)
    layout = forms[rule.form].layout  # type: ignore[index]
    key = ("rule", rule.id)  # bound once per layout, kept with it
    found = layout.memo.get(key)
    if found is None:
        found = layout.memo[key] = list(_bind(rule, layout))
    return found


def _bind(rule: Rule, layout: FormLayout | None) -> Iterator[tuple[ex.Node, ex.Node, ex.Node]]:
    at = rule.at or next(iter(ex.refs(rule.left)))
    if rule.for_each is None or layout is None:
        yield rule.left, rule.right, at
        return
    if rule.for_each == "row":
        for row in layout.rows:
            if row.section or (rule.rows is not None and row.code not in rule.rows):
                continue
            yield (ex.bind(rule.left, axis="col", row=row.code), ex.bind(rule.right, axis="col", row=row.code),
                   ex.bind(at, axis="col", row=row.code))
    else:
        for col in layout.columns:
            if rule.cols is not None and col.code not in rule.cols:
                continue
            yield (ex.bind(rule.left, axis="row", col=col.code), ex.bind(rule.right, axis="row", col=col.code),
                   ex.bind(at, axis="row", col=col.code))


def _lookup(rule: Rule, forms: dict[str, FormState],
            resolved: dict[tuple[str, str | None, str | None], Resolved]) -> Callable[[ex.Ref], float | None]:
    default, skip = rule.form or "", rule.skip_measures

    def lookup(ref: ex.Ref) -> float | None:
        key = (ref.form or default, ref.row, ref.col)
        found = resolved.get(key, _UNRESOLVED)
        if found is _UNRESOLVED:
            found = resolved[key] = _resolve(forms, *key)
        if found is None:
            raise _Missing(f"{key}")
        if found[1] in skip:  # type: ignore[index]
            raise _Missing("skip")
        return found[0]  # type: ignore[index]

    return lookup


def _resolve(forms: dict[str, FormState], form: str, row: str | None, col: str | None) -> Resolved:
    """A cell as rules see it: (its number, its measure), or None where a rule cannot use it."""
    state = forms.get(form)
    if state is None:
        return None
    cell = state.layout.cells.get((row or "", col or ""))
    if cell is None or cell.kind not in (INPUT, DERIVED) or not cell.measure.numeric:
        return None
    if state.located.cell(cell.row, cell.col) is None:
        return None
    key = (cell.row, cell.col)
    value = state.number(key)
    if value is None:
        return (None if key in state.derived else 0.0), cell.measure.name
    return float(value), cell.measure.name


def _apply(rule: Rule, left: ex.Node, right: ex.Node, at: ex.Node, lookup: Callable[[ex.Ref], float | None],
           forms: dict[str, FormState]) -> Finding | None:
    try:
        a = ex.evaluate(left, lookup)
        b = ex.evaluate(right, lookup)
    except _Missing:
        # per row or column, a rule simply does not apply where its cells are absent
        if rule.for_each is None:
            return make("rule.not-evaluated", rule=rule.id, params={"reason": Phrase("reason.missing-cell")})
        return None
    if a is None or b is None or holds(a, rule.op, b, rule.tol_abs, rule.tol_rel):
        return None
    ref = next(iter(ex.refs(at)))
    state = forms[ref.form or rule.form or ""]
    row = state.layout.rows_by_code.get(ref.row or "")
    return make("rule.failed", severity=rule.severity, rule=rule.id, form=state.layout.id, sheet=state.sheet,
                cell=state.address(ref.row or "", ref.col or ""), row=ref.row or "", col=ref.col or "",
                row_label=row.label if row else "", value=a, expected=b,
                params={"left": a, "right": b, **rule_templates(rule.message, rule.message_en)})
