"""Rules as data (rules/*.yaml): comparisons within a form and across forms, with their own messages.

Each figure stands for the interval its stated precision allows (see forms/precision.py): a rule holds when the
intervals of its two sides overlap.  An empty cell is not zero: a rule whose operands are all empty is not
evaluated; with some empty, it is evaluated only if the rule says empty means zero (``missing: zero``), else it
leaves at most one note for the whole rule (``missing: note``, the default) or nothing (``missing: skip``).
A rule against a form that holds no figure at all is skipped: that form has its own single finding.  On a row
(or column) of totals computed from the rows below, a per-row rule says nothing the rows below have not said,
unless one of its figures there was stated.  A rule whose cells are absent does not apply per row or column; a
single rule that cannot run is a result of its own (``rule.not-evaluated``), not silence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, Phrase, make, rule_templates
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import precision as pr
from gnbv_templates.forms.figures import Figure
from gnbv_templates.forms.model import DERIVED, INPUT, FormLayout
from gnbv_templates.forms.rules import Rule

Place = tuple[str, str, str]  # form, row, col


class _Missing(Exception):
    """A rule refers to a cell that is not there (or not a number)."""


class _Empty(Exception):
    """Not enough figures to evaluate this instance of a rule."""


@dataclass
class _Operand:
    place: Place
    figure: Figure | None  # None: the cell is empty


class RulesCheck(Check):
    name = "rules"
    codes = ("rule.failed", "rule.not-evaluated", "rule.not-enough-figures")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        level = ctx.identified.issue.unit.level
        refused = _refused_cells(ctx.forms)
        for rule in ctx.ruleset.rules:
            if not _applies(rule, level, ctx.forms):
                continue
            yield from _rule(rule, ctx.forms, refused)


def _rule(rule: Rule, forms: dict[str, FormState], refused: set[Place]) -> Iterator[Finding]:
    short: list[tuple[str, str]] = []  # (row, col) where some figures were missing
    for left, right, at in _instances(rule, forms):
        try:
            found = _apply(rule, left, right, at, forms)
        except _Missing:
            # per row or column, a rule simply does not apply where its cells are absent
            if rule.for_each is None:
                yield make("rule.not-evaluated", rule=rule.id, params={"reason": Phrase("reason.missing-cell")})
            continue
        except _Empty as exc:
            if exc.args:
                short.append(exc.args[0])
            continue
        if found is not None and (found.form, found.row, found.col) not in refused:
            yield found
    if short and rule.missing == "note":
        row, col = short[0]
        yield make("rule.not-enough-figures", rule=rule.id, form=rule.form or "", row=row, col=col,
                   params={"count": len(short)})


def _refused_cells(forms: dict[str, FormState]) -> set[Place]:
    """Cells whose typed value was already refused against its parts: one finding per cause."""
    return {(form, *m.key) for form, state in forms.items() if state.figures is not None
            for m in state.figures.mismatches}


def _applies(rule: Rule, level: str, forms: dict[str, FormState]) -> bool:
    if rule.levels is not None and level not in rule.levels:
        return False
    if rule.form and rule.form not in forms:
        return False
    used = {r.form for r in ex.refs(rule.left)} | {r.form for r in ex.refs(rule.right)} | {rule.form}
    return not any(f and (f not in forms or _blank(forms[f])) for f in used)


def _blank(state: FormState) -> bool:
    """A form that holds no figure at all: it has its own single finding, and no rule runs against it."""
    return state.figures is not None and not state.figures.values


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


def _operand(rule: Rule, ref: ex.Ref, forms: dict[str, FormState]) -> _Operand:
    """A cell as rules see it: its figure (None if empty); _Missing where a rule cannot use it."""
    form = ref.form or rule.form or ""
    state = forms.get(form)
    if state is None:
        raise _Missing(form)
    cell = state.layout.cells.get((ref.row or "", ref.col or ""))
    if cell is None or cell.kind not in (INPUT, DERIVED) or not cell.measure.numeric:
        raise _Missing(f"{ref}")
    if state.located.cell(cell.row, cell.col) is None or cell.measure.name in rule.skip_measures:
        raise _Missing(f"{ref}")
    return _Operand((form, cell.row, cell.col), state.figure((cell.row, cell.col)))


def _operands(rule: Rule, left: ex.Node, right: ex.Node, at: ex.Node,
              forms: dict[str, FormState]) -> dict[Place, Figure]:
    """The figures of one instance, after the rule's missing-value strategy; _Empty if it does not run."""
    sides = [[_operand(rule, r, forms) for r in ex.refs(node)] for node in (left, right)]
    every = sides[0] + sides[1]
    if all(o.figure is None for o in every):
        raise _Empty()  # nothing to check here: not a finding, not a note
    if rule.for_each and all(sides) and _computed_totals_only(rule, every, forms):
        raise _Empty()
    if any(o.figure is None for o in every):
        _when_missing(rule, sides, at)
    zero = Figure(0.0, pr.Interval.exact(0.0))
    return {o.place: o.figure if o.figure is not None else zero for o in every}


def _when_missing(rule: Rule, sides: list[list[_Operand]], at: ex.Node) -> None:
    """Some operand is empty: the rule runs with zeros only if it says so and each side has a figure."""
    known = [not side or any(o.figure is not None for o in side) for side in sides]
    if rule.missing != "zero" or not all(known):
        anchor = next(iter(ex.refs(at)))
        raise _Empty((anchor.row or "", anchor.col or ""))


def _computed_totals_only(rule: Rule, every: list[_Operand], forms: dict[str, FormState]) -> bool:
    """On a row (column) of totals of the rows (columns) below, with nothing stated there."""
    axis = "row" if rule.for_each == "row" else "col"
    for o in every:
        cell = forms[o.place[0]].layout.cells[o.place[1:]]
        if cell.kind != DERIVED or cell.axis != axis or (o.figure is not None and o.figure.stated):
            return False
    return True


def _apply(rule: Rule, left: ex.Node, right: ex.Node, at: ex.Node, forms: dict[str, FormState]) -> Finding | None:
    figures = _operands(rule, left, right, at, forms)
    default = rule.form or ""

    def figure(ref: ex.Ref) -> Figure:
        return figures[(ref.form or default, ref.row or "", ref.col or "")]

    exact = rule.precision == "exact"

    def span(r: ex.Ref) -> pr.Interval:
        return pr.Interval.exact(figure(r).value) if exact else figure(r).interval

    a_span, b_span = pr.evaluate(left, span), pr.evaluate(right, span)
    a, b = ex.evaluate(left, lambda r: figure(r).value), ex.evaluate(right, lambda r: figure(r).value)
    if a_span is None or b_span is None or a is None or b is None:
        return None
    slack = rule.tol_abs + rule.tol_rel * max(abs(a), abs(b)) if rule.tolerance_declared or exact else 0.0
    if pr.holds(a_span, rule.op, b_span, slack):
        return None
    decimals = max((pr.stated_decimals(f.value) for f in figures.values()), default=0)
    return _failed(rule, at, forms, round(a, decimals), round(b, decimals))


def _failed(rule: Rule, at: ex.Node, forms: dict[str, FormState], a: float, b: float) -> Finding:
    """The finding of a rule that does not hold, placed on the rule's anchor cell."""
    default = rule.form or ""
    ref = next(iter(ex.refs(at)))
    state = forms[ref.form or default]
    row = state.layout.rows_by_code.get(ref.row or "")
    return make("rule.failed", severity=rule.severity, rule=rule.id, form=state.layout.id, sheet=state.sheet,
                cell=state.address(ref.row or "", ref.col or ""), row=ref.row or "", col=ref.col or "",
                row_label=row.label if row else "", value=a, expected=b,
                params={"left": a, "right": b, "basis": rule.basis,
                        **rule_templates(rule.message, rule.message_en)})
