"""Checks across reporting periods: a return against the returns before it and beside it.

The rules are data (``rules/periods/*.yaml``, each with its basis); the
earlier figures are given in as data too — from the register, or from an
earlier return named on the command line — so this module knows nothing of
where they were kept.  Figures are ``{form: {(row, col): value}}`` with the
derived cells recomputed (never a file's cached value).

Periods: a 6-month return (``2025-H1``) and an annual one (``2025``) both
start at the beginning of the year, so the start of either is the end of the
previous year's annual return; the annual return's cumulative figures continue
the 6-month return of the same year.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.check.outcome import Outcome
from gnbv_templates.errors import DefinitionError, UsageError
from gnbv_templates.findings import Finding, make
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import render
from gnbv_templates.forms.cache import cached
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.metaschema import CODE, TEXT, checked_documents
from gnbv_templates.forms.model import INPUT
from gnbv_templates.forms.periods import parse_period
from gnbv_templates.forms.resources import rules_dir
from gnbv_templates.forms.rules import holds
from gnbv_templates.forms.versions import versions_dir

Figures = dict[str, dict[tuple[str, str], Any]]
_AT_INPUTS = ("stock-flow", "cumulative", "plan")

PREVIOUS_YEAR, FIRST_HALF, PREVIOUS, SIBLINGS = "previous-year", "first-half", "previous", "siblings"
KINDS = {  # kind → (finding code, the comparison it makes, may it be an error)
    "stock-flow": ("period.stock-flow", "==", True),
    "cumulative": ("period.decreased", ">=", True),
    "plan": ("period.plan-changed", "==", True),
    "jump": ("period.jump", None, False),
    "outlier": ("period.outlier", None, False),
}

_COMMON = {
    "id": {**TEXT, "required": True, "regex": r"[A-Za-z0-9{][A-Za-z0-9_.\-{} ]{0,80}"},
    "title": {**TEXT, "required": True},
    "basis": {**TEXT, "required": True},
    "kind": {"type": "string", "allowed": list(KINDS), "required": True},
    "against": {"type": "string", "allowed": [PREVIOUS_YEAR, FIRST_HALF, PREVIOUS, SIBLINGS], "required": True},
    "form": {"type": "string", "regex": r"B\d{2}|\{\{.*\}\}", "required": True},
    "for_each": {"type": "string", "allowed": ["row"]},
    "rows": {"type": "list", "schema": TEXT},
    "this": {**TEXT, "required": True},
    "earlier": TEXT,
    "what": {**TEXT, "required": True},
    "what_en": TEXT,
    "severity": {"type": "string", "allowed": ["error", "warning"], "required": True},
    "skip_measures": {"type": "list", "schema": TEXT},
    "unless": TEXT,
    "unless_note": {"type": "dict", "schema": {"col": {**CODE, "required": True},
                                               "contains": {"type": "list", "schema": TEXT, "required": True}}},
    "factor": {"type": "number", "min": 1},
    "min_change": {"type": "number", "min": 0},
    "method": {"type": "string", "allowed": ["robust-z", "min-max"]},
    "threshold": {"type": "number", "min": 0},
    "margin": {"type": "number", "min": 0},
    "min_units": {"type": "integer", "min": 3},
    "each": {"type": "list", "schema": {"type": "dict", "keysrules": CODE, "valuesrules": {"type": "string"}}},
}
PERIOD_RULES_FILE = {"period_rules": {"type": "list", "required": True, "schema": {"type": "dict", "schema": _COMMON}}}


@dataclass(frozen=True)
class PeriodRule:
    id: str
    kind: str
    against: str
    form: str
    for_each: str | None
    rows: tuple[str, ...] | None
    this: ex.Node
    earlier: ex.Node | None
    what: str
    what_en: str
    basis: str
    severity: str
    skip_measures: tuple[str, ...] = ()
    note_col: str | None = None
    note_words: tuple[str, ...] = ()
    unless: tuple[ex.Node, str, ex.Node] | None = None  # a check on this period's figures that excuses the rule
    factor: float = 2.0
    min_change: float = 0.0
    method: str = "robust-z"
    threshold: float = 3.5
    margin: float = 0.0
    min_units: int = 5
    source: str = ""


@dataclass
class Earlier:
    """The figures of one earlier return, and where they came from (shown to people)."""

    period: str
    figures: Figures
    source: str = ""
    # form → structure fingerprint as issued; a form whose structure differs from this return's is not compared
    fingerprints: dict[str, str] = field(default_factory=dict)


@dataclass
class History:
    """What a return is compared with: the periods before it and the other units of its parent."""

    previous_year: Earlier | None = None
    first_half: Earlier | None = None
    siblings: dict[str, Figures] = field(default_factory=dict)
    siblings_period: str = ""

    def against(self, which: str) -> Earlier | None:
        if which == PREVIOUS_YEAR:
            return self.previous_year
        if which == FIRST_HALF:
            return self.first_half
        if which == PREVIOUS:
            return self.first_half or self.previous_year
        return None


def earlier_periods(period: str) -> dict[str, str]:
    """The periods a return is compared with: {'previous-year': '2024', 'first-half': '2025-H1'}."""
    p = parse_period(period)
    out = {PREVIOUS_YEAR: str(p.year - 1)}
    if p.kind == "year":
        out[FIRST_HALF] = f"{p.year}-H1"
    return out


def place(history: History, current_period: str, earlier: Earlier) -> None:
    """Put an earlier return where it belongs, or say why it cannot be compared."""
    wanted = earlier_periods(current_period)
    if earlier.period == wanted[PREVIOUS_YEAR]:
        history.previous_year = earlier
    elif earlier.period == wanted.get(FIRST_HALF):
        history.first_half = earlier
    else:
        choices = " hoặc ".join(wanted.values())
        raise UsageError(
            f"Biểu kỳ trước ({earlier.source or earlier.period}) là kỳ {earlier.period}; để so với kỳ "
            f"{current_period} cần biểu kỳ {choices}.",
            english=f"The earlier return is for {earlier.period}; {current_period} compares with "
                    f"{' or '.join(wanted.values())}.")


def outcome_figures(outcome: Outcome) -> Figures:
    """Input and recomputed derived values of every form of a checked return."""
    return {form: {**state.inputs, **state.derived} for form, state in outcome.forms.items()}


def as_earlier(outcome: Outcome, source: str = "") -> Earlier:
    """A checked return as the earlier return of another."""
    return Earlier(outcome.period, outcome_figures(outcome), source,
                   {form: state.layout.fingerprint for form, state in outcome.forms.items()})


# -- rules -----------------------------------------------------------------------
def period_rules_dir(directory: Path | str | None = None) -> Path:
    return Path(directory) if directory else rules_dir() / "periods"


_VERSION = re.compile(r"\d{4}\.\d+")


def rules_for(version: str) -> list[PeriodRule]:
    """The period rules that hold for a catalog version: ``rules/periods`` for the current one, the kept
    version's own ``templates/versions/<v>/rules/periods`` for an earlier one, none for a version not kept
    (column codes change meaning between versions: no rule is better than a wrong one)."""
    if not version or version == load_catalog().version:
        folder = period_rules_dir()
    elif _VERSION.fullmatch(version):  # text read from a file: never a path
        folder = versions_dir() / version / "rules" / "periods"
    else:
        return []
    if not folder.is_dir():
        return []
    # loaded once per content, reloaded when a file changes: the definitions' own cache
    return cached("period-rules", folder, sorted(folder.glob("*.yaml")), lambda: load_period_rules(folder), list)


def load_period_rules(directory: Path | str | None = None) -> list[PeriodRule]:
    folder = period_rules_dir(directory)
    problems: list[str] = []
    out: list[PeriodRule] = []
    seen: dict[str, str] = {}
    for path, doc in checked_documents(sorted(folder.glob("*.yaml")), PERIOD_RULES_FILE, problems):
        for index, raw in enumerate(doc["period_rules"]):
            where = f"{path}:{doc['period_rules'].lines[index]}"
            for params in raw.get("each") or [{}]:
                try:
                    rule = _build(raw, dict(params), where)
                except (ex.ExpressionError, ValueError) as exc:
                    problems.append(f"{where}: luật {raw.get('id')}: {exc}")
                    continue
                if rule.id in seen:
                    problems.append(f"{where}: mã luật {rule.id} trùng với {seen[rule.id]}")
                seen[rule.id] = where
                out.append(rule)
    if problems:
        raise DefinitionError(problems)
    return out


def _sub(text: str, params: dict[str, str]) -> str:
    return render.render(text, params) if params and "{{" in text else text


def _build(raw: dict[str, Any], params: dict[str, str], source: str) -> PeriodRule:
    this = ex.parse(_sub(raw["this"], params))
    earlier = ex.parse(_sub(raw["earlier"], params)) if raw.get("earlier") else None
    _refuse_inconsistent(raw, this, earlier)
    note = raw.get("unless_note") or {}
    what = _sub(raw["what"], params)
    return PeriodRule(
        id=_sub(raw["id"], params), kind=raw["kind"], against=raw["against"], form=_sub(raw["form"], params),
        for_each=raw.get("for_each"), rows=tuple(_sub(r, params) for r in raw["rows"]) if "rows" in raw else None,
        this=this, earlier=earlier, what=what, what_en=_sub(raw["what_en"], params) if "what_en" in raw else what,
        basis=_sub(raw["basis"], params), severity=raw["severity"],
        skip_measures=tuple(raw.get("skip_measures", ())), note_col=note.get("col"),
        note_words=tuple(_fold(w) for w in note.get("contains", ())),
        unless=ex.parse_check(_sub(raw["unless"], params)) if raw.get("unless") else None,
        factor=float(raw.get("factor", 2.0)), min_change=float(raw.get("min_change", 0.0)),
        method=raw.get("method", "robust-z"), threshold=float(raw.get("threshold", 3.5)),
        margin=float(raw.get("margin", 0.0)), min_units=int(raw.get("min_units", 5)), source=source,
    )


def _refuse_inconsistent(raw: dict[str, Any], this: ex.Node, earlier: ex.Node | None) -> None:
    """What the meta-schema cannot say: combinations of keys that make no sense."""
    kind = raw["kind"]
    if raw["severity"] == "error" and not KINDS[kind][2]:
        raise ValueError(f"luật loại {kind} chỉ được là cảnh báo (severity: warning), không bao giờ là lỗi")
    if (raw["against"] == SIBLINGS) != (kind == "outlier"):
        raise ValueError("so với các đơn vị cùng cấp (against: siblings) chỉ dùng cho loại outlier, và ngược lại")
    if kind in _AT_INPUTS and earlier is None:
        raise ValueError(f"luật loại {kind} cần biểu thức earlier (số của kỳ trước)")
    nodes = [this] + ([earlier] if earlier is not None else [])
    if any(r.code is not None for n in nodes for r in ex.refs(n)) and not raw.get("for_each"):
        raise ValueError("tham chiếu [mã] một thành phần cần for_each: row")


def _fold(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())


# -- evaluation ------------------------------------------------------------------
def check_periods(outcome: Outcome, history: History, rules: list[PeriodRule] | None = None) -> list[Finding]:
    """Findings of the checks across periods for one checked return (none where nothing is to compare)."""
    rules = rules_for(outcome.catalog_version) if rules is None else rules
    current = outcome_figures(outcome)
    findings: list[Finding] = []
    for rule in rules:
        if rule.form not in outcome.forms:
            continue
        if rule.kind == "outlier":
            findings += _outliers(outcome, rule, current, history)
            continue
        earlier = history.against(rule.against)
        if earlier is None or not _same_structure(outcome, earlier, rule.form):
            continue
        for this, before, at in _instances(outcome, rule):
            a = _value(this, current, rule.form)
            b = _value(before, earlier.figures, rule.form)
            if a is None or b is None:
                continue
            finding = _compare(outcome, rule, earlier, at, a, b, current)
            if finding is not None:
                findings.append(finding)
    return findings


def _same_structure(outcome: Outcome, earlier: Earlier, form: str) -> bool:
    """Same codes may mean other things in another catalog version: compare only forms built alike."""
    theirs = earlier.fingerprints.get(form)
    return theirs is None or theirs == outcome.forms[form].layout.fingerprint


def _instances(outcome: Outcome, rule: PeriodRule) -> Iterable[tuple[ex.Node, ex.Node, ex.Ref]]:
    earlier = rule.earlier if rule.earlier is not None else rule.this
    if rule.for_each is None:
        yield rule.this, earlier, next(iter(ex.refs(rule.this)))
        return
    layout = outcome.forms[rule.form].layout
    for row in layout.rows:
        if row.section or (rule.rows is not None and row.code not in rule.rows):
            continue
        this = ex.bind(rule.this, axis="col", row=row.code)
        yield this, ex.bind(earlier, axis="col", row=row.code), next(iter(ex.refs(this)))


def _value(node: ex.Node, figures: Figures, default_form: str) -> float | None:
    def lookup(ref: ex.Ref) -> float | None:
        value = figures.get(ref.form or default_form, {}).get((ref.row or "", ref.col or ""))
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)

    try:
        value = ex.evaluate(node, lookup)
    except ZeroDivisionError:
        return None
    return None if value is None or math.isnan(value) else value


def _applies(outcome: Outcome, rule: PeriodRule, at: ex.Ref) -> bool:
    state = outcome.forms.get(at.form or rule.form)
    if state is None:
        return False
    cell = state.layout.cells.get((at.row or "", at.col or ""))
    if cell is None or not cell.measure.numeric:
        return False
    if rule.kind in _AT_INPUTS and cell.kind != INPUT:
        return False  # a total that breaks a rule does so through one of its parts, reported there
    return cell.measure.name not in rule.skip_measures and state.located.cell(cell.row, cell.col) is not None


def _compare(outcome: Outcome, rule: PeriodRule, earlier: Earlier, at: ex.Ref, a: float, b: float,
             current: Figures) -> Finding | None:
    if not _applies(outcome, rule, at) or _holds(rule, a, b):
        return None
    if _excused(rule, at, current):
        return None
    params: dict[str, Any] = {"earlier_period": earlier.period, "source": earlier.source}
    if rule.kind == "jump":
        params["factor"] = rule.factor
    return _finding(outcome, rule, at, KINDS[rule.kind][0], a, b, params)


def _holds(rule: PeriodRule, a: float, b: float) -> bool:
    """This period's figure a is as it should be against the earlier figure b."""
    slack = 0.0005 + 1e-9 * max(abs(a), abs(b))
    op = KINDS[rule.kind][1]
    if op == "==":
        return abs(a - b) <= slack
    if op == ">=":
        return a >= b - slack
    # jump: a change too small to matter, or within the declared factor either way
    change = abs(a - b)
    if change < rule.min_change or change <= slack:
        return True
    return a != 0 and b != 0 and max(a / b, b / a) <= rule.factor


def _excused(rule: PeriodRule, at: ex.Ref, current: Figures) -> bool:
    """This return says why the figure differs: its note names an adjusted plan, or its own figures show one
    (the rule's ``unless``, e.g. "[1] != [13]": the plan after adjustment is not the plan before it)."""
    form, row = at.form or rule.form, at.row or ""
    if rule.note_col:
        note = _fold(current.get(form, {}).get((row, rule.note_col)))
        if any(word in note for word in rule.note_words):
            return True
    if rule.unless is None:
        return False
    left, op, right = rule.unless
    if rule.for_each:
        left, right = ex.bind(left, axis="col", row=row), ex.bind(right, axis="col", row=row)
    a, b = _value(left, current, form), _value(right, current, form)
    return a is not None and b is not None and holds(a, op, b, 0.0005, 1e-9)


def _finding(outcome: Outcome, rule: PeriodRule, at: ex.Ref, code: str, value: float, expected: Any,
             params: dict[str, Any]) -> Finding:
    place = outcome.forms[at.form or rule.form].place(at.row or "", at.col or "")
    return make(code, severity=rule.severity, rule=rule.id, **place, value=_tidy(value), expected=_tidy(expected),
                params={"what": rule.what, "what_en": rule.what_en, "basis": rule.basis, "label": place["row_label"],
                        **params})


def _tidy(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return round(value, 4) if isinstance(value, float) else value


def _outliers(outcome: Outcome, rule: PeriodRule, current: Figures, history: History) -> list[Finding]:
    out = []
    for this, _, at in _instances(outcome, rule):
        a = _value(this, current, rule.form)
        others = [v for v in (_value(this, figures, rule.form) for figures in history.siblings.values())
                  if v is not None]
        if a is None or len(others) < rule.min_units - 1 or not _applies(outcome, rule, at):
            continue
        if rule.method == "robust-z":
            # the modified z-score of Iglewicz and Hoaglin, as DHIS2 computes it: 0.6745 (x − median) / MAD
            median = statistics.median(others)
            mad = statistics.median(abs(v - median) for v in others)
            if mad == 0:
                continue
            score = 0.6745 * (a - median) / mad
            if abs(score) <= rule.threshold:
                continue
            detail = {"method": "robust-z", "score": round(score, 1), "threshold": rule.threshold,
                      "median": _tidy(median), "units": len(others)}
            expected: Any = _tidy(median)
        else:
            low, high = min(others), max(others)
            spread = (high - low) * rule.margin
            if low - spread <= a <= high + spread:
                continue
            detail = {"method": "min-max", "low": _tidy(low - spread), "high": _tidy(high + spread),
                      "units": len(others)}
            expected = f"[{_tidy(low - spread)}; {_tidy(high + spread)}]"
        out.append(_finding(outcome, rule, at, "period.outlier", a, expected,
                            {**detail, "earlier_period": history.siblings_period}))
    return out
