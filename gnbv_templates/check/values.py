"""Input cells: each value read as its measure wants it, then held to its compiled cerberus schema.

The common case (a finite number where a number belongs) takes no ceremony: this loop runs for every input
cell of every return.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from gnbv_templates.check.base import Check
from gnbv_templates.check.context import CheckContext, cell_finding
from gnbv_templates.check.outcome import FormState, Key
from gnbv_templates.findings import CODES, ERROR, Finding, make
from gnbv_templates.forms.model import Cell, FormLayout
from gnbv_templates.forms.rules import RuleSet
from gnbv_templates.forms.schemas import cell_schema, compile_schema, passing_numbers
from gnbv_templates.read.coerce import Coerced, coerce
from gnbv_templates.read.formulas import harmless

# each input cell: its key, compiled check, schema, numeric?, whole numbers?, the numbers its check passes
Passing = tuple[float, float, tuple[type, ...]]
Plan = list[tuple[Cell, Key, Any, dict, bool, bool, Passing]]
_INF = math.inf
_NONE_PASS: Passing = (0.0, -1.0, ())  # no number skips the call
# compiled checks by what defines them (measure, required, allowed values, refinement): shared by every file
_SCHEMAS: dict[tuple[Any, ...], tuple[Any, dict]] = {}


class ValuesCheck(Check):
    name = "values"
    codes = ("value.not-a-number", "value.text-number", "value.ambiguous-number", "value.placeholder",
             "value.excel-error", "value.date", "value.formula-no-value", "value.formula-in-input",
             "value.formula-unsafe", "value.negative", "value.not-integer", "value.out-of-range", "value.not-allowed",
             "value.required", "form.empty", "form.required-empty",
             "form.required-missing")

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for state in ctx.forms.values():
            found = list(_form(ctx, state))
            if _blank(ctx, state):
                yield from _unfilled(state, found)
            else:
                yield from _few_required(state, found)


def _blank(ctx: CheckContext, state: FormState) -> bool:
    """Nothing filled: no input holds a value, and no formula was typed over with one."""
    if any(value not in (None, "") for value in state.inputs.values()):
        return False
    formulas = ctx.ret.formula_cells(state.sheet)
    if formulas is None:
        return True  # without formulas, the values where they were are what the file computed
    grid, rows, cols = ctx.ret.grid(state.sheet), state.located.rows, state.located.cols
    for cell in state.layout.derived_order:
        r, c = rows.get(cell.row), cols.get(cell.col)
        inside = r is not None and c is not None and r < len(grid) and c < len(grid[r])
        if inside and (r, c) not in formulas and grid[r][c] not in (None, ""):  # type: ignore[index]
            return False
    return True


REQUIRED_SHOWN = 10  # more required cells empty than this in one form: one finding for the form


def _few_required(state: FormState, found: list[Finding]) -> Iterator[Finding]:
    """A nearly blank form (a total row stated, the rows of its units left empty) is one finding too."""
    required = [f for f in found if f.code == "value.required"]
    if len(required) <= REQUIRED_SHOWN:
        yield from found
        return
    yield from (f for f in found if f.code != "value.required")
    first = required[0]
    yield make("form.required-missing", form=state.layout.id, sheet=state.sheet, cell=first.cell, row=first.row,
               col=first.col, row_label=first.row_label, params={"count": len(required)})


def _unfilled(state: FormState, found: list[Finding]) -> Iterator[Finding]:
    """A form left blank is one finding, not one per required cell."""
    required = [f for f in found if f.code == "value.required"]
    yield from (f for f in found if f.code != "value.required")
    code = "form.required-empty" if required else "form.empty"
    yield make(code, form=state.layout.id, sheet=state.sheet, params={"count": len(required)})


def _formula_in_input(state: FormState, cell: Cell, formula: str, raw: Any, value: Any) -> Iterator[Finding]:
    """A formula typed into an input cell: its value is used (a warning), unless it reaches outside the
    workbook (DDE, another file, a link, a function no form uses): that is an error whatever its value."""
    if formula and not harmless(formula):
        yield cell_finding(state, cell, "value.formula-unsafe", value="=" + formula.lstrip("="))
    elif value is not None:
        yield cell_finding(state, cell, "value.formula-in-input", value=raw, expected=value)


def _form(ctx: CheckContext, state: FormState) -> Iterator[Finding]:
    sheet = _Sheet(ctx, state.sheet)
    found = blocks(ctx.ruleset, state.layout)
    if not state.as_issued or found.positions & (sheet.formulas or {}).keys():
        yield from _cells(sheet, state, found.plan)
        return
    grid, inputs = sheet.grid, state.inputs
    # most returns: every number of a kind (counts, money, rates) passes at once, and no block is looked at
    taken = [_take_values(grid, inputs, group) for group in found.groups]
    for block in found.items:
        if (block.group < 0 or not taken[block.group]) and not _take(grid, inputs, block):
            yield from _cells(sheet, state, block.entries)


def _cells(sheet: _Sheet, state: FormState, entries: Plan) -> Iterator[Finding]:
    """Input cells one by one, wherever the sheet has them now."""
    rows, cols = state.located.rows, state.located.cols
    grid, formulas = sheet.grid, sheet.formulas or {}
    height = len(grid)
    for entry in entries:
        cell = entry[0]
        r, c = rows.get(cell.row), cols.get(cell.col)
        if r is None or c is None:
            continue
        raw = grid[r][c] if r < height and c < len(grid[r]) else None
        if type(raw) is float and entry[4] and -_INF < raw < _INF and (r, c) not in formulas:
            found: Iterable[Finding] = _number(state, entry, raw)  # the common case, without ceremony
        elif _as_it_is(sheet, cell, raw, (r, c)):  # the other common cases: a blank cell, a note
            found = _taken(state, entry, None if raw == "" else raw)
        else:
            found = _cell(sheet, state, cell, raw, (r, c), entry[2], entry[3], entry[5])
        if found:
            yield from found


def _number(state: FormState, entry: Any, raw: float) -> Iterable[Finding]:
    """A finite number where a number belongs: taken, and held to its check only if outside what passes."""
    cell, key, check, schema, _, count, passing = entry
    value: float = int(raw) if count and raw.is_integer() else raw
    state.inputs[key] = value
    if type(value) in passing[2] and passing[0] <= value <= passing[1]:
        return ()
    return list(_schema_findings(state, cell, check(value), value, schema, None))


def _taken(state: FormState, entry: Any, value: Any) -> Iterable[Finding]:
    """A value taken as it is, held to the cell's check."""
    cell, key, check, schema = entry[:4]
    state.inputs[key] = value
    failed = check(value)
    return list(_schema_findings(state, cell, failed, value, schema, None)) if failed else ()


def _as_it_is(sheet: _Sheet, cell: Cell, raw: Any, at: tuple[int, int]) -> bool:
    """A blank cell, or text where text belongs, with no formula or error there: taken as it is, as _cell would."""
    if (sheet.formulas and at in sheet.formulas) or (sheet.errors and at in sheet.errors) or (
            sheet.uncached and at in sheet.uncached):
        return False
    return raw is None or raw == "" or (type(raw) is str and not cell.measure.numeric
                                        and cell.measure.type != "choice")


@dataclass(frozen=True, slots=True)
class _Block:
    """Input cells side by side on one row with the same check: read as one slice of the row."""

    r: int
    c0: int
    c1: int
    keys: tuple[Key, ...]
    entries: Plan
    passing: Passing
    count: bool
    numbers: bool  # numbers its check may pass without a call; else always cell by cell
    group: int  # its place in _Blocks.groups, -1 if not a block of numbers


@dataclass(frozen=True, slots=True)
class _Group:
    """Every cell of a form's blocks of numbers that the same numbers pass: taken together or not at all."""

    positions: tuple[tuple[int, int], ...]
    keys: tuple[Key, ...]
    passing: Passing
    count: bool


@dataclass(frozen=True, slots=True)
class _Blocks:
    plan: Plan  # every input cell with its compiled check, in the layout's order
    items: list[_Block]
    positions: frozenset[tuple[int, int]]  # every input cell
    groups: list[_Group]


def _take(grid: list[list[Any]], inputs: dict[Key, Any], block: _Block) -> bool:
    """A block of plain numbers its check passes, taken in one go (False: look at it cell by cell).

    A return is mostly such rows: the type, range and finiteness of a whole row are tested by builtins."""
    if not block.numbers or block.r >= len(grid) or block.c1 > len(grid[block.r]):
        return False
    return _passed(grid[block.r][block.c0:block.c1], inputs, block.keys, block.passing, block.count)


def _take_values(grid: list[list[Any]], inputs: dict[Key, Any], group: _Group) -> bool:
    """All the cells of a group, if every one is a plain number its check passes (False: look at its blocks)."""
    try:
        values = [grid[r][c] for r, c in group.positions]
    except IndexError:  # a sheet cut short: the blocks say which cells are missing
        return False
    return _passed(values, inputs, group.keys, group.passing, group.count)


def _passed(values: list[Any], inputs: dict[Key, Any], keys: tuple[Key, ...], passing: Passing, count: bool) -> bool:
    """Values taken into ``inputs`` if all are finite numbers in the range their check passes."""
    if set(map(type, values)) != {float} or not -_INF < sum(values) < _INF:
        return False  # text, empty cells, or a value that is not finite
    low, high, types = passing
    if min(values) < low or max(values) > high:
        return False
    if count:
        if not all(map(float.is_integer, values)):
            return False
        values = list(map(int, values))
    elif float not in types:
        return False
    inputs.update(zip(keys, values, strict=True))
    return True


def blocks(ruleset: RuleSet, layout: FormLayout) -> _Blocks:
    """The layout's input cells grouped into blocks: neighbours on a row that a number passes alike.

    Kept in the layout's own memo (it lives as long as the layout does), for the rule set it was made with."""
    found = layout.memo.get(blocks)
    if found is not None and found[0] is ruleset:
        return found[1]
    entries = _plan(ruleset, layout)
    groups: list[Plan] = []
    for entry in entries:
        if groups and _next_to(groups[-1][-1], entry):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    items, grouped = _grouped(groups)
    out = _Blocks(entries, items, frozenset((entry[0].r, entry[0].c) for entry in entries), grouped)
    layout.memo[blocks] = (ruleset, out)
    return out


def _grouped(groups: list[Plan]) -> tuple[list[_Block], list[_Group]]:
    """The blocks, and the blocks of numbers gathered by what passes them: a group each."""
    kinds: dict[tuple[Passing, bool], int] = {}
    items = []
    for g in groups:
        numbers = g[0][4] and g[0][6] is not _NONE_PASS
        group = kinds.setdefault((g[0][6], g[0][5]), len(kinds)) if numbers else -1
        items.append(_Block(g[0][0].r, g[0][0].c, g[-1][0].c + 1, tuple(e[1] for e in g), g, g[0][6], g[0][5],
                            numbers, group))
    members: list[list[_Block]] = [[] for _ in kinds]
    for item in items:
        if item.group >= 0:
            members[item.group].append(item)
    return items, [_Group(tuple((b.r, c) for b in m for c in range(b.c0, b.c1)), tuple(k for b in m for k in b.keys),
                          passing, count) for (passing, count), m in zip(kinds, members, strict=True)]


def _next_to(last: Any, entry: Any) -> bool:
    """Two numeric input cells side by side on one row, which the same numbers pass alike."""
    cell, before = entry[0], last[0]
    return bool(entry[4] and last[4]) and (before.r, before.c + 1, last[5], last[6]) == (
        cell.r, cell.c, entry[5], entry[6])


def _cell(sheet: _Sheet, state: FormState, cell: Cell, raw: Any, at: tuple[int, int], check: Any,
          schema: dict, count: bool) -> Iterator[Finding]:
    """Any cell but a plain number where a number belongs: text, an error, a formula typed in, a date…"""
    if type(raw) is float and cell.measure.numeric and math.isfinite(raw):  # a number, from a formula typed in
        value, problem = (int(raw) if count and raw.is_integer() else raw), None
    else:
        value, problem = yield from _unusual(sheet, state, cell, raw, at)
    if sheet.formulas is not None and at in sheet.formulas:
        yield from _formula_in_input(state, cell, sheet.formulas[at], raw, value)
    state.inputs[(cell.row, cell.col)] = value
    yield from _schema_findings(state, cell, check(value), value, schema, problem)


class _Sheet:
    """What the reader knows of one sheet beyond its values."""

    def __init__(self, ctx: CheckContext, name: str) -> None:
        ret = ctx.ret
        self.grid = ret.grid(name)
        self.formulas = ret.formula_cells(name)
        self.uncached = ret.uncached_formulas(name)
        self.errors = ret.error_cells(name)


def _unusual(sheet: _Sheet, state: FormState, cell: Cell, raw: Any,
             at: tuple[int, int]) -> Generator[Finding, None, tuple[Any, str | None]]:
    """Anything but a plain number: an Excel error, a formula without its value, text, a date…"""
    if sheet.errors and at in sheet.errors:
        result = Coerced(None, "value.excel-error", sheet.errors[at])
    elif sheet.uncached and at in sheet.uncached and raw in (None, ""):
        text = sheet.formulas.get(at, "") if sheet.formulas else ""
        result = Coerced(None, "value.formula-no-value", "=" + text.lstrip("=") if text else "=…")
    else:
        result = coerce(raw, cell.measure)
    if result.problem:
        yield cell_finding(state, cell, result.problem, value=result.shown, expected=result.value)
    return result.value, result.problem


def _schema_findings(state: FormState, cell: Cell, failed: tuple[str, ...], value: Any, schema: dict,
                     problem: str | None) -> Iterator[Finding]:
    blocked = problem is not None and CODES[problem].severity == ERROR
    for rule in failed:
        if rule == "nullable" and blocked:
            continue  # one finding per cause: the cell's problem is already reported
        yield _schema_finding(state, cell, rule, value, schema)


def _plan(ruleset: RuleSet, layout: FormLayout) -> Plan:
    """Every input cell of a layout with its compiled check (refinements looked up once); kept in its blocks."""
    refine = _refinements(ruleset, layout.id)
    choices = {c.code: c.choices for c in layout.columns}
    out = []
    for cell in layout.inputs:
        check, schema = _compiled(layout.id, cell, refine, choices)
        out.append((cell, (cell.row, cell.col), check, schema, cell.measure.numeric,
                    cell.measure.kind.value == "integer", _passing(schema)))
    return out


def _refinements(ruleset: RuleSet, form: str) -> Any:
    """``ruleset.refinement`` for one form, looking only at that form's refinements (asked once per cell)."""
    mine = RuleSet(refinements=[r for r in ruleset.refinements if r.form == form])
    return mine.refinement


def _passing(schema: dict) -> Passing:
    """The numbers the loop may take as passing without calling the cell's check."""
    found = passing_numbers(schema)
    if found is None:
        return _NONE_PASS
    low, high, whole = found
    return low, high, (int,) if whole else (int, float)


def _compiled(form: str, cell: Cell, refine: Any, choices: dict) -> tuple[Any, dict]:
    """The compiled check of a cell, shared by every cell with the same constraints."""
    refinement = refine(form, cell.row, cell.col)
    allowed = tuple(choices.get(cell.col) or ())  # the list itself: two forms' column 6 may differ
    key = (cell.measure, cell.required, allowed,
           None if refinement is None else tuple(sorted(((k, repr(v)) for k, v in refinement.items()))))
    found = _SCHEMAS.get(key)
    if found is None:
        schema = cell_schema(cell, refinement, allowed)
        if len(_SCHEMAS) > 4096:
            _SCHEMAS.clear()
        found = _SCHEMAS[key] = (compile_schema(schema), schema)
    return found


def _schema_finding(state: FormState, cell: Cell, rule: str, value: Any, schema: dict) -> Finding:
    if rule == "nullable":
        return cell_finding(state, cell, "value.required")
    if rule == "type":
        kind = "value.not-integer" if isinstance(value, float) else "value.not-a-number"
        return cell_finding(state, cell, kind, value=value)
    if rule == "min" and schema.get("min") == 0:
        return cell_finding(state, cell, "value.negative", value=value, expected=0)
    if rule == "allowed":
        return cell_finding(state, cell, "value.not-allowed", value=value,
                            expected=", ".join(schema.get("allowed", [])))
    bounds = f"[{schema.get('min', '')}; {schema.get('max', '')}]"  # min, max, maxlength
    return cell_finding(state, cell, "value.out-of-range", value=value, expected=bounds)
