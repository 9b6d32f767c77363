"""Validating a returned workbook: the pipeline that turns a file into a Report.

Cached values in the file are never trusted: every derived cell is
recomputed from its one declaration in the form model, and the file's
value is compared with it only where its formula is gone or cannot be seen.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

import gnbv_templates.findings as fd
from gnbv_templates.check.outcome import FormState, Key, Outcome
from gnbv_templates.findings import shown_text
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import render
from gnbv_templates.forms.catalog import Catalog
from gnbv_templates.forms.compute import evaluator
from gnbv_templates.forms.metadata import META_SHEET
from gnbv_templates.forms.model import DERIVED, INPUT, Cell, FormLayout
from gnbv_templates.forms.rules import Rule, RuleSet, holds
from gnbv_templates.forms.schemas import cell_schema, compile_schema
from gnbv_templates.read.coerce import Coerced, coerce
from gnbv_templates.read.identify import RESULT_SHEET, Identified, expected_mark, identify
from gnbv_templates.read.reader import ReturnFile
from gnbv_templates.read.structure import locate

# compiled checks by what defines them (measure, required, allowed values, refinement): shared by every file
_CHECKS: dict[tuple[Any, ...], tuple[Any, dict]] = {}
# per (rule set, layout): each input cell with its compiled check, kept while both live
_PLANS: dict[tuple[int, int], tuple[RuleSet, FormLayout, list[tuple[Cell, Key, Any, dict, bool, bool]]]] = {}


_UNRESOLVED = object()


class _Missing(Exception):
    """A rule refers to a cell that is not there (or not a number)."""


class Validation:
    def __init__(self, ret: ReturnFile, catalog: Catalog, ruleset: RuleSet, *, lang: str = "vi") -> None:
        self.ret = ret
        self.catalog = catalog
        self.ruleset = ruleset
        self.lang = lang
        self.findings: list[fd.Finding] = []
        self.forms: dict[str, FormState] = {}
        self.identified: Identified | None = None
        self._resolved: dict[tuple[str, str | None, str | None], tuple[float | None, str] | None] = {}

    def run(self, *, expect_unit: str | None = None, expect_period: str | None = None) -> Outcome:
        ident = identify(self.ret, self.catalog)
        self.identified = ident
        self.findings += ident.findings
        report = Outcome(file=str(self.ret.path), unit=ident.issue.unit.code,
                         unit_name=shown_text(ident.issue.unit.name, None),
                         unit_level=ident.issue.unit.level, period=ident.issue.period.code,
                         catalog_version=ident.version, findings=self.findings, forms=self.forms,
                         identified=ident)
        sniffed = self.ret.sniffed
        if sniffed.macros:
            self.findings.append(fd.make("file.macros"))
        if sniffed.external_links:
            self.findings.append(fd.make("file.external-links", value=len(sniffed.external_links)))
        if expect_unit and expect_unit != ident.issue.unit.code:
            self.findings.append(fd.make("identity.unit", value=ident.issue.unit.code, expected=expect_unit))
        if expect_period and expect_period != ident.issue.period.code:
            self.findings.append(fd.make("identity.period", value=ident.issue.period.code, expected=expect_period))
        if ident.version != self.catalog.version:
            self.findings.append(fd.make("structure.catalog-version", value=ident.version,
                                         expected=self.catalog.version))
            return report
        context = ident.issue.context(self.catalog)
        self._sheets(ident, context)
        for state in self.forms.values():
            self._values(state)
        self._relations()
        self._rules(ident.issue.unit.level)
        self.findings.sort(key=_reading_order)
        return report

    # -- sheets, identity, structure ------------------------------------
    def _sheets(self, ident: Identified, context: dict[str, Any]) -> None:
        names = self.ret.sheet_names
        by_identity: dict[str, tuple[str, dict]] | None = None  # built only if a sheet is not where issued
        header = [render.render(template, context) for template in self.catalog.header]
        meta = self.ret.metadata.meta if ident.from_metadata else None
        issued = {f["id"]: f.get("fingerprint", "") for f in meta.forms} if meta else {}
        order = []
        for form_id in ident.forms:
            layout = self.catalog.layout(form_id, context)
            if issued.get(form_id) and issued[form_id] != layout.fingerprint:
                # same catalog version, other definitions: reading it by this layout would misread every cell
                self.findings.append(fd.make("structure.form-changed", form=form_id, value=issued[form_id],
                                             expected=layout.fingerprint, params={"version": ident.version}))
                continue
            expected_sheet = ident.sheets.get(form_id, layout.sheet)
            if expected_sheet in names:
                sheet = expected_sheet
            elif form_id in (by_identity := by_identity or self._identities(ident)):
                sheet = by_identity[form_id][0]
                self.findings.append(fd.make("structure.sheet-renamed", form=form_id, sheet=sheet,
                                             value=sheet, expected=expected_sheet))
            else:
                self.findings.append(fd.make("structure.sheet-missing", form=form_id, sheet=expected_sheet))
                continue
            order.append(names.index(sheet))
            self._identity_line(form_id, sheet, layout, ident)
            self._header(form_id, sheet, header)
            grid = self.ret.grid(sheet)
            located = locate(layout, grid, sheet)
            self.findings += located.findings
            self.forms[form_id] = FormState(layout, sheet, located)
        if order != sorted(order):
            self.findings.append(fd.make("structure.sheet-order"))

    def _identity_line(self, form_id: str, sheet: str, layout: FormLayout, ident: Identified) -> None:
        found = self.ret.identity(sheet)
        issue = ident.issue
        want = expected_mark(form_id, self.catalog.version, issue.unit.code, issue.period.code, layout.fingerprint)
        if found is None:
            return  # a missing identity line alone is not an error while the metadata is there
        if found["unit"] != issue.unit.code:
            self.findings.append(fd.make("identity.unit", form=form_id, sheet=sheet, cell=_ident_cell(layout),
                                         value=found["unit"], expected=issue.unit.code))
        elif found["period"] != issue.period.code:
            self.findings.append(fd.make("identity.period", form=form_id, sheet=sheet, cell=_ident_cell(layout),
                                         value=found["period"], expected=issue.period.code))
        elif found["form"] != form_id or found["mark"] != want:
            self.findings.append(fd.make("structure.identity-mismatch", form=form_id, sheet=sheet,
                                         cell=_ident_cell(layout), value=f"{found['form']} #{found['mark']}",
                                         expected=f"{form_id} #{want}"))

    def _identities(self, ident: Identified) -> dict[str, tuple[str, dict]]:
        issued = set(ident.sheets.values())
        out: dict[str, tuple[str, dict]] = {}
        for sheet in self.ret.sheet_names:
            if sheet in issued or sheet in (META_SHEET, RESULT_SHEET):
                continue
            found = self.ret.identity(sheet)
            if found:
                out.setdefault(found["form"], (sheet, found))
        return out

    def _header(self, form_id: str, sheet: str, header: list[str]) -> None:
        if self.identified is not None and not self.identified.from_metadata:
            return  # without metadata the issued header texts are unknown
        for index, expected in enumerate(header):
            template = self.catalog.header[index]
            found = self.ret.value(sheet, index, 0)
            if _norm(found) == _norm(expected):
                continue
            code = "identity.unit" if "unit." in template else (
                "identity.period" if "period." in template else "identity.header")
            self.findings.append(fd.make(code, form=form_id, sheet=sheet, cell=f"A{index + 1}",
                                         value=found, expected=expected))

    # -- values -------------------------------------------------------------
    def _values(self, state: FormState) -> None:
        layout, sheet = state.layout, state.sheet
        grid = self.ret.grid(sheet)
        formulas = self.ret.formula_cells(sheet)
        uncached = self.ret.uncached_formulas(sheet)
        errors = self.ret.error_cells(sheet)
        rows, cols = state.located.rows, state.located.cols
        inputs = state.inputs
        numeric_inputs: dict[Key, float] = {}
        for cell, key, check, schema, numeric, count in self._plan(layout):
            r, c = rows.get(cell.row), cols.get(cell.col)
            if r is None or c is None:
                continue
            line = grid[r] if r < len(grid) else ()
            raw = line[c] if c < len(line) else None
            if type(raw) is float and numeric and math.isfinite(raw):  # the common case, without ceremony
                value: Any = int(raw) if count and raw.is_integer() else raw
                problem = None
            else:
                if errors and (r, c) in errors:
                    result = Coerced(None, "value.excel-error", errors[(r, c)])
                elif uncached and (r, c) in uncached and raw in (None, ""):
                    text = formulas.get((r, c), "") if formulas else ""
                    result = Coerced(None, "value.formula-no-value", "=" + text.lstrip("=") if text else "=…")
                else:
                    result = coerce(raw, cell.measure)
                value, problem = result.value, result.problem
                if problem:
                    self._cell_finding(state, cell, problem, value=result.shown, expected=value)
            if formulas is not None and value is not None and (r, c) in formulas:
                self._cell_finding(state, cell, "value.formula-in-input", value=raw, expected=value)
            inputs[key] = value
            if isinstance(value, int | float):
                numeric_inputs[key] = value
            blocked = problem is not None and fd.CODES[problem].severity == fd.ERROR
            for rule in check(value):
                if rule == "nullable" and blocked:
                    continue  # one finding per cause: the cell's problem is already reported
                self._schema_finding(state, cell, rule, value, schema)
        state.derived = evaluator(layout).run(numeric_inputs)
        ours = layout.excel_formulas
        in_place = state.located.in_place
        for cell in layout.derived_order:
            r, c = rows.get(cell.row), cols.get(cell.col)
            if r is None or c is None:
                continue
            text = formulas.get((r, c)) if formulas is not None else None
            if text is not None and (not text or not in_place or _same_formula(text, ours[(cell.row, cell.col)])):
                continue  # the formula is there: the spreadsheet computes it; our value is the truth anyway
            self._derived(state, cell, grid, formulas, errors)

    def _plan(self, layout: FormLayout) -> list[tuple[Cell, Key, Any, dict, bool, bool]]:
        """Every input cell of a layout with its compiled check (refinements looked up once)."""
        key = (id(self.ruleset), id(layout))
        found = _PLANS.get(key)
        if found is not None and found[0] is self.ruleset and found[1] is layout:
            return found[2]
        refine = self.ruleset.refinement
        choices = {c.code: c.choices for c in layout.columns}
        plan = [(cell, (cell.row, cell.col), *self._check_for(layout.id, cell, refine, choices),
                 cell.measure.numeric, cell.measure.type == "count") for cell in layout.inputs]
        if len(_PLANS) > 256:
            _PLANS.clear()
        _PLANS[key] = (self.ruleset, layout, plan)
        return plan

    def _check_for(self, form: str, cell: Cell, refine: Any, choices: dict) -> tuple[Any, dict]:
        """The compiled check of a cell, shared by every cell with the same constraints."""
        refinement = refine(form, cell.row, cell.col)
        allowed = tuple(choices.get(cell.col) or ())  # the list itself: two forms' column 6 may differ
        key = (cell.measure, cell.required, allowed,
               None if refinement is None else tuple(sorted(((k, repr(v)) for k, v in refinement.items()))))
        found = _CHECKS.get(key)
        if found is None:
            schema = cell_schema(cell, refinement, allowed)
            if len(_CHECKS) > 4096:
                _CHECKS.clear()
            found = _CHECKS[key] = (compile_schema(schema), schema)
        return found

    def _derived(self, state: FormState, cell: Cell, grid: list[list[Any]], formulas: dict | None,
                 errors: dict | None = None) -> None:
        pos = state.located.cell(cell.row, cell.col)
        if pos is None:
            return
        r, c = pos
        text = formulas.get((r, c)) if formulas is not None else None
        if text is not None:
            ours = state.layout.excel_formulas[(cell.row, cell.col)]
            if not text or not state.located.in_place or _same_formula(text, ours):
                return  # the formula is there: the spreadsheet computes it; our value is the truth anyway
            self._cell_finding(state, cell, "derived.formula-altered", value="=" + text.lstrip("="),
                               expected=ours)
            return
        raw = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        if errors and (r, c) in errors:
            raw = errors[(r, c)]  # an error value where the formula was: read as text, so shown as it is
        found = coerce(raw, cell.measure).value
        want = state.derived.get((cell.row, cell.col))
        same = _close(found if isinstance(found, int | float) else None, want, cell)
        if formulas is not None and same:
            self._cell_finding(state, cell, "derived.overwritten-same", value=found, expected=want)
            return
        if same:
            return
        formula = cell.formula
        if ex.has_division(formula):  # type: ignore[arg-type]
            code = "derived.ratio-mismatch"
        elif _only_additions(formula):  # type: ignore[arg-type]
            code = "derived.sum-mismatch"
        else:
            code = "derived.formula-mismatch"
        gone = formulas is not None  # the formula is known to be gone, not merely unseen
        self._cell_finding(state, cell, code, value=raw if found is None else found, expected=want, params={
            "declaration": _declaration(state, cell),
            "hint": fd.Phrase("hint.formula-gone") if gone else "",
        })

    def _cell_finding(self, state: FormState, cell: Cell, code: str, **fields: Any) -> None:
        row = state.layout.rows_by_code[cell.row]
        params = dict(fields.pop("params", {}) or {})
        params.setdefault("measure", cell.measure.name)
        self.findings.append(fd.make(code, form=state.layout.id, sheet=state.sheet,
                                     cell=state.address(cell.row, cell.col), row=cell.row, col=cell.col,
                                     row_label=row.label, params=params, **fields))

    def _schema_finding(self, state: FormState, cell: Cell, rule: str, value: Any, schema: dict) -> None:
        if rule == "nullable":
            self._cell_finding(state, cell, "value.required")
        elif rule == "type":
            kind = "value.not-integer" if isinstance(value, float) else "value.not-a-number"
            self._cell_finding(state, cell, kind, value=value)
        elif rule == "min" and schema.get("min") == 0:
            self._cell_finding(state, cell, "value.negative", value=value, expected=0)
        elif rule in ("min", "max", "maxlength"):
            bounds = f"[{schema.get('min', '')}; {schema.get('max', '')}]"
            self._cell_finding(state, cell, "value.out-of-range", value=value, expected=bounds)
        elif rule == "allowed":
            self._cell_finding(state, cell, "value.not-allowed", value=value,
                               expected=", ".join(schema.get("allowed", [])))

    # -- relations and rules --------------------------------------------------
    def _relations(self) -> None:
        for state in self.forms.values():
            layout = state.layout
            for row in layout.rows:
                if not row.part_of or row.part_of not in layout.rows_by_code:
                    continue
                for col in layout.columns:
                    part = layout.cells.get((row.code, col.code))
                    whole = layout.cells.get((row.part_of, col.code))
                    if not part or not whole or part.kind not in (INPUT, DERIVED) or whole.kind not in (INPUT, DERIVED):
                        continue
                    if not part.measure.numeric or part.measure.type == "percent":
                        continue
                    a, b = state.number((row.code, col.code)), state.number((row.part_of, col.code))
                    if a is not None and not holds(a, "<=", b or 0.0, 0.0005, 1e-9):
                        self._cell_finding(state, part, "relation.part-exceeds-whole", value=a, expected=b or 0,
                                           params={"whole": row.part_of})

    def _rules(self, level: str) -> None:
        for rule in self.ruleset.rules:
            if rule.levels is not None and level not in rule.levels:
                continue
            if rule.form and rule.form not in self.forms:
                continue
            forms_used = {r.form for r in ex.refs(rule.left)} | {r.form for r in ex.refs(rule.right)}
            if any(f and f not in self.forms for f in forms_used):
                continue
            lookup = self._lookup(rule)
            for left, right, at in self._instances(rule):
                self._apply(rule, left, right, at, lookup)

    def _instances(self, rule: Rule) -> Iterable[tuple[ex.Node, ex.Node, ex.Node]]:
        if rule.for_each is None:
            return self._bind(rule, None)
        layout = self.forms[rule.form].layout  # type: ignore[index]
        key = ("rule", rule.id)  # bound once per layout, kept with it
        found = layout.memo.get(key)
        if found is None:
            found = layout.memo[key] = list(self._bind(rule, layout))
        return found

    @staticmethod
    def _bind(rule: Rule, layout: FormLayout | None) -> Iterable[tuple[ex.Node, ex.Node, ex.Node]]:
        at = rule.at or next(iter(ex.refs(rule.left)))
        if rule.for_each is None or layout is None:
            yield rule.left, rule.right, at
            return
        if rule.for_each == "row":
            for row in layout.rows:
                if row.section or (rule.rows is not None and row.code not in rule.rows):
                    continue
                yield tuple(ex.bind(n, axis="col", row=row.code) for n in (rule.left, rule.right, at))  # type: ignore[misc]
        else:
            for col in layout.columns:
                if rule.cols is not None and col.code not in rule.cols:
                    continue
                yield tuple(ex.bind(n, axis="row", col=col.code) for n in (rule.left, rule.right, at))  # type: ignore[misc]

    def _lookup(self, rule: Rule):
        default, skip, resolved = rule.form or "", rule.skip_measures, self._resolved

        def lookup(ref: ex.Ref) -> float | None:
            key = (ref.form or default, ref.row, ref.col)
            found = resolved.get(key, _UNRESOLVED)
            if found is _UNRESOLVED:
                found = resolved[key] = self._resolve(*key)  # type: ignore[arg-type]
            if found is None:
                raise _Missing(f"{key}")
            if found[1] in skip:
                raise _Missing("skip")
            return found[0]

        return lookup

    def _resolve(self, form: str, row: str, col: str) -> tuple[float | None, str] | None:
        """A cell as rules see it: (its number, its measure), or None where a rule cannot use it."""
        state = self.forms.get(form)
        if state is None:
            return None
        cell = state.layout.cells.get((row, col))
        if cell is None or cell.kind not in (INPUT, DERIVED) or not cell.measure.numeric:
            return None
        if state.located.cell(cell.row, cell.col) is None:
            return None
        key = (cell.row, cell.col)
        value = state.number(key)
        if value is None:
            return (None if key in state.derived else 0.0), cell.measure.name
        return float(value), cell.measure.name

    def _apply(self, rule: Rule, left: ex.Node, right: ex.Node, at: ex.Node, lookup: Any) -> None:
        try:
            a = ex.evaluate(left, lookup)
            b = ex.evaluate(right, lookup)
        except _Missing:
            # per row or column, a rule simply does not apply where its cells are absent;
            # a single check that cannot run is a result of its own (not silence)
            if rule.for_each is None:
                self.findings.append(fd.make("rule.not-evaluated", rule=rule.id,
                                             params={"reason": fd.Phrase("reason.missing-cell")}))
            return
        if a is None or b is None or holds(a, rule.op, b, rule.tol_abs, rule.tol_rel):
            return
        ref = next(iter(ex.refs(at)))
        state = self.forms[ref.form or rule.form or ""]
        row = state.layout.rows_by_code.get(ref.row or "")
        params = {"left": a, "right": b, **fd.rule_templates(rule.message, rule.message_en)}
        self.findings.append(fd.make(
            "rule.failed", severity=rule.severity, params=params, rule=rule.id, form=state.layout.id,
            sheet=state.sheet, cell=state.address(ref.row or "", ref.col or ""), row=ref.row or "",
            col=ref.col or "", row_label=row.label if row else "", value=a, expected=b,
        ))


def _only_additions(node: ex.Node) -> bool:
    if isinstance(node, ex.BinOp):
        return node.op == "+" and _only_additions(node.left) and _only_additions(node.right)
    return isinstance(node, ex.Ref)


def _declaration(state: FormState, cell: Cell) -> str:
    """The declaration in the sheet's own addresses: D14 = D15 + D16."""
    return ex.to_formula_text(cell.formula, lambda ref: state.address(ref.row or "", ref.col or ""))  # type: ignore[arg-type]


def _reading_order(finding: fd.Finding) -> tuple:
    """File-wide findings first, then form by form, top to bottom, left to right."""
    try:
        r, c = xl_cell_to_rowcol(finding.cell) if finding.cell else (-1, -1)
    except (ValueError, AttributeError):
        r, c = -1, -1
    return (finding.form != "", finding.form, r, c, finding.code)


def _same_formula(found: str, ours: str) -> bool:
    return found == ours or _formula_key(found) == _formula_key(ours)


@lru_cache(maxsize=16_384)
def _formula_key(text: str) -> str:
    """A formula as compared: every return of one form repeats the same few thousand texts."""
    return text.lstrip("=").replace("$", "").replace(" ", "").replace("_xlfn.", "").upper()


def _close(found: float | None, want: float | None, cell: Cell) -> bool:
    if want is None:
        return found is None or found == 0
    if found is None:
        return abs(want) < 0.0005
    slack = 0.01 if cell.measure.type in ("percent", "points") else 0.0005
    return abs(found - want) <= slack + 1e-9 * max(abs(found), abs(want))


def _ident_cell(layout: FormLayout) -> str:
    return xl_rowcol_to_cell(0, layout.last_col)


def _norm(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())

