"""Internally consistent sample returns, for the bundled examples, tests and benchmarks.

Every value satisfies the form model and the bundled rules: parts stay under
their wholes, figures for the period under the year to date, disbursement
under the plan, Biểu 02 equals the sub-project forms' money blocks and
Biểu 01 equals Biểu 15's total row.  The data is made up; it is labelled
as sample data wherever it is written.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import Any

from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms.compute import evaluator
from gnbv_templates.forms.model import INPUT, FormLayout, child_form
from gnbv_templates.forms.rules import RuleSet

Values = dict[tuple[str, str], Any]
SCALE = {"xa": 1, "huyen": 8, "tinh": 60}


def _exact_groups(rules: RuleSet, form: str) -> dict[str, list[str]]:
    """Rules of the form ``[a] + [b] + … = [t]`` per column: parts that must add up exactly."""
    groups: dict[str, list[str]] = {}
    for rule in rules.rules:
        if rule.form != form or rule.for_each != "column" or rule.op != "==":
            continue
        if isinstance(rule.right, ex.Ref) and ex.is_linear(rule.left):
            parts = [r.code or "" for r in ex.refs(rule.left)]
            groups[rule.right.code or ""] = parts
    return groups


def _split(total: int, n: int, rnd: random.Random) -> list[int]:
    cuts = sorted(rnd.randint(0, total) for _ in range(n - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _floor(value: float, money: bool) -> float:
    return math.floor(value * 1000) / 1000 if money else float(math.floor(value))


def _indicator_rows(layout: FormLayout, values: Values, rnd: random.Random, scale: int,
                    groups: dict[str, list[str]]) -> None:
    col_codes = [c.code for c in layout.columns]
    flows: list[str] = [c for c in ("1", "2", "3", "4") if c in col_codes]
    _wholes(layout, values, rnd, scale, flows)
    derived = evaluator(layout).run(values)

    def whole(code: str, col: str) -> float:
        value = derived.get((code, col), values.get((code, col)))
        return float(value or 0)

    _grouped_parts(layout, values, rnd, groups, flows, whole)
    _other_parts(layout, values, rnd, groups, flows, whole)


def _draw(cell_type: str, scale: int, rnd: random.Random) -> dict[str, float]:
    """Plan, done, and the two flows between them, consistent with each other."""
    top = 400 * scale if cell_type == "money" else 40 * scale

    def pick(a: float, b: float) -> float:
        return round(rnd.uniform(a, b), 3) if cell_type == "money" else rnd.randint(int(a), int(b))

    c3 = pick(0, top)
    return {"1": pick(c3, c3 + top // 2), "2": pick(0, c3), "3": c3, "4": pick(c3, c3 + top)}


def _wholes(layout: FormLayout, values: Values, rnd: random.Random, scale: int, flows: list[str]) -> None:
    """Pass 1: rows that are not a part of another."""
    for row in layout.rows:
        if row.section or row.part_of:
            continue
        inputs = [c for c in (layout.cells[(row.code, col)] for col in flows) if c.kind == INPUT]
        if not inputs:
            continue
        kind = inputs[0].measure.type
        if kind in ("percent", "points"):
            for cell in inputs:
                values[(row.code, cell.col)] = round(rnd.uniform(0, 100 if kind == "percent" else 5), 2)
            continue
        drawn = _draw(kind, scale, rnd)
        for cell in inputs:
            values[(row.code, cell.col)] = drawn[cell.col]


def _grouped_parts(layout: FormLayout, values: Values, rnd: random.Random, groups: dict[str, list[str]],
                   flows: list[str], whole: Callable[[str, str], float]) -> None:
    """Pass 2: "trong đó" parts that add up exactly to their whole, where a rule says so."""
    for total, parts in groups.items():
        for col in flows:
            if layout.cells[(parts[0], col)].kind != INPUT:
                continue
            if col == "1":
                shares = _split(int(whole(total, "1")), len(parts), rnd)
            else:
                base = {"2": 0.0, "3": whole(total, "2"), "4": whole(total, "3")}[col]
                step = _split(int(whole(total, col) - base), len(parts), rnd)
                prev = [values.get((p, str(int(col) - 1)), 0) if col != "2" else 0 for p in parts]
                shares = [a + b for a, b in zip(prev, step, strict=True)]
            for part, share in zip(parts, shares, strict=True):
                values[(part, col)] = share


def _other_parts(layout: FormLayout, values: Values, rnd: random.Random, groups: dict[str, list[str]],
                 flows: list[str], whole: Callable[[str, str], float]) -> None:
    """Pass 3: the other "trong đó" parts, a fraction of their whole."""
    grouped = {code for parts in groups.values() for code in parts}
    for row in layout.rows:
        if not row.part_of or row.code in grouped:
            continue
        fraction = rnd.random()
        for col in flows:
            cell = layout.cells[(row.code, col)]
            if cell.kind == INPUT:
                money = cell.measure.type == "money"
                values[(row.code, col)] = _floor(fraction * whole(row.part_of, col), money)
                if not money:
                    values[(row.code, col)] = int(values[(row.code, col)])


_LINK = re.compile(r"B02\[(\d+), 1\] = (B\d\d)\[(\d+), 1\]")


def _money_links(rules: RuleSet) -> list[tuple[str, str, int]]:
    """(B02 row, sub-project form, first code of its money block) from the cross-form rules."""
    out = []
    for rule in rules.rules:
        match = _LINK.fullmatch(rule.text.strip())
        if match:
            out.append((match.group(1), match.group(2), int(match.group(3))))
    return out


def _b02(values_by_form: dict[str, Values], rules: RuleSet, rnd: random.Random) -> Values:
    # Biểu 02's input columns, and where each comes from in a money block (offset from its total row):
    # NSTW/NSĐP by ĐTPT and SN, huy động khác (offset 7) and vốn năm trước chuyển sang (offset 8)
    plan = {"3": (2, "1"), "4": (3, "1"), "6": (5, "1"), "7": (6, "1"), "14": (7, "1"), "11": (8, "1")}
    spent = {"17": (2, "3"), "18": (3, "3"), "20": (5, "3"), "21": (6, "3"), "27": (7, "3"), "25": (8, "3")}
    out: Values = {}
    for row, form, first in _money_links(rules):
        block = values_by_form.get(form, {})
        for col, (offset, source) in {**plan, **spent}.items():
            out[(row, col)] = block.get((str(first + offset), source), 0.0)
        for total, parts in ((("6", "7"), ("8", "9", "10")), (("20", "21"), ("22", "23", "24"))):
            local = round(sum(out[(row, c)] for c in total) * 1000)  # in đồng thousandths: exact shares
            for col, share in zip(parts, _split(local, len(parts), rnd), strict=True):
                out[(row, col)] = share / 1000
        planned = out[(row, "3")] + out[(row, "4")] + out[(row, "6")] + out[(row, "7")]
        used = out[(row, "17")] + out[(row, "18")] + out[(row, "20")] + out[(row, "21")]
        out[(row, "12")] = round(planned - out[(row, "11")], 3)
        out[(row, "26")] = round(used - out[(row, "25")], 3)
        out[(row, "13")] = round(planned * (1 + rnd.choice((0, 0, 0.1, -0.1))), 3)  # plan before adjustment
    return out


def _b15(layout: FormLayout, rnd: random.Random, scale: int) -> Values:
    out: Values = {}
    rows = [r for r in layout.rows if r.code != layout.definition.total_row] or [layout.rows[0]]
    for row in rows:
        households = rnd.randint(500, 2000) * scale
        start = rnd.randint(0, households // 4)
        near = rnd.randint(0, (households - start) // 4)
        left = rnd.randint(0, start)
        new, back = rnd.randint(0, 20 * scale), rnd.randint(0, 5 * scale)
        near_left = rnd.randint(0, near)
        end = start - left + new + back
        values = {"1": households, "2": start, "4": left, "5": new, "6": back, "9": near, "11": near_left,
                  "12": rnd.randint(0, 20 * scale), "13": rnd.randint(0, 5 * scale),
                  "16": rnd.randint(0, end), "18": rnd.randint(1, max(1, start // 3))}
        for col, value in values.items():
            if layout.cells[(row.code, col)].kind == INPUT:
                out[(row.code, col)] = value
    return out


_B01_B15 = re.compile(r"B01\[(\d+), 3\] = B15\[00, (\d+)\]")


def _b01_links(rules: RuleSet) -> dict[str, str]:
    """Biểu 01 row → the Biểu 15 total-row column it must equal, from the cross-form rules."""
    return {m.group(1): m.group(2) for r in rules.rules if (m := _B01_B15.fullmatch(r.text.strip()))}


def _b01(layout: FormLayout, b15: FormLayout, b15_values: Values, rnd: random.Random, scale: int,
         values: Values, links: dict[str, str]) -> None:
    totals = evaluator(b15).run(b15_values)
    total_row = b15.definition.total_row or ""

    def total(col: str) -> float:
        key = (total_row, col)
        return float(totals.get(key, b15_values.get(key)) or 0)

    for code, col in links.items():
        actual = int(total(col))
        values[(code, "3")] = actual
        values[(code, "4")] = actual
        values[(code, "2")] = actual + rnd.randint(0, 10)
        values[(code, "1")] = actual + rnd.randint(0, 50)
    start, end = totals.get((total_row, "3")), totals.get((total_row, "8"))
    if start is not None and end is not None:  # the fall in the poverty rate, as Biểu 15's rates give it
        values[("08", "3")] = round(start - end, 6)
    for col in ("1", "2", "3", "4"):  # DTTS poor are part of all poor households in every column
        values[("06", col)] = min(values[("06", col)], values[("02", col)])
    for row in layout.rows:
        for col in ("1", "2", "3", "4"):
            cell = layout.cells[(row.code, col)]
            if cell.kind != INPUT or (row.code, col) in values:
                continue
            kind = cell.measure.type
            if kind == "percent":
                values[(row.code, col)] = round(rnd.uniform(40, 100), 2)
            elif kind == "points":
                values[(row.code, col)] = round(rnd.uniform(0, 4), 2)
            else:
                values[(row.code, col)] = rnd.randint(0, 30 * scale)


def consistent_values(layouts: list[FormLayout], rules: RuleSet, *, level: str, seed: int = 0
                      ) -> dict[str, Values]:
    """One consistent return's input values, for every form in layouts."""
    rnd = random.Random(seed)
    scale = SCALE.get(level, 8)
    by_id = {layout.id: layout for layout in layouts}
    child = child_form(layout.definition for layout in layouts)  # Biểu 15: one row per child unit
    out: dict[str, Values] = {}
    for layout in layouts:
        if layout.id in ("B01", "B02") or (child and layout.id == child.id):
            continue
        values: Values = {}
        _indicator_rows(layout, values, rnd, scale, _exact_groups(rules, layout.id))
        out[layout.id] = values
    if "B02" in by_id:
        out["B02"] = _b02(out, rules, rnd)
    if child is not None:
        out[child.id] = _b15(by_id[child.id], rnd, scale)
        if "B01" in by_id:
            out["B01"] = {}
            _b01(by_id["B01"], by_id[child.id], out[child.id], rnd, scale, out["B01"], _b01_links(rules))
    return out
