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

from collections.abc import Iterator
from dataclasses import dataclass

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext
from gnbv_templates.check.outcome import FormState
from gnbv_templates.findings import Finding, Phrase, make, rule_templates
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import precision as pr
from gnbv_templates.forms.figures import Figure
from gnbv_templates.forms.model import DERIVED, INPUT, Cell, FormLayout
from gnbv_templates.forms.rules import Rule

Place = tuple[str, str, str]  # form, row, col
Key = tuple[str, str]
_ZERO = Figure(0.0, 0.0, 0.0)


class _Missing(Exception):
    """A rule refers to a cell that is not there (or not a number)."""


class _Empty(Exception):
    """Not enough figures to evaluate this instance of a rule."""


@dataclass(frozen=True, slots=True)
class _Instance:
    """One instance of a rule (the rule itself, or one of its rows or columns) compiled against the layouts:
    which cells it reads, left side first (None: a cell it names is absent or no number in these layouts);
    its two sides are its rule's, the same for every instance."""

    places: tuple[tuple[str, Key], ...] | None
    sides: _Sides
    at: ex.Node
    anchor: Key
    totals: bool  # every cell a total computed along the rule's own axis


class RulesCheck(Check):
    name = "rules"
    codes = ("rule.failed", "rule.not-evaluated", "rule.not-enough-figures")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        level = ctx.identified.issue.unit.level
        refused = _refused_cells(ctx.forms)
        sheet = _Figures(ctx.forms)
        for rule in ctx.ruleset.rules:
            if not _applies(rule, level, ctx.forms):
                continue
            yield from _rule(rule, ctx.forms, sheet, refused)


class _Figures:
    """The figures of every form, and where a form lost some of its rows or columns, for one return."""

    def __init__(self, forms: dict[str, FormState]) -> None:
        self.values = {form: state.figures.values if state.figures is not None else {}
                       for form, state in forms.items()}
        self.located = {form: state.located for form, state in forms.items()}
        # every cell where the layout puts it: no cell a rule reads can be absent
        self.whole = all(state.as_issued for state in forms.values())

    def operands(self, places: tuple[tuple[str, Key], ...]) -> list[Figure | None]:
        if not self.whole:
            for form, (row, col) in places:
                if self.located[form].cell(row, col) is None:
                    raise _Missing(f"{form}[{row}, {col}]")
        return [self.values[form].get(key) for form, key in places]


def _rule(rule: Rule, forms: dict[str, FormState], sheet: _Figures, refused: set[Place]) -> Iterator[Finding]:
    short: list[Key] = []  # (row, col) where some figures were missing
    for instance in _instances(rule, forms):
        try:
            found = _apply(rule, instance, sheet, forms)
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


# what each rule reads, and its compiled instances per set of layouts: shared by every return
_USED: dict[int, tuple[Rule, frozenset[str]]] = {}
_COMPILED: dict[tuple[int, tuple[int, ...]], tuple[Rule, tuple[FormLayout, ...], list[_Instance]]] = {}


def _used(rule: Rule) -> frozenset[str]:
    found = _USED.get(id(rule))
    if found is None or found[0] is not rule:
        forms = {r.form for r in ex.refs(rule.left)} | {r.form for r in ex.refs(rule.right)} | {rule.form}
        found = _USED[id(rule)] = (rule, frozenset(f for f in forms if f))
    return found[1]


def _applies(rule: Rule, level: str, forms: dict[str, FormState]) -> bool:
    if rule.levels is not None and level not in rule.levels:
        return False
    if rule.form and rule.form not in forms:
        return False
    return not any(f not in forms or _blank(forms[f]) for f in _used(rule))


def _blank(state: FormState) -> bool:
    """A form that holds no figure at all: it has its own single finding, and no rule runs against it."""
    return state.figures is not None and not state.figures.values


def _instances(rule: Rule, forms: dict[str, FormState]) -> list[_Instance]:
    """The rule's instances compiled against the layouts of this return, once per set of layouts."""
    used = sorted(_used(rule))
    layouts = tuple(forms[f].layout for f in used)
    key = (id(rule), tuple(id(layout) for layout in layouts))
    found = _COMPILED.get(key)
    if found is None or found[0] is not rule or found[1] != layouts:
        by_form = dict(zip(used, layouts, strict=True))
        sides = _sides(rule)
        instances = [_instance(rule, sides, binding, by_form)
                     for binding in _bindings(rule, by_form[rule.form] if rule.for_each else None)]  # type: ignore[index]
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        found = _COMPILED[key] = (rule, layouts, instances)
    return found[2]


@dataclass(frozen=True, slots=True)
class _Sides:
    """A rule's two sides as functions of its operands' spans, listed as ``ex.refs`` lists them: the same for
    every row or column the rule runs on, so compiled once per rule."""

    refs: tuple[ex.Ref, ...]
    n_left: int
    left: pr.SpanFn
    right: pr.SpanFn
    at: ex.Node


_SIDES: dict[int, tuple[Rule, _Sides]] = {}


def _sides(rule: Rule) -> _Sides:
    found = _SIDES.get(id(rule))
    if found is None or found[0] is not rule:
        left = tuple(ex.refs(rule.left))
        refs = (*left, *ex.refs(rule.right))
        counter = iter(range(len(refs)))

        def leaf(_: ex.Ref) -> pr.SpanFn:
            index = next(counter)  # references are compiled in the order ex.refs lists them
            return lambda spans: spans[index]

        sides = _Sides(refs, len(left), pr.compile_span(rule.left, leaf), pr.compile_span(rule.right, leaf),
                       rule.at or left[0])
        found = _SIDES[id(rule)] = (rule, sides)
    return found[1]


Binding = tuple[str, str] | None  # as ex.bind is told: the axis of one-code references, and the code fixed


def _bindings(rule: Rule, layout: FormLayout | None) -> list[Binding]:
    if rule.for_each is None or layout is None:
        return [None]
    if rule.for_each == "row":
        return [("col", row.code) for row in layout.rows
                if not row.section and (rule.rows is None or row.code in rule.rows)]
    return [("row", col.code) for col in layout.columns if rule.cols is None or col.code in rule.cols]


def _bound(ref: ex.Ref, binding: Binding) -> ex.Ref:
    """What ``ex.bind`` makes of one reference."""
    if binding is None or ref.code is None:
        return ref
    axis, code = binding
    return ex.Ref(ref.form, ref.code, code) if axis == "row" else ex.Ref(ref.form, code, ref.code)


def _instance(rule: Rule, sides: _Sides, binding: Binding, layouts: dict[str, FormLayout]) -> _Instance:
    refs = [_bound(ref, binding) for ref in sides.refs]
    cells = [_cell(rule, ref, layouts) for ref in refs]
    places = None if any(c is None for c in cells) else tuple(
        (ref.form or rule.form or "", (c.row, c.col)) for ref, c in zip(refs, cells, strict=True))  # type: ignore[union-attr]
    axis = "row" if rule.for_each == "row" else "col"
    totals = all(c is not None and c.kind == DERIVED and c.axis == axis for c in cells)
    at = sides.at if binding is None else ex.bind(sides.at, axis=binding[0], row=binding[1], col=binding[1])
    anchor = next(iter(ex.refs(at)))
    return _Instance(places, sides, at, (anchor.row or "", anchor.col or ""), totals)


def _cell(rule: Rule, ref: ex.Ref, layouts: dict[str, FormLayout]) -> Cell | None:
    """A cell as rules may use it; None where a rule cannot (absent, not a number, a measure it skips)."""
    layout = layouts.get(ref.form or rule.form or "")
    cell = None if layout is None else layout.cells.get((ref.row or "", ref.col or ""))
    if cell is None or cell.kind not in (INPUT, DERIVED) or not cell.measure.numeric:
        return None
    return None if cell.measure.name in rule.skip_measures else cell


def _operands(rule: Rule, instance: _Instance, sheet: _Figures) -> list[Figure]:
    """The figures of one instance, after the rule's missing-value strategy; _Empty if it does not run."""
    if instance.places is None:
        raise _Missing(rule.id)
    found = sheet.operands(instance.places)
    if not any(found):  # a figure is never false: this asks whether any cell holds one
        raise _Empty()  # nothing to check here: not a finding, not a note
    if rule.for_each and instance.totals and _totals_only(instance, found):
        raise _Empty()  # on a row (column) of totals of the rows (columns) below, with nothing stated there
    if not all(found):
        return _when_missing(rule, instance, found)
    return found  # type: ignore[return-value]


def _totals_only(instance: _Instance, found: list[Figure | None]) -> bool:
    """Both sides read totals computed along the rule's axis, and none of them was stated."""
    return 0 < instance.sides.n_left < len(found) and not any(f is not None and f.stated for f in found)


def _when_missing(rule: Rule, instance: _Instance, found: list[Figure | None]) -> list[Figure]:
    """Some operand is empty: the rule runs with zeros only if it says so and each side has a figure."""
    n = instance.sides.n_left
    known = [not side or any(f is not None for f in side) for side in (found[:n], found[n:])]
    if rule.missing != "zero" or not all(known):
        raise _Empty(instance.anchor)
    return [f if f is not None else _ZERO for f in found]


def _apply(rule: Rule, instance: _Instance, sheet: _Figures, forms: dict[str, FormState]) -> Finding | None:
    figures = _operands(rule, instance, sheet)
    exact = rule.precision == "exact"
    spans = [(f.value, f.value, f.value) for f in figures] if exact else figures  # a figure is a span
    a_span, b_span = instance.sides.left(spans), instance.sides.right(spans)
    if a_span is None or b_span is None:
        return None
    a, b = a_span[0], b_span[0]
    slack = rule.tol_abs + rule.tol_rel * max(abs(a), abs(b)) if rule.tolerance_declared or exact else 0.0
    if pr.holds_span(a_span[1], a_span[2], rule.op, b_span[1], b_span[2], slack):
        return None
    decimals = max((pr.stated_decimals(f.value) for f in figures), default=0)
    return _failed(rule, instance.at, forms, round(a, decimals), round(b, decimals))


def _failed(rule: Rule, at: ex.Node, forms: dict[str, FormState], a: float, b: float) -> Finding:
    """The finding of a rule that does not hold, placed on the rule's anchor cell."""
    default = rule.form or ""
    ref = next(iter(ex.refs(at)))
    state = forms[ref.form or default]
    return make("rule.failed", severity=rule.severity, rule=rule.id, **state.place(ref.row or "", ref.col or ""),
                value=a, expected=b,
                params={"left": a, "right": b, "basis": rule.basis,
                        **rule_templates(rule.message, rule.message_en)})
